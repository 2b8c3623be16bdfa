// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The main methods on the embedded models: one forward + backward, Grad-CAM, SmoothGrad (25 samples), exact
// occlusion (window 16, stride 8), one synthesis step.
#include "perf_precomp.hpp"

namespace opencv_test {
namespace {

using namespace cv::interp;

typedef perf::TestBaseWithParam<std::string> Interp_Method;

struct ModelSetup
{
    ModelInfo info;
    Ptr<Explainer> explainer;
    Mat blob;
    std::vector<Target> targets;
    explicit ModelSetup(const std::string& model)
    {
        info = embeddedModel(model);
        explainer = readNet(info.model, info.config);
        const std::vector<String> demo = demoImages();
        blob = info.preprocessing.toBlob(std::vector<Mat>{ imread(demo[0]) });
        targets = { Target::classScore(predictClasses(explainer, blob)[0]) };
    }
};

PERF_TEST_P(Interp_Method, gradient, ::testing::Values("alexnet_fmnist", "resnet_fmnist"))
{
    ModelSetup s(GetParam());
    Mat g;
    TEST_CYCLE() g = s.explainer->gradient(s.blob, s.targets);
    SANITY_CHECK_NOTHING();
}

PERF_TEST_P(Interp_Method, gradcam, ::testing::Values("alexnet_fmnist", "resnet_fmnist"))
{
    ModelSetup s(GetParam());
    TEST_CYCLE() gradCam(s.explainer, s.blob, s.targets);
    SANITY_CHECK_NOTHING();
}

PERF_TEST_P(Interp_Method, smoothgrad, ::testing::Values("alexnet_fmnist", "resnet_fmnist"))
{
    ModelSetup s(GetParam());
    TEST_CYCLE() smoothGrad(s.explainer, s.blob, s.targets);
    SANITY_CHECK_NOTHING();
}

PERF_TEST_P(Interp_Method, occlusion, ::testing::Values("alexnet_fmnist", "resnet_fmnist"))
{
    ModelSetup s(GetParam());
    const Ptr<Occlusion> occ = Occlusion::create(s.explainer);
    TEST_CYCLE() occ->compute(s.blob);
    SANITY_CHECK_NOTHING();
}

PERF_TEST_P(Interp_Method, synthesis_step, ::testing::Values("alexnet_fmnist", "resnet_fmnist"))
{
    ModelSetup s(GetParam());
    SynthesisParams p;
    p.iterations = 1000000;  // never done within the measured cycles
    const Ptr<Synthesizer> syn = Synthesizer::create(s.explainer, { Target::classScore(0) }, s.info.preprocessing, p);
    TEST_CYCLE() syn->step();
    SANITY_CHECK_NOTHING();
}

}  // namespace
}  // namespace opencv_test
