// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The report's sections on the explained images: occlusion, every saliency method, and saliency -> GrabCut.
#include "../precomp.hpp"
#include "../io/filesystem.hpp"

#include <opencv2/imgcodecs.hpp>

#include "report_impl.hpp"

namespace cv {
namespace interp {
namespace report {

namespace {

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

void sectionOcclusion(Context& c)
{
    html::Page& page = *c.page;
    const OcclusionParams& op = c.settings.occlusion;
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
        maps = methodMaps(c, "occlusion");
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
                                                  : methodMaps(c, method);
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

}  // namespace report
}  // namespace interp
}  // namespace cv
