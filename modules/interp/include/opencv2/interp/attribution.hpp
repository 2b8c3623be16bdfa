// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_ATTRIBUTION_HPP
#define OPENCV_INTERP_ATTRIBUTION_HPP

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/interp/backward.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/target.hpp>
#include <opencv2/interp/visualization.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_attribution
//! @{

/** @brief The attribution methods.

Every method is batched: N images in one blob, one target for all of them or one per image; an empty target list
means the class each image is predicted as (predictClasses()).
*/
enum AttributionMethod
{
    ATTRIBUTION_GRADIENT = 0,              //!< gradient saliency @cite simonyan2014deep : d target / d input
    ATTRIBUTION_INPUT_X_GRADIENT = 1,      //!< input x gradient @cite shrikumar2017learning
    ATTRIBUTION_GUIDED_BACKPROP = 2,       //!< guided backpropagation @cite springenberg2015striving
    ATTRIBUTION_DECONVNET = 3,             //!< deconvnet @cite zeiler2014visualizing
    ATTRIBUTION_GRADCAM = 4,               //!< Grad-CAM @cite selvaraju2017gradcam
    ATTRIBUTION_GUIDED_GRADCAM = 5,        //!< guided backpropagation x upsampled Grad-CAM @cite selvaraju2017gradcam
    ATTRIBUTION_SMOOTHGRAD = 6,            //!< SmoothGrad @cite smilkov2017smoothgrad
    ATTRIBUTION_INTEGRATED_GRADIENTS = 7,  //!< Integrated Gradients @cite sundararajan2017axiomatic
    ATTRIBUTION_OCCLUSION = 8              //!< occlusion sensitivity @cite zeiler2014visualizing (see Occlusion)
};

/** @brief How an N x C x H x W attribution becomes one H x W map per image.
The values are distinct from cv::ReduceTypes (0..3), so that cv::REDUCE_SUM passed by mistake raises an error instead
of running another reduction. */
enum ChannelReduction
{
    CHANNELS_DEFAULT = -1,  //!< the method's customary reduction (see attributionMethodName() and the method docs)
    CHANNELS_MAX_ABS = 10,  //!< max over channels of |a| (Simonyan et al. 2014)
    CHANNELS_SUM_ABS = 11,  //!< sum over channels of |a| (Integrated Gradients and SmoothGrad papers)
    CHANNELS_SUM = 12,      //!< signed sum over channels (positive = evidence for the target)
    CHANNELS_L2 = 13        //!< Euclidean norm over channels
};

/** @brief Baselines of Integrated Gradients. */
enum IntegratedGradientsBaseline
{
    BASELINE_ZERO = 0,      //!< the all-zero blob (for mean-subtracted inputs: the mean image)
    BASELINE_CONSTANT = 1,  //!< every element equal to IntegratedGradientsParams::baselineValue (blob units)
    BASELINE_MEAN = 2,      //!< each channel filled with that image's own channel mean
    BASELINE_BLUR = 3,      //!< the image blurred with a Gaussian of IntegratedGradientsParams::blurSigma
    BASELINE_CUSTOM = 4     //!< IntegratedGradientsParams::baselineBlob (1 x C x H x W or N x C x H x W)
};

//! Name of a method as the CLI spells it ("gradient", "input-x-gradient", "guided", "deconvnet", "gradcam", ...).
CV_EXPORTS_W String attributionMethodName(int method);
//! The names of every method, in the order of AttributionMethod ("gradient", ..., "ig", "occlusion").
CV_EXPORTS_W std::vector<String> attributionMethodNames();
//! Parses a method name (see attributionMethodName()); raises a cv::Exception listing the valid names.
CV_EXPORTS_W int parseAttributionMethod(const String& name);
//! The reduction CHANNELS_DEFAULT stands for with `method`: CHANNELS_SUM_ABS for input x gradient, SmoothGrad and
//! Integrated Gradients, CHANNELS_MAX_ABS for the others (Grad-CAM ignores the reduction: it has one channel).
CV_EXPORTS_W int defaultReduction(int method);
//! Name of a baseline ("zero", "constant", "mean", "blur", "custom").
CV_EXPORTS_W String baselineName(int baseline);
//! Parses a baseline name; raises a cv::Exception listing the valid names.
CV_EXPORTS_W int parseBaseline(const String& name);

/** @brief Result of an attribution method for a batch of N images.

The same struct for every method, so that reports and evaluations consume all of them alike.
*/
struct CV_EXPORTS_W_SIMPLE Attribution
{
    CV_WRAP Attribution() : method(ATTRIBUTION_GRADIENT), reduction(CHANNELS_MAX_ABS) {}

