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

//! @addtogroup interp_attribution
//! @{

/** @brief Everything attribute() needs to run any method. */
struct CV_EXPORTS_W_SIMPLE AttributionParams
{
    CV_WRAP AttributionParams() : method(ATTRIBUTION_GRADIENT), reduction(CHANNELS_DEFAULT) {}

    CV_PROP_RW int method;                                   //!< one of AttributionMethod
    CV_PROP_RW int reduction;                                //!< one of ChannelReduction
    CV_PROP_RW GradCamParams gradCam;                        //!< Grad-CAM and guided Grad-CAM
    CV_PROP_RW SmoothGradParams smoothGrad;                  //!< SmoothGrad
    CV_PROP_RW IntegratedGradientsParams integratedGradients;  //!< Integrated Gradients
    CV_PROP_RW OcclusionParams occlusion;                    //!< occlusion (window, stride, fill, score, engine)
};

/** @brief Runs any method, `params.method` (see AttributionMethod, or parseAttributionMethod() for the names the
command-line tool uses), with its parameters from `params`.
@param explainer the network
@param blob N x C x H x W float32 input
@param targets one target for all images or one per image; empty: the predicted class of each image
@param params the method and its settings
*/
CV_EXPORTS_W Attribution attribute(const Ptr<Explainer>& explainer, InputArray blob,
                                   const std::vector<Target>& targets, const AttributionParams& params);

//! @}

//! @addtogroup interp_engine
//! @{

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
CV_EXPORTS std::vector<int> predictClasses(const Ptr<Explainer>& explainer, const Ptr<Tape>& tape,
                                           OutputArray scores = noArray());

/** @brief Row-wise softmax of N x K class scores: the class probabilities (computed in double, returned as
float32), what the report and the command-line tool print as `p = ...`. */
CV_EXPORTS_W Mat softmaxRows(InputArray scores);

//! @}

}  // namespace interp
}  // namespace cv

#endif
