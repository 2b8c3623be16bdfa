// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp occlusion: occlusion sensitivity (Zeiler & Fergus 2014), by incremental re-inference (default) or plain
// batched re-inference (--naive).
#include "cli.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace {

namespace ci = cv::interp;

//! Drop map -> BGR colour image: positive drops scaled by the largest one (JET), negative drops as 0.
cv::Mat colourMap(const cv::Mat& map, double maxDrop)
{
    cv::Mat pos = cv::max(map, 0.0), u8, bgr;
    pos.convertTo(u8, CV_8U, maxDrop > 0 ? 255.0 / maxDrop : 0.0);
    cv::applyColorMap(u8, bgr, cv::COLORMAP_JET);
    return bgr;
}

cv::Mat stack(const std::vector<cv::Mat>& grids)
{
    if (grids.size() == 1)
        return grids[0];
    int sz[] = { (int)grids.size(), grids[0].rows, grids[0].cols };
    cv::Mat out(3, sz, CV_32F);
    for (size_t i = 0; i < grids.size(); i++)
        grids[i].copyTo(cv::Mat(grids[0].rows, grids[0].cols, CV_32F, out.ptr<float>((int)i)));
    return out;
}

//! Images side by side, scaled to the height of the first.
cv::Mat tile(const std::vector<cv::Mat>& images)
{
    std::vector<cv::Mat> same;
    for (const cv::Mat& m : images)
    {
        if (m.rows == images[0].rows)
            same.push_back(m);
        else
        {
            cv::Mat r;
            cv::resize(m, r, cv::Size(std::max(1, m.cols * images[0].rows / m.rows), images[0].rows));
            same.push_back(r);
        }
    }
    return cli::tileHorizontally(same);
}

std::vector<int> parseClasses(const std::string& s)
{
    std::vector<int> out;
    for (double v : cli::parseNumbers(s, "classes"))
    {
        if (v < 0 || v != (int)v)
            throw cli::UsageError("--classes takes non-negative integers or 'all', got '" + s + "'");
        out.push_back((int)v);
    }
    return out;
}

