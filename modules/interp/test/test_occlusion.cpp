// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Occlusion sensitivity: a hand-computed network, the incremental engine against the batched one on every model
// of data/ (reference models from ONNX and Caffe, and the embedded trained models), the grids against PyTorch
// (data/occlusion, made by data/make_occlusion_references.py), errors, progress and cancellation.
#include "test_precomp.hpp"

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

namespace opencv_test {
namespace {

using cv::interp::Occlusion;
using cv::interp::OcclusionParams;
using cv::interp::OcclusionScores;
using cv::interp::Attribution;
using cv::interp::Target;

//! max |a - b| / max |b|: the "relative" tolerance of the grids.
double relMax(const cv::Mat& a, const cv::Mat& b)
{
    CV_Assert(a.total() == b.total());
    const double d = cv::norm(a.reshape(1, 1), b.reshape(1, 1), cv::NORM_INF);
    const double n = cv::norm(b.reshape(1, 1), cv::NORM_INF);
    return d / std::max(n, 1e-12);
}

struct ModelFile
{
    std::string name;     // for messages
    std::string model, config;
    cv::Mat input;        // N x C x H x W
};

std::ostream& operator<<(std::ostream& os, const ModelFile& m) { return os << m.name; }

//! The reference models (ONNX, and Caffe where shipped) with their inputs.
std::vector<ModelFile> referenceModelFiles()
{
    std::vector<ModelFile> out;
    for (const std::string& n : interp_test::referenceModels())
    {
        const std::string dir = interp_test::dataPath("reference/" + n) + "/";
        cv::FileStorage fs(dir + "reference.json", cv::FileStorage::READ);
        const cv::Mat input = cv::interp::readNpy(dir + (std::string)fs["input"]);
        out.push_back({ n, dir + (std::string)fs["model"], "", input });
        if (!fs["caffe"].empty())
            out.push_back({ n + "_caffe", dir + (std::string)fs["caffe"]["caffemodel"],
                            dir + (std::string)fs["caffe"]["prototxt"], input });
    }
    return out;
}

//! Every class of every sample, both engines, both scores: incremental == batched.
void expectEnginesAgree(const cv::Ptr<cv::interp::Explainer>& ex, const cv::Mat& input, OcclusionParams p,
                        const std::string& what, double tol = 1e-5, bool logitsOnly = false)
{
    cv::Ptr<Occlusion> occ = Occlusion::create(ex);
    for (int score : { cv::interp::OCCLUSION_SCORE_LOGIT, cv::interp::OCCLUSION_SCORE_PROB })
    {
        if (logitsOnly && score != cv::interp::OCCLUSION_SCORE_LOGIT)
            continue;
        p.score = score;
        p.engine = cv::interp::OCCLUSION_ENGINE_BATCHED;
        const OcclusionScores b = occ->scores(input, "", p);
        p.engine = cv::interp::OCCLUSION_ENGINE_INCREMENTAL;
        const OcclusionScores i = occ->scores(input, "", p);
        ASSERT_EQ(b.engine, cv::interp::OCCLUSION_ENGINE_BATCHED);
        ASSERT_EQ(i.engine, cv::interp::OCCLUSION_ENGINE_INCREMENTAL);
        ASSERT_EQ(b.scores.dims, 4);
        ASSERT_EQ(cv::dnn::MatShape(b.scores.size.p, b.scores.size.p + 4), cv::dnn::MatShape(i.scores.size.p, i.scores.size.p + 4));
        ASSERT_GT(b.scores.total(), 0u);
        // one tolerance over all classes of a sample (probabilities of unlikely classes are tiny)
        const int N = input.size[0];
        for (int n = 0; n < N; n++)
        {
            const int per = (int)(b.scores.total() / N);
            const cv::Mat mb(1, per, CV_32F, (void*)b.scores.ptr<float>(n)), mi(1, per, CV_32F, (void*)i.scores.ptr<float>(n));
            EXPECT_LE(relMax(mi, mb), tol) << what << ", sample " << n << ", window " << p.window << ", stride "
                                           << p.stride << (score ? ", logits" : ", probabilities");
        }
    }
}

class Interp_OcclusionReference : public ::testing::TestWithParam<ModelFile> {};

TEST_P(Interp_OcclusionReference, incremental_equals_batched)
{
    const ModelFile& m = GetParam();
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(m.model, m.config);
    const int H = m.input.size[2];
    OcclusionParams p;
    // windows reaching the right and bottom borders (H - window divisible by the stride), overlapping
    p.window = 7;
    p.stride = 4;
    while ((H - p.window) % p.stride)
        p.window++;
    expectEnginesAgree(ex, m.input, p, m.name);
    // stride larger than the window
    p.window = 5;
    p.stride = 9;
    expectEnginesAgree(ex, m.input, p, m.name);
}

TEST_P(Interp_OcclusionReference, incremental_equals_batched_stride_1)
{
    const ModelFile& m = GetParam();
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(m.model, m.config);
    OcclusionParams p;
    p.window = 9;
    p.stride = 1;  // every position of a 31 x 31 input: 23 x 23 windows
    expectEnginesAgree(ex, m.input, p, m.name, 1e-5, true);
}

//! The incremental engine recomputes only part of the early maps (not a disguised full re-inference).
TEST_P(Interp_OcclusionReference, incremental_plan_recomputes_regions)
{
    const ModelFile& m = GetParam();
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(m.model, m.config);
    OcclusionParams p;
    p.window = 7;
    p.stride = 4;
    std::vector<cv::interp::OcclusionLayerPlan> plan = Occlusion::create(ex)->plan(m.input, p);
    ASSERT_FALSE(plan.empty());
    const cv::interp::OcclusionLayerPlan& first = plan.front();
    EXPECT_FALSE(first.full) << first.name;
    EXPECT_LT(first.region.area(), first.outputSize.area()) << first.name;
    EXPECT_GT(first.region.area(), 0) << first.name;
    // the last layer (the class scores) is never spatial: computed whole
    EXPECT_TRUE(plan.back().full);
}

INSTANTIATE_TEST_CASE_P(/**/, Interp_OcclusionReference, ::testing::ValuesIn(referenceModelFiles()),
                        [](const ::testing::TestParamInfo<ModelFile>& i) { return i.param.name; });

//! The embedded trained models (data/models), on a demo scene: ONNX and, where shipped, Caffe.
TEST(Interp_Occlusion, incremental_equals_batched_on_embedded_models)
{
    const std::vector<cv::String> names = cv::interp::embeddedModels();
    ASSERT_FALSE(names.empty()) << "no embedded models in " << cv::interp::dataDirectory() << "/models: run data/train_models.py";
    const cv::Mat image = cv::imread(interp_test::dataPath("scenes/test/scene_000.png"), cv::IMREAD_COLOR);
    ASSERT_FALSE(image.empty()) << "missing data/scenes/test/scene_000.png: run data/make_scenes.py";
    for (const cv::String& name : names)
        for (const char* format : { "onnx", "caffe" })
        {
            cv::interp::ModelInfo info;
            try
            {
                info = cv::interp::embeddedModel(name, format);
            }
            catch (const cv::Exception&)
            {
                continue;  // not shipped in this format
            }
            cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model, info.config);
            const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>(1, image));
            OcclusionParams p;
            p.window = 16;
            p.stride = 16;  // (112 - 16) / 16 = 6: windows reach the right and bottom borders
            expectEnginesAgree(ex, blob, p, name + " (" + format + ")");
        }
}

