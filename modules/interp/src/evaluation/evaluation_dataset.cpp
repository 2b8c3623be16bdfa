// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Faithfulness of saliency maps over a set of images with object masks: ground truth, metrics per method.
#include "../precomp.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include "../io/filesystem.hpp"
#include "../io/json.hpp"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <fstream>
#include <limits>
#include <sstream>

namespace cv {
namespace interp {

namespace {

String stripSlashes(String p)
{
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p;
}

String withoutExtension(const String& p)
{
    const size_t dot = p.rfind('.'), slash = p.rfind('/');
    return (dot == String::npos || (slash != String::npos && dot < slash)) ? p : p.substr(0, dot);
}

String baseName(const String& p)
{
    const size_t slash = p.rfind('/');
    return slash == String::npos ? p : p.substr(slash + 1);
}

std::vector<String> splitCsvLine(const String& line)
{
    std::vector<String> cells;
    std::stringstream ss(line);
    String cell;
    while (std::getline(ss, cell, ','))
    {
        while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' '))
            cell.pop_back();
        cells.push_back(cell);
    }
    return cells;
}

//! file (relative path or base name) -> label, from a CSV with `file` and `label` columns; empty if absent.
std::map<String, int> readLabels(const String& csv)
{
    std::map<String, int> labels;
    std::ifstream f(csv.c_str());
    if (!f)
        return labels;
    String line;
    if (!std::getline(f, line))
        return labels;
    const std::vector<String> header = splitCsvLine(line);
    const auto fileCol = std::find(header.begin(), header.end(), "file");
    const auto labelCol = std::find(header.begin(), header.end(), "label");
    if (fileCol == header.end() || labelCol == header.end())
        CV_Error(Error::StsParseError, "'" + csv + "' has no 'file' and 'label' columns in its header line: rename "
                                       "its columns or remove the file to evaluate without labels");
    const size_t fc = fileCol - header.begin(), lc = labelCol - header.begin();
    int lineNo = 1;
    while (std::getline(f, line))
    {
        lineNo++;
        const std::vector<String> cells = splitCsvLine(line);
        if (cells.empty() || (cells.size() == 1 && cells[0].empty()))
            continue;
        if (cells.size() <= std::max(fc, lc))
            CV_Error(Error::StsParseError, cv::format("%s:%d: too few columns", csv.c_str(), lineNo));
        char* end = nullptr;
        const long v = std::strtol(cells[lc].c_str(), &end, 10);
        if (end == cells[lc].c_str() || *end != 0)
            CV_Error(Error::StsParseError, cv::format("%s:%d: label '%s' is not an integer", csv.c_str(), lineNo,
                                                      cells[lc].c_str()));
        labels[cells[fc]] = (int)v;
    }
    return labels;
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

//! One sample of an N x C x H x W blob, as a 1 x C x H x W header.
Mat sampleOf(const Mat& blob, int n)
{
    const int sz[] = { 1, blob.size[1], blob.size[2], blob.size[3] };
    return Mat(4, sz, CV_32F, (void*)blob.ptr<float>(n));
}

struct Loaded
{
    std::vector<Mat> images, masks;
};

Loaded loadBatch(const GroundTruthSet& data, int begin, int end)
{
    Loaded b;
    for (int i = begin; i < end; i++)
    {
        Mat img = imread(data.images[i], IMREAD_COLOR);
        if (img.empty())
            CV_Error(Error::StsError, "cannot read image '" + data.images[i] + "': check that the file exists and is "
                                      "an image cv::imread can decode");
        Mat mask = imread(data.masks[i], IMREAD_GRAYSCALE);
        if (mask.empty())
            CV_Error(Error::StsError, "cannot read mask '" + data.masks[i] + "': masks are 8-bit images, non-zero "
                                      "on the object");
        if (mask.size() != img.size())
            CV_Error(Error::StsUnmatchedSizes,
                     cv::format("mask '%s' is %dx%d but image '%s' is %dx%d: a mask must have its image's size",
                                data.masks[i].c_str(), mask.cols, mask.rows, data.images[i].c_str(), img.cols,
                                img.rows));
        b.images.push_back(img);
        b.masks.push_back(mask);
    }
    return b;
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
    s << "model=" << baseName(model.model) << " config=" << baseName(model.config)
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

GroundTruthSet readGroundTruth(const String& imagesDir_, const String& masksDir_, int limit)
{
    const String imagesDir = stripSlashes(imagesDir_);
    if (!utils::fs::isDirectory(imagesDir))
        CV_Error(Error::StsObjectNotFound, "image directory '" + imagesDir + "' does not exist: give the folder that "
                                           "holds the images (for example data/scenes/test)");
    const String masksDir = masksDir_.empty() ? imagesDir + "/masks" : stripSlashes(masksDir_);
    if (!utils::fs::isDirectory(masksDir))
        CV_Error(Error::StsObjectNotFound, "mask directory '" + masksDir + "' does not exist: give the folder of "
                                          "object masks (one per image, same file name, non-zero on the object)");
    CV_CheckGE(limit, 0, "limit must be >= 0 (0 means all images)");
    std::vector<String> files;
    fs::listRecursive(imagesDir, files);
    GroundTruthSet set;
    const std::map<String, int> labels = readLabels(imagesDir + "/labels.csv");
    static const char* maskExts[] = { ".png", ".bmp", ".tif", ".tiff", ".pgm", ".jpg", ".jpeg", ".webp" };
    for (const String& f : files)
    {
        if (f.compare(0, masksDir.size() + 1, masksDir + "/") == 0)
            continue;
        const String rel = f.substr(imagesDir.size() + 1);
        String mask;
        if (fs::isFile(masksDir + "/" + rel))
            mask = masksDir + "/" + rel;
        for (size_t e = 0; mask.empty() && e < sizeof(maskExts) / sizeof(maskExts[0]); e++)
        {
            const String candidate = masksDir + "/" + withoutExtension(rel) + maskExts[e];
            if (fs::isFile(candidate))
                mask = candidate;
        }
        if (mask.empty())
            CV_Error(Error::StsObjectNotFound, "no mask for image '" + f + "': expected '" + masksDir + "/" + rel +
                                               "' (masks have the image's file name, any image extension)");
        int label = -1;
        auto it = labels.find(rel);
        if (it == labels.end())
            it = labels.find(baseName(rel));
        if (it != labels.end())
            label = it->second;
        set.images.push_back(f);
        set.masks.push_back(mask);
        set.labels.push_back(label);
        if (limit > 0 && (int)set.images.size() == limit)
            break;
    }
    if (set.images.empty())
        CV_Error(Error::StsObjectNotFound, "no images found under '" + imagesDir + "' (outside its masks folder): "
                                           "give a folder with .png/.jpg/... files");
    return set;
}

std::vector<String> evaluationMetricNames()
{
    return std::vector<String>{ "iou", "pointing", "mass", "deletion", "insertion", "sanity" };
}

namespace {

/* Networks for the deletion and insertion curves, one per thread of the image loop (the first is `ex` itself): with
   one network their forward passes take turns under its lock, while the rest of the loop (GrabCut) runs on every
   thread. The others are loaded again from the model's files, as long as all copies of the weights stay under
   512 MB; an explainer made from a cv::dnn::Net (no files) keeps taking turns. */
std::vector<Ptr<Explainer> > curveNetworks(const Ptr<Explainer>& ex, int threads)
{
    std::vector<Ptr<Explainer> > nets(1, ex);
    dnn::Net net = ex->getNet();
    size_t bytes = 0;
    for (const String& name : net.getLayerNames())
        for (const Mat& b : net.getLayer(name)->blobs)
            bytes += b.total() * b.elemSize();
    const size_t budget = (size_t)512 << 20;
    while ((int)nets.size() < threads && bytes * (nets.size() + 1) <= budget)
    {
        try
        {
            nets.push_back(ex->reload());
        }
        catch (const cv::Exception&)
        {
            break;  // no model files: the curves share `ex`
        }
    }
    return nets;
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
    const int stripes = std::max(1, std::min(cv::getNumThreads(), params.batchSize));
    const std::vector<Ptr<Explainer> > curveNets =
        doDeletion || doInsertion ? curveNetworks(ex, stripes) : std::vector<Ptr<Explainer> >(1, ex);
    for (int begin = 0, b = 0; begin < total; begin += params.batchSize, b++)
    {
        const bool mine = b % params.shardCount == params.shardIndex;
        if (!mine && !(sanityHere && begin < params.sanityImages))
            continue;
        const int end = std::min(total, begin + params.batchSize);
        const Loaded batch = loadBatch(data, begin, end);
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
            if (!mine)
                continue;
            report.images.push_back(data.images[i]);
            report.imageIndices.push_back(i);
            report.labels.push_back(label);
            report.predictions.push_back(pred);
            report.targets.push_back(targets.back().index);
            const Mat& mask = batch.masks[i - begin];
            report.objectFractions.push_back((double)countNonZero(mask) / (double)mask.total());
            Mat grown = mask;
            if (params.pointingTolerance > 0)
                dilate(mask, grown, getStructuringElement(MORPH_ELLIPSE, Size(2 * params.pointingTolerance + 1,
                                                                               2 * params.pointingTolerance + 1)));
            report.pointingChances.push_back((double)countNonZero(grown) / (double)mask.total());
        }
        if (!mine)
            continue;
        shardDone += end - begin;
        for (size_t m = 0; m < methods.size(); m++)
        {
            MethodEvaluation& me = report.methods[m];
            const Clock::time_point t0 = Clock::now();
            AttributionParams ap = params.attribution;
            ap.method = parseAttributionMethod(methods[m]);
            const std::vector<Mat> maps = attribute(ex, blob, targets, ap).maps;
            // the images' metrics in parallel (GrabCut is single-threaded), stored per image, appended in order;
            // stripe t takes images t, t + T, ... and the curve network t % (networks)
            const int n = end - begin;
            const int T = std::min(stripes, n);
            std::vector<double> iou(n), pointing(n), mass(n), deletion(n), insertion(n);
            cv::parallel_for_(Range(0, T), [&](const Range& r) {
                for (int t = r.start; t < r.end; t++)
                {
                    const Ptr<Explainer>& net = curveNets[t % curveNets.size()];
                    for (int j = t; j < n; j += T)
                    {
                        const Mat onImage = prep.mapToImage(maps[j], batch.images[j].size());
                        const Mat& mask = batch.masks[j];
                        if (doIoU)
                        {
                            Mat seg;
                            segmentFromSaliency(batch.images[j], onImage, seg, params.segmentation);
                            iou[j] = maskIoU(seg, mask);
                        }
                        if (doPointing)
                            pointing[j] = pointingGameHit(onImage, mask, params.pointingTolerance) ? 1.0 : 0.0;
                        if (doMass)
                            mass[j] = saliencyMassInMask(onImage, mask);
                        if (doDeletion)
                            deletion[j] = deletionCurve(net, sampleOf(blob, j), targets[j], maps[j],
                                                        params.perturbation).auc;
                        if (doInsertion)
                            insertion[j] = insertionCurve(net, sampleOf(blob, j), targets[j], maps[j],
                                                          params.perturbation).auc;
                    }
                }
            }, T);
            auto append = [](bool on, std::vector<double>& to, const std::vector<double>& from) {
                if (on)
                    to.insert(to.end(), from.begin(), from.end());
            };
            append(doIoU, me.iou, iou);
            append(doPointing, me.pointing, pointing);
            append(doMass, me.mass, mass);
            append(doDeletion, me.deletion, deletion);
            append(doInsertion, me.insertion, insertion);
            me.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            if (progress && !progress(methods[m], shardDone, shardTotal))
                CV_Error(Error::StsError, "evaluation cancelled by the progress callback");
        }
    }
    finishEvaluation(report);
    Mat sanityBlob;  // made once, for the first method that needs it
    for (size_t m = 0; m < methods.size(); m++)
    {
        MethodEvaluation& me = report.methods[m];
        if (sanityHere && !sanityImages.empty() && methods[m] != "occlusion")
        {
            if (sanityBlob.empty())
                sanityBlob = prep.toBlob(sanityImages);
            const Clock::time_point t0 = Clock::now();
            AttributionParams ap = params.attribution;
            ap.method = parseAttributionMethod(methods[m]);
            const RandomizationResult r = cascadingRandomization(ex, sanityBlob, sanityTargets, ap, params.sanitySeed);
            me.sanityCorrelation = r.meanCorrelation.empty() ? nan() : r.meanCorrelation.back();
            me.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            if (progress && !progress(methods[m] + " (sanity)", shardTotal, shardTotal))
                CV_Error(Error::StsError, "evaluation cancelled by the progress callback");
        }
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