    CV_PROP_RW int method;         //!< one of AttributionMethod
    CV_PROP_RW int reduction;      //!< the ChannelReduction that made `maps` from `attribution`
    /** Attribution per input element before channel reduction: N x C x H x W float32 like the input blob.
    Grad-CAM has no per-channel attribution: there it is N x 1 x H x W, the upsampled map. */
    CV_PROP_RW Mat attribution;
    CV_PROP_RW std::vector<Mat> maps;       //!< one H x W float32 map per image (input resolution)
    /** Grad-CAM, guided Grad-CAM: the h x w map at the layer's resolution; occlusion: the rows x cols grid of the
    score per window position (scores[n] - grid is the drop). */
    CV_PROP_RW std::vector<Mat> layerMaps;
    CV_PROP_RW String layer;                //!< Grad-CAM, guided Grad-CAM: the layer used; occlusion: the score layer
    CV_PROP_RW Mat layerWeights;            //!< Grad-CAM, guided Grad-CAM: N x K channel weights alpha_k
    CV_PROP_RW std::vector<double> scores;  //!< the target's value for each image, f(x)
    CV_PROP_RW std::vector<double> baselineScores;      //!< Integrated Gradients: f(baseline) per image
    CV_PROP_RW std::vector<double> completenessErrors;  //!< Integrated Gradients: |sum(attr) - (f(x) - f(baseline))|
    CV_PROP_RW Mat baseline;                //!< Integrated Gradients: the baseline blob used (N x C x H x W)
};

/** @brief Parameters of Grad-CAM and guided Grad-CAM. */
struct CV_EXPORTS_W_SIMPLE GradCamParams
{
    CV_WRAP GradCamParams() : relu(true), interpolation(INTER_LINEAR) {}

    /** Layer whose output A (N x K x h x w) is weighted. Empty: the output of the last convolutional block on the
    path to the target, see defaultGradCamLayer(). */
    CV_PROP_RW String layer;
    CV_PROP_RW bool relu;           //!< apply the ReLU of Grad-CAM to sum_k alpha_k A_k (false keeps negative evidence)
    CV_PROP_RW int interpolation;   //!< cv::InterpolationFlags used to upsample the map to the input size
};

/** @brief Parameters of SmoothGrad. */
struct CV_EXPORTS_W_SIMPLE SmoothGradParams
{
    CV_WRAP SmoothGradParams() : samples(25), noiseLevel(0.15), seed(0), batchSize(8), variant(BACKWARD_STANDARD) {}

    CV_PROP_RW int samples;        //!< noisy copies n per image
    /** Noise standard deviation as a fraction of each image's value range in the blob, max(x) - min(x)
    (Smilkov et al. recommend 0.1 to 0.2). */
    CV_PROP_RW double noiseLevel;
    CV_PROP_RW int seed;           //!< seed of the Gaussian noise (cv::RNG); results do not depend on batchSize
    /** Most copies per forward/backward pass (images and copies are mixed in a batch). Fewer when the tape of that
    many would exceed 96 MB (larger batches measured slower than single passes: their memory no longer fits the
    reused buffers and caches), and one at a time when the network fails on a batch (cv::dnn 4.6 does on some
    models exported at batch 1). The result does not depend on it. */
    CV_PROP_RW int batchSize;
    /** Explicit noise instead of random noise, added as is: n x C x H x W float32, the same n copies for every
    image of the batch. `samples`, `noiseLevel` and `seed` are then ignored. */
    CV_PROP_RW Mat noise;
    CV_PROP_RW int variant;        //!< BackwardVariant of the averaged gradients (guided gives "SmoothGrad of guided backprop")
};

/** @brief Parameters of Integrated Gradients. */
struct CV_EXPORTS_W_SIMPLE IntegratedGradientsParams
{
    CV_WRAP IntegratedGradientsParams() : steps(50), baseline(BASELINE_ZERO), baselineValue(0), blurSigma(0),
                                          batchSize(8) {}

    /** Intervals m of the path integral; the trapezoid rule evaluates the gradient at the m + 1 points
    alpha = 0, 1/m, ..., 1 with weights 1/(2m), 1/m, ..., 1/m, 1/(2m). */
    CV_PROP_RW int steps;
    CV_PROP_RW int baseline;         //!< one of IntegratedGradientsBaseline
    CV_PROP_RW double baselineValue; //!< BASELINE_CONSTANT: the value (in blob units)
    CV_PROP_RW double blurSigma;     //!< BASELINE_BLUR: Gaussian sigma in pixels; 0 = max(H, W) / 10
    CV_PROP_RW Mat baselineBlob;     //!< BASELINE_CUSTOM: 1 x C x H x W (shared) or N x C x H x W
    CV_PROP_RW int batchSize;        //!< most path points per pass, as SmoothGradParams::batchSize
};

