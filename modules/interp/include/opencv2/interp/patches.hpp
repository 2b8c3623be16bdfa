// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_PATCHES_HPP
#define OPENCV_INTERP_PATCHES_HPP

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/model.hpp>
// The "what a layer sees" group: including patches.hpp brings in activation grids and receptive fields too.
#include <opencv2/interp/activations.hpp>
#include <opencv2/interp/receptive_field.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_layers
//! @{

/** @brief One of the top positions of a channel: where in which image the channel fired most.

Positions are ranked by value (largest first); equal values by image index, then row, then column (smallest
first), so results are deterministic and independent of batching and sharding.
*/
struct CV_EXPORTS_W_SIMPLE Patch
{
    CV_WRAP Patch() : channel(0), rank(0), image(-1), y(0), x(0), value(0) {}

    CV_PROP_RW String layer;  //!< layer name (as cv::dnn names it)
    CV_PROP_RW int channel;   //!< channel of the layer
    CV_PROP_RW int rank;      //!< 0 for the strongest position of the channel
    CV_PROP_RW int image;     //!< index of the image in the dataset list (the whole list, not the shard)
    CV_PROP_RW String file;   //!< the image file
    CV_PROP_RW int y;         //!< row in the layer's output map (0 for vector outputs)
    CV_PROP_RW int x;         //!< column in the layer's output map (0 for vector outputs)
    CV_PROP_RW float value;   //!< the activation
};

//! What minePatches() searches for and how it streams the dataset.
struct CV_EXPORTS_W_SIMPLE PatchMiningParams
{
    CV_WRAP PatchMiningParams() : topK(9), onePerImage(false), batchSize(16), shardIndex(0), shardCount(1), prefetch(2) {}

    CV_PROP_RW std::vector<String> layers;  //!< layers to mine (names as in `interp layers`; the `onnx_node!` prefix is optional)
    CV_PROP_RW std::vector<int> channels;   //!< channels mined in every layer; empty: all channels
    CV_PROP_RW int topK;                    //!< positions kept per channel
    CV_PROP_RW bool onePerImage;            //!< keep at most one position (the image's best) per image and channel
    CV_PROP_RW int batchSize;               //!< images per forward pass
    CV_PROP_RW int shardIndex;              //!< this run processes the images whose index i satisfies i % shardCount == shardIndex
    CV_PROP_RW int shardCount;              //!< number of shards the dataset is split into
    CV_PROP_RW int prefetch;                //!< decoded batches the decoder thread may queue ahead of the network
    CV_PROP_RW String source;               //!< the dataset directory or list file (recorded in the results)
};

/** @brief Result of minePatches(): the top positions of every mined channel, with what is needed to render,
merge and reproduce them. Saved as JSON by writePatchResult(). */
struct CV_EXPORTS_W_SIMPLE PatchMiningResult
{
    CV_WRAP PatchMiningResult()
        : datasetSize(0), shardCount(1), imagesProcessed(0), imagesSkipped(0), topK(0), onePerImage(false) {}

    CV_PROP_RW String model;                               //!< model file
    CV_PROP_RW String config;                              //!< configuration file, if any
    CV_PROP_RW Preprocessing preprocessing;                //!< how images became blobs
    CV_PROP_RW String source;                              //!< dataset directory or list file
    CV_PROP_RW int datasetSize;                            //!< images in the whole dataset (every shard)
    CV_PROP_RW String datasetHash;                         //!< fingerprint of the dataset's image list (shards must agree)
    CV_PROP_RW int shardCount;                             //!< number of shards of the dataset
    CV_PROP_RW std::vector<int> shards;                    //!< shards this result covers (0..shardCount-1 when complete)
    CV_PROP_RW int imagesProcessed;                        //!< images that went through the network
    CV_PROP_RW int imagesSkipped;                          //!< unreadable files that were skipped
    CV_PROP_RW std::vector<String> skippedFiles;           //!< the first 100 of them
    CV_PROP_RW int topK;                                   //!< positions kept per channel
    CV_PROP_RW bool onePerImage;                           //!< at most one position per image and channel
    CV_PROP_RW std::vector<String> layers;                 //!< mined layers (cv::dnn names)
    CV_PROP_RW std::vector<std::vector<int> > layerShapes; //!< per layer: C, H, W of one sample's output (1, 1 for vectors)
    CV_PROP_RW std::vector<std::vector<int> > channels;    //!< per layer: the mined channels
    CV_PROP_RW std::vector<Patch> patches;                 //!< grouped by layer, then channel (in `channels` order), then rank

    //! The top positions of one channel of a layer, best first (empty when the channel was not mined).
    CV_WRAP std::vector<Patch> top(const String& layer, int channel) const;
    //! True when every shard of the dataset is covered.
    CV_WRAP bool complete() const;
};

