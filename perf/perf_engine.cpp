// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The gradient engine: forward (recording tape), backward, forward + backward of a class score w.r.t. the
// input, and plain cv::dnn inference for comparison (with fusion, as cv::dnn runs by default, and without, as
// the engine runs it), on 224x224 networks, batch 1; and backward passes from 1 and 2 threads at once on one
// Explainer, each pass single-threaded, which shows whether concurrent passes overlap or take turns.
#include "perf_common.hpp"

#include <opencv2/dnn.hpp>

namespace {

using cv::interp::Target;

void BM_DnnInference(benchmark::State& state, const std::string& name, bool fusion)
{
    const std::string p = perf::modelPath(name, &state);
    if (p.empty())
        return;
    cv::setNumThreads(perf::threads());
    cv::dnn::Net net = cv::dnn::readNet(p);
    net.enableFusion(fusion);
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

/* One backward pass from the class-score seed. With `passPerThread`, each benchmark thread runs its own
   single-threaded passes (cv::setNumThreads(1)) on the one shared Explainer: items_per_second, summed over the
   threads, doubles from 1 to 2 threads when concurrent passes overlap instead of taking turns. */
void BM_Backward(benchmark::State& state, const std::string& name, bool passPerThread)
{
    cv::Ptr<cv::interp::Explainer> ex = perf::explainer(name, state);
    if (!ex)
        return;
    cv::Ptr<cv::interp::Tape> tape = ex->forward(perf::input());
    cv::interp::Seeds seeds = ex->makeSeeds(tape, std::vector<Target>(1, Target::classScore(0)));
    if (passPerThread)
        cv::setNumThreads(1);
    cv::Mat g;
    ex->backward(tape, seeds, cv::interp::BACKWARD_STANDARD, g);
    for (auto _ : state)
    {
        ex->backward(tape, seeds, cv::interp::BACKWARD_STANDARD, g);
        benchmark::DoNotOptimize(g.data);
    }
    state.SetItemsProcessed(state.iterations());
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
            benchmark::RegisterBenchmark(("dnn_inference/" + n).c_str(), BM_DnnInference, n, true)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("dnn_inference_nofusion/" + n).c_str(), BM_DnnInference, n, false)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_forward/" + n).c_str(), BM_Forward, n)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_backward/" + n).c_str(), BM_Backward, n, false)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_forward_backward/" + n).c_str(), BM_ForwardBackward, n)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark(("engine_backward_concurrent/" + n).c_str(), BM_Backward, n, true)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);
        }
    }
} registerAll;

}  // namespace

INTERP_PERF_MAIN()
