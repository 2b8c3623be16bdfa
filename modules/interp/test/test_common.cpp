// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "test_precomp.hpp"

#include <cstdlib>
#include <dirent.h>
#include <sys/stat.h>
#include <algorithm>
#include <fstream>
#include <iterator>

namespace interp_test {

std::string dataPath(const std::string& relative)
{
    const char* env = std::getenv("INTERP_TEST_DATA_DIR");
    if (!env || !*env)
        env = std::getenv("INTERP_DATA_DIR");
    std::string base;
    if (env && *env)
        base = env;
    else
    {
#ifdef INTERP_SOURCE_DATA_DIR
        base = INTERP_SOURCE_DATA_DIR;
#else
        base = cv::interp::dataDirectory();
#endif
    }
    return base + "/" + relative;
}

bool fileExists(const std::string& path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::string readText(const std::string& path)
{
    std::ifstream f(path.c_str(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

double relL2(const cv::Mat& a, const cv::Mat& b)
{
    CV_Assert(a.total() == b.total());
    cv::Mat a1 = a.reshape(1, 1), b1 = b.reshape(1, 1);
    double d = cv::norm(a1, b1, cv::NORM_L2);
    double n = cv::norm(b1, cv::NORM_L2);
    return d / std::max(n, 1e-12);
}

cv::Mat randomBlob(const std::vector<int>& shape, double lo, double hi, uint64 seed)
{
    cv::Mat m((int)shape.size(), shape.data(), CV_32F);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::UNIFORM, lo, hi);
    return m;
}

cv::Mat dnnForward(cv::dnn::Net& net, const cv::Mat& blob, const std::string& name)
{
    net.setInput(blob.clone());  // cv::dnn may compute the first layer in place in this buffer
    return net.forward(name).clone();
}

std::vector<std::string> referenceModels()
{
    std::vector<std::string> names;
    const std::string dir = dataPath("reference");
    DIR* d = opendir(dir.c_str());
    if (!d)
        return names;
    while (dirent* e = readdir(d))
    {
        std::string n = e->d_name;
        if (n == "." || n == "..")
            continue;
        if (fileExists(dir + "/" + n + "/reference.json"))
            names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

NetBuilder::NetBuilder()
{
    net.setInputsNames(std::vector<cv::String>(1, "data"));
}

int NetBuilder::add(const std::string& name, const std::string& type, cv::dnn::LayerParams lp,
                    std::vector<std::pair<int, int> > inputs)
{
    if (inputs.empty())
        inputs.push_back(std::make_pair(last, 0));
    lp.name = name;
    lp.type = type;
    params[name] = lp;
    cv::dnn::LayerParams copy = lp;  // cv::dnn may modify what it is given
    const int id = net.addLayer(name, type, copy);
    for (size_t i = 0; i < inputs.size(); i++)
        net.connect(inputs[i].first, inputs[i].second, id, (int)i);
    last = id;
    return id;
}

cv::Ptr<cv::interp::Explainer> NetBuilder::explainer() const
{
    return cv::interp::Explainer::create(net, std::map<cv::String, cv::dnn::LayerParams>(params.begin(), params.end()));
}

ReluLinearNet::ReluLinearNet()
{
    add("relu", "ReLU");
    const float w[] = { 0.5f, -1.f, 2.f, -0.25f, 1.5f, -2.f,
                        -1.f, 1.f, 0.5f, 0.75f, -0.5f, 1.f,
                        0.2f, 0.3f, -0.4f, -0.6f, 0.7f, 0.9f };
    W = cv::Mat(3, 6, CV_32F, (void*)w).clone();
    cv::dnn::LayerParams fc;
    fc.set("num_output", 3);
    fc.set("bias_term", false);
    fc.blobs.push_back(W);
    add("fc", "InnerProduct", fc);
}

}  // namespace interp_test
