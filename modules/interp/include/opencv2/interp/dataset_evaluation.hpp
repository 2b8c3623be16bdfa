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
#include <opencv2/interp/target.hpp>

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
        : pointingTolerance(0), batchSize(8), sanityImages(4), sanitySeed(0), shardIndex(0),
          shardCount(1) {}
    /** Methods (attributionMethodNames() names); empty: all of them. */
    CV_PROP_RW std::vector<String> methods;
    /** Metrics (evaluationMetricNames() names: "iou", "pointing", "mass", "deletion", "insertion", "sanity");
    empty: all of them. */
    CV_PROP_RW std::vector<String> metrics;
    CV_PROP_RW AttributionParams attribution;    //!< settings of the methods (`method` is set per method)
    CV_PROP_RW SegmentationParams segmentation;  //!< "iou": saliency -> GrabCut thresholds and iterations
    CV_PROP_RW PerturbationParams perturbation;  //!< "deletion", "insertion": steps, baselines, batching
    CV_PROP_RW int pointingTolerance;  //!< "pointing": a hit within this many pixels of the mask counts
    CV_PROP_RW int batchSize;          //!< images per call of a method
    CV_PROP_RW int sanityImages;       //!< "sanity": images used by the randomisation check (the first ones)
    CV_PROP_RW int sanitySeed;         //!< "sanity": seed of the random weights
    /** This run evaluates the batches (`batchSize` consecutive images, counted from the first) whose index b
    satisfies b % shardCount == shardIndex; mergeEvaluationResults() combines the shards into the single-run result.
    Whole batches are the unit because a method's maps can depend on the batch they are computed in (SmoothGrad
    draws its noise per call; cv::dnn's results differ in the last bit between batch shapes). The shard holding
    batch 0 also computes "sanity" (on the first `sanityImages` images, as a single run does). */
    CV_PROP_RW int shardIndex;
    CV_PROP_RW int shardCount;         //!< number of shards the images are split into (1: a single run)
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
    /** Time spent on the method's maps and metrics: its tasks' thread time divided by the number of workers (its
    share of the wall-clock time; maps made with all threads count their wall-clock time). */
    CV_PROP_RW double seconds;
};

/** @brief The result of evaluateSaliency(): a methods x metrics table and the per-image details.

The result of one shard (EvaluationParams::shardIndex) holds the per-image details of its images only; its means are
over those images. Saved as JSON by writeEvaluationResult(), combined by mergeEvaluationResults(). */
struct CV_EXPORTS_W_SIMPLE EvaluationReport
{
    CV_WRAP EvaluationReport()
        : accuracy(-1), randomPointing(0), meanObjectFraction(0), datasetSize(0), shardCount(1) {}
    CV_PROP_RW String model;                 //!< model file
    CV_PROP_RW std::vector<String> images;   //!< the images, in order (of this shard)
    CV_PROP_RW std::vector<int> labels;      //!< ground truth per image (-1 unknown)
    CV_PROP_RW std::vector<int> predictions; //!< predicted class per image
    CV_PROP_RW std::vector<int> targets;     //!< the class explained per image (the index of its Target)
    CV_PROP_RW double accuracy;              //!< over the labelled images; -1 without labels
    /** Pointing-game rate of a point drawn uniformly at random (mean object area fraction, dilated by the
    tolerance): the chance level of "pointing". */
    CV_PROP_RW double randomPointing;
    /** Mean fraction of the image covered by the object: the "mass" of a uniform map (chance level). */
    CV_PROP_RW double meanObjectFraction;
    CV_PROP_RW std::vector<MethodEvaluation> methods;  //!< one entry per evaluated method
    CV_PROP_RW std::vector<int> imageIndices;          //!< per image: its index in the whole image set
    CV_PROP_RW std::vector<double> objectFractions;    //!< per image: fraction of the image covered by the object
    CV_PROP_RW std::vector<double> pointingChances;    //!< per image: chance that a random point hits the object
    CV_PROP_RW int datasetSize;                        //!< images in the whole set (every shard)
    CV_PROP_RW String datasetHash;                     //!< fingerprint of the whole image list (shards must agree)
    /** The settings the results depend on (methods, metrics, their parameters, the preprocessing, the targets:
    "predicted" or a fingerprint of the per-image list), as text: results are merged only when their settings are
    equal. */
    CV_PROP_RW String settings;
    CV_PROP_RW int shardCount;                         //!< number of shards of the image set
    CV_PROP_RW std::vector<int> shards;                //!< shards this result covers (0..shardCount-1 when complete)

    /** @brief The methods x metrics table.
    @param format "text" (aligned columns for a terminal), "csv" or "markdown" */
    CV_WRAP String table(const String& format = "text") const;
    //! The entry of a method; raises a cv::Exception when it was not evaluated.
    CV_WRAP MethodEvaluation method(const String& name) const;
    //! True when every shard of the image set is covered.
    CV_WRAP bool complete() const;
};

/** @brief Called once a method is done with a batch of images, with the method, the images done (up to the end of
that batch) and the total, and once per sanity check (method name + " (sanity)"); return false to cancel
(evaluateSaliency() then raises a cv::Exception with code Error::StsError). The methods of a batch may report in any
order, from any of the workers' threads, one call at a time. */
typedef std::function<bool(const String& method, int done, int total)> EvaluationProgress;

