// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp describe: answers the questions about a model once (input size, preprocessing, class names, the layers the
// methods use) and writes them as a model description that every command reads with --model-info.
#include "cli.hpp"

#include <iostream>

namespace {

namespace ci = cv::interp;

int runDescribe(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    std::string out;
    cli::po::options_description d("describe options");
    model.add(d);
    d.add_options()
        ("out,o", cli::po::value(&out), "write the description (JSON) here; e.g. next to the model as "
                                        "<model>.json, which every command then finds by itself");
    cli::po::variables_map vm;
    if (!cli::parse("describe", args, d, vm, "--model M [--config C] [--size W,H] [--mean A,B,C] [--std A,B,C] "
                                             "[--scale S] [--swap-rb] [--crop] [--labels FILE] --out M.json"))
        return 0;
    const cli::Model m = model.open();
    const ci::ModelInfo& info = m.info;
    const ci::Graph& g = m.explainer->graph();
    std::cout << "model:          " << info.model << (info.config.empty() ? "" : " + " + info.config) << "\n"
              << "layers:         " << g.size() << "\n"
              << "preprocessing:  " << info.preprocessing.describe() << "\n"
              << "class scores:   " << info.logitsLayer << "\n"
              << "probabilities:  " << (info.probLayer.empty() ? "(none: the network ends in the scores)" : info.probLayer)
              << "\n"
              << "last conv block: " << (info.lastConvLayer.empty() ? "(none found: Grad-CAM needs --layer)"
                                                                     : info.lastConvLayer) << "\n";
    const cv::Mat scores = m.explainer->forward(info.preprocessing.toBlob(std::vector<cv::Mat>(
                               1, cv::Mat(info.preprocessing.size, CV_8UC3, cv::Scalar::all(128)))))
                               ->output(info.logitsLayer);
    std::cout << "classes:        " << scores.total();
    if (!info.classNames.empty())
        std::cout << " (" << info.className(0) << ", " << (info.classNames.size() > 1 ? info.className(1) + ", ..." : "")
                  << ")";
    std::cout << std::endl;
    if (!out.empty())
    {
        ci::writeModelInfo(out, info);
        std::cout << "wrote " << out << " (use it with --model-info " << out << ")" << std::endl;
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(describe, "describe", "the model's input size, preprocessing, classes and key layers, as a "
                                         "description file for --model-info", runDescribe);
