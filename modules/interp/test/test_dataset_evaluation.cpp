// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Saliency evaluation over images with masks: ground-truth reading, known maps, the shortcut twin's gap, GrabCut IoU
// on the embedded scenes, the table formats, bad inputs, and shards merged into the single run.
#include "test_precomp.hpp"

#include <cstdio>
#include <functional>
#include <mutex>
#include <numeric>
#include <fstream>
#include <sstream>
#include <tuple>
#include <sys/stat.h>
#include <unistd.h>

namespace opencv_test {
namespace {

using namespace cv::interp;

std::string tempDir(const std::string& tag)
{
    std::string t = "/tmp/interp_test_" + tag + "_" + std::to_string((long)::getpid());
    ::mkdir(t.c_str(), 0755);
    return t;
}

TEST(Interp_DatasetEvaluation, reads_the_embedded_scenes)
{
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/test"));
    ASSERT_EQ(s.images.size(), 200u);
    ASSERT_EQ(s.masks.size(), 200u);
    ASSERT_EQ(s.labels.size(), 200u);
    // First lines of data/scenes/test/labels.csv: scene_000.png,1,Trouser / scene_003.png,9,Ankle boot
    EXPECT_NE(s.images[0].find("scene_000.png"), std::string::npos);
    EXPECT_NE(s.masks[0].find("masks/scene_000.png"), std::string::npos);
    EXPECT_EQ(s.labels[0], 1);
    EXPECT_EQ(s.labels[3], 9);
    for (const std::string& f : s.images)
        EXPECT_EQ(f.find("/masks/"), std::string::npos) << "a mask was taken for an image: " << f;
    EXPECT_EQ(readGroundTruth(interp_test::dataPath("scenes/test"), "", 7).images.size(), 7u);
}

TEST(Interp_DatasetEvaluation, ground_truth_bad_inputs)
{
    const std::string dir = tempDir("gt");
    EXPECT_THROW(readGroundTruth(dir + "/nope"), cv::Exception);
    EXPECT_THROW(readGroundTruth(dir), cv::Exception);  // no masks folder
    ::mkdir((dir + "/masks").c_str(), 0755);
    try
    {
        readGroundTruth(dir);
        ADD_FAILURE() << "an empty folder was accepted";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("no images found"), std::string::npos) << e.err;
    }
    cv::Mat img(20, 30, CV_8UC3, cv::Scalar(10, 200, 30));
    cv::imwrite(dir + "/a.png", img);
    try
    {
        readGroundTruth(dir);
        ADD_FAILURE() << "an image without a mask was accepted";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("no mask for image"), std::string::npos) << e.err;
    }
    // A mask of the wrong size is caught when the images are evaluated.
    cv::imwrite(dir + "/masks/a.png", cv::Mat::zeros(10, 10, CV_8U));
    const GroundTruthSet s = readGroundTruth(dir);
    ASSERT_EQ(s.images.size(), 1u);
    EXPECT_EQ(s.labels[0], -1);
    EvaluationParams p;
    p.methods = { "gradient" };
    p.metrics = { "mass" };
    const ModelInfo info = embeddedModel("resnet_fmnist");
    const cv::Ptr<Explainer> ex = readNet(info.model);
    try
    {
        evaluateSaliency(ex, info, s, {}, p);
        ADD_FAILURE() << "a mask of the wrong size was accepted";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("must have its image's size"), std::string::npos) << e.err;
    }
    p.methods = { "gradient++" };
    EXPECT_THROW(evaluateSaliency(ex, info, s, {}, p), cv::Exception);
    p.methods = { "gradient" };
    p.metrics = { "accuracy" };
    EXPECT_THROW(evaluateSaliency(ex, info, s, {}, p), cv::Exception);
    EXPECT_THROW(evaluateSaliency(ex, info, GroundTruthSet()), cv::Exception);
    EXPECT_THROW(evaluateSaliency(cv::Ptr<Explainer>(), info, s), cv::Exception);
    // A labels.csv without the needed columns is an error, not silently ignored.
    std::ofstream(dir + "/labels.csv") << "name,class\na.png,3\n";
    EXPECT_THROW(readGroundTruth(dir), cv::Exception);
    std::ofstream(dir + "/labels.csv") << "file,label\na.png,3\n";
    EXPECT_EQ(readGroundTruth(dir).labels[0], 3);
    std::remove((dir + "/labels.csv").c_str());
    std::remove((dir + "/masks/a.png").c_str());
    std::remove((dir + "/a.png").c_str());
    ::rmdir((dir + "/masks").c_str());
    ::rmdir(dir.c_str());
}

/* The metrics on maps with known answers, on a real scene: the object mask itself (perfect), its complement
   (inverted) and uniform noise (noise). */
