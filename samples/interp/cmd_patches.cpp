// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp patches: the dataset patches that excite chosen channels most (streamed, sharded), with their guided
// backpropagation; interp patches-merge: combines shard results into the single-run result.
#include "cli.hpp"
#include "shards.hpp"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <climits>
#include <iomanip>
#include <iostream>

namespace {

//! Options shared by both commands: which layers/channels to render and how.
struct RenderOptions
{
    std::string out, guided, channels;
    std::vector<std::string> layers;
    int tile = 0;
    double gradientStd = 3.0;
    void add(cli::po::options_description& d, bool withLayerOption)
    {
        d.add_options()
            ("out", cli::po::value(&out), "write the patch grid: one row per channel, one column per rank")
            ("guided", cli::po::value(&guided), "write the guided-backpropagation grid of the same patches")
            ("tile", cli::po::value(&tile), "tile size in pixels (default: the receptive field, enlarged to >= 48 px)")
            ("gradient-std", cli::value(&gradientStd, 3.0),
             "guided tiles show mean +- this many standard deviations as black..white");
        if (withLayerOption)
            d.add_options()
                ("layer,l", cli::po::value(&layers)->composing(), "layer(s) to render (default: every mined layer)")
                ("channels", cli::po::value(&channels), "channels (rows) to render, e.g. 0-15,42 (default: all mined)");
    }
    bool wanted() const { return !out.empty() || !guided.empty(); }
};

//! Blocks of several layers stacked vertically, each under a title bar.
cv::Mat stackWithTitles(const std::vector<cv::Mat>& blocks, const std::vector<std::string>& titles)
{
    if (blocks.size() == 1)
        return blocks[0];
    int width = 0;
    for (const cv::Mat& b : blocks)
        width = std::max(width, b.cols);
    std::vector<cv::Mat> parts;
    for (size_t i = 0; i < blocks.size(); i++)
    {
        cv::Mat title(22, width, CV_8UC3, cv::Scalar(0, 0, 0));
        cv::putText(title, titles[i], cv::Point(4, 16), cv::FONT_HERSHEY_PLAIN, 1.1, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
        parts.push_back(title);
        cv::Mat b(blocks[i].rows, width, CV_8UC3, cv::Scalar(48, 48, 48));
        blocks[i].copyTo(b(cv::Rect(0, 0, blocks[i].cols, blocks[i].rows)));
        parts.push_back(b);
    }
    cv::Mat out;
    cv::vconcat(parts, out);
    return out;
}

void render(const cv::Ptr<cv::interp::Explainer>& ex, const cv::interp::PatchMiningResult& res, const RenderOptions& ro)
{
    if (!ro.wanted())
        return;
    std::vector<std::string> layers = ro.layers;
    if (layers.empty())
        layers.assign(res.layers.begin(), res.layers.end());
    std::vector<cv::Mat> grids, guided;
    std::vector<std::string> titles;
    cv::Ptr<cv::interp::ReceptiveField> rf = cv::interp::ReceptiveField::create(
        ex, cv::interp::MatShape{ 1, 3, res.preprocessing.size.height, res.preprocessing.size.width });
    for (const std::string& l : layers)
    {
        cv::interp::PatchGridParams gp;
        gp.tileSize = ro.tile;
        gp.gradientStd = ro.gradientStd;
        if (!ro.channels.empty())  // checked against the mined channels by renderPatches
            gp.channels = cv::interp::parseIndexList(ro.channels, INT_MAX);
        cv::Mat g, gg;
        if (ro.guided.empty())
            cv::interp::renderPatches(ex, res, l, gp, g);
        else
            cv::interp::renderPatches(ex, res, l, gp, g, gg);
        const cv::interp::LayerReceptiveField info = rf->layerInfo(l);
        titles.push_back(cv::format("%s: receptive field %d x %d", info.name.c_str(), info.size.width, info.size.height));
        grids.push_back(g);
        guided.push_back(gg);
        std::cout << "layer '" << info.name << "': receptive field " << info.size.width << " x " << info.size.height
                  << ", stride " << info.stride.x << (info.conservative ? " (conservative: a layer type without exact geometry)" : "")
                  << std::endl;
    }
    if (!ro.out.empty())
    {
        cv::interp::writeImage(ro.out, stackWithTitles(grids, titles));
        std::cout << "wrote " << ro.out << std::endl;
    }
    if (!ro.guided.empty())
    {
        cv::interp::writeImage(ro.guided, stackWithTitles(guided, titles));
        std::cout << "wrote " << ro.guided << std::endl;
    }
}

void printSummary(const cv::interp::PatchMiningResult& res)
{
    for (size_t l = 0; l < res.layers.size(); l++)
    {
        const std::vector<int>& s = res.layerShapes[l];
        std::cout << "layer '" << res.layers[l] << "' (" << s[0] << " x " << s[1] << " x " << s[2] << "): "
                  << res.channels[l].size() << " channel(s), top " << res.topK
                  << (res.onePerImage ? " (one position per image)" : "") << std::endl;
        const size_t shown = std::min<size_t>(res.channels[l].size(), 8);
        for (size_t k = 0; k < shown; k++)
        {
            const std::vector<cv::interp::Patch> top = res.top(res.layers[l], res.channels[l][k]);
            std::cout << "  channel " << res.channels[l][k] << ":";
            for (size_t r = 0; r < top.size() && r < 3; r++)
            {
                std::string f = top[r].file;
                const size_t slash = f.rfind('/');
                if (slash != std::string::npos)
                    f = f.substr(slash + 1);
                std::cout << (r ? ", " : " ") << std::setprecision(4) << top[r].value << " (" << f << " y " << top[r].y
                          << " x " << top[r].x << ")";
            }
            std::cout << (top.size() > 3 ? ", ..." : "") << std::endl;
        }
        if (res.channels[l].size() > shown)
            std::cout << "  ... (" << res.channels[l].size() - shown << " more channels in the JSON file)" << std::endl;
    }
}

int runPatches(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    RenderOptions ro;
    std::string images, channels, json, shard;
    std::vector<std::string> layers;
    int top = 9, batch = 16, threads = 0, prefetch = 2;
    bool onePerImage = false;
    cli::po::options_description d("patches options");
    model.add(d);
    d.add_options()
        ("images", cli::po::value(&images), "dataset: a directory (searched recursively) or a text file listing one image per line; required")
        ("layer,l", cli::po::value(&layers)->composing(), "layer to mine (repeat for several layers in one pass); required")
        ("channels", cli::po::value(&channels), "channels to mine in every layer, e.g. 0-15,42 (default: all)")
        ("top,k", cli::po::value(&top)->default_value(9), "positions kept per channel")
        ("one-per-image", cli::po::bool_switch(&onePerImage), "keep at most one position (the best) per image and channel")
        ("json", cli::po::value(&json), "write the result (model, layers, preprocessing, dataset, entries) as JSON")
        ("shard", cli::po::value(&shard), "i/N: process the images whose index modulo N is i (0 <= i < N); "
                                          "combine the N results with 'interp patches-merge'")
        ("batch", cli::po::value(&batch)->default_value(16), "images per forward pass")
        ("prefetch", cli::po::value(&prefetch)->default_value(2), "decoded batches queued ahead of the network")
        ("threads", cli::po::value(&threads), "number of threads (cv::setNumThreads)");
    ro.add(d, false);
    cli::po::variables_map vm;
    if (!cli::parse("patches", args, d, vm,
                    "[--model M] --images DIR|LIST --layer L [--channels 0-15,42] [--top K] [--one-per-image] "
                    "[--json OUT.json] [--out GRID.png] [--guided GRID.png] [--shard i/N]"))
        return 0;
    if (images.empty())
        throw cli::UsageError("--images is required: a directory of images or a text file listing them");
    if (layers.empty())
        throw cli::UsageError("--layer is required (list the layers with 'interp layers')");
    if (top < 1 || batch < 1 || prefetch < 1)
        throw cli::UsageError("--top, --batch and --prefetch must be positive");
    cli::applyThreads(threads);

    const std::vector<cv::String> files = cli::listImageFiles(images, "images");
    const cli::Model m = model.open();
    const cv::interp::ModelInfo& info = m.info;

    cv::interp::PatchMiningParams params;
    params.layers.assign(layers.begin(), layers.end());
    params.topK = top;
    params.onePerImage = onePerImage;
    params.batchSize = batch;
    params.prefetch = prefetch;
    params.source = images;
    if (!shard.empty())
        cli::parseShard(shard, params.shardIndex, params.shardCount);
    if (!channels.empty())  // checked against each layer's channel count by minePatches
        params.channels = cv::interp::parseIndexList(channels, INT_MAX);

    int shardTotal = 0;
    for (int i = params.shardIndex; i < (int)files.size(); i += params.shardCount)
        shardTotal++;
    cli::Progress progress("patches", (size_t)shardTotal, "img");
    const auto t0 = std::chrono::steady_clock::now();
    cv::interp::PatchMiningResult res = cv::interp::minePatches(
        m.explainer, info, files, params, [&](int done, int) { progress.update((size_t)done); });
    progress.finish();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::cout << "mined " << res.imagesProcessed << " images of " << images << " (shard " << params.shardIndex << "/"
              << params.shardCount << " of " << files.size() << "; " << res.imagesSkipped << " unreadable file(s) skipped) in "
              << std::fixed << std::setprecision(2) << secs << " s: " << std::setprecision(1)
              << res.imagesProcessed / std::max(secs, 1e-9) << " images/s" << std::defaultfloat << std::endl;
    if (res.imagesSkipped > 0)
        std::cerr << "interp patches: warning: skipped " << res.imagesSkipped << " unreadable file(s), first: "
                  << res.skippedFiles.front() << std::endl;
    printSummary(res);
    if (!json.empty())
    {
        cv::interp::writePatchResult(json, res);
        std::cout << "wrote " << json << std::endl;
    }
    if (ro.wanted())
        render(m.explainer, res, ro);
    return 0;
}

int runMerge(const std::vector<std::string>& args)
{
    RenderOptions ro;
    std::string json, modelPath, config;
    std::vector<std::string> inputs;
    cli::po::options_description d("patches-merge options");
    d.add_options()
        ("json", cli::po::value(&json), "write the merged result")
        ("model,m", cli::po::value(&modelPath), "model file for rendering (default: the one recorded in the results)")
        ("config", cli::po::value(&config), "configuration file for rendering (Caffe prototxt)");
    ro.add(d, true);
    if (!cli::parseMerge("patches-merge", args, d, inputs, "A.json B.json ... (results of 'interp patches --shard "
                         "i/N --json') [--json OUT.json] [--out GRID.png] [--guided GRID.png]"))
        return 0;
    std::vector<cv::interp::PatchMiningResult> parts;
    for (const std::string& f : inputs)
        parts.push_back(cv::interp::readPatchResult(f));
    cv::interp::PatchMiningResult res = cv::interp::mergePatchResults(parts);
    std::cout << "merged " << parts.size() << " result(s): ";
    if (res.complete())
        std::cout << "every shard (the single-run result)";
    else
    {
        std::cout << "shards";
        for (int s : res.shards)
            std::cout << " " << s;
        std::cout << " of " << res.shardCount;
    }
    std::cout << ", " << res.imagesProcessed << " images, " << res.imagesSkipped << " skipped" << std::endl;
    if (!res.complete())
        std::cerr << "interp patches-merge: warning: " << res.shardCount - (int)res.shards.size()
                  << " shard(s) missing: the result covers part of the dataset" << std::endl;
    printSummary(res);
    if (!json.empty())
    {
        cv::interp::writePatchResult(json, res);
        std::cout << "wrote " << json << std::endl;
    }
    if (ro.wanted())
        render(cv::interp::readNet(modelPath.empty() ? res.model : modelPath, modelPath.empty() ? res.config : config), res, ro);
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(patches, "patches", "maximally activating dataset patches per channel, with guided backprop", runPatches);
INTERP_CLI_COMMAND(patches_merge, "patches-merge", "combine 'interp patches --shard i/N' results into the single-run result", runMerge);