int runOcclusion(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    cli::InputOptions input;
    cli::TargetOptions target;
    std::string fill, score = "prob", classes, raw, out, overlay;
    double fillValue = 0, blurSigma = 0;
    int window = 16, stride = 8, threads = 0, benchRuns = 0, batch = 0;
    bool naive = false, showPlan = false;
    cli::po::options_description d("occlusion options");
    model.add(d);
    input.add(d);
    target.add(d);
    d.add_options()
        ("window,k", cli::po::value(&window)->default_value(16), "side of the occluding square, in network-input pixels")
        ("stride,s", cli::po::value(&stride)->default_value(8), "step between square positions")
        ("fill", cli::po::value(&fill), "what the square shows: gray (default; RGB 127.5 through the preprocessing), "
                                        "mean (the image's mean colour), blur (a blurred copy), or an R,G,B colour")
        ("fill-value", cli::po::value(&fillValue), "fill with this constant in blob units (for --input-npy inputs)")
        ("blur-sigma", cli::po::value(&blurSigma), "Gaussian sigma of --fill blur (default: window / 2)")
        ("score", cli::po::value(&score)->default_value("prob"), "prob (softmax probability) or logit (pre-softmax score)")
        ("classes", cli::po::value(&classes), "several classes: K1,K2,... or 'all' (instead of --class)")
        ("raw", cli::po::value(&raw), "write the score grid as float32 .npy: rows x cols, or targets x rows x cols")
        ("out", cli::po::value(&out), "write the per-pixel drop map (network-input size) as a colour image")
        ("overlay", cli::po::value(&overlay), "write the drop map over the input image")
        ("naive", cli::po::bool_switch(&naive), "plain batched re-inference instead of the incremental engine")
        ("batch", cli::po::value(&batch), "window positions per batch (default: from a memory budget)")
        ("plan", cli::po::bool_switch(&showPlan), "print what the incremental engine recomputes per layer")
        ("threads", cli::po::value(&threads), "number of threads (cv::setNumThreads)")
        ("bench", cli::po::value(&benchRuns), "time the occlusion N more times after a warm-up");
    cli::po::variables_map vm;
    if (!cli::parse("occlusion", args, d, vm,
                    "[MODEL] [INPUT] [TARGET] --window K --stride S [--fill gray|mean|blur|R,G,B | --fill-value V] "
                    "[--score prob|logit] [--raw GRID.npy] [--out MAP.png] [--overlay FILE] [--naive] [--bench N]"))
        return 0;
    cli::applyThreads(threads);
    if (window < 1)
        throw cli::UsageError("--window must be at least 1");
    if (stride < 1)
        throw cli::UsageError("--stride must be at least 1");
    if (batch < 0)
        throw cli::UsageError("--batch must be positive");
    if (target.isNeuron())
        throw cli::UsageError("occlusion maps class scores: use --class (and --output-layer), not --neuron");
    if (!classes.empty() && target.cls >= 0)
        throw cli::UsageError("give either --class or --classes, not both");
    if (vm.count("fill") && vm.count("fill-value"))
        throw cli::UsageError("give either --fill or --fill-value, not both");

    const cli::Model m = model.open(input.blobSize());
    const ci::ModelInfo& info = m.info;
    const cv::Ptr<ci::Explainer>& ex = m.explainer;
    cli::Input in = input.load(info);
    const int C = in.blob.size[1];

    ci::OcclusionParams p;
    p.window = window;
    p.stride = stride;
    p.batchSize = batch;
    p.engine = naive ? ci::OCCLUSION_ENGINE_BATCHED : ci::OCCLUSION_ENGINE_AUTO;
    p.layer = target.outputLayer;
    if (score == "prob")
        p.score = ci::OCCLUSION_SCORE_PROB;
    else if (score == "logit")
        p.score = ci::OCCLUSION_SCORE_LOGIT;
    else
        throw cli::UsageError("unknown --score '" + score + "': use prob or logit");
    if (vm.count("fill-value"))
    {
        p.fill = ci::OCCLUSION_FILL_CONSTANT;
        p.fillValue = fillValue;
    }
    else if (fill.empty() || fill == "gray" || fill == "grey")
    {
        p.fill = ci::OCCLUSION_FILL_COLOR;
        p.fillColor = ci::occlusionFillColor(in.prep, cv::Scalar::all(127.5), C == 1 ? 1 : 3);
    }
    else if (fill == "mean")
        p.fill = ci::OCCLUSION_FILL_MEAN;
    else if (fill == "blur")
    {
        p.fill = ci::OCCLUSION_FILL_BLUR;
        p.blurSigma = blurSigma;
    }
    else
    {
        std::vector<double> rgb = cli::parseNumbers(fill, "fill");
        if (rgb.size() != 3)
            throw cli::UsageError("--fill takes gray, mean, blur or an R,G,B colour, got '" + fill + "'");
        p.fill = ci::OCCLUSION_FILL_COLOR;
        p.fillColor = ci::occlusionFillColor(in.prep, cv::Scalar(rgb[0], rgb[1], rgb[2]), C);
    }
    if (vm.count("blur-sigma") && p.fill != ci::OCCLUSION_FILL_BLUR)
        throw cli::UsageError("--blur-sigma needs --fill blur");
    if (classes == "all")
        p.allClasses = true;
    else if (!classes.empty())
        p.classes = parseClasses(classes);
    else if (target.cls >= 0)
        p.classes = std::vector<int>(1, target.cls);

    cv::Ptr<ci::Occlusion> occ = ci::Occlusion::create(ex);
    if (showPlan)
    {
        const std::vector<ci::OcclusionLayerPlan> plan = occ->plan(in.blob, p);
        size_t wn = 4, wt = 4;  // column widths: the longest name and type, plus a space
        for (const ci::OcclusionLayerPlan& l : plan)
        {
            wn = std::max(wn, l.name.size() + 1);
            wt = std::max(wt, l.type.size() + 1);
        }
        std::cout << "incremental plan (window " << window << ", stride " << stride << "):\n";
        for (const ci::OcclusionLayerPlan& l : plan)
            std::cout << "  " << std::left << std::setw((int)wn) << l.name << std::setw((int)wt) << l.type << std::setw(10)
                      << l.geometry << l.region.width << "x" << l.region.height << " of " << l.outputSize.width << "x"
                      << l.outputSize.height << (l.full ? " (full)" : "") << (l.note.empty() ? "" : ": " + l.note)
                      << "\n";
    }

    // the bar's clock starts now (it appears once the computation has taken a second), not at the first report
    const int H = in.blob.dims == 4 ? in.blob.size[2] : 0, W = in.blob.dims == 4 ? in.blob.size[3] : 0;
    const size_t positions = window <= H && window <= W ? (size_t)((H - window) / stride + 1) * ((W - window) / stride + 1) : 0;
    cli::Progress bar("occlusion", positions, "windows");
    std::vector<ci::OcclusionResult> results = occ->compute(in.blob, p, [&](int done, int) {
        bar.update((size_t)done);
        return true;
    });
    bar.finish();
    const int engine = results.empty() ? p.engine : results[0].engine;
    cli::bench(engine == ci::OCCLUSION_ENGINE_INCREMENTAL ? "occlusion-incremental" : "occlusion-batched", benchRuns,
               [&]() { occ->compute(in.blob, p); });

    std::vector<cv::Mat> grids, maps;
    double maxDrop = 0;
    for (const ci::OcclusionResult& r : results)
    {
        double mn, mx;
        cv::Point at;
        cv::minMaxLoc(r.drop, &mn, &mx, nullptr, &at);
        maxDrop = std::max(maxDrop, mx);
        std::cout << std::defaultfloat << std::setprecision(4) << "sample " << r.sample
                  << (in.paths.empty() ? "" : " (" + in.paths[r.sample] + ")") << ": class " << r.classIndex << " ["
                  << info.className(r.classIndex) << "] " << (p.score == ci::OCCLUSION_SCORE_PROB ? "probability " : "score ")
                  << r.baseline << "; " << r.scores.rows << " x " << r.scores.cols << " positions, largest drop " << mx
                  << " with the square at x=" << at.x * stride << " y=" << at.y * stride << " ("
                  << (r.engine == ci::OCCLUSION_ENGINE_INCREMENTAL ? "incremental" : "batched") << ")" << std::endl;
        grids.push_back(r.scores);
        maps.push_back(r.map);
    }
    if (!raw.empty())
        ci::writeNpy(raw, stack(grids));
    if (!out.empty())
    {
        std::vector<cv::Mat> imgs;
        for (const cv::Mat& m : maps)
            imgs.push_back(colourMap(m, maxDrop));
        ci::writeImage(out, tile(imgs));
    }
    if (!overlay.empty())
    {
        std::vector<cv::Mat> imgs;
        for (size_t i = 0; i < results.size(); i++)
        {
            const int n = results[i].sample;
            cv::Mat base = in.images.empty() ? in.networkImage(n) : in.images[n];
            cv::Mat m = in.images.empty() ? maps[i] : in.prep.mapToImage(maps[i], base.size(), 0);
            if (base.channels() == 1)
                cv::cvtColor(base, base, cv::COLOR_GRAY2BGR);
            cv::Mat blended;
            cv::addWeighted(base, 0.5, colourMap(m, maxDrop), 0.5, 0, blended);
            imgs.push_back(blended);
        }
        ci::writeImage(overlay, tile(imgs));
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(occlusion, "occlusion", "occlusion sensitivity maps (incremental or batched re-inference)", runOcclusion);