TEST(Interp_DatasetEvaluation, perfect_inverted_and_random_maps)
{
    const ModelInfo info = embeddedModel("resnet_fmnist");
    const cv::Ptr<Explainer> ex = readNet(info.model);
    const cv::Mat img = cv::imread(interp_test::dataPath("scenes/test/scene_000.png"));
    const cv::Mat mask = cv::imread(interp_test::dataPath("scenes/test/masks/scene_000.png"), cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(img.empty());
    ASSERT_EQ(img.size(), mask.size());
    cv::Mat perfect, inverted, noise(mask.size(), CV_32F);
    mask.convertTo(perfect, CV_32F, 1 / 255.0);
    inverted = 1.0 - perfect;
    cv::RNG(7).fill(noise, cv::RNG::UNIFORM, 0, 1);
    const double area = cv::countNonZero(mask) / (double)mask.total();

    EXPECT_DOUBLE_EQ(saliencyMassInMask(perfect, mask), 1.0);
    EXPECT_DOUBLE_EQ(saliencyMassInMask(inverted, mask), 0.0);
    EXPECT_NEAR(saliencyMassInMask(noise, mask), area, 0.03);
    EXPECT_TRUE(pointingGameHit(perfect + 1e-3 * noise, mask));
    // The same map gives the same GrabCut mask every time (GrabCut's k-means start is seeded).
    cv::Mat a, b;
    segmentFromSaliency(img, noise, a);
    cv::theRNG().next();
    segmentFromSaliency(img, noise, b);
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0);
    EXPECT_FALSE(pointingGameHit(inverted + 1e-3 * noise, mask));

    cv::Mat seg;
    segmentFromSaliency(img, perfect, seg);
    EXPECT_GT(maskIoU(seg, mask), 0.8);
    segmentFromSaliency(img, inverted, seg);
    EXPECT_LT(maskIoU(seg, mask), 0.2);

    const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ img });
    const int cls = predictClasses(ex, blob)[0];
    ASSERT_EQ(cls, 1) << "resnet_fmnist should recognise the trousers of scene_000";
    PerturbationParams pp;
    pp.steps = 16;
    const double delPerfect = deletionCurve(ex, blob, Target::classScore(cls), perfect + 1e-3 * noise, pp).auc;
    const double delInverted = deletionCurve(ex, blob, Target::classScore(cls), inverted + 1e-3 * noise, pp).auc;
    const double insPerfect = insertionCurve(ex, blob, Target::classScore(cls), perfect + 1e-3 * noise, pp).auc;
    const double insInverted = insertionCurve(ex, blob, Target::classScore(cls), inverted + 1e-3 * noise, pp).auc;
    EXPECT_LT(delPerfect, delInverted - 0.2);
    EXPECT_GT(insPerfect, insInverted + 0.2);
}

//! Scores computed by evaluateSaliency() equal the metrics applied by hand to the maps of the same images.
TEST(Interp_DatasetEvaluation, per_image_scores_match_the_metrics)
{
    const ModelInfo info = embeddedModel("resnet_fmnist");
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/test"), "", 5);
    EvaluationParams p;
    p.methods = { "gradcam" };
    p.metrics = { "pointing", "mass", "iou", "deletion", "insertion" };
    p.batchSize = 2;  // crosses batch boundaries
    p.perturbation.steps = 8;
    // with two threads the curves of the second image of a batch run on a second copy of the network
    const EvaluationReport r = evaluateSaliency(readNet(info.model, info.config), info, s, {}, p);
    ASSERT_EQ(r.methods.size(), 1u);
    const MethodEvaluation m = r.method("gradcam");
    ASSERT_EQ(m.mass.size(), 5u);
    EXPECT_TRUE(cvIsNaN(m.sanityCorrelation));
    const cv::Ptr<Explainer> ex = readNet(info.model);
    for (int i = 0; i < 5; i++)
    {
        const cv::Mat img = cv::imread(s.images[i]);
        const cv::Mat mask = cv::imread(s.masks[i], cv::IMREAD_GRAYSCALE);
        const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ img });
        const int cls = predictClasses(ex, blob)[0];
        EXPECT_EQ(r.predictions[i], cls);
        const cv::Mat map = gradCam(ex, blob, { Target::classScore(cls) }).maps[0];
        EXPECT_NEAR(m.mass[i], saliencyMassInMask(map, mask), 1e-6);
        EXPECT_EQ(m.pointing[i], pointingGameHit(map, mask) ? 1.0 : 0.0);
        cv::Mat seg;
        segmentFromSaliency(img, map, seg);
        EXPECT_NEAR(m.iou[i], maskIoU(seg, mask), 1e-9);
        EXPECT_NEAR(m.deletion[i], deletionCurve(ex, blob, Target::classScore(cls), map, p.perturbation).auc, 1e-6);
        EXPECT_NEAR(m.insertion[i], insertionCurve(ex, blob, Target::classScore(cls), map, p.perturbation).auc, 1e-6);
    }
    EXPECT_NEAR(m.meanMass, std::accumulate(m.mass.begin(), m.mass.end(), 0.0) / 5, 1e-12);
}

