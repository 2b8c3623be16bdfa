// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "perf_common.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sys/stat.h>

namespace perf {

const std::vector<std::string>& networks()
{
    static const std::vector<std::string> n = { "alexnet",   "vgg11",       "resnet18",     "squeezenet1_1",
                                                "googlenet", "densenet121", "mobilenet_v2", "efficientnet_b0" };
    return n;
}

static std::string modelsDir()
{
    const char* env = std::getenv("INTERP_PERF_MODELS");
    return env && *env ? env : INTERP_PERF_MODELS;
}

std::string modelPath(const std::string& name, benchmark::State* state)
{
    const std::string p = modelsDir() + "/" + name + ".onnx";
    struct stat st;
    if (::stat(p.c_str(), &st) != 0)
    {
        if (state)
            state->SkipWithError(("missing " + p + ": run /usr/bin/python3 perf/make_models.py --out " + modelsDir()).c_str());
        return "";
    }
    return p;
}

cv::Mat input(int batch)
{
    const std::string p = modelsDir() + "/input.npy";
    struct stat st;
    cv::Mat one;
    if (::stat(p.c_str(), &st) == 0)
        one = cv::interp::readNpy(p);
    else
    {
        one.create(std::vector<int>{ 1, 3, 224, 224 }, CV_32F);
        cv::RNG rng(2024);
        rng.fill(one, cv::RNG::NORMAL, 0, 1);
    }
    if (batch == 1)
        return one;
    cv::Mat b(std::vector<int>{ batch, 3, 224, 224 }, CV_32F);
    for (int n = 0; n < batch; n++)
        std::copy(one.ptr<float>(), one.ptr<float>() + one.total(), b.ptr<float>(n));
    return b;
}

int threads()
{
    const char* env = std::getenv("INTERP_PERF_THREADS");
    return env && *env ? std::atoi(env) : 2;
}

namespace {

bool g_profile = false;
std::mutex g_cacheMutex;
std::map<std::string, cv::Ptr<cv::interp::Explainer> > g_cache;

void printProfile(const std::string& network, const cv::interp::Explainer& ex)
{
    const std::vector<cv::interp::LayerTypeTiming> t = ex.profile();
    double fwd = 0, bwd = 0;
    for (const cv::interp::LayerTypeTiming& x : t)
    {
        fwd += x.forwardMs;
        bwd += x.backwardMs;
    }
    std::printf("\nprofile %s: forward %.0f ms, backward %.0f ms in total\n", network.c_str(), fwd, bwd);
    std::printf("  %-22s %10s %8s %10s %10s %8s %10s\n", "layer type", "fwd ms", "fwd %", "fwd ms/run",
                "bwd ms", "bwd %", "bwd ms/run");
    for (const cv::interp::LayerTypeTiming& x : t)
        std::printf("  %-22s %10.1f %7.1f%% %10.3f %10.1f %7.1f%% %10.3f\n", x.type.c_str(), x.forwardMs,
                    fwd > 0 ? 100 * x.forwardMs / fwd : 0.0, x.forwardCalls ? x.forwardMs / x.forwardCalls : 0.0,
                    x.backwardMs, bwd > 0 ? 100 * x.backwardMs / bwd : 0.0,
                    x.backwardCalls ? x.backwardMs / x.backwardCalls : 0.0);
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<char*> args;
    bool separatePools = false;
    for (int i = 0; i < argc; i++)
    {
        if (std::string(argv[i]) == "--profile")
            g_profile = true;
        else if (std::string(argv[i]) == "--separate-pools")
            separatePools = true;
        else
            args.push_back(argv[i]);
    }
    // OpenCV's loops on oneDNN's OpenMP threads, as the interp tool runs; --separate-pools keeps OpenCV's own pool
    if (!separatePools)
        cv::interp::useOneDNNThreadPool();
    int n = (int)args.size();
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data()))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    if (g_profile)
        for (const auto& kv : g_cache)
            printProfile(kv.first, *kv.second);
    benchmark::Shutdown();
    return 0;
}

cv::Ptr<cv::interp::Explainer> explainer(const std::string& name, benchmark::State& state)
{
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    std::map<std::string, cv::Ptr<cv::interp::Explainer> >& cache = g_cache;
    cv::setNumThreads(threads());
    auto it = cache.find(name);
    if (it != cache.end())
        return it->second;
    const std::string p = modelPath(name, &state);
    if (p.empty())
        return cv::Ptr<cv::interp::Explainer>();
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(p);
    ex->setProfiling(g_profile);
    cache[name] = ex;
    return ex;
}

}  // namespace perf
