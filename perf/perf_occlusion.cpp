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
//   pointing_game/<model>/<fill>  embedded models on the 200 test scenes (window 16, stride 8, the true class):
//                                 `hit_rate` = fraction of scenes whose drop-map peak lies in the object mask,
//                                 `mask_fraction` = mean mask area (the hit rate of a random point).
// PyTorch side: perf/torch_occlusion.py. Results: doc/performance.md.
#include "perf_common.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

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
    p.threads = perf::threads();
    const cv::Mat x = perf::input();
    int positions = 0;
    double seconds = 0;
    for (auto _ : state)
    {
        const int64 t0 = cv::getTickCount();
        std::vector<cv::interp::OcclusionResult> r = occ->compute(x, p);
        seconds += (cv::getTickCount() - t0) / cv::getTickFrequency();
        positions += (int)r[0].scores.total();
        if (r[0].engine != engine)
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

void BM_PointingGame(benchmark::State& state, const std::string& model, int fill)
{
    cv::interp::ModelInfo info;
    try
    {
        info = cv::interp::embeddedModel(model);
    }
    catch (const cv::Exception& e)
    {
        state.SkipWithError(e.err.c_str());
        return;
    }
    cv::setNumThreads(perf::threads());
    cv::Ptr<Occlusion> occ = Occlusion::create(cv::interp::readNet(info.model, info.config));
    const std::string dir = cv::interp::dataDirectory() + "/scenes/test/";
    std::ifstream f(dir + "labels.csv");
    std::string line;
    std::getline(f, line);
    std::vector<std::pair<std::string, int> > scenes;
    while (std::getline(f, line))
    {
        std::stringstream ss(line);
        std::string file, label;
        std::getline(ss, file, ',');
        std::getline(ss, label, ',');
        scenes.push_back(std::make_pair(file, std::stoi(label)));
    }
    OcclusionParams p;
    p.window = 16;
    p.stride = 8;
    p.fill = fill;
    if (fill == cv::interp::OCCLUSION_FILL_COLOR)  // mid grey
        p.fillColor = cv::interp::occlusionFillColor(info.preprocessing, cv::Scalar::all(127.5));
    int hits = 0, n = 0;
    double maskFraction = 0;
    for (auto _ : state)
    {
        for (const auto& s : scenes)
        {
            const cv::Mat img = cv::imread(dir + s.first, cv::IMREAD_COLOR);
            const cv::Mat mask = cv::imread(dir + "masks/" + s.first, cv::IMREAD_GRAYSCALE);
            if (img.empty() || mask.empty())
            {
                state.SkipWithError(("cannot read scene " + s.first).c_str());
                return;
            }
            p.classes = std::vector<int>(1, s.second);
            std::vector<cv::interp::OcclusionResult> r = occ->compute(info.preprocessing.toBlob(std::vector<cv::Mat>(1, img)), p);
            cv::Point peak;
            cv::minMaxLoc(info.preprocessing.mapToImage(r[0].map, img.size()), nullptr, nullptr, nullptr, &peak);
            hits += mask.at<uchar>(peak) > 0;
            maskFraction += cv::countNonZero(mask) / (double)mask.total();
            n++;
        }
    }
    state.counters["scenes"] = n;
    state.counters["hit_rate"] = n ? (double)hits / n : 0;
    state.counters["mask_fraction"] = n ? maskFraction / n : 0;
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
        const std::pair<const char*, int> fills[] = { { "gray", (int)cv::interp::OCCLUSION_FILL_COLOR },
                                                      { "mean", (int)cv::interp::OCCLUSION_FILL_MEAN },
                                                      { "blur", (int)cv::interp::OCCLUSION_FILL_BLUR } };
        for (const char* m : { "alexnet_fmnist", "resnet_fmnist" })
            for (const auto& f : fills)
                benchmark::RegisterBenchmark((std::string("pointing_game/") + m + "/" + f.first).c_str(),
                                             BM_PointingGame, std::string(m), f.second)
                    ->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
    }
} registerAll;

}  // namespace

BENCHMARK_MAIN();