TEST(Interp_DatasetEvaluation, table_formats)
{
    EvaluationReport r;
    r.images = { "a.png", "b.png" };
    r.randomPointing = 0.25;
    r.meanObjectFraction = 0.2;
    MethodEvaluation m;
    m.method = "gradient";
    m.iou = { 0.5, 0.7 };
    m.meanIoU = 0.6;
    m.pointingRate = 1;
    m.seconds = 1.25;
    r.methods.push_back(m);
    EXPECT_EQ(r.table("csv"),
              "method,images,grabcut_iou,pointing_game,mass_in_mask,deletion_auc,insertion_auc,sanity_spearman,seconds\n"
              "gradient,2,0.600,1.000,,,,,1.2\n"
              "(chance),2,,0.250,0.200,,,,\n");
    const std::string md = r.table("markdown");
    EXPECT_EQ(md.substr(0, md.find('\n')),
              "| method | images | GrabCut IoU ↑ | pointing game ↑ | mass in mask ↑ | deletion AUC ↓ | "
              "insertion AUC ↑ | sanity ρ ↓ | seconds |");
    EXPECT_NE(md.find("| gradient | 2 | 0.600 | 1.000 | - | - | - | - | 1.2 |"), std::string::npos) << md;
    const std::string text = r.table();
    EXPECT_NE(text.find("gradient"), std::string::npos);
    EXPECT_THROW(r.table("html"), cv::Exception);
    EXPECT_THROW(r.method("ig"), cv::Exception);
}

/* The lecture's saliency -> GrabCut segmentation, scored on the embedded scenes: the best method's mean IoU with the
   true object masks is at least 0.6 (every method's score is printed). */
class Interp_DatasetEvaluation_IoU : public ::testing::TestWithParam<std::string> {};

TEST_P(Interp_DatasetEvaluation_IoU, best_method_reaches_0_6)
{
    const ModelInfo info = embeddedModel(GetParam());
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/test"), "", 60);
    EvaluationParams p;
    p.methods = { "gradient", "input-x-gradient", "guided", "gradcam", "guided-gradcam" };
    p.metrics = { "iou", "pointing" };
    const EvaluationReport r = evaluateSaliency(readNet(info.model, info.config), info, s, {}, p);
    std::cout << r.table() << std::flush;
    double best = 0;
    for (const MethodEvaluation& m : r.methods)
        best = std::max(best, m.meanIoU);
    EXPECT_GE(best, 0.6);
    // Grad-CAM and gradient saliency point at the object far more often than a noise point does.
    EXPECT_GT(r.method("gradcam").pointingRate, r.randomPointing + 0.3);
    EXPECT_GT(r.method("gradient").pointingRate, r.randomPointing + 0.3);
}

INSTANTIATE_TEST_CASE_P(/**/, Interp_DatasetEvaluation_IoU, ::testing::Values("alexnet_fmnist", "resnet_fmnist"));

/* Shortcut learning made visible: on unbiased scenes the twin trained on background-coloured classes puts far less
   of its saliency on the object, and points at it far less often, than the clean model. */
TEST(Interp_DatasetEvaluation, shortcut_twin_looks_at_the_background)
{
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/shortcut/unbiased"));
    EvaluationParams p;
    p.methods = { "gradient", "gradcam" };
    p.metrics = { "mass", "pointing" };
    const ModelInfo cleanInfo = embeddedModel("resnet_fmnist"), twinInfo = embeddedModel("resnet_shortcut");
    const EvaluationReport clean = evaluateSaliency(readNet(cleanInfo.model), cleanInfo, s, {}, p);
    const EvaluationReport twin = evaluateSaliency(readNet(twinInfo.model), twinInfo, s, {}, p);
    std::cout << "resnet_fmnist:\n" << clean.table() << "resnet_shortcut:\n" << twin.table() << std::flush;
    for (const char* m : { "gradient", "gradcam" })
    {
        EXPECT_GE(clean.method(m).meanMass - twin.method(m).meanMass, 0.2) << m;
        EXPECT_GE(clean.method(m).pointingRate - twin.method(m).pointingRate, 0.3) << m;
    }
    EXPECT_GE(clean.accuracy - twin.accuracy, 0.3);
}

}  // namespace
}  // namespace opencv_test

