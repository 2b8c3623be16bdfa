// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#ifndef OPENCV_INTERP_SALIENCY_HPP
#define OPENCV_INTERP_SALIENCY_HPP

#include <opencv2/core.hpp>
#include <opencv2/interp/attribution.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/occlusion.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_evaluation
//! @{

/** @brief Settings of every saliency method reachable by name through saliencyMaps(). */
struct CV_EXPORTS_W_SIMPLE SaliencyParams
{
    CV_WRAP SaliencyParams() {}
    /** Gradient-based methods: the AttributionParams (its `method` is replaced by the method named in the call). */
    CV_PROP_RW AttributionParams attribution;
    /** "occlusion": window, stride, fill, score... (its `classes` are replaced by the targets' classes). */
    CV_PROP_RW OcclusionParams occlusion;
};

/** @brief The names saliencyMaps() accepts: every attributionMethodName() ("gradient", "input-x-gradient", "guided",
"deconvnet", "gradcam", "guided-gradcam", "smoothgrad", "ig") and "occlusion". */
CV_EXPORTS_W std::vector<String> saliencyMethodNames();

/** @brief One H x W saliency map per image from any method, named as in the CLI's `--method`.

Larger values mean more important for the target. Gradient methods use attribute() with the method's default channel
reduction; "occlusion" uses Occlusion::compute() and returns its per-pixel drop map (how much the class score falls
when a window covering the pixel is hidden), which is only defined for class targets.
@param explainer the network
@param blob N x C x H x W float32 input
@param targets one target for all images or one per image
@param method one of saliencyMethodNames()
@param params settings of the methods
*/
CV_EXPORTS_W std::vector<Mat> saliencyMaps(const Ptr<Explainer>& explainer, InputArray blob,
                                           const std::vector<Target>& targets, const String& method,
                                           const SaliencyParams& params = SaliencyParams());

/** @brief Class predicted for each image of a batch: the argmax of Graph::scoreLayer()'s output.
@param explainer the network
@param blob N x C x H x W float32 input
@param scores out (optional): N x K float32 class scores (the score layer's output)
*/
CV_EXPORTS_W std::vector<int> predictClasses(const Ptr<Explainer>& explainer, InputArray blob,
                                             OutputArray scores = noArray());
/** @overload
Reads the scores from a tape of a forward pass that was already run (no second forward pass).
@param explainer the network
@param tape a forward pass of `explainer`
@param scores out (optional): N x K float32 class scores
*/
CV_EXPORTS std::vector<int> predictClasses(const Explainer& explainer, const Tape& tape,
                                           OutputArray scores = noArray());

/** @brief Row-wise softmax of N x K class scores: the class probabilities (computed in double, returned as
float32), what the report and the command-line tool print as `p = ...`. */
CV_EXPORTS_W Mat softmaxRows(InputArray scores);

//! @}

}  // namespace interp
}  // namespace cv

#endif