//! Progress of minePatches(): dataset entries of this shard handled so far (read or skipped) and their total.
typedef std::function<void(int done, int total)> MiningProgress;

/** @brief Streams a dataset through a network and keeps, for every chosen channel of the chosen layers, the K
positions with the largest activations @cite zeiler2014visualizing.

A decoder thread reads and preprocesses images into batches in a bounded queue while the network runs, so
decoding overlaps inference; memory does not grow with the dataset (K entries per channel are kept). Every
forward pass has the same batch shape (the last batch is padded with copies of its last image, whose results
are ignored), so every image's activations are computed the same way whatever its batch and shard. Unreadable
files are skipped with a warning and counted.

@param explainer the network (cv::interp::readNet()); its forward passes record every layer's true output (no layer
       fusion: with fusion, cv::dnn 4.6 returns wrong values for some requested outputs)
@param model the preprocessing, and the model names recorded in the result (e.g. embeddedModel() or modelInfoFor())
@param images the dataset, in a fixed order (e.g. listImages()); image indices refer to it
@param params layers, channels, K, batching and sharding
*/
CV_EXPORTS_W PatchMiningResult minePatches(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                           const std::vector<String>& images, const PatchMiningParams& params);

//! minePatches() with a progress callback (called from the calling thread after each batch).
CV_EXPORTS PatchMiningResult minePatches(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                         const std::vector<String>& images, const PatchMiningParams& params,
                                         const MiningProgress& progress);

/** @brief Writes a mining result as JSON (whole or not at all): model, layers, preprocessing, dataset, shards and
the entries. Activations are written with 9 significant digits, so they read back bit-exactly. */
CV_EXPORTS_W void writePatchResult(const String& path, const PatchMiningResult& result);

//! Reads a JSON file written by writePatchResult(); raises a cv::Exception saying what is wrong with it.
CV_EXPORTS_W PatchMiningResult readPatchResult(const String& path);

/** @brief Combines the results of shards of one dataset into the result a single run over those shards gives.
The parts must come from the same model, layers, channels, K, one-per-image setting, preprocessing and dataset,
and cover different shards. A complete merge (every shard) reports one shard of one, as a single run does, so its
JSON file equals the single run's. */
CV_EXPORTS_W PatchMiningResult mergePatchResults(const std::vector<PatchMiningResult>& parts);

//! Layout of the patch grids.
struct CV_EXPORTS_W_SIMPLE PatchGridParams
{
    CV_WRAP PatchGridParams() : tileSize(0), gap(2), labels(true), gradientStd(3.0), batchSize(16) {}

    CV_PROP_RW std::vector<int> channels;  //!< rows (mined channels of the layer); empty: every mined channel
    CV_PROP_RW int tileSize;               //!< longer side of a tile in pixels; 0: the receptive field, enlarged to >= 48 px by an integer factor
    CV_PROP_RW int gap;                    //!< pixels between tiles
    CV_PROP_RW bool labels;                //!< channel numbers at the left of each row
    CV_PROP_RW double gradientStd;         //!< gradient tiles show mean +- gradientStd standard deviations as black..white
    CV_PROP_RW int batchSize;              //!< samples per guided-backprop pass
};

/** @brief The patch of an original image that a network-input rectangle covers, padded where it leaves the image.

The rectangle (e.g. ReceptiveField::nominalRect()) is in network-input pixels; it is mapped back through the
preprocessing (resize, centre crop) to the original image. Outside the image the patch is filled with the mean
colour, the pixel value that becomes 0 in the blob, i.e. what the network's zero padding "sees".
@param image original image (BGR, 8-bit)
@param prep the preprocessing that made the network input from it
@param networkRect rectangle in network-input pixels
@param tileSize when not empty, the patch is resized to it (nearest neighbour when enlarging, area when shrinking)
*/
CV_EXPORTS_W Mat extractPatch(const Mat& image, const Preprocessing& prep, const Rect& networkRect, Size tileSize = Size());

/** @brief Renders the top patches of one mined layer: one row per channel, one column per rank.

`patches` shows each position's receptive field cropped from its original image; `guided` (optional) the guided
backpropagation @cite springenberg2015striving of that neuron inside the same field, the right-hand panel of
Zeiler and Fergus @cite zeiler2014visualizing. Both grids have the same layout.
@param explainer the mined network, loaded with cv::interp::readNet() (the receptive fields and the guided
       backpropagation need its graph)
@param result a mining result of that network
@param layer a mined layer
@param params layout
@param patches out: the image-patch grid (CV_8UC3)
@param guided out: the guided-backpropagation grid (CV_8UC3); skipped when not requested
*/
CV_EXPORTS_W void renderPatches(const Ptr<Explainer>& explainer, const PatchMiningResult& result, const String& layer,
                                const PatchGridParams& params, OutputArray patches, OutputArray guided = noArray());

//! @}

}  // namespace interp
}  // namespace cv

#endif
