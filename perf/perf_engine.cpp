// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The gradient engine: forward (recording tape), backward, forward + backward of a class score w.r.t. the
// input, and plain cv::dnn inference for comparison, on 224x224 networks, batch 1.
#include "perf_common.hpp"

#include <opencv2/dnn.hpp>

namespace {

using cv::interp::Target;

void BM_DnnInference(benchmark::State& state, const std::string& name)
{
    const std::string p = perf::modelPath(name, &state);
    if (p.empty())
        return;
    cv::setNumThreads(perf::threads());
    cv::dnn::Net net = cv::dnn::readNet(p);
    cv::Mat x = perf::input();
    net.setInput(x);
    net.forward();
    for (auto _ : state)
    {
        net.setInput(x);
        benchmark::DoNotOptimize(net.forward());
    }
}

void BM_Forward(benchmark::State& state, const std::string& name)
{
    cv::Ptr<cv::interp::Explainer> ex = perf::explainer(name, state);
    if (!ex)
        return;
    cv::Mat x = perf::input();
    ex->forward(x);
    for (auto _ : state)
        benchmark::DoNotOptimize(ex->forward(x));
}

void BM_Backward(benchmark::State& state, const std::string& name)
{
    cv::Ptr<cv::interp::Explainer> ex = perf::explainer(name, state);
    if (!ex)
        return;
    cv::Ptr<cv::interp::Tape> tape = ex->forward(perf::input());
    cv::interp::Seeds seeds = ex->makeSeeds(*tape, std::vector<Target>(1, Target::classScore(0)));
    cv::Mat g;
    ex->backward(*tape, seeds, cv::interp::BACKWARD_STANDARD, g);
    for (auto _ : state)
    {
        ex->backward(*tape, seeds, cv::interp::BACKWARD_STANDARD, g);
        benchmark::DoNotOptimize(g.data);
    }
}

void BM_ForwardBackward(benchmark::State& state, const std::string& name)
{
    cv::Ptr<cv::interp::Explainer> ex = perf::explainer(name, state);
    if (!ex)
        return;
    cv::Mat x = perf::input();
    std::vector<Target> t(1, Target::classScore(0));
    ex->gradient(x, t);
    for (auto _ : state)
        benchmark::DoNotOptimize(ex->gradient(x, t));
}

struct Register
{
    Register()
    {
        for (const std::string& n : perf::networks())
        {
            benchmark::RegisterBenchmark(("dnn_inference/" + n).c_str(), BM_DnnInference, n)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_forward/" + n).c_str(), BM_Forward, n)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_backward/" + n).c_str(), BM_Backward, n)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_forward_backward/" + n).c_str(), BM_ForwardBackward, n)->Unit(benchmark::kMillisecond)->UseRealTime();
        }
    }
} registerAll;

}  // namespace

BENCHMARK_MAIN();
