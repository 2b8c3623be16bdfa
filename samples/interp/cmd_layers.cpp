// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp layers: the layer table of a model (name, type, output shape, receptive field, stride).
#include "cli.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>

namespace {

std::string shapeString(const cv::interp::MatShape& s)
{
    std::string out = "[";
    for (size_t i = 0; i < s.size(); i++)
        out += (i ? " x " : "") + std::to_string(s[i]);
    return out + "]";
}

std::string strideString(double v)
{
    return v == std::floor(v) ? std::to_string((long long)v) : cv::format("%.2f", v);
}

//! The layer table with two more columns: receptive-field size (W x H, padding included) and stride.
void printLayersWithReceptiveFields(const cv::Ptr<cv::interp::Explainer>& ex, const cv::interp::MatShape& shape)
{
    const cv::interp::Graph& g = ex->graph();
    std::vector<std::vector<cv::interp::MatShape> > shapes;
    g.outputShapes(shape, shapes);
    cv::Ptr<cv::interp::ReceptiveField> rf = cv::interp::ReceptiveField::create(ex, shape);
    std::vector<std::string> name, type, out, size, stride;
    bool anyConservative = false;
    for (int i = 0; i < g.size(); i++)
    {
        const cv::interp::LayerInfo& l = g.layer(i);
        name.push_back(l.name);
        type.push_back(l.type);
        std::string o;
        for (size_t k = 0; k < shapes[i].size(); k++)
            o += (k ? " " : "") + shapeString(shapes[i][k]);
        out.push_back(o);
        const cv::interp::LayerReceptiveField r = rf->layerInfo(i);
        if (!r.dependsOnInput)
        {
            size.push_back("-");
            stride.push_back("-");
            continue;
        }
        const std::string mark = r.conservative ? "*" : "";
        anyConservative = anyConservative || r.conservative;
        size.push_back(std::to_string(r.size.width) + " x " + std::to_string(r.size.height) + (r.global ? " (global)" : "") + mark);
        stride.push_back(r.global ? "-" : r.stride.x == r.stride.y ? strideString(r.stride.x)
                                                                   : strideString(r.stride.x) + "," + strideString(r.stride.y));
    }
    auto width = [](const std::vector<std::string>& v, size_t minimum) {
        size_t w = minimum;
        for (const std::string& s : v)
            w = std::max(w, s.size());
        return (int)w + 2;
    };
    const int wn = width(name, 4), wt = width(type, 4), wo = width(out, 12), ws = width(size, 15);
    std::cout << std::left << std::setw(wn) << "name" << std::setw(wt) << "type" << std::setw(wo) << "output shape"
              << std::setw(ws) << "receptive field" << "stride\n";
    for (size_t i = 0; i < name.size(); i++)
        std::cout << std::left << std::setw(wn) << name[i] << std::setw(wt) << type[i] << std::setw(wo) << out[i]
                  << std::setw(ws) << size[i] << stride[i] << "\n";
    std::cout << "receptive field: input pixels one output position sees (W x H, padding included); stride: input "
                 "pixels between neighbouring positions\n";
    if (anyConservative)
        std::cout << "* conservative: a layer on the way has no exact receptive-field geometry (assumed to read its "
                     "whole input)\n";
}

int runLayers(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    int channels = 0, batch = 1;
    cli::po::options_description d("layers options");
    model.add(d);
    d.add_options()
        ("channels", cli::po::value(&channels), "input channels (default: from the first convolution, else 3)")
        ("batch", cli::po::value(&batch)->default_value(1), "batch size for the output shapes");
    cli::po::variables_map vm;
    if (!cli::parse("layers", args, d, vm, "[--model M [--config C]] [--size W,H]"))
        return 0;
    // Without an input size the table lists names, types and producers only.
    const cv::interp::ModelInfo info = model.resolve();
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model, info.config);
    const cv::Size sz = info.preprocessing.size;
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
    if (shape.empty())
    {
        std::cout << g.describe(shape);
        return 0;
    }
    printLayersWithReceptiveFields(ex, shape);
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(layers, "layers", "list the layers: name, type, output shape, receptive field, stride", runLayers);
