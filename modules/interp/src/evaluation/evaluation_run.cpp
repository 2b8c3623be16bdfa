// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// evaluateSaliency(): every method's maps and metrics over a ground-truth set, a batch at a time, as tasks.
#include "../precomp.hpp"
#include "evaluation_dataset.hpp"
#include "task_pool.hpp"

#include "../io/filesystem.hpp"
#include "../io/json.hpp"

#include <chrono>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace cv {
namespace interp {

namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

//! One sample of an N x C x H x W blob, as a 1 x C x H x W header.
Mat sampleOf(const Mat& blob, int n)
{
    const int sz[] = { 1, blob.size[1], blob.size[2], blob.size[3] };
    return Mat(4, sz, CV_32F, (void*)blob.ptr<float>(n));
}

bool contains(const std::vector<String>& v, const String& s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<String> checkedNames(const std::vector<String>& wanted, const std::vector<String>& known, const char* what)
{
    if (wanted.empty())
        return known;
    String list;
    for (const String& k : known)
        list += (list.empty() ? "" : ", ") + k;
    for (const String& w : wanted)
        if (!contains(known, w))
            CV_Error(Error::StsBadArg, cv::format("unknown %s '%s': use one of %s", what, w.c_str(), list.c_str()));
    return wanted;
}

//! FNV-1a 64 of bytes, continuing from `h`.
uint64 fnv1a(const void* data, size_t size, uint64 h = 1469598103934665603ULL)
{
    const uchar* p = (const uchar*)data;
    for (size_t i = 0; i < size; i++)
    {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

//! FNV-1a 64 of a matrix's type, shape and bytes (custom noise / baselines in the settings).
String matFingerprint(const Mat& m)
{
    if (m.empty())
        return "none";
    const Mat c = m.isContinuous() ? m : m.clone();
    const uint64 h = fnv1a(c.ptr(), c.total() * c.elemSize());
    String shape;
    for (int d = 0; d < c.dims; d++)
        shape += cv::format("%s%d", d ? "x" : "", c.size[d]);
    return cv::format("%s:type%d:%016llx", shape.c_str(), c.type(), (unsigned long long)h);
}

//! "predicted" for no targets, else their count and an FNV-1a 64 of every field of every target, in order.
String targetsFingerprint(const std::vector<Target>& targets)
{
    if (targets.empty())
        return "predicted";
    uint64 h = 1469598103934665603ULL;
    for (const Target& t : targets)
    {
        const String fields = cv::format("%d|%d|%d|%d|%d|", t.kind, t.index, t.y, t.x, t.sample) +
                              json::number(t.weight) + "|" + t.layer + "|" + matFingerprint(t.seed) + "\n";
        h = fnv1a(fields.data(), fields.size(), h);
    }
    return cv::format("per-image:%d:%016llx", (int)targets.size(), (unsigned long long)h);
}

/* The targets are one plain class score per image: what the report's `targets` column, the deletion / insertion
   curves (a class score) and the per-image order of shards need. */
void checkEvaluationTargets(const Explainer& ex, const GroundTruthSet& data, const std::vector<Target>& targets)
{
    const int total = (int)data.images.size();
    if (targets.empty())
        return;
    if ((int)targets.size() != total)
        CV_Error(Error::StsBadSize, cv::format("evaluateSaliency: %d targets for %d images: give one target per image, "
                                               "in the order of the images (targetsFromLabels() makes them from the "
                                               "labels), or none to explain the predicted class of every image",
                                               (int)targets.size(), total));
    for (int i = 0; i < total; i++)
    {
        const Target& t = targets[i];
        const String which = cv::format("evaluateSaliency: the target of image %d ('", i) + data.images[i] + "', " +
                             t.describe() + ")";
        if (t.kind != Target::CLASS)
            CV_Error(Error::StsBadArg, which + " is not a class score: the metrics explain and follow the score of a "
                                               "class; give Target::classScore(k)");
        if (t.sample != -1)
            CV_Error(Error::StsBadArg, which + cv::format(" names sample %d: the list holds one target per image, in "
                                                          "image order; leave Target::sample at -1", t.sample));
        if (t.weight != 1.0)
            CV_Error(Error::StsBadArg, which + " has a weight other than 1: the deletion and insertion curves follow "
                                               "the class score itself; leave Target::weight at 1");
        if (t.index < 0)
            CV_Error(Error::StsOutOfRange, which + ": classes are numbered from 0");
        ex.targetLayer(t);  // an unknown layer raises here, before any image is evaluated
    }
}

String joined(const std::vector<String>& v)
{
    String s;
    for (const String& x : v)
        s += (s.empty() ? "" : ",") + x;
    return s;
}

//! Everything the per-image values depend on besides the images: merged results must agree on it.
String evaluationSettings(const ModelInfo& model, const std::vector<Target>& targets, const EvaluationParams& p,
                          const std::vector<String>& methods, const std::vector<String>& metrics)
{
    const Preprocessing& q = model.preprocessing;
    const AttributionParams& a = p.attribution;
    const OcclusionParams& o = p.attribution.occlusion;
    const SegmentationParams& g = p.segmentation;
    const PerturbationParams& d = p.perturbation;
    String fill;
    for (float f : o.fillColor)
        fill += (fill.empty() ? "" : ",") + json::number(f);
    std::ostringstream s;
    s << "model=" << fs::baseName(model.model) << " config=" << fs::baseName(model.config)
      << "; input=" << q.size.width << "x" << q.size.height << " scale=" << json::number(q.scale)
      << " mean=" << json::number(q.mean[0]) << "," << json::number(q.mean[1]) << "," << json::number(q.mean[2])
      << " std=" << json::number(q.std[0]) << "," << json::number(q.std[1]) << "," << json::number(q.std[2])
      << " swap_rb=" << q.swapRB << " crop=" << q.crop
      << "; methods=" << joined(methods) << "; metrics=" << joined(metrics)
      << "; targets=" << targetsFingerprint(targets) << " tolerance=" << p.pointingTolerance << " batch=" << p.batchSize
      << " sanity_images=" << p.sanityImages << " sanity_seed=" << p.sanitySeed
      << "; reduction=" << a.reduction << " gradcam_layer=" << a.gradCam.layer << " gradcam_relu=" << a.gradCam.relu
      << " gradcam_interpolation=" << a.gradCam.interpolation
      << "; smoothgrad samples=" << a.smoothGrad.samples << " noise=" << json::number(a.smoothGrad.noiseLevel)
      << " seed=" << a.smoothGrad.seed << " batch=" << a.smoothGrad.batchSize << " variant=" << a.smoothGrad.variant
      << " noise_blob=" << matFingerprint(a.smoothGrad.noise)
      << "; ig steps=" << a.integratedGradients.steps << " baseline=" << a.integratedGradients.baseline
      << " value=" << json::number(a.integratedGradients.baselineValue)
      << " blur=" << json::number(a.integratedGradients.blurSigma)
      << " baseline_blob=" << matFingerprint(a.integratedGradients.baselineBlob)
      << " batch=" << a.integratedGradients.batchSize
      << "; occlusion window=" << o.window << " stride=" << o.stride << " fill=" << o.fill
      << " fill_value=" << json::number(o.fillValue) << " fill_color=" << fill << " blur=" << json::number(o.blurSigma)
      << " score=" << o.score << " engine=" << o.engine << " batch=" << o.batchSize
      << "; grabcut fg=" << json::number(g.fgPercentile) << " probable_fg=" << json::number(g.probableFgPercentile)
      << " bg=" << json::number(g.bgPercentile) << " sigma=" << json::number(g.smoothSigma)
      << " iterations=" << g.iterations
      << "; perturbation steps=" << d.steps << " deletion=" << d.deletionBaseline << " insertion="
      << d.insertionBaseline << " blur=" << json::number(d.blurSigma) << " batch=" << d.batchSize
      << " probability=" << d.probability;
    return s.str();
}

//! The explainer, the ground-truth set and the parameters evaluateSaliency() is given, before any work.
void checkEvaluationArguments(const Ptr<Explainer>& ex, const GroundTruthSet& data, const EvaluationParams& params)
{
    if (!ex || ex->empty())
        CV_Error(Error::StsNullPtr, "evaluateSaliency: the explainer is empty: load the model with cv::interp::readNet()");
    const int total = (int)data.images.size();
    if (total == 0)
        CV_Error(Error::StsBadArg, "no images to evaluate: the ground-truth set is empty (see readGroundTruth)");
    if (data.masks.size() != data.images.size())
        CV_Error(Error::StsBadArg, cv::format("%d images but %d masks: give one mask per image", total,
                                              (int)data.masks.size()));
    if (!data.labels.empty() && data.labels.size() != data.images.size())
        CV_Error(Error::StsBadArg, cv::format("%d images but %d labels: give one label per image (-1 if unknown) or "
                                              "none", total, (int)data.labels.size()));
    CV_CheckGT(params.batchSize, 0, "EvaluationParams::batchSize must be positive");
    CV_CheckGE(params.sanityImages, 0, "EvaluationParams::sanityImages must be >= 0");
    CV_CheckGE(params.pointingTolerance, 0, "EvaluationParams::pointingTolerance must be >= 0");
    if (params.shardCount < 1 || params.shardIndex < 0 || params.shardIndex >= params.shardCount)
        CV_Error(Error::StsBadArg, cv::format("bad shard %d/%d: the shard index must be 0..%d (shards are numbered from "
                                              "0)", params.shardIndex, params.shardCount,
                                              std::max(params.shardCount - 1, 0)));
}

//! An image's entries of the report: name, index, label, prediction, target and the chance levels of its mask.
void recordImage(EvaluationReport& report, const String& image, int index, int label, int predicted, int target,
                 const Mat& mask, int pointingTolerance)
{
    report.images.push_back(image);
    report.imageIndices.push_back(index);
    report.labels.push_back(label);
    report.predictions.push_back(predicted);
    report.targets.push_back(target);
    report.objectFractions.push_back((double)countNonZero(mask) / (double)mask.total());
    Mat grown = mask;
    if (pointingTolerance > 0)
        dilate(mask, grown, getStructuringElement(MORPH_ELLIPSE, Size(2 * pointingTolerance + 1,
                                                                       2 * pointingTolerance + 1)));
    report.pointingChances.push_back((double)countNonZero(grown) / (double)mask.total());
}

}  // namespace

String datasetFingerprint(const std::vector<String>& images);  // patches.cpp

double evaluationMean(const std::vector<double>& v)
{
    if (v.empty())
        return nan();
    double s = 0;
    for (double x : v)
        s += x;
    return s / (double)v.size();
}

void finishEvaluation(EvaluationReport& r)
{
    int correct = 0, labelled = 0;
    for (size_t i = 0; i < r.labels.size() && i < r.predictions.size(); i++)
        if (r.labels[i] >= 0)
        {
            labelled++;
            correct += r.labels[i] == r.predictions[i];
        }
    r.accuracy = labelled > 0 ? (double)correct / labelled : -1;
    r.meanObjectFraction = evaluationMean(r.objectFractions);
    r.randomPointing = evaluationMean(r.pointingChances);
    for (MethodEvaluation& me : r.methods)
    {
        me.meanIoU = evaluationMean(me.iou);
        me.pointingRate = evaluationMean(me.pointing);
        me.meanMass = evaluationMean(me.mass);
        me.deletionAUC = evaluationMean(me.deletion);
        me.insertionAUC = evaluationMean(me.insertion);
    }
}

std::vector<String> evaluationMetricNames()
{
    return std::vector<String>{ "iou", "pointing", "mass", "deletion", "insertion", "sanity" };
}

namespace {

//! A quarter of the machine's physical memory (1 GB when unknown): what the evaluation's network copies may take.
size_t copiesBudget()
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? (size_t)pages / 4 * (size_t)page : ((size_t)1 << 30);
}

/* The networks of the task pool's workers: `ex` and copies loaded again from the model's files.
   - A network per worker (`own`) when the copies, each with what a worker's passes hold (its tape: about four times
     cv::dnn's blobs for `pass`, the largest batch of a method), fit in copiesBudget().
   - Otherwise as many as fit with forward passes only (the curves), shared by the workers, taking turns; an
     explainer made from a cv::dnn::Net has no files, so its workers share it. */
std::vector<Ptr<Explainer> > workerNetworks(const Ptr<Explainer>& ex, int workers, const MatShape& pass, bool& own)
{
    size_t weights = 0, blobs = 0;
    ex->getNet().getMemoryConsumption(pass, weights, blobs);
    const size_t budget = copiesBudget(), withTape = weights + 4 * blobs, forward = weights + blobs;
    own = (size_t)workers * withTape <= budget;
    const size_t count = own ? (size_t)workers : std::max<size_t>(1, std::min((size_t)workers, budget / forward));
    std::vector<Ptr<Explainer> > nets(1, ex);
    while (nets.size() < count)
    {
        try
        {
            nets.push_back(ex->reload());
        }
        catch (const cv::Exception&)
        {
            break;  // no model files
        }
    }
    own = own && (int)nets.size() == workers;
    return nets;
}

//! The per-image metrics of one method on one batch, each image's written by the task that computes it.
struct BatchMetrics
{
    explicit BatchMetrics(int n) : iou(n), pointing(n), mass(n), deletion(n), insertion(n), seconds(n) {}
    std::vector<double> iou, pointing, mass, deletion, insertion;
    std::vector<double> seconds;  //!< each image's metrics, thread-seconds
};

double secondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

EvaluationReport evaluateSaliency(const Ptr<Explainer>& explainer, const ModelInfo& model, const GroundTruthSet& data,
                                  const std::vector<Target>& targets, const EvaluationParams& params)
{
    return evaluateSaliency(explainer, model, data, targets, params, EvaluationProgress());
}

EvaluationReport evaluateSaliency(const Ptr<Explainer>& ex, const ModelInfo& model, const GroundTruthSet& data,
                                  const std::vector<Target>& explained, const EvaluationParams& params,
                                  const EvaluationProgress& progress)
{
    checkEvaluationArguments(ex, data, params);
    const int total = (int)data.images.size();
    checkEvaluationTargets(*ex, data, explained);
    const std::vector<String> methods = checkedNames(params.methods, attributionMethodNames(), "saliency method");
    const std::vector<String> metrics = checkedNames(params.metrics, evaluationMetricNames(), "metric");
    const bool doIoU = contains(metrics, "iou"), doPointing = contains(metrics, "pointing"),
               doMass = contains(metrics, "mass"), doDeletion = contains(metrics, "deletion"),
               doInsertion = contains(metrics, "insertion"), doSanity = contains(metrics, "sanity");

    const Preprocessing& prep = model.preprocessing;
    EvaluationReport report;
    report.model = model.model;
    report.datasetSize = total;
    report.datasetHash = datasetFingerprint(data.images);
    report.settings = evaluationSettings(model, explained, params, methods, metrics);
    report.shardCount = params.shardCount;
    report.shards = std::vector<int>(1, params.shardIndex);
    const std::vector<int> labels = data.labels.empty() ? std::vector<int>(total, -1) : data.labels;
    report.methods.resize(methods.size());
    for (size_t m = 0; m < methods.size(); m++)
    {
        report.methods[m].method = methods[m];
        report.methods[m].seconds = 0;
    }
    std::vector<Mat> sanityImages;
    std::vector<Target> sanityTargets;
    // The shard holding batch 0 computes "sanity"; it also reads (and classifies) the other batches holding sanity
    // images, each whole as in a single run.
    const bool sanityHere = doSanity && params.shardIndex == 0;
    int shardTotal = 0, shardDone = 0;
    for (int begin = 0, b = 0; begin < total; begin += params.batchSize, b++)
        if (b % params.shardCount == params.shardIndex)
            shardTotal += std::min(total, begin + params.batchSize) - begin;
    typedef std::chrono::steady_clock Clock;
    /* The work is a pool of tasks per batch, each on one thread: a method's maps of the batch (with a network of
       its own per worker), then each image's metrics (GrabCut, curves), and once its images are read, each method's
       randomisation check. Every value is computed by the same code whichever worker runs it, so the result does not
       depend on the scheduling. When the workers cannot each have a network, a method's maps take all threads in
       turn, as one call, and only the metrics run in the pool. */
    const int workers = std::max(1, cv::getNumThreads());
    std::vector<Ptr<Explainer> > nets;  // made for the first batch, whose shape they are estimated for
    bool ownNetworks = false;
    const bool sanityWanted = sanityHere && params.sanityImages > 0;
    const int sanityCount = std::min(params.sanityImages, total);
    std::vector<double> sanity(methods.size(), nan()), sanitySeconds(methods.size(), 0.0);
    bool sanityQueued = false;
    Mat sanityBlob;
    auto sanityOf = [&](size_t m) { return sanityWanted && methods[m] != "occlusion"; };  // gradient methods only
    std::mutex progressMutex;
    auto attributionParams = [&](size_t m) {
        AttributionParams ap = params.attribution;
        ap.method = parseAttributionMethod(methods[m]);
        return ap;
    };
    auto sanityTask = [&](size_t m) {
        return [&, m](int w) {
            const Clock::time_point t0 = Clock::now();
            const RandomizationResult r = cascadingRandomization(nets[w % nets.size()], sanityBlob, sanityTargets,
                                                                 attributionParams(m), params.sanitySeed);
            sanity[m] = r.meanCorrelation.empty() ? nan() : r.meanCorrelation.back();
            sanitySeconds[m] = secondsSince(t0);
        };
    };
    // A task for the pool, or, when the workers share the networks, run now with all threads
    auto submit = [&](TaskPool& pool, TaskPool::Task task) {
        if (ownNetworks)
            pool.add(std::move(task));
        else
            task(0);
    };
    // The randomisation checks, once their images are read.
    auto submitSanity = [&](TaskPool& pool) {
        if (!sanityWanted || sanityQueued || (int)sanityImages.size() < sanityCount)
            return;
        sanityQueued = true;
        sanityBlob = prep.toBlob(sanityImages);
        for (size_t m = 0; m < methods.size(); m++)
            if (sanityOf(m))
                submit(pool, sanityTask(m));
    };
    for (int begin = 0, b = 0; begin < total; begin += params.batchSize, b++)
    {
        const bool mine = b % params.shardCount == params.shardIndex;
        if (!mine && !(sanityHere && begin < params.sanityImages))
            continue;
        const int end = std::min(total, begin + params.batchSize);
        const LoadedBatch batch = loadBatch(data, begin, end);
        const Mat blob = prep.toBlob(batch.images);
        const std::vector<int> predicted = predictClasses(ex, blob);
        std::vector<Target> targets;
        for (int i = begin; i < end; i++)
        {
            const int label = labels[i], pred = predicted[i - begin];
            targets.push_back(explained.empty() ? Target::classScore(pred) : explained[i]);
            if (sanityHere && i < params.sanityImages)
            {
                sanityTargets.push_back(targets.back());
                sanityImages.push_back(batch.images[i - begin]);
            }
            if (mine)
                recordImage(report, data.images[i], i, label, pred, targets.back().index, batch.masks[i - begin],
                            params.pointingTolerance);
        }
        if (!mine)
            continue;
        shardDone += end - begin;
        const int n = end - begin;
        if (nets.empty())
        {
            const AttributionParams& a = params.attribution;
            const int pass = std::max(std::max(params.batchSize, a.smoothGrad.batchSize), a.integratedGradients.batchSize);
            nets = workerNetworks(ex, workers, MatShape{ pass, blob.size[1], blob.size[2], blob.size[3] }, ownNetworks);
        }
        std::vector<std::vector<Mat> > maps(methods.size());
        std::vector<BatchMetrics> values(methods.size(), BatchMetrics(n));
        std::vector<double> mapSeconds(methods.size(), 0.0);
        std::vector<int> imagesLeft(methods.size(), n);
        TaskPool pool;
        auto metricsTask = [&](size_t m, int j) {
            return [&, m, j](int w) {
                const Clock::time_point t0 = Clock::now();
                BatchMetrics& v = values[m];
                const Mat onImage = prep.mapToImage(maps[m][j], batch.images[j].size());
                const Mat& mask = batch.masks[j];
                if (doIoU)
                {
                    Mat seg;
                    segmentFromSaliency(batch.images[j], onImage, seg, params.segmentation);
                    v.iou[j] = maskIoU(seg, mask);
                }
                if (doPointing)
                    v.pointing[j] = pointingGameHit(onImage, mask, params.pointingTolerance) ? 1.0 : 0.0;
                if (doMass)
                    v.mass[j] = saliencyMassInMask(onImage, mask);
                const Ptr<Explainer>& net = nets[w % nets.size()];
                if (doDeletion)
                    v.deletion[j] = deletionCurve(net, sampleOf(blob, j), targets[j], maps[m][j], params.perturbation).auc;
                if (doInsertion)
                    v.insertion[j] = insertionCurve(net, sampleOf(blob, j), targets[j], maps[m][j],
                                                    params.perturbation).auc;
                v.seconds[j] = secondsSince(t0);
                std::lock_guard<std::mutex> lock(progressMutex);
                if (--imagesLeft[m] == 0 && progress && !progress(methods[m], shardDone, shardTotal))
                    CV_Error(Error::StsError, "evaluation cancelled by the progress callback");
            };
        };
        submitSanity(pool);
        for (size_t m = 0; m < methods.size(); m++)
        {
            auto mapsTask = [&, m](int w) {
                const Clock::time_point t0 = Clock::now();
                maps[m] = attribute(nets[w % nets.size()], blob, targets, attributionParams(m)).maps;
                mapSeconds[m] = secondsSince(t0);
                for (int j = 0; j < n; j++)
                    pool.add(metricsTask(m, j));
            };
            submit(pool, mapsTask);
        }
        pool.run(workers);
        for (size_t m = 0; m < methods.size(); m++)
        {
            MethodEvaluation& me = report.methods[m];
            const BatchMetrics& v = values[m];
            auto append = [](bool on, std::vector<double>& to, const std::vector<double>& from) {
                if (on)
                    to.insert(to.end(), from.begin(), from.end());
            };
            append(doIoU, me.iou, v.iou);
            append(doPointing, me.pointing, v.pointing);
            append(doMass, me.mass, v.mass);
            append(doDeletion, me.deletion, v.deletion);
            append(doInsertion, me.insertion, v.insertion);
            // tasks in the pool count their thread time over the workers; maps made with all threads, their wall time
            double pooled = 0;
            for (double t : v.seconds)
                pooled += t;
            me.seconds += ownNetworks ? (pooled + mapSeconds[m]) / workers : mapSeconds[m] + pooled / workers;
        }
    }
    finishEvaluation(report);
    if (sanityWanted && !sanityQueued)  // the sanity images' later batches were other shards' (batch 0 is this one's)
    {
        TaskPool pool;
        submitSanity(pool);
        pool.run(workers);
    }
    for (size_t m = 0; m < methods.size(); m++)
    {
        MethodEvaluation& me = report.methods[m];
        if (!sanityOf(m))
            continue;
        me.sanityCorrelation = sanity[m];
        me.seconds += ownNetworks ? sanitySeconds[m] / workers : sanitySeconds[m];
        if (progress && !progress(methods[m] + " (sanity)", shardTotal, shardTotal))
            CV_Error(Error::StsError, "evaluation cancelled by the progress callback");
    }
    return report;
}

std::vector<Target> targetsFromLabels(const Ptr<Explainer>& ex, const ModelInfo& model, const GroundTruthSet& data,
                                      int batchSize)
{
    if (!ex || ex->empty())
        CV_Error(Error::StsNullPtr, "targetsFromLabels: the explainer is empty: load the model with "
                                    "cv::interp::readNet()");
    CV_CheckGT(batchSize, 0, "targetsFromLabels: the batch size must be positive (use EvaluationParams::batchSize)");
    const int total = (int)data.images.size();
    if (!data.labels.empty() && (int)data.labels.size() != total)
        CV_Error(Error::StsBadArg, cv::format("targetsFromLabels: %d images but %d labels: give one label per image "
                                              "(-1 if unknown) or none", total, (int)data.labels.size()));
    std::vector<Target> targets;
    for (int begin = 0; begin < total; begin += batchSize)
    {
        const int end = std::min(total, begin + batchSize);
        bool unlabelled = false;
        for (int i = begin; i < end; i++)
            unlabelled = unlabelled || data.labels.empty() || data.labels[i] < 0;
        std::vector<int> predicted;
        if (unlabelled)  // the batch as evaluateSaliency() reads it, so that its predictions are the same
            predicted = predictClasses(ex, model.preprocessing.toBlob(loadBatch(data, begin, end).images));
        for (int i = begin; i < end; i++)
        {
            const int label = data.labels.empty() ? -1 : data.labels[i];
            targets.push_back(Target::classScore(label >= 0 ? label : predicted[i - begin]));
        }
    }
    return targets;
}

}  // namespace interp
}  // namespace cv
