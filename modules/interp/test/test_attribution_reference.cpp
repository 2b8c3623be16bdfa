// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Attribution methods on the shipped trained models against PyTorch autograd (data/methods, made by
// data/make_method_references.py): Grad-CAM at a named layer, guided Grad-CAM, input x gradient, SmoothGrad with the
// same explicit noise, Integrated Gradients with the same steps. Also: IG completeness at 64 steps, and the generic
// Grad-CAM layer rule against the layer named in each embedded model's description.
#include "test_precomp.hpp"

#include <cmath>
#include <iostream>

namespace opencv_test {
namespace {

namespace ci = cv::interp;
using cv::interp::Attribution;
using cv::interp::Target;

const double kTolerance = 1e-4;  // relative L2, float32 engine vs float64 PyTorch

//! One model's record of data/methods/methods.json, with everything loaded.
struct Case
{
    std::string name;
    cv::FileNode rec;
    cv::Ptr<ci::Explainer> ex;
    cv::Mat blob;
    std::vector<Target> target;
};

cv::Mat readRef(const cv::FileNode& node, const std::string& key)
{
    const std::string path = interp_test::dataPath("methods/" + (std::string)node[key]);
    return ci::readNpy(path);
}

class ReferenceData
{
public:
    cv::FileStorage fs;
    std::vector<Case> cases;