namespace opencv_test {
namespace {

//! Every per-image value and every mean of two results is the same double (NaN equals NaN); seconds aside.
void expectSameEvaluation(const EvaluationReport& a, const EvaluationReport& b, const std::string& what)
{
    SCOPED_TRACE(what);
    // bit for bit (-0 is not 0), NaN equal to NaN
    auto same = [](double x, double y) {
        return (cvIsNaN(x) && cvIsNaN(y)) || (x == y && std::signbit(x) == std::signbit(y));
    };
    auto sameVec = [&](const std::vector<double>& x, const std::vector<double>& y) {
        if (x.size() != y.size())
            return false;
        for (size_t i = 0; i < x.size(); i++)
            if (!same(x[i], y[i]))
                return false;
        return true;
    };
    EXPECT_EQ(a.images, b.images);
    EXPECT_EQ(a.imageIndices, b.imageIndices);
    EXPECT_EQ(a.labels, b.labels);
    EXPECT_EQ(a.predictions, b.predictions);
    EXPECT_EQ(a.targets, b.targets);
    EXPECT_TRUE(sameVec(a.objectFractions, b.objectFractions));
    EXPECT_TRUE(sameVec(a.pointingChances, b.pointingChances));
    EXPECT_TRUE(same(a.accuracy, b.accuracy));
    EXPECT_TRUE(same(a.randomPointing, b.randomPointing));
    EXPECT_TRUE(same(a.meanObjectFraction, b.meanObjectFraction));
    EXPECT_EQ(a.settings, b.settings);
    EXPECT_EQ(a.datasetHash, b.datasetHash);
    ASSERT_EQ(a.methods.size(), b.methods.size());
    for (size_t m = 0; m < a.methods.size(); m++)
    {
        const MethodEvaluation &x = a.methods[m], &y = b.methods[m];
        SCOPED_TRACE(x.method);
        EXPECT_EQ(x.method, y.method);
        EXPECT_TRUE(sameVec(x.iou, y.iou));
        EXPECT_TRUE(sameVec(x.pointing, y.pointing));
        EXPECT_TRUE(sameVec(x.mass, y.mass));
        EXPECT_TRUE(sameVec(x.deletion, y.deletion));
        EXPECT_TRUE(sameVec(x.insertion, y.insertion));
        EXPECT_TRUE(same(x.pointingRate, y.pointingRate));
        EXPECT_TRUE(same(x.meanMass, y.meanMass));
        EXPECT_TRUE(same(x.deletionAUC, y.deletionAUC));
        EXPECT_TRUE(same(x.sanityCorrelation, y.sanityCorrelation)) << x.sanityCorrelation << " " << y.sanityCorrelation;
    }
    // the table, but for the seconds column
    auto noSeconds = [](const std::string& csv) {
        std::string out, line;
        std::istringstream in(csv);
        while (std::getline(in, line))
            out += line.substr(0, line.rfind(',')) + "\n";
        return out;
    };
    EXPECT_EQ(noSeconds(a.table("csv")), noSeconds(b.table("csv")));
}

//! cv::setNumThreads() for one test, given back when it ends.
struct ThreadCount
{
    explicit ThreadCount(int n) : saved(cv::getNumThreads()) { cv::setNumThreads(n); }
    ~ThreadCount() { cv::setNumThreads(saved); }
    int saved;
};

/* The evaluation runs as tasks of one thread each (a method's maps of a batch, an image's metrics, a sanity check).
   With a network per worker (readNet: copies are loaded from the files) the values are the same bit for bit with one
   worker as with several, since every map is made on one thread. An explainer made from a cv::dnn::Net has no files
   to copy: its workers share it and its maps are made with all threads, one method after the other, as attribute()
   makes them. Either way each method's values come from that method's maps (mass in mask and GrabCut IoU recomputed
   by hand from each method's map). */
TEST(Interp_DatasetEvaluation, same_values_on_any_number_of_workers)
{
    const ModelInfo info = embeddedModel("alexnet_fmnist");
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/test"), "", 7);
    EvaluationParams p;
    p.methods = { "gradient", "gradcam", "smoothgrad" };
    p.metrics = { "iou", "pointing", "mass", "deletion", "insertion" };
    p.perturbation.steps = 4;
    p.attribution.smoothGrad.samples = 3;
    p.batchSize = 3;  // batches of 3, 3 and 1 images
    // each method's mass in mask and IoU, from the maps `ex` makes of the images one at a time
    auto expectFromOwnMaps = [&](const EvaluationReport& r, const cv::Ptr<Explainer>& ex, const std::string& what) {
        SCOPED_TRACE(what);
        for (int i = 0; i < (int)s.images.size(); i++)
        {
            const cv::Mat img = cv::imread(s.images[i]);
            const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ img });
            const cv::Mat mask = cv::imread(s.masks[i], cv::IMREAD_GRAYSCALE);
            for (const std::string method : { "gradient", "gradcam" })
            {
                AttributionParams ap;
                ap.method = parseAttributionMethod(method);
                const cv::Mat map = attribute(ex, blob, { Target::classScore(r.predictions[i]) }, ap).maps[0];
                EXPECT_NEAR(r.method(method).mass[i], saliencyMassInMask(map, mask), 1e-6) << method << " " << i;
                cv::Mat seg;
                segmentFromSaliency(img, info.preprocessing.mapToImage(map, img.size()), seg);
                EXPECT_NEAR(r.method(method).iou[i], maskIoU(seg, mask), 1e-9) << method << " " << i;
            }
        }
    };
    EvaluationReport one;
    {
        ThreadCount threads(1);
        const cv::Ptr<Explainer> ex = readNet(info.model, info.config);
        one = evaluateSaliency(ex, info, s, {}, p);
        expectFromOwnMaps(one, ex, "1 worker");
    }
    for (int n : { 2, 3 })
    {
        ThreadCount threads(n);
        expectSameEvaluation(evaluateSaliency(readNet(info.model, info.config), info, s, {}, p), one,
                             cv::format("%d workers, a network each", n));
        const cv::Ptr<Explainer> shared = Explainer::create(cv::dnn::readNet(info.model));
        expectFromOwnMaps(evaluateSaliency(shared, info, s, {}, p), shared, cv::format("%d workers, one network", n));
    }
}