/* The pointing game on the embedded test scenes: for the true class, the peak of the drop map lies inside the
   object mask for most scenes (every 10th scene, stride 12; the rate on all 200 at stride 8 is in doc/occlusion.md). The square shows the
   image's mean colour: a uniform grey square on these textured backgrounds is itself object-like evidence. */
//! Pointing game of occlusion on every `every`-th embedded test scene (their true class): hits and mean mask area.
struct PointingGame
{
    int scenes = 0, hits = 0;
    double maskFraction = 0;
};

PointingGame occlusionPointingGame(const std::string& model, int every, int fill, int stride)
{
    const std::string dir = interp_test::dataPath("scenes/test") + "/";
    std::ifstream f(dir + "labels.csv");
    CV_Assert(f.good());
    std::string line;
    std::getline(f, line);
    std::vector<std::pair<std::string, int> > scenes;
    for (int i = 0; std::getline(f, line); i++)
    {
        std::stringstream ss(line);
        std::string file, label;
        std::getline(ss, file, ',');
        std::getline(ss, label, ',');
        if (i % every == 0)
            scenes.push_back(std::make_pair(file, std::stoi(label)));
    }
    const cv::interp::ModelInfo info = cv::interp::embeddedModel(model);
    cv::Ptr<Occlusion> occ = Occlusion::create(cv::interp::readNet(info.model, info.config));
    OcclusionParams p;
    p.window = 16;
    p.stride = stride;
    p.fill = fill;
    if (fill == cv::interp::OCCLUSION_FILL_COLOR)  // mid grey, the lecture's square
        p.fillColor = cv::interp::occlusionFillColor(info.preprocessing, cv::Scalar::all(127.5));
    // batches of scenes, each scene's true class
    PointingGame g;
    for (size_t b0 = 0; b0 < scenes.size(); b0 += 20)
    {
        std::vector<cv::Mat> imgs, masks;
        for (size_t i = b0; i < std::min(scenes.size(), b0 + 20); i++)
        {
            imgs.push_back(cv::imread(dir + scenes[i].first, cv::IMREAD_COLOR));
            masks.push_back(cv::imread(dir + "masks/" + scenes[i].first, cv::IMREAD_GRAYSCALE));
            CV_Assert(!imgs.back().empty() && !masks.back().empty());
        }
        std::vector<Target> targets;
        for (size_t n = 0; n < imgs.size(); n++)
            targets.push_back(Target::classScore(scenes[b0 + n].second));
        const Attribution res = occ->compute(info.preprocessing.toBlob(imgs), targets, p);
        for (size_t n = 0; n < imgs.size(); n++)
        {
            g.scenes++;
            cv::Point peak;
            cv::minMaxLoc(info.preprocessing.mapToImage(res.maps[n], imgs[n].size()), nullptr, nullptr, nullptr, &peak);
            g.hits += masks[n].at<uchar>(peak) > 0;
            g.maskFraction += cv::countNonZero(masks[n]) / (double)masks[n].total();
        }
    }
    g.maskFraction /= std::max(1, g.scenes);
    return g;
}

