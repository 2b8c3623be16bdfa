// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp saliency: gradient saliency maps (Simonyan et al. 2014), guided backprop and deconvnet.
#include "cli.hpp"

#include <opencv2/imgproc.hpp>

#include <iostream>

namespace {

//! max over channels of |grad|: N x H x W (2-D H x W for a single sample is returned per sample).
std::vector<cv::Mat> channelMaxAbs(const cv::Mat& grad)
{
    const int N = grad.size[0], C = grad.size[1], H = grad.size[2], W = grad.size[3];
    std::vector<cv::Mat> maps;
    for (int n = 0; n < N; n++)
    {
        cv::Mat m(H, W, CV_32F, cv::Scalar(0));
        for (int c = 0; c < C; c++)
        {
            cv::Mat p(H, W, CV_32F, (void*)grad.ptr<float>(n, c));
            m = cv::max(m, cv::abs(p));
        }
        maps.push_back(m);
    }
    return maps;
}

cv::Mat stack(const std::vector<cv::Mat>& maps)
{
    if (maps.size() == 1)
        return maps[0];
    int sz[] = { (int)maps.size(), maps[0].rows, maps[0].cols };
    cv::Mat out(3, sz, CV_32F);
    for (size_t n = 0; n < maps.size(); n++)
        maps[n].copyTo(cv::Mat(maps[0].rows, maps[0].cols, CV_32F, out.ptr<float>((int)n)));
    return out;
}

cv::Mat toGray8(const cv::Mat& map)
{
    double mx;
    cv::minMaxLoc(map, nullptr, &mx);
    cv::Mat out;
    map.convertTo(out, CV_8U, mx > 0 ? 255.0 / mx : 0.0);
    return out;
}

int runSaliency(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    cli::InputOptions input;
    cli::TargetOptions target;
    std::string method = "gradient", rawGrad, raw, out;
    int threads = 0, benchRuns = 0;
    cli::po::options_description d("saliency options");
    model.add(d);
    input.add(d);
    target.add(d);
    d.add_options()
        ("method", cli::po::value(&method)->default_value("gradient"), "gradient | guided | deconvnet")
        ("raw-grad", cli::po::value(&rawGrad), "write d target / d input as float32 .npy (shape of the blob)")
        ("raw", cli::po::value(&raw), "write the map (max over channels of |grad|) as float32 .npy, H x W or N x H x W")
        ("out", cli::po::value(&out), "write the map as an image (scaled by its maximum)")
        ("threads", cli::po::value(&threads), "number of threads (cv::setNumThreads)")
        ("bench", cli::po::value(&benchRuns), "time the attribution N more times after a warm-up");
    cli::po::variables_map vm;
    if (!cli::parse("saliency", args, d, vm, "[MODEL] [INPUT] [TARGET] --method M [--raw-grad G.npy] [--raw MAP.npy] [--out MAP.png]"))
        return 0;
    cli::applyThreads(threads);
    int variant;
    try
    {
        variant = cv::interp::parseVariant(method);
    }
    catch (const cv::Exception&)
    {
        throw cli::UsageError("unknown --method '" + method + "': use gradient, guided or deconvnet");
    }
    const cv::interp::ModelInfo info = model.resolve();
    cv::Ptr<cv::interp::Explainer> ex = model.load(info);
    cli::Input in = input.load(info);

    cv::Ptr<cv::interp::Tape> tape = ex->forward(in.blob);
    std::vector<cv::interp::Target> targets = target.resolve(*ex, *tape);
    cv::Mat grad;
    std::vector<cv::Mat> none;
    ex->backward(tape, targets, variant, grad, std::vector<cv::String>(), none);
    std::vector<cv::Mat> maps = channelMaxAbs(grad);

    cli::bench(method, benchRuns, [&]() {
        cv::Ptr<cv::interp::Tape> t = ex->forward(in.blob);
        cv::Mat g;
        std::vector<cv::Mat> n;
        ex->backward(t, targets, variant, g, std::vector<cv::String>(), n);
    });

    for (size_t n = 0; n < (size_t)tape->batchSize(); n++)
    {
        const cv::interp::Target& t = targets[targets.size() == 1 ? 0 : n];
        std::cout << "sample " << n << (in.paths.empty() ? "" : " (" + in.paths[n] + ")") << ": " << method << " of "
                  << t.describe();
        if (t.kind == cv::interp::Target::CLASS)
            std::cout << " [" << info.className(t.index) << "]";
        std::cout << ", map max " << cv::norm(maps[n], cv::NORM_INF) << std::endl;
    }
    if (!rawGrad.empty())
        cv::interp::writeNpy(rawGrad, grad);
    if (!raw.empty())
        cv::interp::writeNpy(raw, stack(maps));
    if (!out.empty())
    {
        std::vector<cv::Mat> imgs;
        for (const cv::Mat& m : maps)
            imgs.push_back(toGray8(m));
        cv::interp::writeImage(out, cli::tileHorizontally(imgs));
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(saliency, "saliency", "saliency maps: gradient, guided backprop, deconvnet", runSaliency);