/* The progress callback hears of each method once per batch (images done so far) and of each sanity check; with
   several workers the methods of a batch may finish in any order, one call at a time. Returning false cancels the
   evaluation with an exception (not a hang), whichever worker's task made the call. */
TEST(Interp_DatasetEvaluation, progress_and_cancel)
{
    ThreadCount threads(2);
    const ModelInfo info = embeddedModel("alexnet_fmnist");
    const cv::Ptr<Explainer> ex = readNet(info.model, info.config);
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/test"), "", 5);
    EvaluationParams p;
    p.methods = { "gradient", "gradcam" };
    p.metrics = { "mass", "deletion", "sanity" };
    p.perturbation.steps = 4;
    p.batchSize = 2;
    p.sanityImages = 2;
    std::vector<std::string> calls;
    std::mutex callsMutex;
    int allowed = -1;  // calls answered true before a false one; -1: all
    const EvaluationProgress progress = [&](const cv::String& method, int done, int total) {
        std::lock_guard<std::mutex> lock(callsMutex);
        calls.push_back(method + cv::format(" %d/%d", done, total));
        return allowed < 0 || (int)calls.size() <= allowed;
    };
    evaluateSaliency(ex, info, s, {}, p, progress);
    std::vector<std::string> expected;
    for (int done : { 2, 4, 5 })
        for (const char* m : { "gradcam", "gradient" })
            expected.push_back(cv::format("%s %d/5", m, done));
    expected.push_back("gradcam (sanity) 5/5");
    expected.push_back("gradient (sanity) 5/5");
    std::vector<std::string> sorted = calls;
    std::stable_sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
        const int da = std::atoi(a.c_str() + a.rfind(' ') + 1), db = std::atoi(b.c_str() + b.rfind(' ') + 1);
        const bool sa = a.find("(sanity)") != std::string::npos, sb = b.find("(sanity)") != std::string::npos;
        return std::make_tuple(sa, da, a) < std::make_tuple(sb, db, b);
    });
    EXPECT_EQ(sorted, expected);
    for (size_t k = 1; k < calls.size(); k++)  // batch by batch
        EXPECT_LE(std::atoi(calls[k - 1].c_str() + calls[k - 1].rfind(' ') + 1),
                  std::atoi(calls[k].c_str() + calls[k].rfind(' ') + 1)) << calls[k - 1] << " then " << calls[k];

    calls.clear();
    allowed = 3;
    try
    {
        evaluateSaliency(ex, info, s, {}, p, progress);
        ADD_FAILURE() << "a progress callback returning false did not cancel the evaluation";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("cancelled"), std::string::npos) << e.err;
    }
    EXPECT_GE(calls.size(), 4u);
    EXPECT_LT(calls.size(), expected.size());
}

/* Shards (whole batches, index modulo the shard count) evaluated separately, written to JSON, read back and merged
   in a shuffled order equal the single run value for value: SmoothGrad's noise (drawn per batch) and the sanity
   check (on the first 3 images, which span two batches, computed by shard 0) included. */