/** @brief Gradient saliency (Simonyan et al. 2014): the attribution is d target / d input; the default map is the
max over channels of its absolute value.
@param explainer the network
@param blob N x C x H x W float32 input
@param targets one target for all images or one per image (see Target)
@param reduction a ChannelReduction
*/
CV_EXPORTS_W Attribution gradientSaliency(const Ptr<Explainer>& explainer, InputArray blob,
                                          const std::vector<Target>& targets, int reduction = CHANNELS_DEFAULT);

/** @brief Input x gradient: the input blob times d target / d input, elementwise. Default map: sum over channels of
the absolute value. */
CV_EXPORTS_W Attribution inputXGradient(const Ptr<Explainer>& explainer, InputArray blob,
                                        const std::vector<Target>& targets, int reduction = CHANNELS_DEFAULT);

/** @brief Guided backpropagation (Springenberg et al. 2015) of any target: class scores, or intermediate neurons
and channels. Default map: max over channels of the absolute value. */
CV_EXPORTS_W Attribution guidedBackprop(const Ptr<Explainer>& explainer, InputArray blob,
                                        const std::vector<Target>& targets, int reduction = CHANNELS_DEFAULT);

/** @brief Deconvnet (Zeiler and Fergus 2014) of any target. Default map: max over channels of the absolute value. */
CV_EXPORTS_W Attribution deconvnet(const Ptr<Explainer>& explainer, InputArray blob,
                                   const std::vector<Target>& targets, int reduction = CHANNELS_DEFAULT);

/** @brief Grad-CAM (Selvaraju et al. 2017) at a layer with output A of shape N x K x h x w:
alpha_k = spatial mean of d target / d A_k, map = ReLU(sum_k alpha_k A_k) at the layer's resolution
(Attribution::layerMaps), upsampled to the input size (Attribution::maps; `attribution` is N x 1 x H x W).
The maps are not normalised; see normalizeMap(). */
CV_EXPORTS_W Attribution gradCam(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                                 const GradCamParams& params = GradCamParams());

/** @brief Guided Grad-CAM: guided backpropagation times the upsampled Grad-CAM map, elementwise per channel
(the unnormalised map, as in the paper). `layerMaps`, `layer` and `layerWeights` are Grad-CAM's. */
CV_EXPORTS_W Attribution guidedGradCam(const Ptr<Explainer>& explainer, InputArray blob,
                                       const std::vector<Target>& targets,
                                       const GradCamParams& params = GradCamParams(),
                                       int reduction = CHANNELS_DEFAULT);

/** @brief SmoothGrad (Smilkov et al. 2017): the mean gradient over noisy copies of each image,
x + N(0, sigma^2) with sigma = noiseLevel * (max(x) - min(x)), computed batchSize copies at a time. */
CV_EXPORTS_W Attribution smoothGrad(const Ptr<Explainer>& explainer, InputArray blob,
                                    const std::vector<Target>& targets,
                                    const SmoothGradParams& params = SmoothGradParams(),
                                    int reduction = CHANNELS_DEFAULT);

/** @brief Integrated Gradients (Sundararajan et al. 2017): (x - x') * integral over alpha of the gradient at
x' + alpha (x - x'), trapezoid rule, computed batchSize path points at a time. Also returns f(x), f(x') and the
completeness error |sum(attribution) - (f(x) - f(x'))| per image. */
CV_EXPORTS_W Attribution integratedGradients(const Ptr<Explainer>& explainer, InputArray blob,
                                             const std::vector<Target>& targets,
                                             const IntegratedGradientsParams& params = IntegratedGradientsParams(),
                                             int reduction = CHANNELS_DEFAULT);

/** @brief The Grad-CAM layer used when none is named: the output of the last convolutional block on the path to
the target.

Found from the graph alone: among the layers that feed `targetLayer` (or are it), take the last one with weights
(non-empty `blobs`) whose output is 4-D with a spatial size larger than 1x1; the answer is the last layer on the
path whose output has that same shape and that this layer feeds (so a following ReLU, BatchNorm or residual
addition is included, a pooling that shrinks the map is not).
@param explainer the network
@param targetLayer Graph index of the target's layer (Explainer::targetLayer()); -1 = Graph::scoreLayer()
@param inputShape shape of the input blob, N x C x H x W (the spatial sizes depend on it)
@return the layer's Graph index; raises a cv::Exception when no layer qualifies
*/
CV_EXPORTS_W int defaultGradCamLayer(const Ptr<Explainer>& explainer, int targetLayer,
                                     const std::vector<int>& inputShape);

/** @brief Reduces an N x C x H x W attribution to one H x W float32 map per image.
@param attribution N x C x H x W float32
@param reduction a ChannelReduction other than CHANNELS_DEFAULT
@param maps out: N maps
*/
CV_EXPORTS_W void reduceChannels(const Mat& attribution, int reduction, CV_OUT std::vector<Mat>& maps);

//! @}

}  // namespace interp
}  // namespace cv

#endif
