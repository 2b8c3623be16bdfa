// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_MODEL_HPP
#define OPENCV_INTERP_MODEL_HPP

#include <opencv2/core.hpp>
#include <opencv2/interp/engine.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_io
//! @{

/** @brief How images become network input blobs (the arguments of cv::dnn::blobFromImages, plus a per-channel
standard deviation), and back.

Blob channel c is `(resize(image)_c - mean[c]) * scale / std[c]`, channels swapped first when `swapRB`; with `crop`
the image is resized keeping its aspect ratio to cover `size` and the centre is cut out. `mean` and `std` are in
0-255 pixel units and in the order of the blob's channels (after swapping), as cv::dnn::blobFromImage has them:

| model | swapRB | mean | std | scale |
|---|---|---|---|---|
| torchvision (ImageNet) | true | 123.675, 116.28, 103.53 | 58.395, 57.12, 57.375 | 1 |
| Caffe BVLC (AlexNet, GoogLeNet) | false | 104, 117, 123 | 1, 1, 1 | 1 |
| pixels in 0..1 | any | 0 | 1 | 1/255 |
*/
struct CV_EXPORTS_W_SIMPLE Preprocessing
{
    CV_WRAP Preprocessing() : size(0, 0), scale(1.0), mean(), std(1, 1, 1, 1), swapRB(false), crop(false) {}

    CV_PROP_RW Size size;     //!< network input size; (0, 0) keeps each image's size
    CV_PROP_RW double scale;  //!< multiplies pixel values after the mean is subtracted (all channels)
    CV_PROP_RW Scalar mean;   //!< subtracted per channel, 0-255 units (in the order after swapping, as blobFromImage)
    CV_PROP_RW Scalar std;    //!< divides each channel after the mean and scale, 0-255 units, same order; all positive
    CV_PROP_RW bool swapRB;   //!< swap the first and third channel (BGR images -> RGB networks)
    CV_PROP_RW bool crop;     //!< resize keeping the aspect ratio and crop the centre

    //! Blob units per grey level of blob channel `c`: `scale / std[c]` (blob = (pixel - mean[c]) * channelScale(c)).
    CV_WRAP double channelScale(int c) const;
    //! Raises a cv::Exception naming the problem when the parameters cannot make a blob (a std that is not positive...).
    CV_WRAP void check() const;
    //! One line for people: "224 x 224, RGB, mean (123.675, 116.28, 103.53), std (58.395, 57.12, 57.375)".
    CV_WRAP String describe() const;

    //! N x C x H x W float32 blob of the images (8-bit or float, 1 or 3 channels).
    CV_WRAP Mat toBlob(InputArrayOfArrays images) const;
    //! Sample `index` of a blob back to an 8-bit image in the images' channel order (clipped to 0..255).
    CV_WRAP Mat toImage(const Mat& blob, int index = 0) const;
    /** @brief A map over the network input (H x W, any type) placed back onto an original image of `imageSize`:
    the resize (and crop) is undone; with `crop` the parts that were cut away get `fill`. */
    CV_WRAP Mat mapToImage(const Mat& map, Size imageSize, double fill = 0) const;
    //! The region of an `imageSize` image that the network sees (the whole image unless `crop`).
    CV_WRAP Rect visibleRegion(Size imageSize) const;
};

/** @brief What the module knows about a model: files, preprocessing, class names and notable layers.

Read from a model-description JSON file (readModelInfo(); the embedded models have one each in data/models/, and
`interp describe` writes one for any model; the format is documented in doc/own-model.md), or put together from
flags by the command-line tool.
*/
struct CV_EXPORTS_W_SIMPLE ModelInfo
{
    CV_WRAP ModelInfo() : accuracy(-1) {}

