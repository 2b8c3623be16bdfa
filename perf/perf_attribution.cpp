// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Every attribution method on the 224x224 networks of perf/make_models.py, batch 1, class 0, with the settings of
// perf/torch_attribution.py (the PyTorch side, Captum-style): SmoothGrad 8 noisy copies in one batch, Integrated
// Gradients 8 path points (7 trapezoid steps) in one batch, Grad-CAM at the default layer.
//
//     INTERP_PERF_THREADS=2 ./bin/perf_attribution --benchmark_filter='gradcam/'
#include "perf_common.hpp"

#include <iostream>

namespace {

namespace ci = cv::interp;

const int kSmoothGradSamples = 8;
const int kIgSteps = 7;  // 8 points

ci::AttributionParams paramsFor(int method)
{
    ci::AttributionParams p;
    p.method = method;
    p.smoothGrad.samples = kSmoothGradSamples;
    p.smoothGrad.batchSize = kSmoothGradSamples;
    p.integratedGradients.steps = kIgSteps;
    p.integratedGradients.batchSize = kIgSteps + 1;
    return p;
}

void BM_Attribution(benchmark::State& state, const std::string& net, int method)
{
    cv::Ptr<ci::Explainer> ex = perf::explainer(net, state);
    if (!ex)
        return;
    const cv::Mat x = perf::input();
    const std::vector<ci::Target> target(1, ci::Target::classScore(0));
    const ci::AttributionParams p = paramsFor(method);
    ci::Attribution a = ci::attribute(ex, x, target, p);  // warm-up: plans for this batch size
    if (!a.layer.empty())
        state.SetLabel("layer " + a.layer);
    for (auto _ : state)
    {
        a = ci::attribute(ex, x, target, p);
        benchmark::DoNotOptimize(a.maps.data());
    }
}

struct Register
{
    Register()
    {
        for (const std::string& n : perf::networks())
            for (int m = ci::ATTRIBUTION_GRADIENT; m <= ci::ATTRIBUTION_INTEGRATED_GRADIENTS; m++)
                benchmark::RegisterBenchmark((ci::attributionMethodName(m) + "/" + n).c_str(), BM_Attribution, n, m)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
    }
} registerAll;

}  // namespace

INTERP_PERF_MAIN()