/** @brief Measures how faithful saliency maps are on images with ground-truth object masks.

For every method and image: the map of the image's target (its predicted class when `targets` is empty), then
- "iou": segmentFromSaliency() on the original image and maskIoU() with the object mask (the lecture's
  saliency -> GrabCut segmentation, scored);
- "pointing": pointingGameHit() (Zhang et al. 2018);
- "mass": saliencyMassInMask();
- "deletion", "insertion": deletionCurve() / insertionCurve() AUC (Petsiuk et al. 2018) of the target's class, batched;
- "sanity": cascadingRandomization() on the first `sanityImages` images (Adebayo et al. 2018; gradient methods
  only).
Maps are computed at the network input and carried back onto the original image with Preprocessing::mapToImage().
The work of a batch is a set of tasks run by cv::getNumThreads() workers, each task on one thread: a method's maps,
an image's metrics for one method, a method's sanity check. Each worker gets its own copy of the network, loaded
again from `explainer`'s files (Explainer::reload()), while all the copies with their tapes (estimated as the weights
and four times cv::dnn's blob memory for a method's batch) fit in a quarter of the machine's memory; every map is then
made on one thread, so the result does not depend on the number of threads, and the peak memory grows with it.
Otherwise (an explainer made from a cv::dnn::Net has no files, or the network is too large) the maps are made with
all threads, one method after the other, and the workers share the networks for the metrics, their forward passes
taking turns. The copies have the
weights of the files: to evaluate weights changed in memory, make the explainer with Explainer::create().
The targets are part of EvaluationReport::settings, so shards explaining different targets are not merged.
@param explainer the network (cv::interp::readNet())
@param model its preprocessing and name (e.g. embeddedModel() or modelInfoFor())
@param data images, masks and labels (e.g. readGroundTruth())
@param targets what to explain: empty (the default) explains the class each image is predicted as (an explanation is
       about what the model decided); otherwise one class target (Target::classScore(), on any layer of class scores)
       per image of `data`, in image order, e.g. targetsFromLabels() to explain the ground-truth labels. Every shard
       (EvaluationParams::shardIndex) gets the whole list. A list of another length, or a target that is not a plain
       class score (another kind, a `sample`, a weight other than 1), raises a cv::Exception.
@param params methods, metrics and their settings
@param progress optional callback
@cite zhang2018topdown @cite petsiuk2018rise @cite adebayo2018sanity @cite rother2004grabcut
*/
CV_EXPORTS_W EvaluationReport evaluateSaliency(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                               const GroundTruthSet& data,
                                               const std::vector<Target>& targets = std::vector<Target>(),
                                               const EvaluationParams& params = EvaluationParams());
/** @overload */
CV_EXPORTS EvaluationReport evaluateSaliency(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                             const GroundTruthSet& data, const std::vector<Target>& targets,
                                             const EvaluationParams& params, const EvaluationProgress& progress);

/** @brief The targets of evaluateSaliency() that explain the ground-truth labels: Target::classScore(label) for each
image of `data` with a label, and for an image whose label is unknown (-1, or no labels at all) the class it is
predicted as, so that every image is explained and the labelled ones by their label.

Only the batches holding an unlabelled image are classified (`batchSize` consecutive images counted from the first,
read and preprocessed as evaluateSaliency() does): with the same batch size as EvaluationParams::batchSize, the target
of an unlabelled image is exactly the prediction evaluateSaliency() reports for it (cv::dnn's scores can differ in the
last bit between batch shapes). A sharded evaluation computes the whole list in every shard.
@param explainer the network
@param model its preprocessing
@param data images and labels (e.g. readGroundTruth())
@param batchSize images per forward pass (use EvaluationParams::batchSize)
*/
CV_EXPORTS_W std::vector<Target> targetsFromLabels(const Ptr<Explainer>& explainer, const ModelInfo& model,
                                                   const GroundTruthSet& data, int batchSize = 8);

/** @brief Writes an evaluation result as JSON (whole or not at all): model, settings, image set, shards, the per-image
values and the table's means. Numbers are written so that they read back bit-exactly (NaN as "nan"). */
CV_EXPORTS_W void writeEvaluationResult(const String& path, const EvaluationReport& result);

//! Reads a JSON file written by writeEvaluationResult(); raises a cv::Exception saying what is wrong with it.
CV_EXPORTS_W EvaluationReport readEvaluationResult(const String& path);

/** @brief Combines the results of shards of one evaluation into the result a single run over those shards gives.

The per-image values are put back in image order and the means, accuracy and chance levels are computed from them by
the code evaluateSaliency() uses, so a complete merge equals the single run bit for bit (save `seconds`, which is the
sum over the shards, and the shard bookkeeping: a complete merge reports one shard, like a single run). "sanity"
comes from the shard holding batch 0. The parts must come from the same model, settings and image set, and cover
different shards. */
CV_EXPORTS_W EvaluationReport mergeEvaluationResults(const std::vector<EvaluationReport>& parts);

//! @}

}  // namespace interp
}  // namespace cv

#endif
