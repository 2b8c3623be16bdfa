// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_EVALUATION_HPP
#define OPENCV_INTERP_EVALUATION_HPP

#include <opencv2/core.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/saliency.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_evaluation
//! @{

/** @brief Fraction of a map's (positive) mass that lies inside an object mask.
The map is resized to the mask bilinearly; negative values count as zero. Returns 0 for an all-zero map.
@param map H x W saliency map, any size and type
@param mask 8-bit mask, non-zero on the object */
CV_EXPORTS_W double saliencyMassInMask(InputArray map, InputArray mask);

//! How the pixels removed (deletion) or not yet inserted (insertion) are filled.
enum PerturbationBaseline
{
    PERTURB_ZERO = 0,  //!< the value 0 in blob units (for mean-subtracted inputs: the mean colour)
    PERTURB_BLUR = 1,  //!< a Gaussian-blurred copy of the image
    PERTURB_MEAN = 2   //!< each channel's mean over the image
};

/** @brief Parameters of the deletion and insertion metrics (Petsiuk et al. 2018). */
struct CV_EXPORTS_W_SIMPLE PerturbationParams
{
    CV_WRAP PerturbationParams()
        : steps(32), deletionBaseline(PERTURB_ZERO), insertionBaseline(PERTURB_BLUR), blurSigma(0), batchSize(16),
          probability(true) {}

    CV_PROP_RW int steps;              //!< the pixels are removed / inserted in `steps` equal chunks (steps + 1 points)
    CV_PROP_RW int deletionBaseline;   //!< PerturbationBaseline replacing deleted pixels
    CV_PROP_RW int insertionBaseline;  //!< PerturbationBaseline of the image pixels are inserted into
    CV_PROP_RW double blurSigma;       //!< PERTURB_BLUR: Gaussian sigma in pixels; 0 = max(H, W) / 10
    CV_PROP_RW int batchSize;          //!< at most this many perturbed images per forward pass (batches of one size)
    /** Score the softmax probability of the class (true), or its pre-softmax score (false). The probability is
    the softmax of the output of the target's layer (Graph::scoreLayer() when it names none). */
    CV_PROP_RW bool probability;
};

/** @brief A deletion or insertion curve and its area. */
struct CV_EXPORTS_W_SIMPLE PerturbationCurve
{
    CV_WRAP PerturbationCurve() : auc(0) {}
    CV_PROP_RW std::vector<double> scores;  //!< steps + 1 scores, from 0% to 100% of the pixels removed/inserted
    CV_PROP_RW double auc;                  //!< trapezoid area under the curve over [0, 1]
};

/** @brief Deletion metric (Petsiuk et al. 2018): remove pixels in order of decreasing saliency and follow the
class score; a faithful map makes it fall fast (low AUC is good).
@param explainer the network
@param blob 1 x C x H x W input (one image)
@param target the class target whose score is followed (Target::classScore(); its `layer`, if any, holds the class
       scores)
@param map saliency map of the image (resized to H x W bilinearly); ties are broken by pixel order
@param params steps, baselines, batching, score
@cite petsiuk2018rise */
CV_EXPORTS_W PerturbationCurve deletionCurve(const Ptr<Explainer>& explainer, InputArray blob, const Target& target,
                                             InputArray map, const PerturbationParams& params = PerturbationParams());

/** @brief Insertion metric (Petsiuk et al. 2018): insert pixels in order of decreasing saliency into the baseline
image and follow the class score; a faithful map makes it rise fast (high AUC is good). Parameters as
deletionCurve(). */
CV_EXPORTS_W PerturbationCurve insertionCurve(const Ptr<Explainer>& explainer, InputArray blob, const Target& target,
                                              InputArray map, const PerturbationParams& params = PerturbationParams());

/** @brief Spearman rank correlation of two maps of equal size (ties get their average rank).
Returns 0 when either map is constant. */
CV_EXPORTS_W double spearmanCorrelation(InputArray a, InputArray b);

/** @brief Pointing game (Zhang et al. 2018): does the map's maximum fall inside the object mask?
@param map H x W map (any size: it is compared at the mask's size, resized bilinearly)
@param mask 8-bit mask, non-zero inside the object
@param tolerance a hit also counts within this many pixels of the mask (0 = the maximum must be inside)
@return false for a constant map (it has no maximum to point with)
@cite zhang2018topdown
*/
CV_EXPORTS_W bool pointingGameHit(InputArray map, InputArray mask, int tolerance = 0);

/** @brief Result of the cascading randomisation sanity check (Adebayo et al. 2018). */
struct CV_EXPORTS_W_SIMPLE RandomizationResult
{
    CV_WRAP RandomizationResult() {}

    /** Level k (1-based) has the layers `layers[0..k-1]` randomised, from the top of the network down;
    level 0 is the trained network. */
    CV_PROP_RW std::vector<String> layers;
    CV_PROP_RW Mat correlations;              //!< (levels + 1) x N Spearman correlation with the trained map
    CV_PROP_RW std::vector<double> meanCorrelation;  //!< per level, the mean over images
    CV_PROP_RW std::vector<Mat> maps;         //!< per level, the map of image 0 (for figures)
    /** Layers with weights that were left trained because changing their weights after loading does not reach
    their forward pass in cv::dnn (e.g. BatchNorm folds its statistics when it is built). */
    CV_PROP_RW std::vector<String> skippedLayers;
};

/** @brief Cascading randomisation (Adebayo et al. 2018): re-initialises the weights of the layers with weights,
from the top of the network down, one more layer per level, and compares each level's maps with the trained
network's (Spearman rank correlation). A method whose maps do not change is not explaining the model.

Each level loads a fresh copy of the network (Explainer::reload()) and overwrites its weights before the first forward
pass (random normal values with each weight blob's own mean and standard deviation); `explainer` is not changed. A layer whose output does not
change is reported in `skippedLayers` and left trained. The targets stay the same at every level.
@param explainer the network, loaded with cv::interp::readNet()
@param blob N x C x H x W input
@param targets one target or one per image (e.g. the trained model's predicted classes)
@param params the method and its parameters
@param seed seed of the random weights
@cite adebayo2018sanity
*/
CV_EXPORTS_W RandomizationResult cascadingRandomization(const Ptr<Explainer>& explainer, InputArray blob,
                                                        const std::vector<Target>& targets,
                                                        const AttributionParams& params, int seed = 0);

//! @}

}  // namespace interp
}  // namespace cv

#endif
