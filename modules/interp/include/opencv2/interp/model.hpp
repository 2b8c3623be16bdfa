// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_MODEL_HPP
#define OPENCV_INTERP_MODEL_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_io
//! @{

/** @brief How images become network input blobs (the arguments of cv::dnn::blobFromImages), and back.

A blob is `(resize(image) - mean) * scale`, channels swapped first when `swapRB`; with `crop` the image is
resized keeping its aspect ratio to cover `size` and the centre is cut out.
*/
struct CV_EXPORTS_W_SIMPLE Preprocessing
{
    CV_WRAP Preprocessing() : size(0, 0), scale(1.0), mean(), swapRB(false), crop(false) {}

    CV_PROP_RW Size size;     //!< network input size; (0, 0) keeps each image's size
    CV_PROP_RW double scale;  //!< multiplies pixel values after the mean is subtracted
    CV_PROP_RW Scalar mean;   //!< subtracted per channel (in the order after swapping, as blobFromImage)
    CV_PROP_RW bool swapRB;   //!< swap the first and third channel (BGR images -> RGB networks)
    CV_PROP_RW bool crop;     //!< resize keeping the aspect ratio and crop the centre

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

Read from the JSON file that accompanies each embedded model (data/models/<name>.json).
*/
struct CV_EXPORTS_W_SIMPLE ModelInfo
{
    CV_WRAP ModelInfo() : accuracy(-1) {}

    CV_PROP_RW String name;                      //!< short name ("alexnet_fmnist")
    CV_PROP_RW String model;                     //!< model file (absolute path)
    CV_PROP_RW String config;                    //!< configuration file, if any (Caffe prototxt)
    CV_PROP_RW Preprocessing preprocessing;      //!< how to make input blobs
    CV_PROP_RW std::vector<String> classNames;   //!< class index -> name
    CV_PROP_RW String lastConvLayer;             //!< output of the last convolutional block (Grad-CAM default)
    CV_PROP_RW String logitsLayer;               //!< pre-softmax class scores
    CV_PROP_RW String probLayer;                 //!< softmax probabilities
    CV_PROP_RW double accuracy;                  //!< accuracy on the embedded test scenes, -1 when unknown
    CV_PROP_RW String card;                      //!< model card (Markdown), if known

    //! Class name of index k, or "class k" when unknown.
    CV_WRAP String className(int k) const;
};

/** @brief Reads a model description (JSON as written by data/train_models.py).
@param path the JSON file
@param format "onnx" (default) or "caffe": which of the model's files to use
*/
CV_EXPORTS_W ModelInfo readModelInfo(const String& path, const String& format = "onnx");

/** @brief The description of a model file: `<model>.json` next to it when present, else only the paths
(preprocessing left at its defaults). */
CV_EXPORTS_W ModelInfo modelInfoFor(const String& model, const String& config = String());

//! Names of the embedded models (data/models/*.json).
CV_EXPORTS_W std::vector<String> embeddedModels();

/** @brief An embedded model by name, from cv::interp::dataDirectory().
The default, "alexnet_fmnist", is the AlexNet-style classifier the CLI and report use. */
CV_EXPORTS_W ModelInfo embeddedModel(const String& name = "alexnet_fmnist", const String& format = "onnx");

//! Paths of the embedded demo images (data/demo/*.png), sorted.
CV_EXPORTS_W std::vector<String> demoImages();

//! Image files under a directory (recursively) or listed in a text file (one path per line), sorted.
CV_EXPORTS_W std::vector<String> listImages(const String& directoryOrList);

//! @}

}  // namespace interp
}  // namespace cv

#endif