    bool load()
    {
        const std::string path = interp_test::dataPath("methods/methods.json");
        if (!interp_test::fileExists(path))
            return false;
        fs.open(path, cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
        cv::FileNode models = fs["models"];
        for (cv::FileNodeIterator it = models.begin(); it != models.end(); ++it)
        {
            Case c;
            c.name = (*it).name();
            c.rec = *it;
            c.ex = ci::readNet(interp_test::dataPath("models/" + c.name + ".onnx"));
            const ci::ModelInfo info = ci::readModelInfo(interp_test::dataPath("models/" + c.name + ".json"));
            const cv::Mat image = cv::imread(interp_test::dataPath((std::string)c.rec["image"]), cv::IMREAD_COLOR);
            CV_Assert(!image.empty());
            c.blob = info.preprocessing.toBlob(std::vector<cv::Mat>(1, image));
            c.target.push_back(Target::classScore((int)c.rec["class"]));
            cases.push_back(c);
        }
        return true;
    }
};

ReferenceData& references()
{
    static ReferenceData data;
    static bool loaded = data.load();
    EXPECT_TRUE(loaded) << "data/methods/methods.json is missing: run /usr/bin/python3 data/make_method_references.py";
    EXPECT_EQ(data.cases.size(), 2u) << "expected references for alexnet_fmnist and resnet_fmnist";
    return data;
}

TEST(Interp_AttributionReference, same_input_as_pytorch)
{
    for (const Case& c : references().cases)
    {
        const double sum = cv::sum(c.blob.reshape(1, 1))[0], ref = (double)c.rec["input_sum"];
        EXPECT_NEAR(sum, ref, 1e-6 * std::max(1.0, std::abs(ref))) << c.name << ": the demo image or preprocessing changed";
        std::vector<double> score = c.ex->evaluate(c.ex->forward(c.blob), c.target);
        EXPECT_NEAR(score[0], (double)c.rec["logit"], 1e-4 * std::abs((double)c.rec["logit"])) << c.name;
    }
}

TEST(Interp_AttributionReference, gradcam_at_named_layer)
{
    for (const Case& c : references().cases)
    {
        cv::FileNode r = c.rec["gradcam"];
        ci::GradCamParams p;
        p.layer = (std::string)r["layer"];
        Attribution a = ci::gradCam(c.ex, c.blob, c.target, p);
        EXPECT_EQ(a.layer, p.layer);
        const cv::Mat layerMap = readRef(r, "layer_map"), map = readRef(r, "map");
        ASSERT_EQ((int)a.layerMaps[0].total(), (int)layerMap.total()) << c.name;
        ASSERT_GT(cv::countNonZero(layerMap.reshape(1, 1) > 0), 0) << c.name << ": the reference map is all zero";
        const double e1 = interp_test::relL2(a.layerMaps[0], layerMap), e2 = interp_test::relL2(a.maps[0], map);
        std::cout << c.name << ": Grad-CAM at " << p.layer << ", relative L2 error " << e1 << " (layer map), " << e2
                  << " (upsampled)" << std::endl;
        EXPECT_LE(e1, kTolerance) << c.name;
        EXPECT_LE(e2, kTolerance) << c.name;
        EXPECT_NEAR(cv::sum(a.layerWeights)[0], (double)r["weights_sum"], 1e-4 * cv::norm(a.layerWeights, cv::NORM_L1))
            << c.name;
    }
}

TEST(Interp_AttributionReference, guided_gradcam)
{
    for (const Case& c : references().cases)
    {
        cv::FileNode r = c.rec["guided_gradcam"];
        ci::GradCamParams p;
        p.layer = (std::string)r["layer"];
        Attribution a = ci::guidedGradCam(c.ex, c.blob, c.target, p);
        const double e = interp_test::relL2(a.attribution, readRef(r, "attribution"));
        std::cout << c.name << ": guided Grad-CAM, relative L2 error " << e << std::endl;
        EXPECT_LE(e, kTolerance) << c.name;
    }
}

TEST(Interp_AttributionReference, input_x_gradient)
{
    for (const Case& c : references().cases)
    {
        Attribution a = ci::inputXGradient(c.ex, c.blob, c.target);
        const double e = interp_test::relL2(a.attribution, readRef(c.rec["input_x_gradient"], "attribution"));
        std::cout << c.name << ": input x gradient, relative L2 error " << e << std::endl;
        EXPECT_LE(e, kTolerance) << c.name;
    }
}

//! The explicit SmoothGrad noise of make_method_references.py: amplitude * sin(2.3 i + 0.7 s^2 + 1.1 s).
cv::Mat formulaNoise(int samples, const std::vector<int>& chw, double amplitude)
{
    cv::Mat noise(std::vector<int>{ samples, chw[0], chw[1], chw[2] }, CV_32F);
    const size_t n = (size_t)chw[0] * chw[1] * chw[2];
    for (int s = 0; s < samples; s++)
    {
        float* p = noise.ptr<float>(s);
        for (size_t i = 0; i < n; i++)
            p[i] = (float)(amplitude * std::sin(2.3 * (double)i + 0.7 * s * s + 1.1 * s));
    }
    return noise;
}

TEST(Interp_AttributionReference, smoothgrad_with_the_same_noise)
{
    for (const Case& c : references().cases)
    {
        cv::FileNode r = c.rec["smoothgrad"];
        ci::SmoothGradParams p;
        p.noise = formulaNoise((int)r["samples"], { c.blob.size[1], c.blob.size[2], c.blob.size[3] },
                               (double)r["amplitude"]);
        p.batchSize = 4;
        Attribution a = ci::smoothGrad(c.ex, c.blob, c.target, p);
        const double e = interp_test::relL2(a.attribution, readRef(r, "attribution"));
        std::cout << c.name << ": SmoothGrad, relative L2 error " << e << std::endl;
        EXPECT_LE(e, kTolerance) << c.name;
    }
}

TEST(Interp_AttributionReference, integrated_gradients_with_the_same_steps)
{
    for (const Case& c : references().cases)
    {
        cv::FileNode r = c.rec["ig"];
        ci::IntegratedGradientsParams p;
        p.steps = (int)r["steps"];
        p.baseline = ci::parseBaseline((std::string)r["baseline"]);
        if (!r["blur_sigma"].empty())
            p.blurSigma = (double)r["blur_sigma"];
        Attribution a = ci::integratedGradients(c.ex, c.blob, c.target, p);
        const double e = interp_test::relL2(a.attribution, readRef(r, "attribution"));
        std::cout << c.name << ": Integrated Gradients, relative L2 error " << e << std::endl;
        EXPECT_LE(e, kTolerance) << c.name;
        const double fx = (double)r["f_x"], fb = (double)r["f_baseline"];
        EXPECT_NEAR(a.scores[0], fx, 1e-4 * std::abs(fx)) << c.name;
        EXPECT_NEAR(a.baselineScores[0], fb, 1e-4 * std::max(1.0, std::abs(fb))) << c.name;
        EXPECT_NEAR(a.completenessErrors[0], (double)r["completeness_error"], 1e-3 * std::abs(fx - fb)) << c.name;
    }
}

TEST(Interp_AttributionReference, ig_completeness_at_64_steps)
{
    // Over all demo images, both models, zero and blurred baselines: sum of |sum(attribution) - (f(x) - f(x'))|
    // < 1% of the sum of |f(x) - f(x')|. Single images can exceed 1% (the trapezoid rule on the piecewise-constant
    // gradient of a ReLU network does not converge monotonically; float64 PyTorch gives the same errors, see
    // doc/smoothgrad-ig.md), so every case is printed and bounded only by the aggregate.
    const std::vector<cv::String> demo = ci::demoImages();
    ASSERT_GE(demo.size(), 2u);
    std::vector<cv::Mat> images;
    for (const cv::String& f : demo)
        images.push_back(cv::imread(f));
    double errors = 0, deltas = 0, worst = 0;
    for (const char* name : { "alexnet_fmnist", "resnet_fmnist" })
    {
        const ci::ModelInfo info = ci::embeddedModel(name);
        cv::Ptr<ci::Explainer> ex = ci::readNet(info.model);
        const cv::Mat blob = info.preprocessing.toBlob(images);
        const int N = blob.size[0];
        std::vector<Target> targets;
        cv::Ptr<ci::Tape> tape = ex->forward(blob);
        const cv::Mat scores = tape->outputs(ex->graph().scoreLayer())[0].reshape(1, N);
        for (int n = 0; n < N; n++)
        {
            cv::Point best;
            cv::minMaxLoc(scores.row(n), nullptr, nullptr, nullptr, &best);
            targets.push_back(Target::classScore(best.x));
        }
        for (int baseline : { (int)ci::BASELINE_ZERO, (int)ci::BASELINE_BLUR })
        {
            ci::IntegratedGradientsParams p;
            p.steps = 64;
            p.baseline = baseline;
            p.batchSize = 65;
            Attribution a = ci::integratedGradients(ex, blob, targets, p);
            for (int n = 0; n < N; n++)
            {
                const double delta = std::abs(a.scores[n] - a.baselineScores[n]);
                EXPECT_GT(delta, 0.5) << name << ": the baseline should change the score";
                const double total = cv::sum(a.attribution(std::vector<cv::Range>{ cv::Range(n, n + 1),
                    cv::Range::all(), cv::Range::all(), cv::Range::all() }).clone().reshape(1, 1))[0];
                EXPECT_NEAR(std::abs(total - (a.scores[n] - a.baselineScores[n])), a.completenessErrors[n], 1e-4);
                std::cout << "IG completeness, " << name << ", " << ci::baselineName(baseline) << ", image " << n
                          << ": f(x) " << a.scores[n] << ", f(x') " << a.baselineScores[n] << ", error "
                          << cv::format("%.3f%%", 100 * a.completenessErrors[n] / delta) << std::endl;
                errors += a.completenessErrors[n];
                deltas += delta;
                worst = std::max(worst, a.completenessErrors[n] / delta);
            }
        }
    }
    std::cout << "IG completeness at 64 steps: aggregate " << cv::format("%.3f%%", 100 * errors / deltas)
              << ", worst single image " << cv::format("%.3f%%", 100 * worst) << std::endl;
    EXPECT_LT(errors, 0.01 * deltas);
}

TEST(Interp_AttributionReference, default_gradcam_layer_is_the_models_last_conv)
{
    // The generic rule (no layer type names) agrees with the layer each model's description names, for the ONNX
    // file and, where there is one, the Caffe version (read from the JSON directly: its keys are "caffe_model",
    // "caffe_prototxt" and "caffe_layers").
    int checked = 0;
    for (const cv::String& name : ci::embeddedModels())
    {
        const std::string json = interp_test::dataPath("models/" + name + ".json");
        cv::FileStorage fs(json, cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
        const cv::FileNode files = fs["files"];
        std::vector<std::vector<std::string> > variants;  // model, config, last conv layer
        variants.push_back({ interp_test::dataPath("models/" + (std::string)files["onnx"]), "",
                             (std::string)fs["layers"]["last_conv"] });
        if (!files["caffe_model"].empty())
            variants.push_back({ interp_test::dataPath("models/" + (std::string)files["caffe_model"]),
                                 interp_test::dataPath("models/" + (std::string)files["caffe_prototxt"]),
                                 (std::string)fs["caffe_layers"]["last_conv"] });
        const cv::FileNode size = fs["input_size"];
        const std::vector<int> shape = { 1, 3, (int)size[0], (int)size[1] };
        for (const std::vector<std::string>& v : variants)
        {
            ASSERT_FALSE(v[2].empty()) << name;
            cv::Ptr<ci::Explainer> ex = ci::readNet(v[0], v[1]);
            const int layer = ci::defaultGradCamLayer(ex, -1, shape);
            EXPECT_EQ(layer, ex->graph().require(v[2]))
                << v[0] << ": rule gives '" << ex->graph().layer(layer).name << "', the model description names '"
                << v[2] << "'";
            checked++;
        }
    }
    EXPECT_GE(checked, 4) << "expected alexnet_fmnist (ONNX and Caffe), resnet_fmnist and resnet_shortcut";
}

}  // namespace
}  // namespace opencv_test
