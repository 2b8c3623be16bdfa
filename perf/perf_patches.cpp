// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Patch mining throughput (images/s) against plain cv::dnn inference to the same deepest layer, with the same batch
// size (16) and thread count ($INTERP_PERF_THREADS, default 2), over the test scenes (data/scenes/test/scene_*.png):
// all 200 of them (112 x 112) for the embedded models, the first 48 (enlarged to 224 x 224 by the preprocessing) for
// the 224 x 224 networks of perf/make_models.py.
//
//   dnn_forward/<model>/<layer>           blobs prepared beforehand: cv::dnn forward passes only (default fusion)
//   dnn_forward_nofusion/<model>/<layer>  the same without layer fusion (what minePatches runs: fusion breaks some
//                                         requested outputs in OpenCV 4.6)
//   dnn_loop/<model>/<layer>              a plain cv::dnn loop over the files: read, blobFromImages, forward in turn
//   mine_patches/<model>/<layers>         minePatches() on the loaded explainer: decoder thread + recording forward
//                                         pass + top-9 of every channel
//   decode_only/<model>                   reading and preprocessing the images on one thread (what mining hides)
//
// Items per second are images per second; the CPU column is the whole process's CPU time.
#include "perf_common.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {

const int kBatch = 16;

struct Case
{
    std::string label;                 // name in the benchmark
    std::string embedded;              // embedded model name, or "" for a perf/make_models.py network
    std::string perfNet;               // perf network name
    std::vector<std::string> layers;   // mined layers, deepest last (cv::dnn names without "onnx_node!")
    size_t images;                     // scenes used
};

std::vector<cv::String> scenes(size_t count)
{
    static std::vector<cv::String> files;
    if (files.empty())
    {
        const std::string dir = std::string(INTERP_SOURCE_DATA_DIR) + "/scenes/test";
        for (const cv::String& f : cv::interp::listImages(dir))
            if (f.find("/scene_") != cv::String::npos && f.find("/masks/") == cv::String::npos)
                files.push_back(f);
    }
    return std::vector<cv::String>(files.begin(), files.begin() + std::min(count, files.size()));
}

//! The model of a case, or false (and a benchmark error) when its files are missing.
bool modelOf(const Case& c, benchmark::State& state, cv::interp::ModelInfo& info)
{
    if (scenes(1).empty())
    {
        state.SkipWithError("data/scenes/test is missing: run data/make_scenes.py");
        return false;
    }
    if (!c.embedded.empty())
    {
        try
        {
            info = cv::interp::embeddedModel(c.embedded);
        }
        catch (const cv::Exception& e)
        {
            state.SkipWithError(("embedded model missing: " + e.err).c_str());
            return false;
        }
        return true;
    }
    info = cv::interp::ModelInfo();
    info.model = perf::modelPath(c.perfNet, &state);
    if (info.model.empty())
        return false;
    // torchvision's ImageNet normalisation
    info.preprocessing.size = cv::Size(224, 224);
    info.preprocessing.mean = cv::Scalar(123.675, 116.28, 103.53);
    info.preprocessing.scale = 1.0 / 57.4;
    info.preprocessing.swapRB = true;
    return true;
}

//! The images' blobs in batches of kBatch (the last one padded as minePatches pads it).
std::vector<cv::Mat> blobs(const std::vector<cv::String>& files, const cv::interp::Preprocessing& prep)
{
    std::vector<cv::Mat> out, imgs;
    for (const cv::String& f : files)
    {
        imgs.push_back(cv::imread(f, cv::IMREAD_COLOR));
        if ((int)imgs.size() == kBatch)
        {
            out.push_back(prep.toBlob(imgs));
            imgs.clear();
        }
    }
    if (!imgs.empty())
    {
        const cv::Mat last = imgs.back();
        while ((int)imgs.size() < kBatch)
            imgs.push_back(last);
        out.push_back(prep.toBlob(imgs));
    }
    return out;
}

cv::dnn::Net plainNet(const cv::interp::ModelInfo& info, bool fusion)
{
    cv::dnn::Net net = cv::dnn::readNet(info.model, info.config);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.enableFusion(fusion);
    return net;
}