    CV_PROP_RW String name;                      //!< short name ("alexnet_fmnist", or the model file's stem)
    CV_PROP_RW String model;                     //!< model file
    CV_PROP_RW String config;                    //!< configuration file, if any (Caffe prototxt)
    CV_PROP_RW Preprocessing preprocessing;      //!< how to make input blobs
    CV_PROP_RW std::vector<String> classNames;   //!< class index -> name; empty when unknown
    CV_PROP_RW String lastConvLayer;             //!< output of the last convolutional block (Grad-CAM default)
    CV_PROP_RW String logitsLayer;               //!< pre-softmax class scores
    CV_PROP_RW String probLayer;                 //!< softmax probabilities (empty when the network ends in the logits)
    CV_PROP_RW double accuracy;                  //!< accuracy on the evaluation images, -1 when unknown
    CV_PROP_RW String card;                      //!< model card (Markdown), if known
    /** Folder of images with object masks (`<folder>/masks/<same file name>`) that the model's classes apply to,
    used by default to evaluate saliency methods (the embedded models: their test scenes); empty when none. */
    CV_PROP_RW String evaluationImages;

    //! Class name of index k, or "class k" when unknown.
    CV_WRAP String className(int k) const;
};

/** @brief Reads a model description (JSON; format in doc/own-model.md).
File names in it are relative to the JSON file's folder.
@param path the JSON file
@param format which of the model's files to use when it lists several: "onnx" or "caffe"; empty: the generic
`model` / `config` entries, else ONNX, else Caffe
*/
CV_EXPORTS_W ModelInfo readModelInfo(const String& path, const String& format = String());

/** @brief Writes a model description that readModelInfo() reads back (written whole or not at all).
File names are written relative to the JSON file's folder when they are inside it, else absolute. */
CV_EXPORTS_W void writeModelInfo(const String& path, const ModelInfo& info);

/** @brief Class names from a label file: one name per line, or ImageNet `synset_words.txt` lines
("n01440764 tench, Tinca tinca" gives "tench": the WordNet id is dropped and the first synonym kept).
Raises a cv::Exception for a missing or empty file. */
CV_EXPORTS_W std::vector<String> readClassNames(const String& path);

/** @brief The input shape a model file fixes (N x C x H x W), or an empty shape when it does not: read from an ONNX
graph's input (empty when a dimension other than the batch is symbolic) or from the Input layer / input_shape of a
Caffe prototxt (or any format cv::dnn records an input shape for). */
CV_EXPORTS_W std::vector<int> modelInputShape(const String& model, const String& config = String());

/** @brief The description of a model file: `<model stem>.json` next to it when present, else the file names, the
input size the model itself fixes (modelInputShape()) and default preprocessing. */
CV_EXPORTS_W ModelInfo modelInfoFor(const String& model, const String& config = String());

/** @brief Completes and checks a description against the loaded network, before any long work.

Fills what is missing from what the network says: the input size (modelInputShape()), the logits, probability and
last-convolution layers (Graph::scoreLayer(), Graph::outputLayer(), defaultGradCamLayer()). Then checks the
preprocessing (Preprocessing::check()), runs one blob of the input size through the network and checks that the
number of class names equals the number of class scores. Raises a cv::Exception saying what is missing or wrong
and what to give instead (the command-line flag, e.g. `--size W,H`).
*/
CV_EXPORTS_W ModelInfo describeModel(const Ptr<Explainer>& explainer, const ModelInfo& info);

//! Names of the embedded models (data/models/*.json).
CV_EXPORTS_W std::vector<String> embeddedModels();

/** @brief An embedded model by name, from cv::interp::dataDirectory().
The default, "alexnet_fmnist", is the AlexNet-style classifier the CLI and report use. */
CV_EXPORTS_W ModelInfo embeddedModel(const String& name = "alexnet_fmnist", const String& format = "onnx");

//! Paths of the embedded demo images (data/demo/*.png), sorted.
CV_EXPORTS_W std::vector<String> demoImages();

/** @brief Image files under a directory (recursively) or listed in a text file (one path per line, relative to the
file's folder; `#` starts a comment line), sorted. A `masks` folder directly inside the directory is skipped: it
holds the object masks of an evaluation set (`<dir>/masks/<same file name>`), not images of the set. */
CV_EXPORTS_W std::vector<String> listImages(const String& directoryOrList);

//! @}

}  // namespace interp
}  // namespace cv

#endif
