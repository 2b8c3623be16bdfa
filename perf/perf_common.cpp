// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "perf_common.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <sys/stat.h>

namespace perf {

const std::vector<std::string>& networks()
{
    static const std::vector<std::string> n = { "alexnet", "vgg11", "resnet18", "squeezenet1_1" };
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

cv::Ptr<cv::interp::Explainer> explainer(const std::string& name, benchmark::State& state)
{
    static std::mutex m;
    static std::map<std::string, cv::Ptr<cv::interp::Explainer> > cache;
    std::lock_guard<std::mutex> lock(m);
    cv::setNumThreads(threads());
    auto it = cache.find(name);
    if (it != cache.end())
        return it->second;
    const std::string p = modelPath(name, &state);
    if (p.empty())
        return cv::Ptr<cv::interp::Explainer>();
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(p);
    cache[name] = ex;
    return ex;
}

}  // namespace perf
