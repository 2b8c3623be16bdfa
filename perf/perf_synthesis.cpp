// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Feature visualisation: one synthesis step (forward + backward + regularisers + optimiser) against one engine
// forward + backward of the same class score, batch 1, on the 224x224 networks of make_models.py and the
// embedded 112x112 models. Settings: "pixels" = Adam on the pixels with jitter 4 (the weak setting), "strong" =
// decorrelated Fourier parameterisation + jitter 4 + scale +-5% + rotation +-5 degrees.
// perf/torch_synthesis.py times the same loops in PyTorch.
#include "perf_common.hpp"

#include <map>

namespace {

using cv::interp::Target;
using cv::interp::SynthesisParams;

struct Net
{
    cv::Ptr<cv::interp::Explainer> ex;
    cv::interp::Preprocessing prep;
};

//! A 224x224 benchmark network or an embedded model (name "embedded:<model>").
Net load(const std::string& name, benchmark::State& state)
{
    Net n;
    const std::string prefix = "embedded:";
    if (name.compare(0, prefix.size(), prefix) == 0)
    {
        cv::setNumThreads(perf::threads());
        cv::interp::ModelInfo info;
        try
        {
            info = cv::interp::embeddedModel(name.substr(prefix.size()));
        }
        catch (const cv::Exception& e)
        {
            state.SkipWithError(e.err.c_str());
            return n;
        }
        static std::map<std::string, cv::Ptr<cv::interp::Explainer> > cache;
        cv::Ptr<cv::interp::Explainer>& ex = cache[name];
        if (!ex)
            ex = cv::interp::readNet(info.model, info.config);
        n.ex = ex;
        n.prep = info.preprocessing;
        return n;
    }
    n.ex = perf::explainer(name, state);
    // The benchmark input (N(0,1)) corresponds to pixels with mean 127.5 and scale 1/64.
    n.prep.size = cv::Size(224, 224);
    n.prep.scale = 1.0 / 64;
    n.prep.mean = cv::Scalar::all(127.5);
    n.prep.swapRB = true;
    return n;
}

void BM_ForwardBackward(benchmark::State& state, const std::string& name)
{
    Net n = load(name, state);
    if (!n.ex)
        return;
    const cv::Size sz = n.prep.size;
    cv::Mat x(std::vector<int>{ 1, 3, sz.height, sz.width }, CV_32F);
    cv::RNG(2024).fill(x, cv::RNG::NORMAL, 0, 1);
    std::vector<cv::interp::Target> t(1, cv::interp::Target::classScore(0));
    n.ex->gradient(x, t);
    for (auto _ : state)
        benchmark::DoNotOptimize(n.ex->gradient(x, t));
    state.SetItemsProcessed(state.iterations());
}

void BM_Step(benchmark::State& state, const std::string& name, bool strong)
{
    Net n = load(name, state);
    if (!n.ex)
        return;
    SynthesisParams p = strong ? SynthesisParams::strong() : SynthesisParams();
    if (!strong)
        p.jitter = 4;
    p.iterations = 1 << 30;
    p.init = cv::interp::SYNTHESIS_INIT_GAUSSIAN;
    cv::Ptr<cv::interp::Synthesizer> s =
        cv::interp::Synthesizer::create(n.ex, { Target::classScore(0) }, n.prep, p);
    s->step();
    for (auto _ : state)
        benchmark::DoNotOptimize(s->step());
    state.SetItemsProcessed(state.iterations());
}

struct Register
{
    Register()
    {
        std::vector<std::string> nets = perf::networks();
        nets.push_back("embedded:alexnet_fmnist");
        nets.push_back("embedded:resnet_fmnist");
        for (const std::string& n : nets)
        {
            benchmark::RegisterBenchmark(("engine_forward_backward/" + n).c_str(), BM_ForwardBackward, n)
                ->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("synthesis_step_pixels/" + n).c_str(), BM_Step, n, false)
                ->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("synthesis_step_strong/" + n).c_str(), BM_Step, n, true)
                ->Unit(benchmark::kMillisecond)->UseRealTime();
        }
    }
} registerAll;

}  // namespace

INTERP_PERF_MAIN()
