// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp layers: the layer table of a model (name, type, output shape).
#include "cli.hpp"

#include <iostream>

namespace {

int runLayers(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    std::string size;
    int channels = 0, batch = 1;
    cli::po::options_description d("layers options");
    model.add(d);
    d.add_options()
        ("size", cli::po::value(&size), "input size W,H for the output shapes (default: the model's input size)")
        ("channels", cli::po::value(&channels), "input channels (default: from the first convolution, else 3)")
        ("batch", cli::po::value(&batch)->default_value(1), "batch size for the output shapes");
    cli::po::variables_map vm;
    if (!cli::parse("layers", args, d, vm, "[--model M [--config C]] [--size W,H]"))
        return 0;
    const cv::interp::ModelInfo info = model.resolve();
    cv::Ptr<cv::interp::Explainer> ex = model.load(info);
    cv::Size sz = size.empty() ? info.preprocessing.size : cli::parseSize(size, "size");
    const cv::interp::Graph& g = ex->graph();
    if (channels <= 0)
    {
        channels = 3;
        for (int i = 0; i < g.size(); i++)
        {
            const cv::interp::LayerInfo& l = g.layer(i);
            if (l.inputs.size() == 1 && l.inputs[0].layer == -1 && l.type == "Convolution" && !l.layer->blobs.empty())
            {
                channels = l.layer->blobs[0].size[1] * (l.paramsCaptured ? l.params.get<int>("group", 1) : 1);
                break;
            }
        }
    }
    if (batch < 1)
        throw cli::UsageError("--batch must be positive");
    cv::interp::MatShape shape;
    if (sz.area() > 0)
        shape = { batch, channels, sz.height, sz.width };
    std::cout << "model: " << info.model << (info.config.empty() ? "" : " + " + info.config) << "\n";
    if (!shape.empty())
        std::cout << "input: " << batch << " x " << channels << " x " << sz.height << " x " << sz.width << "\n";
    std::cout << g.describe(shape);
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(layers, "layers", "list the layers: name, type, output shape", runLayers);
