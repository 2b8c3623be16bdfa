// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The sections of the HTML report: each computes with the public API and adds figures and tables to the page.
#include "precomp.hpp"
#include "filesystem.hpp"
#include "report_impl.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

namespace cv {
namespace interp {
namespace report {

namespace {

typedef std::chrono::steady_clock Clock;

double secondsSince(const Clock::time_point& t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

String stem(const String& path)
{
    String s = path.substr(path.rfind('/') == String::npos ? 0 : path.rfind('/') + 1);
    return s.substr(0, s.rfind('.'));
}

String fmt(double v, int digits = 3)
{
    return cvIsNaN(v) ? String("-") : cv::format("%.*f", digits, v);
}

//! Display width of a figure: small network inputs are shown enlarged (pixelated), large ones as they are.
int displayWidth(const Mat& m, int minimum = 160)
{
    return m.cols >= minimum ? 0 : (minimum + m.cols - 1) / m.cols * m.cols;
}

String methodDescription(const String& m)
{
    static const std::map<String, String> d = {
        { "gradient", "max over channels of |d score / d pixel| (Simonyan et al. 2014)" },
        { "input-x-gradient", "input times gradient, summed |.| over channels" },
        { "guided", "guided backpropagation (Springenberg et al. 2015)" },
        { "deconvnet", "deconvnet (Zeiler and Fergus 2014)" },
        { "gradcam", "Grad-CAM at the last convolutional block (Selvaraju et al. 2017)" },
        { "guided-gradcam", "guided backpropagation x upsampled Grad-CAM" },
        { "smoothgrad", "SmoothGrad: gradient averaged over noisy copies (Smilkov et al. 2017)" },
        { "ig", "Integrated Gradients from the zero (mean-colour) baseline (Sundararajan et al. 2017)" },
        { "occlusion", "occlusion: drop of the class probability when a square of the mean colour hides the pixel (Zeiler and "
                       "Fergus 2014)" },
    };
    auto it = d.find(m);
    return it == d.end() ? m : it->second;
}

//! GrabCut seeds as gray levels: sure background black, probable background dark, probable object light, object white.
Mat seedsImage(const Mat& seeds)
{
    Mat out(seeds.size(), CV_8U);
    for (int y = 0; y < seeds.rows; y++)
        for (int x = 0; x < seeds.cols; x++)
        {
            const uchar s = seeds.at<uchar>(y, x);
            out.at<uchar>(y, x) = s == GC_BGD ? 0 : s == GC_PR_BGD ? 85 : s == GC_PR_FGD ? 170 : 255;
        }
    return out;
}

Mat toBgr(const Mat& m)
{
    Mat out;
    if (m.channels() == 1)
        cvtColor(m, out, COLOR_GRAY2BGR);
    else
        out = m;
    return out;
}

String caption(const Context& c, int n)
{
    const int k = c.predicted[n];
    return cv::format("%s: %s (p = %.2f)", stem(c.files[n]).c_str(), c.model.className(k).c_str(),
                      c.probabilities.at<float>(n, k));
}

//! The ground-truth object mask of an explained image (`<dir>/masks/<file>`, the embedded scenes' layout), or empty.
Mat truthMask(const String& file)
{
    const size_t slash = file.rfind('/');
    const String path = (slash == String::npos ? String(".") : file.substr(0, slash)) + "/masks/" +
                        file.substr(slash == String::npos ? 0 : slash + 1);
    return fs::isFile(path) ? imread(path, IMREAD_GRAYSCALE) : Mat();
}

/** The figure attributes of a row of maps over the explained images: the method and, where the images have
ground-truth masks, on how many the map's maximum lies on the object ("hits/images"). */
html::Page::Data mapData(const Context& c, const String& method, const std::vector<Mat>& maps)
{
    html::Page::Data d = { { "kind", method == "occlusion" ? "occlusion" : "saliency" }, { "method", method } };
    int hits = 0, withMask = 0, flat = 0;
    for (size_t n = 0; n < maps.size() && n < c.images.size(); n++)
    {
        double lo, hi;
        minMaxLoc(maps[n], &lo, &hi);
        flat += lo == hi ? 1 : 0;
        const Mat truth = truthMask(c.files[n]);
        if (truth.empty() || truth.size() != c.images[n].size())
            continue;
        withMask++;
        hits += pointingGameHit(c.model.preprocessing.mapToImage(maps[n], c.images[n].size()), truth) ? 1 : 0;
    }
    d["flat-maps"] = std::to_string(flat);  // maps with one value everywhere: nothing to see
    if (withMask > 0)
        d["peak-in-object"] = cv::format("%d/%d", hits, withMask);
    return d;
}

}  // namespace

std::vector<String> blockOutputs(const Explainer& ex, const MatShape& inputShape)
{
    std::vector<String> out;
    for (int i : ex.graph().blockOutputs(inputShape))
        out.push_back(ex.graph().layer(i).name);
    return out;
}

void computeSaliency(Context& c)
{
    c.maps.clear();
    c.methodSeconds.clear();
    for (const String& m : c.methods)
    {
        const Clock::time_point t0 = Clock::now();
        c.maps.push_back(saliencyMaps(c.explainer, c.blob, c.targets, m, c.saliency));
        c.methodSeconds.push_back(secondsSince(t0));
    }
}

void computeEvaluation(Context& c)
{
    if (c.evaluationSet.images.empty())
        return;
    EvaluationParams ep;
    ep.saliency = c.saliency;
    ep.methods = c.methods;
    ep.sanityImages = c.params.sanityImages;
    ep.perturbation.steps = 16;  // deletion / insertion curves of 17 points: enough for a table, half the cost
    if (c.params.sanityImages == 0)
        ep.metrics = { "iou", "pointing", "mass", "deletion", "insertion" };
    c.evaluation = evaluateSaliency(c.model, c.evaluationSet, ep);
}

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
        const PatchMiningResult result = minePatches(c.model, images, one);
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

void sectionOcclusion(Context& c)
{
    html::Page& page = *c.page;
    const OcclusionParams& op = c.saliency.occlusion;
    page.section("occlusion", "Occlusion",
                 html::escape(cv::format("A %d x %d square of the image's mean colour slides over it with stride %d; the "
                                         "map shows how much the predicted class probability drops when the square "
                                         "covers each "
                                         "pixel (red = the class depends on it). Computed exactly with the "
                                         "incremental engine, which recomputes only the region each square changes.",
                                         op.window, op.window, op.stride)));
    const auto it = std::find(c.methods.begin(), c.methods.end(), "occlusion");
    std::vector<Mat> maps;
    double seconds;
    if (it != c.methods.end())
    {
        maps = c.maps[it - c.methods.begin()];
        seconds = c.methodSeconds[it - c.methods.begin()];
    }
    else
    {
        const Clock::time_point t0 = Clock::now();
        maps = saliencyMaps(c.explainer, c.blob, c.targets, "occlusion", c.saliency);
        seconds = secondsSince(t0);
    }
    std::vector<Mat> tiles;
    for (size_t n = 0; n < maps.size(); n++)
        tiles.push_back(overlayOnOriginal(c.images[n], maps[n], c.model.preprocessing));
    const Mat row = tileImages(tiles, 0, 4);
    page.figure("occlusion", row, cv::format("occlusion maps of the %d images (%.2f s in all)", (int)maps.size(),
                                             seconds),
                std::min(1100, row.cols * std::max(1, displayWidth(c.images[0]) / std::max(1, c.images[0].cols))),
                mapData(c, "occlusion", maps));
}

void sectionSaliency(Context& c)
{
    html::Page& page = *c.page;
    page.section("saliency", "Saliency methods",
                 html::escape("Each row is one method, each column one image, explaining the predicted class. "
                              "Red = important (each map clipped at its 99th percentile). Gradient maps are sharp but noisy; Grad-CAM is coarse (the last "
                              "convolutional block's resolution) but class-discriminative; SmoothGrad and Integrated "
                              "Gradients trade time for cleaner maps."));
    const int scale = std::max(1, displayWidth(c.images[0], 128) / std::max(1, c.images[0].cols));
    for (size_t m = 0; m < c.methods.size(); m++)
    {
        std::vector<Mat> tiles;
        for (size_t n = 0; n < c.images.size(); n++)
            // Clipped at the 99th percentile: gradient maps are sparse, and a few extreme pixels would leave the
            // rest of the map invisible.
            tiles.push_back(overlayOnOriginal(c.images[n], c.maps[m][n], c.model.preprocessing, 0.5, COLORMAP_JET, 99));
        const Mat row = tileImages(tiles, 0, 4);
        page.figure("saliency_" + c.methods[m], row,
                    cv::format("%s: %s (%.2f s for %d images)", c.methods[m].c_str(),
                               methodDescription(c.methods[m]).c_str(), c.methodSeconds[m], (int)c.images.size()),
                    std::min(1100, row.cols * scale), mapData(c, c.methods[m], c.maps[m]));
    }
    // The lecture's guided-backpropagation figure: the signed gradient as an image.
    const Attribution guided = guidedBackprop(c.explainer, c.blob, c.targets);
    std::vector<Mat> tiles;
    for (size_t n = 0; n < c.images.size(); n++)
        tiles.push_back(toBgr(gradientImage(guided.attribution, (int)n, 0.1, c.model.preprocessing.swapRB)));
    const Mat row = tileImages(tiles, 0, 4);
    page.figure("guided_gradient_images", row,
                "guided backpropagation shown as an image (mean at grey, +-5 standard deviations at black/white): "
                "the edges and textures that drive the class score",
                std::min(1100, row.cols * scale));
}

void sectionSegmentation(Context& c)
{
    html::Page& page = *c.page;
    String method = c.params.segmentationMethod;
    double bestIoU = -1;
    if (method.empty())
    {
        for (const MethodEvaluation& me : c.evaluation.methods)
            if (!cvIsNaN(me.meanIoU) && me.meanIoU > bestIoU)
            {
                bestIoU = me.meanIoU;
                method = me.method;
            }
        if (method.empty())
            method = std::find(c.methods.begin(), c.methods.end(), "gradcam") != c.methods.end() ? String("gradcam")
                                                                                                  : c.methods[0];
    }
    const SegmentationParams sp;
    page.section("segmentation", "Saliency -> GrabCut segmentation",
                 html::escape(cv::format(
                     "The saliency map seeds GrabCut without any segmentation labels: the top %g%% of the map is "
                     "sure object, the band above the %gth percentile probable object, the bottom %g%% sure "
                     "background, the rest probable background; GrabCut then follows the image's colours. "
                     "Columns: image, %s map, seeds (black = background ... white = object), mask, cut-out.%s",
                     100 - sp.fgPercentile, sp.probableFgPercentile, sp.bgPercentile, method.c_str(),
                     bestIoU >= 0 ? cv::format(" %s has the best mean IoU on the evaluation scenes (%.3f).",
                                               method.c_str(), bestIoU).c_str()
                                  : "")));
    const auto it = std::find(c.methods.begin(), c.methods.end(), method);
    std::vector<Mat> maps = it != c.methods.end() ? c.maps[it - c.methods.begin()]
                                                  : saliencyMaps(c.explainer, c.blob, c.targets, method, c.saliency);
    std::vector<Mat> rows;
    String ious;
    for (size_t n = 0; n < c.images.size(); n++)
    {
        const Mat onImage = c.model.preprocessing.mapToImage(maps[n], c.images[n].size());
        Mat mask, cutout, seeds;
        segmentFromSaliency(c.images[n], onImage, mask, sp, cutout, seeds);
        rows.push_back(tileImages({ c.images[n], overlayHeatmap(c.images[n], onImage), toBgr(seedsImage(seeds)),
                                    toBgr(mask), cutout }, 5, 4));
        // A ground-truth mask beside the image (<dir>/masks/<file>, as the embedded scenes have) gives the IoU.
        const Mat truth = truthMask(c.files[n]);
        if (!truth.empty() && truth.size() == mask.size())
            ious += cv::format("%s%s %.2f", ious.empty() ? "" : ", ", stem(c.files[n]).c_str(), maskIoU(mask, truth));
    }
    const Mat all = tileImages(rows, 1, 6);
    const int scale = std::max(1, displayWidth(c.images[0], 128) / std::max(1, c.images[0].cols));
    page.figure("segmentation", all, "saliency -> GrabCut for each image", std::min(900, all.cols * scale));
    if (!ious.empty())
        page.paragraph("IoU with the images' ground-truth masks: " + ious + ".");
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

void sectionEvaluation(Context& c)
{
    html::Page& page = *c.page;
    if (c.evaluation.methods.empty())
    {
        page.section("evaluation", "How faithful is each map?",
                     html::escape("Not measured: the metrics (GrabCut IoU, pointing game, mass in mask, deletion / "
                                  "insertion) need images with object masks. Give them with --eval-images DIR "
                                  "(object masks in DIR/masks/, same file names)."));
        return;
    }
    page.section("evaluation", "How faithful is each map?",
                 html::escape(cv::format(
                     "Every method on %d scenes with ground-truth object masks, explaining the predicted class "
                     "(model accuracy on them: %s). GrabCut IoU: the segmentation above against the true mask. "
                     "Pointing game: the map's maximum lies on the object. Mass in mask: share of the saliency on "
                     "the object. Deletion / insertion AUC (Petsiuk et al. 2018): the class probability while the "
                     "most salient pixels are removed (low is good) or inserted into a blurred image (high is good). "
                     "Sanity: rank correlation with the maps of the same network with random weights (Adebayo et "
                     "al. 2018; high means the map does not depend on what the network learned). The (chance) row is "
                     "a random point and a uniform map. Also saved as evaluation.csv and evaluation.md.",
                     (int)c.evaluation.images.size(),
                     c.evaluation.accuracy >= 0 ? cv::format("%.1f%%", 100 * c.evaluation.accuracy).c_str() : "n/a")));
    const String csv = c.evaluation.table("csv");
    writeFileAtomic(c.dir + "/evaluation.csv", csv);
    writeFileAtomic(c.dir + "/evaluation.md", c.evaluation.table("markdown"));
    std::vector<std::vector<String> > rows;
    std::stringstream ss(csv);
    String line;
    std::vector<String> header;
    while (std::getline(ss, line))
    {
        std::vector<String> cells;
        std::stringstream ls(line);
        String cell;
        while (std::getline(ls, cell, ','))
            cells.push_back(cell.empty() ? String("-") : cell);
        while (cells.size() < 9)
            cells.push_back("-");
        if (header.empty())
            header = cells;
        else
            rows.push_back(cells);
    }
    page.table({ "method", "images", "GrabCut IoU (high)", "pointing game (high)", "mass in mask (high)",
                 "deletion AUC (low)", "insertion AUC (high)", "sanity rho (low)", "seconds" },
               rows);
}

void sectionShortcut(Context& c)
{
    if (!c.params.shortcut)
        return;
    const std::vector<String> models = embeddedModels();
    if (std::find(models.begin(), models.end(), "resnet_shortcut") == models.end() ||
        std::find(models.begin(), models.end(), "resnet_fmnist") == models.end())
        return;
    html::Page& page = *c.page;
    // The comparison is made with the embedded Fashion-MNIST models on their scenes: it belongs to their reports.
    const String embeddedDir = utils::fs::canonical(dataDirectory() + "/models") + "/";
    if (utils::fs::canonical(c.model.model).compare(0, embeddedDir.size(), embeddedDir) != 0)
    {
        page.section("shortcut", "Shortcut learning made visible",
                     html::escape("This comparison of the embedded resnet_fmnist and resnet_shortcut models is part of "
                                  "the reports of the embedded models (interp report --model resnet_fmnist); see "
                                  "doc/evaluation.md."));
        return;
    }
    page.section("shortcut", "Shortcut learning made visible",
                 html::escape("resnet_shortcut was trained on scenes whose background colour gives the class away "
                              "(like a boat classifier that learned to detect water). On scenes where the background "
                              "carries no information it fails, and its saliency shows why: it looks at the "
                              "background, while resnet_fmnist, the same network trained on unbiased scenes, looks "
                              "at the object."));
    const String unbiased = dataDirectory() + "/scenes/shortcut/unbiased";
    const String biased = dataDirectory() + "/scenes/shortcut/biased";
    const GroundTruthSet ub = readGroundTruth(unbiased, String(), c.params.shortcutCount);
    const GroundTruthSet bs = readGroundTruth(biased, String(), c.params.shortcutCount);
    std::vector<std::vector<String> > rows;
    std::vector<Mat> figureRows;
    for (const String name : { "resnet_fmnist", "resnet_shortcut" })
    {
        const ModelInfo info = embeddedModel(name);
        EvaluationParams ep;
        ep.methods = { "gradient", "gradcam" };
        ep.metrics = { "pointing", "mass" };
        const EvaluationReport onUnbiased = evaluateSaliency(info, ub, ep);
        ep.methods = { "gradient" };
        ep.metrics = { "mass" };
        const EvaluationReport onBiased = evaluateSaliency(info, bs, ep);
        const MethodEvaluation g = onUnbiased.method("gradient"), gc = onUnbiased.method("gradcam");
        rows.push_back({ name, fmt(100 * onBiased.accuracy, 1) + "%", fmt(100 * onUnbiased.accuracy, 1) + "%",
                         fmt(g.meanMass), fmt(g.pointingRate), fmt(gc.meanMass), fmt(gc.pointingRate) });
        // Grad-CAM of the first scenes.
        const Ptr<Explainer> ex = readNet(info.model, info.config);
        std::vector<Mat> imgs;
        for (int i = 0; i < std::min(6, (int)ub.images.size()); i++)
            imgs.push_back(imread(ub.images[i], IMREAD_COLOR));
        const Mat blob = info.preprocessing.toBlob(imgs);
        std::vector<Target> targets;
        for (int k : predictClasses(ex, blob))
            targets.push_back(Target::classScore(k));
        const std::vector<Mat> maps = saliencyMaps(ex, blob, targets, "gradient");
        std::vector<Mat> tiles;
        for (size_t n = 0; n < imgs.size(); n++)
            tiles.push_back(overlayOnOriginal(imgs[n], maps[n], info.preprocessing));
        figureRows.push_back(tileImages(tiles, 0, 4));
    }
    page.table({ "model", "accuracy, biased scenes", "accuracy, unbiased scenes", "gradient: mass in mask",
                 "gradient: pointing game", "Grad-CAM: mass in mask", "Grad-CAM: pointing game" },
               rows);
    page.paragraph(cv::format("Saliency metrics on %d unbiased scenes, explaining each model's predicted class; "
                              "accuracies on %d scenes of each kind.", (int)ub.images.size(), (int)bs.images.size()));
    const int scale = std::max(1, 128 / std::max(1, figureRows[0].rows));
    page.figureRow({ "shortcut_resnet_fmnist", "shortcut_resnet_shortcut" }, figureRows,
                   { "resnet_fmnist: gradient saliency on unbiased scenes (on the objects)",
                     "resnet_shortcut: the same scenes (on the background)" },
                   std::min(1000, figureRows[0].cols * scale));
}

}  // namespace report
}  // namespace interp
}  // namespace cv
