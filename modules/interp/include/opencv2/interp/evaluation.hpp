// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_EVALUATION_HPP
#define OPENCV_INTERP_EVALUATION_HPP

#include <opencv2/core.hpp>
#include <opencv2/interp/engine.hpp>

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
    CV_PROP_RW int batchSize;          //!< perturbed images per forward pass
    /** Score the softmax probability of the class (true), or its pre-softmax score (false). The probability is
    the softmax of Graph::scoreLayer()'s output. */
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
@param map saliency map of the image (resized to H x W bilinearly); ties are broken by pixel order
@param classIndex the class whose score is followed
@param params steps, baselines, batching, score
@cite petsiuk2018rise */
CV_EXPORTS_W PerturbationCurve deletionCurve(const Ptr<Explainer>& explainer, InputArray blob, InputArray map,
                                             int classIndex, const PerturbationParams& params = PerturbationParams());

/** @brief Insertion metric (Petsiuk et al. 2018): insert pixels in order of decreasing saliency into the baseline
image and follow the class score; a faithful map makes it rise fast (high AUC is good). Parameters as
deletionCurve(). */
CV_EXPORTS_W PerturbationCurve insertionCurve(const Ptr<Explainer>& explainer, InputArray blob, InputArray map,
                                              int classIndex, const PerturbationParams& params = PerturbationParams());

//! @}

}  // namespace interp
}  // namespace cv

#endif