TEST(Interp_Occlusion, drop_map_peak_inside_the_object_for_most_scenes)
{
    for (const char* name : { "alexnet_fmnist", "resnet_fmnist" })
    {
        // the image's mean colour as the fill: what the report uses
        const PointingGame g = occlusionPointingGame(name, 10, cv::interp::OCCLUSION_FILL_MEAN, 12);
        ASSERT_EQ(g.scenes, 20) << name;
        const double rate = g.hits / (double)g.scenes;
        std::cout << "[ pointing game ] " << name << ": " << g.hits << " of " << g.scenes
                  << " drop-map peaks inside the object (mean mask area " << g.maskFraction << ")" << std::endl;
        EXPECT_GT(rate, 0.5) << name << ": " << g.hits << " of " << g.scenes << " peaks inside the object";
        EXPECT_GT(rate, 2 * g.maskFraction) << name << ": no better than a random point";
    }
}

/* The table of doc/occlusion.md: the pointing game of each fill on all 200 test scenes, window 16, stride 8 (about
   a minute; it measures quality, not time):
       interp_tests --gtest_also_run_disabled_tests --gtest_filter='*pointing_game_by_fill*' */
TEST(Interp_Occlusion, DISABLED_pointing_game_by_fill_all_scenes)
{
    const std::pair<const char*, int> fills[] = { { "grey square (RGB 127.5)", (int)cv::interp::OCCLUSION_FILL_COLOR },
                                                  { "the image's mean colour", (int)cv::interp::OCCLUSION_FILL_MEAN },
                                                  { "blurred copy", (int)cv::interp::OCCLUSION_FILL_BLUR } };
    for (const char* name : { "alexnet_fmnist", "resnet_fmnist" })
    {
        std::cout << "| `" << name << "` |";
        double maskFraction = 0;
        for (const auto& f : fills)
        {
            const PointingGame g = occlusionPointingGame(name, 1, f.second, 8);
            std::cout << cv::format(" %.1f%% |", 100.0 * g.hits / std::max(1, g.scenes)) << std::flush;
            maskFraction = g.maskFraction;
        }
        std::cout << cv::format(" %.1f%% |", 100 * maskFraction) << std::endl;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Against PyTorch

TEST(Interp_Occlusion, grids_match_pytorch)
{
    const std::string dir = interp_test::dataPath("occlusion") + "/";
    cv::FileStorage fs(dir + "cases.json", cv::FileStorage::READ);
    ASSERT_TRUE(fs.isOpened()) << "missing " << dir << "cases.json: run data/make_occlusion_references.py";
    int cases = 0;
    std::map<std::string, std::vector<ModelFile> > files;
    for (const ModelFile& m : referenceModelFiles())
        files[m.name.substr(0, m.name.size() - (m.name.size() > 6 && m.name.compare(m.name.size() - 6, 6, "_caffe") == 0 &&
                                                 !m.config.empty() ? 6 : 0))].push_back(m);
    for (cv::FileNode c : fs["cases"])
    {
        const std::string model = (std::string)c["model"];
        const cv::Mat logits = cv::interp::readNpy(dir + (std::string)c["logits"]);
        const cv::Mat probs = cv::interp::readNpy(dir + (std::string)c["probs"]);
        ASSERT_EQ(logits.dims, 4);
        const int N = logits.size[0], K = logits.size[1], rows = logits.size[2], cols = logits.size[3];
        if (!c["images"].empty() && !files.count(model))
        {
            // an embedded trained model (ONNX and, where shipped, Caffe): the case's scenes, preprocessed
            std::vector<cv::Mat> imgs;
            for (cv::FileNode f : c["images"])
            {
                imgs.push_back(cv::imread(interp_test::dataPath((std::string)f), cv::IMREAD_COLOR));
                ASSERT_FALSE(imgs.back().empty()) << (std::string)f;
            }
            ASSERT_EQ((int)imgs.size(), N);
            const cv::Mat input = cv::interp::embeddedModel(model).preprocessing.toBlob(imgs);
            for (const char* format : { "onnx", "caffe" })
            {
                cv::interp::ModelInfo info;
                try
                {
                    info = cv::interp::embeddedModel(model, format);
                }
                catch (const cv::Exception&)
                {
                    continue;  // not shipped in this format
                }
                files[model].push_back({ model + " (" + format + ")", info.model, info.config, input });
            }
        }
        ASSERT_TRUE(files.count(model)) << model;
        const std::string fill = (std::string)c["fill"];
        OcclusionParams p;
        p.window = (int)c["window"];
        p.stride = (int)c["stride"];
        if (fill == "constant")
        {
            p.fill = cv::interp::OCCLUSION_FILL_CONSTANT;
            p.fillValue = (double)c["fill_value"];
        }
        else if (fill == "mean")
            p.fill = cv::interp::OCCLUSION_FILL_MEAN;
        else if (fill == "color")
        {
            p.fill = cv::interp::OCCLUSION_FILL_COLOR;
            c["fill_color"] >> p.fillColor;
        }
        else
        {
            ASSERT_EQ(fill, "blur");
            p.fill = cv::interp::OCCLUSION_FILL_BLUR;
            p.blurSigma = (double)c["blur_sigma"];
        }
        for (const ModelFile& m : files[model])
        {
            cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(m.model, m.config);
            cv::Ptr<Occlusion> occ = Occlusion::create(ex);
            for (int engine : { cv::interp::OCCLUSION_ENGINE_BATCHED, cv::interp::OCCLUSION_ENGINE_INCREMENTAL })
                for (int score : { cv::interp::OCCLUSION_SCORE_LOGIT, cv::interp::OCCLUSION_SCORE_PROB })
                {
                    p.engine = engine;
                    p.score = score;
                    const OcclusionScores r = occ->scores(m.input, "", p);
                    ASSERT_EQ(r.scores.dims, 4);
                    ASSERT_EQ(r.scores.size[0], N);
                    ASSERT_EQ(r.scores.size[1], K);
                    ASSERT_EQ(r.rows, rows);
                    ASSERT_EQ(r.cols, cols);
                    const cv::Mat& ref = score == cv::interp::OCCLUSION_SCORE_LOGIT ? logits : probs;
                    for (int n = 0; n < N; n++)
                    {
                        const cv::Mat ours(K, rows * cols, CV_32F, (void*)r.scores.ptr<float>(n));
                        const cv::Mat theirs(K, rows * cols, CV_32F, (void*)ref.ptr<float>(n));
                        EXPECT_LE(relMax(ours, theirs), 1e-4)
                            << m.name << " " << fill << " window " << p.window << " stride " << p.stride << " sample "
                            << n << (engine == cv::interp::OCCLUSION_ENGINE_BATCHED ? " batched" : " incremental")
                            << (score == cv::interp::OCCLUSION_SCORE_LOGIT ? " logits" : " probabilities");
                    }
                }
        }
        cases++;
    }
    EXPECT_GE(cases, 17);  // 14 on the reference models, 3 on the embedded trained models
}

// ---------------------------------------------------------------------------------------------------------
// Semantics computed by hand

/* input 1 x 1 x 6 x 8 -> 1x1 convolution with 2 outputs (weights 1 and -1) -> global average pooling -> flatten:
   scores (m, -m) with m the mean of the input. A window filled with v changes m by (k^2 v - sum of the window) / 48. */
struct MeanNet : interp_test::NetBuilder
{
    MeanNet()
    {
        cv::dnn::LayerParams conv;
        conv.set("num_output", 2);
        conv.set("kernel_size", 1);
        conv.set("bias_term", false);
        float w[] = { 1.f, -1.f };
        conv.blobs.push_back(cv::Mat(std::vector<int>{ 2, 1, 1, 1 }, CV_32F, w).clone());
        add("conv", "Convolution", conv);
        cv::dnn::LayerParams pool;
        pool.set("pool", "AVE");
        pool.set("global_pooling", true);
        add("pool", "Pooling", pool);
        cv::dnn::LayerParams flat;
        add("flat", "Flatten", flat);
    }
};

//! A user layer type cv::dnn knows nothing about: y = 3x, position by position.
typedef interp_test::ScaleLayer<3> TripleLayer;

TEST(Interp_Occlusion, a_registered_geometry_reaches_the_incremental_engine)
{
    // One registry per layer type: the receptive-field geometry a user registers for a new type is what incremental
    // occlusion follows too (before, the type was recomputed whole from there on), and cached plans notice.
    cv::dnn::LayerFactory::registerLayer("InterpTestTriple", TripleLayer::create);
    MeanNet mn;  // conv -> global pooling -> flatten, with the user layer after the convolution
    interp_test::NetBuilder b;
    cv::dnn::LayerParams conv = mn.params.at("conv");
    b.add("conv", "Convolution", conv);
    b.add("triple", "InterpTestTriple");
    b.add("pool", "Pooling", mn.params.at("pool"));
    b.add("flat", "Flatten", mn.params.at("flat"));
    cv::Ptr<cv::interp::Explainer> ex = b.explainer();
    cv::Ptr<Occlusion> occ = Occlusion::create(ex);
    const cv::Mat x = interp_test::randomBlob({ 1, 1, 6, 8 }, -1, 1, 9);
    OcclusionParams p;
    p.window = 2;
    p.stride = 2;
    p.score = cv::interp::OCCLUSION_SCORE_LOGIT;
    auto planOf = [&](const std::string& name) {
        for (const cv::interp::OcclusionLayerPlan& l : occ->plan(x, p))
            if (l.name == name)
                return l;
        return cv::interp::OcclusionLayerPlan();
    };
    EXPECT_EQ(planOf("triple").geometry, "unknown");
    cv::interp::registerGeometryRule("InterpTestTriple", [](const cv::interp::GeometryContext&) {
        return cv::interp::LayerGeometry::uniform(1, 1, cv::interp::SpatialMap(cv::interp::AxisMap::identity(),
                                                                              cv::interp::AxisMap::identity()));
    });
    EXPECT_EQ(planOf("triple").geometry, "pointwise");
    EXPECT_FALSE(planOf("triple").full);
    expectEnginesAgree(ex, x, p, "user layer with a registered geometry", 1e-5, true);
    const cv::interp::LayerSpec spec = cv::interp::layerSpec("InterpTestTriple");
    EXPECT_TRUE((bool)spec.geometry);
    EXPECT_TRUE(spec.backward.empty());
    const uint64 before = cv::interp::layerRegistryVersion();
    cv::interp::unregisterLayerSpec("InterpTestTriple");
    EXPECT_GT(cv::interp::layerRegistryVersion(), before);
    EXPECT_FALSE(cv::interp::hasGeometryRule("InterpTestTriple"));
    EXPECT_EQ(planOf("triple").geometry, "unknown");
    cv::dnn::LayerFactory::unregisterLayer("InterpTestTriple");
}

/* Window layers at the map borders: convolutions with padding, and pooling in ceil mode with and without padding
   (the last pooling window runs past the input, so patches at the right and bottom border are cut by more than the
   layer's padding), average pooling counting the padded area, on inputs with negative values (no ReLU hides a
   wrong max), two samples. */
TEST(Interp_Occlusion, window_layers_at_the_borders_in_ceil_mode)
{
    interp_test::NetBuilder b;
    auto add = [&](const std::string& name, const std::string& type, const cv::dnn::LayerParams& lp) {
        b.add(name, type, lp);
    };
    cv::RNG rng(11);
    auto conv = [&](int cin, int cout, int k, int pad, int stride) {
        cv::dnn::LayerParams lp;
        lp.set("num_output", cout);
        lp.set("kernel_size", k);
        lp.set("pad", pad);
        lp.set("stride", stride);
        lp.set("bias_term", true);
        cv::Mat w(std::vector<int>{ cout, cin, k, k }, CV_32F), b(1, cout, CV_32F);
        rng.fill(w, cv::RNG::NORMAL, 0, 0.5);
        rng.fill(b, cv::RNG::NORMAL, 0, 0.1);
        lp.blobs = { w, b };
        return lp;
    };
    auto pool = [](const char* kind, int k, int stride, int pad) {
        cv::dnn::LayerParams lp;
        lp.set("pool", kind);
        lp.set("kernel_size", k);
        lp.set("stride", stride);
        lp.set("pad", pad);
        lp.set("ceil_mode", true);
        return lp;
    };
    add("conv1", "Convolution", conv(2, 3, 3, 1, 1));
    add("pool1", "Pooling", pool("MAX", 3, 2, 0));   // 24 -> 12 (ceil): the last window runs past the map
    add("conv2", "Convolution", conv(3, 4, 3, 2, 1));  // 12 -> 14
    add("pool2", "Pooling", pool("AVE", 3, 2, 1));   // 14 -> 8 (ceil), padded area counted
    add("pool3", "Pooling", pool("MAX", 2, 2, 1));   // 8 -> 5 (ceil, padded)
    add("conv3", "Convolution", conv(4, 5, 1, 0, 1));
    cv::dnn::LayerParams gap;
    gap.set("pool", "AVE");
    gap.set("global_pooling", true);
    add("gap", "Pooling", gap);
    add("flat", "Flatten", cv::dnn::LayerParams());
    cv::Ptr<cv::interp::Explainer> ex = b.explainer();
    const cv::Mat x = interp_test::randomBlob({ 2, 2, 24, 24 }, -1, 1, 5);
    std::vector<cv::interp::OcclusionLayerPlan> plan = Occlusion::create(ex)->plan(x, OcclusionParams());
    ASSERT_GE(plan.size(), 3u);
    EXPECT_FALSE(plan[1].full) << "pool1 is computed on patches";
    for (int window : { 3, 6 })
        for (int stride : { 1, 4, 7 })
        {
            OcclusionParams p;
            p.window = window;
            p.stride = stride;
            p.fill = cv::interp::OCCLUSION_FILL_CONSTANT;
            p.fillValue = 2.0;
            expectEnginesAgree(ex, x, p, "ceil-mode net", 1e-5, true);
        }
}

TEST(Interp_Occlusion, hand_computed_grid_drop_and_map)
{
    MeanNet mn;
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(mn.net, mn.params);
    const int H = 6, W = 8, k = 3, s = 2;
    cv::Mat x(std::vector<int>{ 1, 1, H, W }, CV_32F);
    for (int i = 0; i < H * W; i++)
        x.ptr<float>()[i] = (float)(i % 7) - 2.f;
    double mean = 0;
    for (int i = 0; i < H * W; i++)
        mean += x.ptr<float>()[i];
    mean /= H * W;
    const double fillValue = 0.5;
    for (int engine : { cv::interp::OCCLUSION_ENGINE_BATCHED, cv::interp::OCCLUSION_ENGINE_INCREMENTAL })
        for (int score : { cv::interp::OCCLUSION_SCORE_LOGIT, cv::interp::OCCLUSION_SCORE_PROB })
        {
            OcclusionParams p;
            p.window = k;
            p.stride = s;
            p.fillValue = fillValue;
            p.engine = engine;
            p.score = score;
            EXPECT_EQ(Occlusion::create(ex)->engineFor(x, p), engine);
            // positions y = 0, 2 (2 + 3 <= 6; 4 + 3 > 6) and x = 0, 2, 4
            const int rows = 2, cols = 3;
            auto scoreOf = [&](double m, int cls) {
                const double z = cls == 0 ? m : -m;
                return score == cv::interp::OCCLUSION_SCORE_LOGIT ? z : 1.0 / (1.0 + std::exp(-2 * z));
            };
            // a weighted sum of both classes' scores is scored as that sum
            const Attribution both = cv::interp::occlusion(ex, x, { Target::classScore(0).forSample(0),
                                                                    Target::classScore(1).forSample(0) }, p);
            ASSERT_EQ(both.layerMaps.size(), 1u);
            for (int cls = 0; cls < 2; cls++)
            {
                const Attribution res = cv::interp::occlusion(ex, x, { Target::classScore(cls) }, p);
                EXPECT_EQ(res.method, cv::interp::ATTRIBUTION_OCCLUSION);
                ASSERT_EQ(res.scores.size(), 1u);
                ASSERT_EQ(res.maps.size(), 1u);
                ASSERT_EQ(res.layerMaps.size(), 1u);
                EXPECT_NEAR(res.scores[0], scoreOf(mean, cls), 1e-6);
                const cv::Mat& grid = res.layerMaps[0];
                ASSERT_EQ(grid.rows, rows);
                ASSERT_EQ(grid.cols, cols);
                cv::Mat expectedDrop(rows, cols, CV_64F);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++)
                    {
                        double sum = 0;
                        for (int yy = i * s; yy < i * s + k; yy++)
                            for (int xx = j * s; xx < j * s + k; xx++)
                                sum += x.ptr<float>()[yy * W + xx];
                        const double m = mean + (k * k * fillValue - sum) / (H * W);
                        EXPECT_NEAR(grid.at<float>(i, j), scoreOf(m, cls), 1e-6) << i << "," << j;
                        EXPECT_NEAR(both.layerMaps[0].at<float>(i, j), scoreOf(m, 0) + scoreOf(m, 1), 1e-6);
                        expectedDrop.at<double>(i, j) = scoreOf(mean, cls) - scoreOf(m, cls);
                    }
                // per pixel: the mean drop of the windows covering it; row 5 and column 7 are never covered
                const cv::Mat& map = res.maps[0];
                ASSERT_EQ(map.rows, H);
                ASSERT_EQ(map.cols, W);
                ASSERT_EQ(res.attribution.dims, 4);
                EXPECT_EQ(cv::norm(res.attribution.reshape(1, H), map, cv::NORM_INF), 0.0);
                for (int yy = 0; yy < H; yy++)
                    for (int xx = 0; xx < W; xx++)
                    {
                        double sum = 0;
                        int n = 0;
                        for (int i = 0; i < rows; i++)
                            for (int j = 0; j < cols; j++)
                                if (yy >= i * s && yy < i * s + k && xx >= j * s && xx < j * s + k)
                                {
                                    sum += expectedDrop.at<double>(i, j);
                                    n++;
                                }
                        EXPECT_NEAR(map.at<float>(yy, xx), n ? sum / n : 0.0, 1e-6) << yy << "," << xx;
                    }
            }
        }
}

TEST(Interp_Occlusion, fill_colour_from_preprocessing)
{
    cv::interp::Preprocessing prep;
    prep.mean = cv::Scalar(127.5, 127.5, 127.5);
    prep.scale = 1.0 / (255 * 0.25);
    prep.swapRB = true;
    std::vector<float> v = cv::interp::occlusionFillColor(prep, cv::Scalar(255, 0, 127.5));  // R, G, B
    ASSERT_EQ(v.size(), 3u);
    EXPECT_FLOAT_EQ(v[0], 2.f);   // R first after swapping
    EXPECT_FLOAT_EQ(v[1], -2.f);
    EXPECT_FLOAT_EQ(v[2], 0.f);
    prep.swapRB = false;  // blob channels stay B, G, R
    v = cv::interp::occlusionFillColor(prep, cv::Scalar(255, 0, 127.5));
    EXPECT_FLOAT_EQ(v[0], 0.f);
    EXPECT_FLOAT_EQ(v[2], 2.f);
    v = cv::interp::occlusionFillColor(prep, cv::Scalar(127.5, 127.5, 127.5), 1);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_FLOAT_EQ(v[0], 0.f);
    EXPECT_THROW(cv::interp::occlusionFillColor(prep, cv::Scalar(255, 0, 0), 1), cv::Exception);
    EXPECT_THROW(cv::interp::occlusionFillColor(prep, cv::Scalar(300, 0, 0)), cv::Exception);
}

// ---------------------------------------------------------------------------------------------------------
// Errors, progress, fallbacks

//! Runs fn and returns the cv::Exception message ("" when nothing was thrown).
template<typename F>
std::string errorOf(F fn)
{
    try
    {
        fn();
    }
    catch (const cv::Exception& e)
    {
        return e.err;
    }
    return "";
}

TEST(Interp_Occlusion, bad_parameters_raise_clear_errors)
{
    const ModelFile m = referenceModelFiles().front();
    cv::Ptr<Occlusion> occ = Occlusion::create(cv::interp::readNet(m.model, m.config));
    const int H = m.input.size[2];
    OcclusionParams p;
    p.window = H + 1;
    std::string e = errorOf([&]() { occ->compute(m.input, {}, p); });
    EXPECT_NE(e.find("larger than the input"), std::string::npos) << e;
    p = OcclusionParams();
    p.stride = 0;
    e = errorOf([&]() { occ->compute(m.input, {}, p); });
    EXPECT_NE(e.find("stride must be a positive"), std::string::npos) << e;
    p = OcclusionParams();
    p.window = 0;
    e = errorOf([&]() { occ->compute(m.input, {}, p); });
    EXPECT_NE(e.find("window must be at least 1"), std::string::npos) << e;
    p = OcclusionParams();
    p.fill = cv::interp::OCCLUSION_FILL_COLOR;
    p.fillColor = { 0.f, 1.f };
    e = errorOf([&]() { occ->compute(m.input, {}, p); });
    EXPECT_NE(e.find("has 2 value(s) but the input has 3 channels"), std::string::npos) << e;
    p = OcclusionParams();
    e = errorOf([&]() { occ->compute(m.input, { Target::classScore(10) }, p); });
    EXPECT_NE(e.find("class 10 does not exist"), std::string::npos) << e;
    e = errorOf([&]() { occ->compute(m.input, { Target::classScore(0, "no_such_layer") }, p); });
    EXPECT_NE(e.find("unknown layer 'no_such_layer'"), std::string::npos) << e;
    e = errorOf([&]() { occ->compute(m.input, { Target::channel("no_such_layer", 0) }, p); });
    EXPECT_NE(e.find("occlusion maps class scores"), std::string::npos) << e;
    e = errorOf([&]() { occ->compute(m.input, { Target::classScore(0), Target::classScore(1), Target::classScore(2) }, p); });
    EXPECT_NE(e.find("targets for a batch"), std::string::npos) << e;
    p = OcclusionParams();
    e = errorOf([&]() { occ->compute(cv::Mat(31, 31, CV_32F, cv::Scalar(0)), {}, p); });
    EXPECT_NE(e.find("N x C x H x W float32 blob"), std::string::npos) << e;
    p.fill = 7;
    e = errorOf([&]() { occ->compute(m.input, {}, p); });
    EXPECT_NE(e.find("unknown occlusion fill 7"), std::string::npos) << e;
}

TEST(Interp_Occlusion, progress_is_reported_and_can_cancel)
{
    const ModelFile m = referenceModelFiles().front();
    cv::Ptr<Occlusion> occ = Occlusion::create(cv::interp::readNet(m.model, m.config));
    for (int engine : { cv::interp::OCCLUSION_ENGINE_BATCHED, cv::interp::OCCLUSION_ENGINE_INCREMENTAL })
    {
        OcclusionParams p;
        p.window = 5;
        p.stride = 2;       // 14 x 14 positions
        p.batchSize = 16;   // several batches
        p.engine = engine;
        std::vector<std::pair<int, int> > calls;
        occ->compute(m.input, {}, p, [&](int done, int total) {
            calls.push_back(std::make_pair(done, total));
            return true;
        });
        ASSERT_GE(calls.size(), 2u);
        for (size_t i = 0; i < calls.size(); i++)
        {
            EXPECT_EQ(calls[i].second, 196);
            if (i > 0)
            {
                EXPECT_GT(calls[i].first, calls[i - 1].first);
            }
        }
        EXPECT_EQ(calls.back().first, 196);
        int n = 0;
        std::string e = errorOf([&]() { occ->compute(m.input, {}, p, [&](int, int) { return ++n < 2; }); });
        EXPECT_NE(e.find("cancelled"), std::string::npos) << e;
        EXPECT_EQ(n, 2);
    }
}

TEST(Interp_Occlusion, network_without_captured_parameters_uses_batched_engine)
{
    const ModelFile m = referenceModelFiles().front();
    cv::Ptr<cv::interp::Explainer> plain = cv::interp::Explainer::create(cv::dnn::readNet(m.model));
    OcclusionParams p;
    p.window = 7;
    p.stride = 6;
    p.engine = cv::interp::OCCLUSION_ENGINE_INCREMENTAL;
    std::string e = errorOf([&]() { cv::interp::occlusion(plain, m.input, {}, p); });
    EXPECT_NE(e.find("cv::interp::readNet()"), std::string::npos) << e;
    p.engine = cv::interp::OCCLUSION_ENGINE_AUTO;
    const cv::Ptr<cv::interp::Explainer> loaded = cv::interp::readNet(m.model);
    EXPECT_EQ(Occlusion::create(plain)->engineFor(m.input, p), cv::interp::OCCLUSION_ENGINE_BATCHED);
    EXPECT_EQ(Occlusion::create(loaded)->engineFor(m.input, p), cv::interp::OCCLUSION_ENGINE_INCREMENTAL);
    const OcclusionScores a = Occlusion::create(plain)->scores(m.input, "", p);
    EXPECT_EQ(a.engine, cv::interp::OCCLUSION_ENGINE_BATCHED);
    const OcclusionScores b = Occlusion::create(loaded)->scores(m.input, "", p);
    EXPECT_EQ(b.engine, cv::interp::OCCLUSION_ENGINE_INCREMENTAL);
    EXPECT_LE(relMax(a.scores, b.scores), 1e-5);
}

//! One Occlusion object serving several threads at once gives each the same answer as alone.
TEST(Interp_Occlusion, concurrent_calls_agree)
{
    const ModelFile m = referenceModelFiles().front();
    cv::Ptr<Occlusion> occ = Occlusion::create(cv::interp::readNet(m.model, m.config));
    OcclusionParams p;
    p.window = 7;
    p.stride = 3;
    const Attribution alone = occ->compute(m.input, {}, p);
    std::vector<Attribution> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++)
        threads.emplace_back([&, t]() {
            OcclusionParams q = p;
            q.engine = t % 2 ? cv::interp::OCCLUSION_ENGINE_BATCHED : cv::interp::OCCLUSION_ENGINE_INCREMENTAL;
            got[t] = occ->compute(m.input, {}, q);
        });
    for (std::thread& t : threads)
        t.join();
    for (int t = 0; t < 4; t++)
    {
        ASSERT_EQ(got[t].layerMaps.size(), alone.layerMaps.size());
        for (size_t i = 0; i < alone.layerMaps.size(); i++)
            EXPECT_LE(relMax(got[t].layerMaps[i], alone.layerMaps[i]), 1e-5) << "thread " << t;
    }
}

}  // namespace
}  // namespace opencv_test
