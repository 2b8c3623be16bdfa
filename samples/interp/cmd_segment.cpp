// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp segment: saliency map -> GrabCut object mask, without segmentation labels.
#include "cli.hpp"

#include <opencv2/imgcodecs.hpp>

#include <iostream>

namespace {

namespace ci = cv::interp;

int runSegment(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    cli::InputOptions input;
    cli::TargetOptions target;
    std::string method = "gradcam", out, cutout, seedsOut, overlay, truth;
    ci::SegmentationParams sp;
    int threads = 0;
    cli::po::options_description d("segment options");
    model.add(d);
    input.add(d);
    target.add(d);
    d.add_options()
        ("method", cli::po::value(&method)->default_value("gradcam"),
         "saliency method seeding GrabCut: gradient | input-x-gradient | guided | deconvnet | gradcam | "
         "guided-gradcam | smoothgrad | ig | occlusion")
        ("fg", cli::value(&sp.fgPercentile, sp.fgPercentile),
         "map values above this percentile are sure object (GC_FGD)")
        ("probable-fg", cli::value(&sp.probableFgPercentile, sp.probableFgPercentile),
         "values above this percentile are probable object (GC_PR_FGD)")
        ("bg", cli::value(&sp.bgPercentile, sp.bgPercentile),
         "values below this percentile are sure background (GC_BGD); the rest probable background")
        ("smooth", cli::value(&sp.smoothSigma, sp.smoothSigma),
         "Gaussian smoothing of the map, sigma as a fraction of the image diagonal (0: none)")
        ("iterations", cli::po::value(&sp.iterations)->default_value(sp.iterations), "GrabCut iterations")
        ("out", cli::po::value(&out), "write the object mask (255 on the object, 0 elsewhere), original image size")
        ("cutout", cli::po::value(&cutout), "write the image with the background set to black")
        ("seeds", cli::po::value(&seedsOut), "write GrabCut's initial mask (0 = background, 1 = object, "
                                             "2 = probable background, 3 = probable object)")
        ("overlay", cli::po::value(&overlay), "write the saliency map over the image")
        ("truth", cli::po::value(&truth), "a ground-truth object mask: print the IoU with it")
        ("threads", cli::po::value(&threads)->default_value(0), "OpenCV threads (0: OpenCV's default)");
    cli::po::variables_map vm;
    if (!cli::parse("segment", args, d, vm, "[MODEL] [INPUT] [TARGET] [--method M] [--fg P --bg P --iterations N] "
                                            "--out MASK.png [--cutout FILE]"))
        return 0;
    if (out.empty() && cutout.empty() && seedsOut.empty() && overlay.empty() && truth.empty())
        throw cli::UsageError("nothing to do: give --out MASK.png (and/or --cutout, --seeds, --overlay, --truth)");
    cli::applyThreads(threads);
    const cli::Model m = model.open(input.blobSize());
    const ci::ModelInfo& info = m.info;
    const cv::Ptr<ci::Explainer>& ex = m.explainer;
    const cli::Input in = input.load(info);
    const std::vector<ci::Target> targets = target.resolve(ex, ex->forward(in.blob));
    if (!truth.empty() && in.blob.size[0] != 1)
        throw cli::UsageError("--truth compares one image with its mask: give a single image");
    ci::AttributionParams ap;
    ap.method = ci::parseAttributionMethod(method);
    const std::vector<cv::Mat> maps = ci::attribute(ex, in.blob, targets, ap).maps;

    std::vector<cv::Mat> masks, cutouts, seeds, overlays;
    for (int n = 0; n < (int)maps.size(); n++)
    {
        const bool original = n < (int)in.images.size();
        const cv::Mat image = original ? in.images[n] : in.networkImage(n);
        const cv::Mat map = original ? in.prep.mapToImage(maps[n], image.size()) : maps[n];
        cv::Mat mask, cut, seed;
        ci::segmentFromSaliency(image, map, mask, sp, cut, seed);
        masks.push_back(mask);
        cutouts.push_back(cut);
        seeds.push_back(seed);
        overlays.push_back(ci::overlayHeatmap(image, map));
        const ci::Target& t = targets[targets.size() == 1 ? 0 : n];
        std::cout << "sample " << n << (in.paths.empty() ? "" : " (" + in.paths[n] + ")") << ": " << method << " of "
                  << t.describe();
        if (t.kind == ci::Target::CLASS)
            std::cout << " [" << info.className(t.index) << "]";
        std::cout << ", object " << cv::format("%.1f%%", 100.0 * cv::countNonZero(mask) / (double)mask.total())
                  << " of the image";
        if (!truth.empty())
        {
            cv::Mat gt = cv::imread(truth, cv::IMREAD_GRAYSCALE);
            if (gt.empty())
                CV_Error(cv::Error::StsError, "cannot read the ground-truth mask '" + truth + "'");
            std::cout << ", IoU with " << truth << " " << cv::format("%.3f", ci::maskIoU(mask, gt));
        }
        std::cout << std::endl;
    }
    for (const cv::Mat& m : masks)
        if (m.size() != masks[0].size())
            CV_Error(cv::Error::StsBadSize, "several images of different sizes: segment one image at a time");
    if (!out.empty())
        ci::writeImage(out, cli::tileHorizontally(masks));
    if (!cutout.empty())
        ci::writeImage(cutout, ci::tileImages(cutouts));
    if (!seedsOut.empty())
        ci::writeImage(seedsOut, cli::tileHorizontally(seeds));
    if (!overlay.empty())
        ci::writeImage(overlay, ci::tileImages(overlays));
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(segment, "segment", "saliency -> GrabCut object mask, without segmentation labels", runSegment);
