// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#ifndef OPENCV_INTERP_DATASET_EVALUATION_HPP
#define OPENCV_INTERP_DATASET_EVALUATION_HPP

#include <functional>

#include <opencv2/core.hpp>
#include <opencv2/interp/evaluation.hpp>
#include <opencv2/interp/model.hpp>
#include <opencv2/interp/saliency.hpp>
#include <opencv2/interp/segmentation.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_evaluation
//! @{

/** @brief Images with ground-truth object masks and, optionally, class labels. */
struct CV_EXPORTS_W_SIMPLE GroundTruthSet
{
    CV_WRAP GroundTruthSet() {}
    CV_PROP_RW std::vector<String> images;  //!< image files
    CV_PROP_RW std::vector<String> masks;   //!< one 8-bit mask file per image (non-zero on the object)
    CV_PROP_RW std::vector<int> labels;     //!< class label per image, -1 where unknown (empty: all unknown)
};

/** @brief Finds the images of a directory and their masks.

Images are the image files under `imagesDir` (searched recursively, the masks directory excluded), sorted by path.
The mask of `imagesDir/a/b.png` is `masksDir/a/b.png` (any image extension is accepted for the mask). Labels come from
`imagesDir/labels.csv` when it exists (a header line naming a `file` and a `label` column, as the embedded scenes
have); images it does not list get -1.
@param imagesDir directory of images
@param masksDir directory of masks; empty: `imagesDir/masks`
@param limit keep only the first `limit` images (0: all)
*/
CV_EXPORTS_W GroundTruthSet readGroundTruth(const String& imagesDir, const String& masksDir = String(), int limit = 0);

/** @brief What evaluateSaliency() measures and how. */
struct CV_EXPORTS_W_SIMPLE EvaluationParams
{
    CV_WRAP EvaluationParams()
        : explainLabels(false), pointingTolerance(0), batchSize(8), sanityImages(4), sanitySeed(0) {}
    /** Methods (attributionMethodNames() names); empty: all of them. */
    CV_PROP_RW std::vector<String> methods;
    /** Metrics (evaluationMetricNames() names: "iou", "pointing", "mass", "deletion", "insertion", "sanity");
    empty: all of them. */
    CV_PROP_RW std::vector<String> metrics;
    CV_PROP_RW AttributionParams attribution;    //!< settings of the methods (`method` is set per method)
    CV_PROP_RW SegmentationParams segmentation;  //!< "iou": saliency -> GrabCut thresholds and iterations
    CV_PROP_RW PerturbationParams perturbation;  //!< "deletion", "insertion": steps, baselines, batching
    /** Explain the ground-truth label (true) or the predicted class (false, the default: an explanation is about
    what the model decided). Images without a label always use the prediction. */
    CV_PROP_RW bool explainLabels;
    CV_PROP_RW int pointingTolerance;  //!< "pointing": a hit within this many pixels of the mask counts
    CV_PROP_RW int batchSize;          //!< images per call of a method
    CV_PROP_RW int sanityImages;       //!< "sanity": images used by the randomisation check (the first ones)
    CV_PROP_RW int sanitySeed;         //!< "sanity": seed of the random weights
};

/** @brief The names of the metrics of evaluateSaliency(), in table order. */
CV_EXPORTS_W std::vector<String> evaluationMetricNames();