TEST(Interp_DatasetEvaluation, merged_shards_equal_single_run)
{
    const ModelInfo info = embeddedModel("alexnet_fmnist");
    const cv::Ptr<Explainer> ex = readNet(info.model, info.config);
    const GroundTruthSet s = readGroundTruth(interp_test::dataPath("scenes/test"), "", 9);
    EvaluationParams p;
    p.methods = { "gradient", "smoothgrad" };
    p.metrics = { "pointing", "mass", "deletion", "sanity" };
    p.perturbation.steps = 4;
    p.attribution.smoothGrad.samples = 4;
    p.batchSize = 2;
    p.sanityImages = 3;
    const EvaluationReport single = evaluateSaliency(ex, info, s, {}, p);
    EXPECT_TRUE(single.complete());
    EXPECT_FALSE(cvIsNaN(single.method("gradient").sanityCorrelation));
    const std::string path = cv::tempfile(".json");
    writeEvaluationResult(path, single);
    expectSameEvaluation(readEvaluationResult(path), single, "JSON round trip");
    {
        EvaluationReport negativeZero = single;  // "-0" would come back as the integer 0
        negativeZero.methods[0].pointing[0] = -0.0;
        negativeZero.accuracy = -0.0;
        writeEvaluationResult(path, negativeZero);
        const EvaluationReport back = readEvaluationResult(path);
        EXPECT_TRUE(std::signbit(back.methods[0].pointing[0]) && std::signbit(back.accuracy));
        expectSameEvaluation(back, negativeZero, "JSON round trip of -0");
    }

    std::vector<EvaluationReport> parts;
    for (int shard : { 2, 0, 1 })
    {
        EvaluationParams ps = p;
        ps.shardIndex = shard;
        ps.shardCount = 3;
        const EvaluationReport part = evaluateSaliency(ex, info, s, {}, ps);
        EXPECT_FALSE(part.complete());
        // batches of 2: shard 0 holds batches 0 and 3 (images 0, 1, 6, 7), shard 1 batches 1, 4 (2, 3, 8), shard 2 (4, 5)
        const std::vector<int> expected = shard == 0 ? std::vector<int>{ 0, 1, 6, 7 }
                                        : shard == 1 ? std::vector<int>{ 2, 3, 8 } : std::vector<int>{ 4, 5 };
        EXPECT_EQ(part.imageIndices, expected) << "shard " << shard;
        EXPECT_EQ(cvIsNaN(part.method("gradient").sanityCorrelation), shard != 0) << "sanity belongs to shard 0";
        writeEvaluationResult(path, part);
        parts.push_back(readEvaluationResult(path));
    }
    const EvaluationReport merged = mergeEvaluationResults(parts);
    expectSameEvaluation(merged, single, "merge of 3 shards");
    EXPECT_EQ(merged.shardCount, 1);
    EXPECT_EQ(merged.shards, std::vector<int>({ 0 }));
    // the merged JSON file is the single run's but for the seconds
    EvaluationReport a = merged, b = single;
    for (MethodEvaluation& m : a.methods)
        m.seconds = 0;
    for (MethodEvaluation& m : b.methods)
        m.seconds = 0;
    const std::string pathB = cv::tempfile(".json");
    writeEvaluationResult(path, a);
    writeEvaluationResult(pathB, b);
    EXPECT_EQ(interp_test::readText(path), interp_test::readText(pathB));
    std::remove(pathB.c_str());

    // two of three shards: a partial result over their images
    const EvaluationReport partial = mergeEvaluationResults({ parts[0], parts[1] });
    EXPECT_FALSE(partial.complete());
    EXPECT_EQ(partial.shards, std::vector<int>({ 0, 2 }));
    EXPECT_EQ(partial.imageIndices, std::vector<int>({ 0, 1, 4, 5, 6, 7 }));
    // refused: a shard twice, other settings, another image set, a bad shard
    EXPECT_THROW(mergeEvaluationResults({ parts[0], parts[0] }), cv::Exception);
    EvaluationParams other = p;
    other.shardCount = 3;
    other.shardIndex = 1;
    other.pointingTolerance = 2;
    EXPECT_THROW(mergeEvaluationResults({ parts[1], evaluateSaliency(ex, info, s, {}, other) }), cv::Exception);
    EvaluationReport otherData = parts[0];
    otherData.datasetHash = "0123456789abcdef";
    EXPECT_THROW(mergeEvaluationResults({ otherData, parts[1] }), cv::Exception);
    EvaluationParams bad = p;
    bad.shardIndex = 3;
    bad.shardCount = 3;
    EXPECT_THROW(evaluateSaliency(ex, info, s, {}, bad), cv::Exception);
    // a file that is not an evaluation result
    std::ofstream(path.c_str()) << "{\"format\": \"interp-patches\", \"version\": 1}";
    EXPECT_THROW(readEvaluationResult(path), cv::Exception);
    std::remove(path.c_str());
}

