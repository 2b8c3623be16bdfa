// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Every attribution method on the 224x224 networks of perf/make_models.py, batch 1, class 0, with the settings of
// perf/torch_attribution.py (the PyTorch side, Captum-style): SmoothGrad and Integrated Gradients at the CLI's
// defaults (25 noisy copies; 50 trapezoid steps, 51 path points) with the library's default batch size (16), and again
// one copy or point per pass (`.../batch1`: batching must never be slower), Grad-CAM at the default layer.
//
//     INTERP_PERF_THREADS=2 ./bin/perf_attribution --benchmark_filter='gradcam/'
#include "perf_common.hpp"

#include <iostream>

namespace {

namespace ci = cv::interp;

// 0: the library's default batch size
ci::AttributionParams paramsFor(int method, int batch)
{
    ci::AttributionParams p;
    p.method = method;
    if (batch > 0)
    {
        p.smoothGrad.batchSize = batch;
        p.integratedGradients.batchSize = batch;
    }
    return p;
}

void BM_Attribution(benchmark::State& state, const std::string& net, int method, int batch)
{
    cv::Ptr<ci::Explainer> ex = perf::explainer(net, state);
    if (!ex)
        return;
    const cv::Mat x = perf::input();
    const std::vector<ci::Target> target(1, ci::Target::classScore(0));
    const ci::AttributionParams p = paramsFor(method, batch);
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
            {
                const bool batched = m == ci::ATTRIBUTION_SMOOTHGRAD || m == ci::ATTRIBUTION_INTEGRATED_GRADIENTS;
                for (int batch : batched ? std::vector<int>{ 0, 1 } : std::vector<int>{ 0 })
                {
                    const std::string name = ci::attributionMethodName(m) + "/" + n + (batch ? "/batch1" : "");
                    benchmark::RegisterBenchmark(name.c_str(), BM_Attribution, n, m, batch)
                        ->Unit(benchmark::kMillisecond)
                        ->UseRealTime();
                }
            }
    }
} registerAll;

}  // namespace

INTERP_PERF_MAIN()