/** @brief Scores of one method over a set of images. Metrics that were not computed are NaN. */
struct CV_EXPORTS_W_SIMPLE MethodEvaluation
{
    CV_WRAP MethodEvaluation();
    CV_PROP_RW String method;                 //!< saliency method name
    CV_PROP_RW std::vector<double> iou;       //!< per image: IoU of the saliency -> GrabCut mask with the object mask
    CV_PROP_RW std::vector<double> pointing;  //!< per image: 1 when the map's maximum is on the object, else 0
    CV_PROP_RW std::vector<double> mass;      //!< per image: fraction of the (positive) saliency inside the object mask
    CV_PROP_RW std::vector<double> deletion;  //!< per image: deletion AUC (lower is better)
    CV_PROP_RW std::vector<double> insertion; //!< per image: insertion AUC (higher is better)
    CV_PROP_RW double meanIoU;                //!< mean of `iou`
    CV_PROP_RW double pointingRate;           //!< mean of `pointing`
    CV_PROP_RW double meanMass;               //!< mean of `mass`
    CV_PROP_RW double deletionAUC;            //!< mean of `deletion`
    CV_PROP_RW double insertionAUC;           //!< mean of `insertion`
    /** Spearman rank correlation between the trained model's maps and the maps of the model with every weighted
    layer randomised (cascadingRandomization(), last level), mean over the sanity images; low is good. */
    CV_PROP_RW double sanityCorrelation;
    CV_PROP_RW double seconds;                //!< wall-clock time spent computing the maps and metrics
};

/** @brief The result of evaluateSaliency(): a methods x metrics table and the per-image details. */
struct CV_EXPORTS_W_SIMPLE EvaluationReport
{
    CV_WRAP EvaluationReport() : accuracy(-1), randomPointing(0), meanObjectFraction(0) {}
    CV_PROP_RW String model;                 //!< model file
    CV_PROP_RW std::vector<String> images;   //!< the images, in order
    CV_PROP_RW std::vector<int> labels;      //!< ground truth per image (-1 unknown)
    CV_PROP_RW std::vector<int> predictions; //!< predicted class per image
    CV_PROP_RW std::vector<int> targets;     //!< the class explained per image
    CV_PROP_RW double accuracy;              //!< over the labelled images; -1 without labels
    /** Pointing-game rate of a point drawn uniformly at random (mean object area fraction, dilated by the
    tolerance): the chance level of "pointing". */
    CV_PROP_RW double randomPointing;
    /** Mean fraction of the image covered by the object: the "mass" of a uniform map (chance level). */
    CV_PROP_RW double meanObjectFraction;
    CV_PROP_RW std::vector<MethodEvaluation> methods;  //!< one entry per evaluated method

    /** @brief The methods x metrics table.
    @param format "text" (aligned columns for a terminal), "csv" or "markdown" */
    CV_WRAP String table(const String& format = "text") const;
    //! The entry of a method; raises a cv::Exception when it was not evaluated.
    CV_WRAP MethodEvaluation method(const String& name) const;
};

/** @brief Called after each batch of images with the method, the images done and the total; return false to
cancel (evaluateSaliency() then raises a cv::Exception with code Error::StsError). */
typedef std::function<bool(const String& method, int done, int total)> EvaluationProgress;

/** @brief Measures how faithful saliency maps are on images with ground-truth object masks.

For every method and image: the map of the explained class (the predicted class unless `explainLabels`), then
- "iou": segmentFromSaliency() on the original image and maskIoU() with the object mask (the lecture's
  saliency -> GrabCut segmentation, scored);
- "pointing": pointingGameHit() (Zhang et al. 2018);
- "mass": saliencyMassInMask();
- "deletion", "insertion": deletionCurve() / insertionCurve() AUC (Petsiuk et al. 2018), batched;
- "sanity": cascadingRandomization() on the first `sanityImages` images (Adebayo et al. 2018; gradient methods
  only).
Maps are computed at the network input and carried back onto the original image with Preprocessing::mapToImage().
@param explainer the network (cv::interp::readNet())
@param model its preprocessing and name (e.g. embeddedModel() or modelInfoFor())
@param data images, masks and labels (e.g. readGroundTruth())
@param params methods, metrics and their settings
@param progress optional callback
@cite zhang2018topdown @cite petsiuk2018rise @cite adebayo2018sanity @cite rother2004grabcut
*/
CV_EXPORTS_W EvaluationReport evaluateSaliency(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                               const GroundTruthSet& data,
                                               const EvaluationParams& params = EvaluationParams());
/** @overload */
CV_EXPORTS EvaluationReport evaluateSaliency(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                             const GroundTruthSet& data, const EvaluationParams& params,
                                             const EvaluationProgress& progress);

//! @}

}  // namespace interp
}  // namespace cv

#endif
