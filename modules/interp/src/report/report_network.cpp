// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The report's sections on the network itself: the model, its layers and receptive fields, activations, top patches
// and the synthesised class images.
#include "../precomp.hpp"
#include "../io/filesystem.hpp"

#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <sstream>

#include "report_impl.hpp"

namespace cv {
namespace interp {
namespace report {

void sectionModel(Context& c)
{
    html::Page& page = *c.page;
    page.section("model", "Model",
                 html::escape("What the network is and what it predicts for the explained images. Every section "
                              "below explains these predictions."));
    std::vector<std::vector<String> > rows = {
        { "name", c.model.name },
        { "model file", c.model.model },
        { "input", cv::format("%d x %d x %d blob", c.blob.size[1], c.blob.size[2], c.blob.size[3]) },
        { "preprocessing", c.model.preprocessing.describe() },
        { "classes", cv::format("%d%s", c.probabilities.cols, c.model.classNames.empty() ? " (no class names)" : "") },
        { "class scores", c.model.logitsLayer + (c.model.probLayer.empty() ? String() : " (probabilities: " +
                                                                                        c.model.probLayer + ")") },
        { "layers", cv::format("%d", c.explainer->graph().size()) },
    };
    if (!c.model.config.empty())
        rows.insert(rows.begin() + 2, std::vector<String>{ "configuration", c.model.config });
    if (c.model.accuracy >= 0)
        rows.push_back({ "accuracy (model card)", cv::format("%.1f%%", 100 * c.model.accuracy) });
    page.table({}, rows, "kv");
    std::vector<String> names, captions;
    std::vector<Mat> imgs;
    for (size_t n = 0; n < c.images.size(); n++)
    {
        names.push_back("input_" + stem(c.files[n]));
        imgs.push_back(c.images[n]);
        captions.push_back(caption(c, (int)n));
    }
    std::vector<html::Page::Data> data;
    for (size_t n = 0; n < c.images.size(); n++)
        data.push_back({ { "kind", "input" }, { "predicted", std::to_string(c.predicted[n]) },
                         { "p", cv::format("%.4f", c.probabilities.at<float>((int)n, c.predicted[n])) } });
    page.figureRow(names, imgs, captions, displayWidth(c.images[0]), data);
    if (!c.model.card.empty() && fs::isFile(c.model.card))
    {
        std::ifstream f(c.model.card.c_str());
        std::stringstream ss;
        ss << f.rdbuf();
        page.raw("<details><summary>Model card</summary>\n" + html::fromMarkdown(ss.str()) + "</details>");
    }
}

void sectionLayers(Context& c)
{
    html::Page& page = *c.page;
    page.section("layers", "Layers and receptive fields",
                 html::escape("Every layer of the network with its output and the input region one output position "
                              "depends on (receptive field, padding included) and the input pixels between neighbouring "
                              "positions (stride). Deeper layers see larger parts of the image."));
    const MatShape shape = { 1, c.blob.size[1], c.blob.size[2], c.blob.size[3] };
    const Ptr<ReceptiveField> rf = ReceptiveField::create(c.explainer, shape);
    std::vector<std::vector<MatShape> > shapes;
    c.explainer->graph().outputShapes(shape, shapes);
    const Graph& G = c.explainer->graph();
    std::vector<std::vector<String> > rows;
    for (const LayerReceptiveField& L : rf->layers())
    {
        const int idx = G.find(L.name);
        String out;
        if (idx >= 0 && !shapes[idx].empty())
            for (size_t d = 1; d < shapes[idx][0].size(); d++)
                out += (d > 1 ? " x " : "") + std::to_string(shapes[idx][0][d]);
        String size = "-", stride = "-";
        if (L.dependsOnInput)
        {
            size = L.global ? "whole input" : cv::format("%d x %d", L.size.width, L.size.height);
            if (L.conservative)
                size += " (at most)";
            stride = L.global ? "-" : cv::format("%g x %g", L.stride.x, L.stride.y);
        }
        rows.push_back({ L.name, L.type, out, size, stride });
    }
    page.table({ "layer", "type", "output (C x H x W)", "receptive field", "stride" }, rows);
}

void sectionActivations(Context& c)
{
    html::Page& page = *c.page;
    page.section("activations", "Activations",
                 html::escape("The output of each convolutional block for the first image, one tile per channel "
                              "(white = the channel's own maximum). After a ReLU many channels are zero almost "
                              "everywhere: they respond to patterns this image does not contain."));
    const Ptr<Tape> tape = c.explainer->forward(c.blob);
    for (const String& layer : c.layers)
    {
        Mat act = tape->output(layer);
        const int sz[] = { act.size[1], act.size[2], act.size[3] };
        Mat one(3, sz, CV_32F, act.ptr<float>(0));
        const ActivationStats st = activationStats(one);
        ActivationGridParams gp;
        gp.normalization = NORMALIZE_CHANNEL;
        const Mat grid = renderActivationGrid(one, gp);
        page.figure("activations_" + stem(c.files[0]) + "_" + std::to_string(&layer - &c.layers[0]), grid,
                    cv::format("%s: %d channels of %d x %d; %.0f%% zeros, %d dead channels", layer.c_str(),
                               st.channels, st.height, st.width, 100 * st.zeroFraction, st.deadChannels),
                    std::min(900, std::max(grid.cols, 320)),
                    { { "kind", "activations" }, { "layer", layer },
                      { "live-channels", cv::format("%d/%d", st.channels - st.deadChannels, st.channels) } });
    }
}

void sectionPatches(Context& c)
{
    html::Page& page = *c.page;
    page.section("patches", "Maximally activating patches",
                 html::escape("For a few channels of a layer, the dataset patches (receptive-field crops) where the "
                              "channel responds most, and beside them the guided backpropagation of that neuron "
                              "inside its patch: what in the patch the neuron reacts to. Patches grow with depth."));
    std::vector<String> layers = c.layers;
    if (c.params.layers.empty())
    {
        // Automatic: spread the chosen number of layers over the network (first, then deeper ones).
        std::vector<String> picked;
        const int n = std::min((int)layers.size(), c.params.patchLayers);
        for (int i = 0; i < n; i++)
            picked.push_back(layers[n == 1 ? 0 : (size_t)i * (layers.size() - 1) / std::max(1, (n - 1) * 2)]);
        layers = picked;
    }
    if (layers.empty())
    {
        page.paragraph("No layer with a spatial output was found.");
        return;
    }
    const std::vector<String>& images = c.patchFiles;
    PatchMiningParams mp;
    mp.layers = layers;
    mp.topK = c.params.patchTop;
    mp.onePerImage = true;
    mp.source = !c.params.patchImages.empty() ? c.params.patchImages
                : !c.evaluationSet.images.empty() ? c.evaluationDir
                                                  : String("the explained images");
    for (int k = 0; k < c.params.patchChannels; k++)
        mp.channels.push_back(k);
    // Channels beyond a layer's width are not mined: mine each layer with the channels it has.
    const MatShape shape = { 1, c.blob.size[1], c.blob.size[2], c.blob.size[3] };
    std::vector<std::vector<MatShape> > shapes;
    c.explainer->graph().outputShapes(shape, shapes);
    for (const String& layer : layers)
    {
        const int idx = c.explainer->graph().require(layer);
        PatchMiningParams one = mp;
        one.layers = { layer };
        one.channels.resize(std::min((size_t)shapes[idx][0][1], mp.channels.size()));
        const PatchMiningResult result = minePatches(c.explainer, c.model, images, one);
        PatchGridParams gp;
        Mat patches, guided;
        renderPatches(c.explainer, result, result.layers[0], gp, patches, guided);
        const String id = std::to_string(&layer - &layers[0]);
        page.figureRow({ "patches_" + id, "patches_guided_" + id }, { patches, guided },
                       { cv::format("%s: top %d patches of channels 0-%d over %d images", layer.c_str(), one.topK,
                                    (int)one.channels.size() - 1, result.imagesProcessed),
                         "guided backpropagation of the same neurons" },
                       std::min(560, std::max(patches.cols, 280)),
                       { { { "kind", "patches" }, { "layer", layer },
                           { "patches", std::to_string(result.patches.size()) } },
                         { { "kind", "patches-guided" }, { "layer", layer },
                           { "patches", std::to_string(result.patches.size()) } } });
    }
}

void sectionSynthesis(Context& c)
{
    html::Page& page = *c.page;
    if (!c.params.synthesis)
        return;
    // Every class of a small label set; for large ones (ImageNet's 1000) the classes the images are predicted as.
    const int K = c.probabilities.cols;
    std::vector<int> classes;
    if (K <= c.params.synthesisClasses)
        for (int k = 0; k < K; k++)
            classes.push_back(k);
    else
        for (int k : c.predicted)
            if (std::find(classes.begin(), classes.end(), k) == classes.end() &&
                (int)classes.size() < c.params.synthesisClasses)
                classes.push_back(k);
    page.section("synthesis", "What each class looks like to the network",
                 html::escape(cv::format("Synthetic images found by gradient ascent on the pixels (Simonyan et al. "
                                         "2014): each maximises the log-probability of one class, from noise around "
                                         "the mean colour, coarse to fine over three octaves with random jitter. %s",
                                         (int)classes.size() == K ? "One image per class."
                                                                  : "The classes predicted for the images above.")));
    const Clock::time_point t0 = Clock::now();
    const SynthesisResult r = synthesizeClasses(c.explainer, classes, c.model.preprocessing,
                                                SynthesisParams::classImages(c.params.synthesisIterations));
    const double seconds = secondsSince(t0);
    // How the network classifies its own synthetic images.
    Mat scores;
    const std::vector<int> back = predictClasses(c.explainer, c.model.preprocessing.toBlob(r.images), scores);
    const Mat prob = softmaxRows(scores);
    std::vector<String> names, captions;
    for (size_t i = 0; i < classes.size(); i++)
    {
        names.push_back("synthesis_class_" + std::to_string(classes[i]));
        captions.push_back(cv::format("%s (classified as %s, p = %.2f)%s", c.model.className(classes[i]).c_str(),
                                      c.model.className(back[i]).c_str(), prob.at<float>((int)i, back[i]),
                                      r.stalled[i] ? " - did not move: the start image" : ""));
    }
    std::vector<html::Page::Data> data;
    for (size_t i = 0; i < classes.size(); i++)
        data.push_back({ { "kind", "class-image" }, { "class", std::to_string(classes[i]) },
                         { "predicted", std::to_string(back[i]) },
                         { "p", cv::format("%.4f", prob.at<float>((int)i, classes[i])) },
                         { "stalled", std::to_string(r.stalled[i]) } });
    page.figureRow(names, r.images, captions, displayWidth(r.images[0], 128), data);
    page.paragraph(cv::format("%d images, %d steps each, %.1f s.", (int)classes.size(), r.iterations, seconds));
    if (!r.warning().empty())
        page.paragraph("Warning: " + r.warning() + ".");
}

}  // namespace report
}  // namespace interp
}  // namespace cv