//! The message of the cv::Exception `f` raises ("" when it raises none).
std::string errorOf(const std::function<void()>& f)
{
    try
    {
        f();
    }
    catch (const cv::Exception& e)
    {
        return e.err;
    }
    return "";
}

//! resnet_fmnist, the first test scenes and parameters that evaluate gradient saliency.
struct ResnetScenes
{
    explicit ResnetScenes(int images)
        : info(embeddedModel("resnet_fmnist")), ex(readNet(info.model)),
          s(readGroundTruth(interp_test::dataPath("scenes/test"), "", images))
    {
        p.methods = { "gradient" };
    }
    const ModelInfo info;
    const cv::Ptr<Explainer> ex;
    GroundTruthSet s;
    EvaluationParams p;
};

/* Per-image targets: each image is explained by its own class, as the single-image API explains it with that class
   (maps of one image, the metrics applied by hand), also for classes the model does not predict; an empty list is the
   predicted class; shards with these targets merge into the single run, shards with other targets are refused. */
TEST(Interp_DatasetEvaluation, per_image_targets)
{
    ResnetScenes f(5);
    const ModelInfo& info = f.info;
    const cv::Ptr<Explainer>& ex = f.ex;
    const GroundTruthSet& s = f.s;
    EvaluationParams& p = f.p;
    p.metrics = { "pointing", "mass", "deletion" };
    p.perturbation.steps = 4;
    p.batchSize = 2;  // targets of images in the second and third batches
    const EvaluationReport predicted = evaluateSaliency(ex, info, s, {}, p);
    // a class other than the prediction for every image: explaining the prediction instead would show
    std::vector<Target> targets;
    for (int i = 0; i < 5; i++)
        targets.push_back(Target::classScore((predicted.predictions[i] + 1 + i) % 10));
    const EvaluationReport r = evaluateSaliency(ex, info, s, targets, p);
    const MethodEvaluation& m = r.methods[0];
    ASSERT_EQ(m.deletion.size(), 5u);
    EXPECT_EQ(r.predictions, predicted.predictions);
    AttributionParams ap;
    ap.method = ATTRIBUTION_GRADIENT;
    for (int i = 0; i < 5; i++)
    {
        SCOPED_TRACE(i);
        EXPECT_EQ(r.targets[i], targets[i].index);
        EXPECT_NE(r.targets[i], r.predictions[i]);
        const cv::Mat img = cv::imread(s.images[i]);
        const cv::Mat mask = cv::imread(s.masks[i], cv::IMREAD_GRAYSCALE);
        const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ img });
        const cv::Mat map = attribute(ex, blob, { targets[i] }, ap).maps[0];
        const cv::Mat onImage = info.preprocessing.mapToImage(map, img.size());
        EXPECT_NEAR(m.mass[i], saliencyMassInMask(onImage, mask), 1e-6);
        EXPECT_EQ(m.pointing[i], pointingGameHit(onImage, mask) ? 1.0 : 0.0);
        EXPECT_NEAR(m.deletion[i], deletionCurve(ex, blob, targets[i], map, p.perturbation).auc, 1e-5);
    }
    // The targets change the result: most images' deletion curves follow another probability than the predicted
    // class's (0.13 .. 0.16 for the predicted classes; 0.01 .. 0.53 for these).
    int differ = 0;
    for (int i = 0; i < 5; i++)
        differ += std::abs(m.deletion[i] - predicted.methods[0].deletion[i]) > 0.05;
    EXPECT_GE(differ, 3);

    // Empty targets are the predicted classes; the settings say which.
    std::vector<Target> ofPredictions;
    for (int k : predicted.predictions)
        ofPredictions.push_back(Target::classScore(k));
    const EvaluationReport explicitly = evaluateSaliency(ex, info, s, ofPredictions, p);
    EXPECT_EQ(explicitly.methods[0].deletion, predicted.methods[0].deletion);
    EXPECT_EQ(explicitly.methods[0].mass, predicted.methods[0].mass);
    EXPECT_EQ(explicitly.targets, predicted.predictions);
    EXPECT_EQ(predicted.targets, predicted.predictions);
    EXPECT_NE(predicted.settings.find("targets=predicted"), std::string::npos) << predicted.settings;
    EXPECT_NE(explicitly.settings, predicted.settings);
    EXPECT_NE(explicitly.settings, r.settings);

    // Shards with the same targets merge into the single run; a shard with other targets is refused.
    std::vector<EvaluationReport> parts;
    for (int shard : { 1, 0 })
    {
        EvaluationParams ps = p;
        ps.shardIndex = shard;
        ps.shardCount = 2;
        parts.push_back(evaluateSaliency(ex, info, s, targets, ps));
    }
    expectSameEvaluation(mergeEvaluationResults(parts), r, "merge of 2 shards with per-image targets");
    EvaluationParams second = p;
    second.shardIndex = 1;
    second.shardCount = 2;
    const EvaluationReport ofPredicted = evaluateSaliency(ex, info, s, {}, second);
    EXPECT_NE(errorOf([&] { mergeEvaluationResults({ parts[1], ofPredicted }); }).find("settings"), std::string::npos);
    std::vector<Target> changed = targets;
    changed[2] = Target::classScore((targets[2].index + 1) % 10);  // image 2: batch 1, held by shard 1
    const EvaluationReport otherTargets = evaluateSaliency(ex, info, s, changed, second);
    EXPECT_NE(errorOf([&] { mergeEvaluationResults({ parts[1], otherTargets }); }).find("settings"),
              std::string::npos);
}

