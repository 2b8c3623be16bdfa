// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp saliency: attribution maps. Gradient saliency (Simonyan et al. 2014), input x gradient, guided backprop,
// deconvnet, Grad-CAM, guided Grad-CAM, SmoothGrad, Integrated Gradients; overlays and the cascading-randomisation
// sanity check.
#include "cli.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>

namespace {

namespace ci = cv::interp;

//! N maps of equal size as one float32 array: H x W for one map, N x H x W for several.
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

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct SaliencyOptions
{
    std::string method = "gradient", layer, baseline = "zero", rawGrad, raw, out, overlay, gradImage, sanity;
    int samples = 25, seed = 0, steps = 50, batch = 16, threads = 0, benchRuns = 0;
    double noise = 0.15, alpha = 0.5, clip = 100;

    void add(cli::po::options_description& d)
    {
        d.add_options()
            ("method", cli::po::value(&method)->default_value("gradient"),
             "gradient | input-x-gradient | guided | deconvnet | gradcam | guided-gradcam | smoothgrad | ig")
            ("layer", cli::po::value(&layer), "Grad-CAM layer (default: the output of the last convolutional block)")
            ("samples", cli::po::value(&samples)->default_value(25), "SmoothGrad: noisy copies per image")
            ("noise", cli::value(&noise, 0.15), "SmoothGrad: noise sigma as a fraction of the input range")
            ("seed", cli::po::value(&seed)->default_value(0), "SmoothGrad: noise seed; sanity check: random-weight seed")
            ("steps", cli::po::value(&steps)->default_value(50), "Integrated Gradients: steps (trapezoid rule, steps + 1 points)")
            ("baseline", cli::po::value(&baseline)->default_value("zero"),
             "Integrated Gradients: zero | blur | mean | FILE.npy (1 x C x H x W or N x C x H x W blob)")
            ("batch", cli::po::value(&batch)->default_value(8),
             "SmoothGrad / IG: most copies per forward-backward pass (fewer when their tape would exceed 96 MB)")
            ("raw-grad", cli::po::value(&rawGrad), "write the attribution before channel reduction as float32 .npy "
                                                   "(shape of the blob; for gradient/guided/deconvnet d target / d input; "
                                                   "for gradcam N x 1 x H x W)")
            ("raw", cli::po::value(&raw), "write the map as float32 .npy, H x W or N x H x W (for gradcam: at the "
                                          "layer's resolution, before upsampling)")
            ("out", cli::po::value(&out), "write the map as an 8-bit image (its minimum black, its maximum or --clip percentile white)")
            ("overlay", cli::po::value(&overlay), "write the heatmap over the original image(s)")
            ("gradient-image", cli::po::value(&gradImage), "write the attribution as an image as guided-backprop "
                                                           "figures show it: mean at mid-gray, +-5 std at black / white")
            ("alpha", cli::value(&alpha, 0.5), "--overlay: weight of the heatmap, 0..1")
            ("clip", cli::po::value(&clip)->default_value(100), "--out/--overlay: percentile shown at full strength")
            ("sanity-check", cli::po::value(&sanity), "cascading randomisation (Adebayo et al. 2018): write the maps "
                                                      "per level (trained, then one more layer randomised from the top "
                                                      "per column) and print the Spearman correlations")
            ("threads", cli::po::value(&threads), "number of threads (cv::setNumThreads)")
            ("bench", cli::po::value(&benchRuns), "time the attribution N more times after a warm-up");
    }

    ci::AttributionParams params() const
    {
        ci::AttributionParams p;
        try
        {
            p.method = ci::parseAttributionMethod(method);
        }
        catch (const cv::Exception&)
        {
            throw cli::UsageError("unknown --method '" + method + "': use gradient, input-x-gradient, guided, deconvnet, "
                                  "gradcam, guided-gradcam, smoothgrad or ig");
        }
        p.gradCam.layer = layer;
        p.smoothGrad.samples = samples;
        p.smoothGrad.noiseLevel = noise;
        p.smoothGrad.seed = seed;
        p.smoothGrad.batchSize = batch;
        p.integratedGradients.steps = steps;
        p.integratedGradients.batchSize = batch;
        if (endsWith(baseline, ".npy"))
        {
            p.integratedGradients.baseline = ci::BASELINE_CUSTOM;
            p.integratedGradients.baselineBlob = ci::readNpy(baseline);
        }
        else if (baseline == "zero" || baseline == "blur" || baseline == "mean")
            p.integratedGradients.baseline = ci::parseBaseline(baseline);
        else
            throw cli::UsageError("unknown --baseline '" + baseline + "': use zero, blur, mean or a .npy file");
        if (samples < 1 || steps < 1 || batch < 1)
            throw cli::UsageError("--samples, --steps and --batch must be at least 1");
        if (!(alpha >= 0 && alpha <= 1))
            throw cli::UsageError("--alpha must be in [0, 1]");
        if (!(clip > 0 && clip <= 100))
            throw cli::UsageError("--clip must be a percentile in (0, 100]");
        return p;
    }
};

//! The original image of sample n (the network-sized image for --input-npy inputs).
cv::Mat originalImage(const cli::Input& in, int n, bool& original)
{
    original = n < (int)in.images.size();
    return original ? in.images[n] : in.networkImage(n);
}

void writeSanityFigure(const std::string& path, const ci::RandomizationResult& r, double clip)
{
    std::vector<cv::Mat> tiles;
    for (const cv::Mat& m : r.maps)
        tiles.push_back(ci::heatmap(m, cv::COLORMAP_JET, clip));
    ci::writeImage(path, ci::tileImages(tiles));
}

int runSaliency(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    cli::InputOptions input;
    cli::TargetOptions target;
    SaliencyOptions opt;
    cli::po::options_description d("saliency options");
    model.add(d);
    input.add(d);
    target.add(d);
    opt.add(d);
    cli::po::variables_map vm;
    if (!cli::parse("saliency", args, d, vm, "[MODEL] [INPUT] [TARGET] --method M [--raw-grad G.npy] [--raw MAP.npy] "
                                             "[--out MAP.png] [--overlay OVERLAY.png]"))
        return 0;
    cli::applyThreads(opt.threads);
    const ci::AttributionParams params = opt.params();
    const cli::Model m = model.open(input.blobSize());
    const ci::ModelInfo& info = m.info;
    const cv::Ptr<ci::Explainer>& ex = m.explainer;
    cli::Input in = input.load(info);

    std::vector<ci::Target> targets = target.resolve(ex, ex->forward(in.blob));
    ci::Attribution a = ci::attribute(ex, in.blob, targets, params);
    cli::bench(opt.method, opt.benchRuns, [&]() { ci::attribute(ex, in.blob, targets, params); });

    for (int n = 0; n < in.blob.size[0]; n++)
    {
        const ci::Target& t = targets[targets.size() == 1 ? 0 : n];
        std::cout << "sample " << n << (in.paths.empty() ? "" : " (" + in.paths[n] + ")") << ": " << opt.method
                  << " of " << t.describe();
        if (t.kind == ci::Target::CLASS)
            std::cout << " [" << info.className(t.index) << "]";
        std::cout << ", score " << a.scores[n];
        if (!a.layer.empty())
            std::cout << ", layer '" << a.layer << "' (" << a.layerMaps[n].rows << "x" << a.layerMaps[n].cols << ")";
        if (!a.completenessErrors.empty())
            std::cout << ", f(baseline) " << a.baselineScores[n] << ", completeness error " << a.completenessErrors[n]
                      << " (" << std::setprecision(3)
                      << 100.0 * a.completenessErrors[n] / std::max(1e-12, std::abs(a.scores[n] - a.baselineScores[n]))
                      << "% of |f(x) - f(baseline)|)" << std::setprecision(6);
        std::cout << ", map max " << cv::norm(a.maps[n], cv::NORM_INF) << std::endl;
    }

    if (!opt.rawGrad.empty())
        ci::writeNpy(opt.rawGrad, a.attribution);
    if (!opt.raw.empty())  // Grad-CAM: the map at the layer's resolution; guided Grad-CAM has an input-sized map
        ci::writeNpy(opt.raw, stack(a.method == ci::ATTRIBUTION_GRADCAM ? a.layerMaps : a.maps));
    if (!opt.out.empty())
    {
        std::vector<cv::Mat> imgs;
        for (const cv::Mat& m : a.maps)
            imgs.push_back(ci::mapToGray(m, 0, opt.clip));
        ci::writeImage(opt.out, cli::tileHorizontally(imgs));
    }
    if (!opt.overlay.empty())
    {
        std::vector<cv::Mat> imgs;
        for (int n = 0; n < (int)a.maps.size(); n++)
        {
            bool original;
            cv::Mat img = originalImage(in, n, original);
            imgs.push_back(original ? ci::overlayOnOriginal(img, a.maps[n], in.prep, opt.alpha, cv::COLORMAP_JET, opt.clip)
                                    : ci::overlayHeatmap(img, a.maps[n], opt.alpha, cv::COLORMAP_JET, opt.clip));
        }
        bool sameSize = true;
        for (const cv::Mat& m : imgs)
            sameSize = sameSize && m.size() == imgs[0].size();
        if (!sameSize)
            CV_Error(cv::Error::StsBadSize, "--overlay with several images of different sizes: run one image at a time");
        ci::writeImage(opt.overlay, ci::tileImages(imgs));
    }
    if (!opt.gradImage.empty())
    {
        std::vector<cv::Mat> imgs;
        for (int n = 0; n < a.attribution.size[0]; n++)
            imgs.push_back(ci::gradientImage(a.attribution, n, 0.1, in.prep.swapRB));
        ci::writeImage(opt.gradImage, ci::tileImages(imgs));
    }
    if (!opt.sanity.empty())
    {
        ci::RandomizationResult r = ci::cascadingRandomization(ex, in.blob, targets, params,
                                                               opt.seed);
        std::cout << "sanity check (" << opt.method << "): level 0 = trained, Spearman correlation with the trained map"
                  << " (mean over " << in.blob.size[0] << " image(s))" << std::endl;
        for (size_t l = 0; l < r.meanCorrelation.size(); l++)
            std::cout << "  level " << l << (l ? " + " + r.layers[l - 1] : std::string(" trained")) << ": "
                      << std::fixed << std::setprecision(3) << r.meanCorrelation[l] << std::defaultfloat << std::endl;
        for (const cv::String& s : r.skippedLayers)
            std::cout << "  not randomised (its weights cannot be changed after loading): " << s << std::endl;
        writeSanityFigure(opt.sanity, r, opt.clip);
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(saliency, "saliency", "attribution maps: gradient, input x gradient, guided backprop, deconvnet, "
                                         "Grad-CAM, guided Grad-CAM, SmoothGrad, Integrated Gradients", runSaliency);