void BM_DnnForward(benchmark::State& state, const Case& c, bool fusion)
{
    cv::interp::ModelInfo info;
    if (!modelOf(c, state, info))
        return;
    cv::setNumThreads(perf::threads());
    cv::dnn::Net net = plainNet(info, fusion);
    const std::vector<cv::String> files = scenes(c.images);
    const std::vector<cv::Mat> batches = blobs(files, info.preprocessing);
    const cv::String name = "onnx_node!" + c.layers.back();
    net.setInput(batches[0]);
    net.forward(name);
    for (auto _ : state)
        for (const cv::Mat& b : batches)
        {
            net.setInput(b);
            benchmark::DoNotOptimize(net.forward(name));
        }
    state.SetItemsProcessed(state.iterations() * (int64_t)files.size());
}

void BM_DnnLoop(benchmark::State& state, const Case& c)
{
    cv::interp::ModelInfo info;
    if (!modelOf(c, state, info))
        return;
    cv::setNumThreads(perf::threads());
    cv::dnn::Net net = plainNet(info, true);
    const cv::String name = "onnx_node!" + c.layers.back();
    const std::vector<cv::String> files = scenes(c.images);
    for (auto _ : state)
    {
        std::vector<cv::Mat> imgs;
        for (size_t i = 0; i < files.size(); i++)
        {
            imgs.push_back(cv::imread(files[i], cv::IMREAD_COLOR));
            if ((int)imgs.size() == kBatch || i + 1 == files.size())
            {
                net.setInput(info.preprocessing.toBlob(imgs));
                benchmark::DoNotOptimize(net.forward(name));
                imgs.clear();
            }
        }
    }
    state.SetItemsProcessed(state.iterations() * (int64_t)files.size());
}

void BM_MinePatches(benchmark::State& state, const Case& c, bool allLayers)
{
    cv::interp::ModelInfo info;
    if (!modelOf(c, state, info))
        return;
    cv::setNumThreads(perf::threads());
    cv::interp::PatchMiningParams p;
    if (allLayers)
        p.layers.assign(c.layers.begin(), c.layers.end());
    else
        p.layers.push_back(c.layers.back());
    p.topK = 9;
    p.batchSize = kBatch;
    const std::vector<cv::String> files = scenes(c.images);
    // The network is loaded once, as for the forward benchmarks (loading the 244 MB AlexNet takes longer than mining
    // 48 images).
    const cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model, info.config);
    cv::interp::minePatches(ex, info, files, p);  // warm-up (file cache, network setup)
    for (auto _ : state)
        benchmark::DoNotOptimize(cv::interp::minePatches(ex, info, files, p));
    state.SetItemsProcessed(state.iterations() * (int64_t)files.size());
}

void BM_DecodeOnly(benchmark::State& state, const Case& c)
{
    cv::interp::ModelInfo info;
    if (!modelOf(c, state, info))
        return;
    cv::setNumThreads(perf::threads());
    const std::vector<cv::String> files = scenes(c.images);
    for (auto _ : state)
        benchmark::DoNotOptimize(blobs(files, info.preprocessing));
    state.SetItemsProcessed(state.iterations() * (int64_t)files.size());
}

struct Register
{
    Register()
    {
        const Case cases[] = {
            { "alexnet_fmnist", "alexnet_fmnist", "", { "relu2", "relu5" }, 200 },
            { "resnet_fmnist", "resnet_fmnist", "", { "layer1_relu2", "layer3_relu2" }, 200 },
            { "alexnet224", "", "alexnet", { "/features/features.4/Relu", "/features/features.11/Relu" }, 48 },
            { "resnet18_224", "", "resnet18", { "/layer2/layer2.1/relu_1/Relu", "/layer4/layer4.1/relu_1/Relu" }, 48 } };
        for (const Case& c : cases)
        {
            const std::string deep = c.layers.back(), both = c.layers.front() + "+" + c.layers.back();
            auto reg = [](const std::string& name, auto fn, auto... args) {
                benchmark::RegisterBenchmark(name.c_str(), fn, args...)
                    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3.0);
            };
            reg("dnn_forward/" + c.label + "/" + deep, BM_DnnForward, c, true);
            reg("dnn_forward_nofusion/" + c.label + "/" + deep, BM_DnnForward, c, false);
            reg("dnn_loop/" + c.label + "/" + deep, BM_DnnLoop, c);
            reg("mine_patches/" + c.label + "/" + deep, BM_MinePatches, c, false);
            reg("mine_patches/" + c.label + "/" + both, BM_MinePatches, c, true);
            reg("decode_only/" + c.label, BM_DecodeOnly, c);
        }
    }
} registerAll;

}  // namespace

INTERP_PERF_MAIN()