//! targetsFromLabels(): the label where there is one, else the class the image is predicted as.
TEST(Interp_DatasetEvaluation, targets_from_labels)
{
    ResnetScenes f(5);
    const ModelInfo& info = f.info;
    const cv::Ptr<Explainer>& ex = f.ex;
    GroundTruthSet& s = f.s;
    // First lines of data/scenes/test/labels.csv: 1, 3, 4, 9, ...; resnet_fmnist calls scene_002 a 3.
    std::vector<Target> t = targetsFromLabels(ex, info, s, 2);
    ASSERT_EQ(t.size(), 5u);
    for (int i = 0; i < 5; i++)
    {
        EXPECT_EQ(t[i].kind, Target::CLASS);
        EXPECT_EQ(t[i].index, s.labels[i]);
    }
    std::vector<int> single;  // predictions of one image at a time
    for (int i = 0; i < 5; i++)
    {
        const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ cv::imread(s.images[i]) });
        single.push_back(predictClasses(ex, blob)[0]);
    }
    ASSERT_EQ(single[2], 3);
    ASSERT_EQ(s.labels[2], 4);
    s.labels[2] = -1;
    s.labels[4] = -1;
    t = targetsFromLabels(ex, info, s, 2);
    EXPECT_EQ(t[2].index, single[2]);
    EXPECT_EQ(t[4].index, single[4]);
    EXPECT_EQ(t[1].index, 3);
    s.labels.clear();  // no labels: every image gets its prediction
    t = targetsFromLabels(ex, info, s);
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(t[i].index, single[i]);
    s.labels = { 1, 2 };
    EXPECT_NE(errorOf([&] { targetsFromLabels(ex, info, s); }).find("5 images but 2 labels"), std::string::npos);
    EXPECT_THROW(targetsFromLabels(cv::Ptr<Explainer>(), info, s), cv::Exception);
}

//! Target lists evaluateSaliency() cannot use raise before any image is evaluated, saying what is wrong.
TEST(Interp_DatasetEvaluation, bad_targets)
{
    ResnetScenes f(3);
    f.p.metrics = { "mass" };
    auto message = [&](const std::vector<Target>& targets) {
        return errorOf([&] { evaluateSaliency(f.ex, f.info, f.s, targets, f.p); });
    };
    const Target c = Target::classScore(1);
    EXPECT_NE(message({ c }).find("1 targets for 3 images: give one target per image"), std::string::npos)
        << message({ c });
    EXPECT_NE(message({ c, c, c, c }).find("4 targets for 3 images"), std::string::npos);
    EXPECT_NE(message({ c, Target::channel("conv1", 0), c }).find("image 1"), std::string::npos);
    EXPECT_NE(message({ c, Target::channel("conv1", 0), c }).find("is not a class score"), std::string::npos);
    EXPECT_NE(message({ c, c, Target::classLogProbability(1) }).find("is not a class score"), std::string::npos);
    EXPECT_NE(message({ c, c, c.forSample(0) }).find("names sample 0"), std::string::npos);
    Target heavy = c;
    heavy.weight = 2;
    EXPECT_NE(message({ heavy, c, c }).find("weight other than 1"), std::string::npos);
    EXPECT_NE(message({ c, Target::classScore(-1), c }).find("numbered from 0"), std::string::npos);
    EXPECT_NE(message({ c, Target::classScore(1, "no_such_layer"), c }).find("no_such_layer"), std::string::npos);
    EXPECT_NE(message({ c, Target::classScore(10), c }).find("out of range"), std::string::npos)
        << message({ c, Target::classScore(10), c });
    EXPECT_EQ(message({ c, c, c }), "");
}

}  // namespace
}  // namespace opencv_test
