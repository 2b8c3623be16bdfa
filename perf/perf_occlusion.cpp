// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Occlusion sensitivity at 224 x 224, window 16, stride 4 (53 x 53 = 2,809 positions), batch of one image:
//   occlusion_incremental/<net>  the incremental engine (cv::interp::Occlusion, OCCLUSION_ENGINE_INCREMENTAL)
//   occlusion_batched/<net>      our batched path (OCCLUSION_ENGINE_BATCHED: occluded copies through the
//                                explainer's cv::dnn::Net, which runs with fusion disabled)
//   dnn_fused_batched/<net>      the same re-inference through a separately loaded cv::dnn::Net with fusion
//                                enabled (the fastest plain cv::dnn way), for reference
// Re-inference costs the same for every position, so the two batched ones may be timed on every k-th row and
// column of positions (INTERP_PERF_OCCLUSION_SUBSET=k, default 1 = all); counters: `positions` timed,
// `ms_per_position`, and `s_all_positions` = the time for all 2,809 positions.
// (The pointing game of each fill, which measures quality, not time, is a test: Interp_Occlusion.*pointing_game*.)
// PyTorch side: perf/torch_occlusion.py. Results: doc/performance.md.
#include "perf_common.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>

namespace {

using cv::interp::Occlusion;
using cv::interp::OcclusionParams;

const int kWindow = 16, kStride = 4;

int subset()
{
    const char* env = std::getenv("INTERP_PERF_OCCLUSION_SUBSET");
    return env && *env ? std::max(1, std::atoi(env)) : 1;
}

int allPositions()
{
    const int n = (224 - kWindow) / kStride + 1;
    return n * n;
}

void report(benchmark::State& state, int positions, double seconds)
{
    state.counters["positions"] = positions;
    state.counters["ms_per_position"] = 1e3 * seconds / positions;
    state.counters["s_all_positions"] = seconds / positions * allPositions();
}

void BM_Incremental(benchmark::State& state, const std::string& name, int engine)
{
    cv::Ptr<cv::interp::Explainer> ex = perf::explainer(name, state);
    if (!ex)
        return;
    cv::Ptr<Occlusion> occ = Occlusion::create(ex);
    OcclusionParams p;
    p.window = kWindow;
    p.stride = engine == cv::interp::OCCLUSION_ENGINE_INCREMENTAL ? kStride : kStride * subset();
    p.engine = engine;
    const cv::Mat x = perf::input();
    int positions = 0;
    double seconds = 0;
    for (auto _ : state)
    {
        const int64 t0 = cv::getTickCount();
        const cv::interp::OcclusionScores r = occ->scores(x, "", p);
        seconds += (cv::getTickCount() - t0) / cv::getTickFrequency();
        positions += r.rows * r.cols;
        if (r.engine != engine)
            state.SkipWithError("the requested engine did not run");
    }
    report(state, positions, seconds);
}

void BM_DnnFused(benchmark::State& state, const std::string& name)
{
    const std::string path = perf::modelPath(name, &state);
    if (path.empty())
        return;
    cv::setNumThreads(perf::threads());
    cv::dnn::Net net = cv::dnn::readNet(path);
    const cv::Mat x = perf::input();
    const int stride = kStride * subset(), batch = 16;
    std::vector<cv::Point> pos;
    for (int y = 0; y + kWindow <= 224; y += stride)
        for (int xx = 0; xx + kWindow <= 224; xx += stride)
            pos.push_back(cv::Point(xx, y));
    const size_t per = x.total();
    int positions = 0;
    double seconds = 0;
    for (auto _ : state)
    {
        const int64 t0 = cv::getTickCount();
        for (size_t b0 = 0; b0 < pos.size(); b0 += batch)
        {
            const int nb = (int)std::min<size_t>(batch, pos.size() - b0);
            cv::Mat blob(std::vector<int>{ nb, 3, 224, 224 }, CV_32F);
            for (int i = 0; i < nb; i++)
            {
                float* d = blob.ptr<float>(i);
                std::copy(x.ptr<float>(), x.ptr<float>() + per, d);
                for (int c = 0; c < 3; c++)
                    for (int y = pos[b0 + i].y; y < pos[b0 + i].y + kWindow; y++)
                        std::fill(d + (c * 224 + y) * 224 + pos[b0 + i].x, d + (c * 224 + y) * 224 + pos[b0 + i].x + kWindow, 0.f);
            }
            net.setInput(blob);
            benchmark::DoNotOptimize(net.forward());
        }
        seconds += (cv::getTickCount() - t0) / cv::getTickFrequency();
        positions += (int)pos.size();
    }
    report(state, positions, seconds);
}

struct Register
{
    Register()
    {
        for (const std::string n : { "vgg11", "resnet18", "squeezenet1_1", "alexnet" })
        {
            benchmark::RegisterBenchmark(("occlusion_incremental/" + n).c_str(), BM_Incremental, n,
                                         (int)cv::interp::OCCLUSION_ENGINE_INCREMENTAL)
                ->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
            benchmark::RegisterBenchmark(("occlusion_batched/" + n).c_str(), BM_Incremental, n,
                                         (int)cv::interp::OCCLUSION_ENGINE_BATCHED)
                ->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
            benchmark::RegisterBenchmark(("dnn_fused_batched/" + n).c_str(), BM_DnnFused, n)
                ->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
        }
    }
} registerAll;

}  // namespace

INTERP_PERF_MAIN()
