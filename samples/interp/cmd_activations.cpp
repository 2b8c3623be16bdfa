// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp activations: a layer's channel maps for an image as a tiled grid, with an explicit normalisation.
#include "cli.hpp"

#include <opencv2/imgproc.hpp>

#include <iomanip>
#include <iostream>

namespace {

int colormapByName(const std::string& name)
{
    static const std::pair<const char*, int> maps[] = {
        { "gray", -1 }, { "jet", cv::COLORMAP_JET }, { "viridis", cv::COLORMAP_VIRIDIS }, { "inferno", cv::COLORMAP_INFERNO },
        { "magma", cv::COLORMAP_MAGMA }, { "plasma", cv::COLORMAP_PLASMA }, { "hot", cv::COLORMAP_HOT },
        { "turbo", cv::COLORMAP_TURBO }, { "parula", cv::COLORMAP_PARULA }, { "bone", cv::COLORMAP_BONE } };
    std::string names;
    for (const auto& m : maps)
    {
        if (name == m.first)
            return m.second;
        names += std::string(names.empty() ? "" : ", ") + m.first;
    }
    throw cli::UsageError("unknown --colormap '" + name + "': use one of " + names);
}

//! Grids of several samples stacked vertically (same width: same layer, same parameters).
cv::Mat stackVertically(const std::vector<cv::Mat>& grids)
{
    if (grids.size() == 1)
        return grids[0];
    std::vector<cv::Mat> parts;
    for (size_t i = 0; i < grids.size(); i++)
    {
        if (i)
            parts.push_back(cv::Mat(6, grids[i].cols, grids[i].type(), cv::Scalar::all(255)));
        parts.push_back(grids[i]);
    }
    cv::Mat out;
    cv::vconcat(parts, out);
    return out;
}

int runActivations(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    cli::InputOptions input;
    std::string layer, normalize = "channel", channels, colormap = "gray", out, raw;
    int zoom = 0, columns = 0, threads = 0;
    bool noLabels = false;
    cli::po::options_description d("activations options");
    model.add(d);
    input.add(d);
    d.add_options()
        ("layer,l", cli::po::value(&layer), "layer whose outputs are shown (see 'interp layers'); required")
        ("normalize", cli::po::value(&normalize)->default_value("channel"),
         "gray levels: channel (each map's own min-max), global (one min-max for all maps), fixed:A,B (A black, "
         "B white), percentile:P (one range from the (100-P)-th to the P-th percentile of all maps)")
        ("channels", cli::po::value(&channels), "channels to show, e.g. 0-15,42 (default: all)")
        ("zoom", cli::po::value(&zoom), "nearest-neighbour enlargement of each map (default: tiles of at least 48 px)")
        ("columns", cli::po::value(&columns), "tiles per row (default: about the square root of the channel count)")
        ("colormap", cli::po::value(&colormap)->default_value("gray"), "gray, jet, viridis, inferno, magma, plasma, hot, turbo, parula, bone")
        ("no-labels", cli::po::bool_switch(&noLabels), "do not write channel numbers on the tiles")
        ("out", cli::po::value(&out), "write the grid image (one grid per input image, stacked vertically)")
        ("raw", cli::po::value(&raw), "write the layer's outputs as float32 .npy (N x C x H x W)")
        ("threads", cli::po::value(&threads), "number of threads (cv::setNumThreads)");
    cli::po::variables_map vm;
    if (!cli::parse("activations", args, d, vm,
                    "[MODEL] [INPUT] --layer L [--normalize channel|global|fixed:A,B|percentile:P] [--out GRID.png] [--raw ACT.npy]"))
        return 0;
    if (layer.empty())
        throw cli::UsageError("--layer is required (list the layers with 'interp layers')");
    cli::applyThreads(threads);
    cv::interp::ActivationGridParams params;
    try
    {
        params = cv::interp::parseActivationNormalization(normalize);
    }
    catch (const cv::Exception& e)
    {
        throw cli::UsageError("--normalize: " + e.err);
    }
    if (zoom < 0 || columns < 0)
        throw cli::UsageError("--zoom and --columns must not be negative");
    params.scale = zoom;
    params.columns = columns;
    params.labels = !noLabels;
    params.colormap = colormapByName(colormap);

    const cli::Model m = model.open(input.blobSize());
    const cv::Ptr<cv::interp::Explainer>& ex = m.explainer;
    const int index = ex->graph().require(layer);
    const std::string name = ex->graph().layer(index).name;
    cli::Input in = input.load(m.info);
    cv::Ptr<cv::interp::Tape> tape = ex->forward(in.blob);
    const cv::Mat act = tape->outputs(index).at(0);
    if (act.dims != 4 && act.dims != 2)
        CV_Error(cv::Error::StsNotImplemented, cv::format("layer '%s' has a %d-D output; activation grids need "
                                                          "N x C x H x W maps or N x C vectors", name.c_str(), act.dims));
    const int N = act.size[0], C = act.size[1];
    if (!channels.empty())
        params.channels = cv::interp::parseIndexList(channels, C);

    std::vector<cv::Mat> grids;
    for (int n = 0; n < N; n++)
    {
        const int H = act.dims == 4 ? act.size[2] : 1, W = act.dims == 4 ? act.size[3] : 1;
        cv::Mat one(std::vector<int>{ 1, C, H, W }, CV_32F, (void*)act.ptr<float>(n));
        const cv::interp::ActivationStats s = cv::interp::activationStats(one);
        std::cout << "sample " << n << (in.paths.empty() ? "" : " (" + in.paths[n] + ")") << ": layer '" << name
                  << "' " << C << " x " << H << " x " << W << ", values " << std::setprecision(4) << s.minValue + 0.0
                  << " .. " << s.maxValue << ", mean " << s.mean << ", 99th percentile " << s.p99 << "; "
                  << std::setprecision(3) << 100.0 * s.zeroFraction << "% exactly 0, " << 100.0 * s.negativeFraction
                  << "% negative, " << s.deadChannels << " of " << C << " channels never positive" << std::endl;
        if (!out.empty())
            grids.push_back(cv::interp::renderActivationGrid(one, params));
    }
    if (!raw.empty())
        cv::interp::writeNpy(raw, act);
    if (!out.empty())
    {
        cv::interp::writeImage(out, stackVertically(grids));
        std::cout << "wrote " << out << " (" << (params.channels.empty() ? C : (int)params.channels.size())
                  << " tiles per image, normalization " << normalize << ")" << std::endl;
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(activations, "activations", "a layer's channel maps for an image as a tiled grid", runActivations);
