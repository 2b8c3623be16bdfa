// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp visualize: synthetic images that maximise a class score, a neuron, a channel or a layer's norm
// (feature visualisation by gradient ascent with regularisers; DeepDream from a real image).
#include "cli.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/dnn/shape_utils.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace {

namespace interp = cv::interp;

//! "Ankle boot" -> "ankle_boot", for file names.
std::string slug(const std::string& s)
{
    std::string out;
    for (char c : s)
    {
        if (std::isalnum((unsigned char)c))
            out += (char)std::tolower((unsigned char)c);
        else if (!out.empty() && out.back() != '_')
            out += '_';
    }
    while (!out.empty() && out.back() == '_')
        out.pop_back();
    return out.empty() ? "class" : out;
}

/** Images in a grid, each with its label underneath, on a white background. `row[i]` / `col[i]` give the cell of
image i (all images have the size of the first). */
cv::Mat contactSheet(const std::vector<cv::Mat>& images, const std::vector<std::string>& labels, const std::vector<int>& row,
                     const std::vector<int>& col)
{
    CV_Assert(!images.empty() && images.size() == labels.size() && row.size() == images.size() && col.size() == images.size());
    const int w = images[0].cols, h = images[0].rows, pad = 4, text = 16;
    const int rows = *std::max_element(row.begin(), row.end()) + 1, cols = *std::max_element(col.begin(), col.end()) + 1;
    cv::Mat sheet(rows * (h + text + pad) + pad, cols * (w + pad) + pad, CV_8UC3, cv::Scalar::all(255));
    for (size_t i = 0; i < images.size(); i++)
    {
        const int x = pad + col[i] * (w + pad), y = pad + row[i] * (h + text + pad);
        cv::Mat img = images[i];
        if (img.channels() == 1)
            cv::cvtColor(img, img, cv::COLOR_GRAY2BGR);
        img.copyTo(sheet(cv::Rect(x, y, w, h)));
        std::string label = labels[i];
        int base = 0;
        const double scale = 0.4;
        cv::Size ts = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
        while (ts.width > w && label.size() > 4)
        {
            label = label.substr(1);  // keep the end: the channel number, or the end of the name
            ts = cv::getTextSize(".." + label, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
            if (ts.width <= w)
                label = ".." + label;
        }
        cv::putText(sheet, label, cv::Point(x + std::max(0, (w - ts.width) / 2), y + h + text - 4),
                    cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar::all(0), 1, cv::LINE_AA);
    }
    return sheet;
}

//! Number of class scores of the class-score layer (or `layer`) for the given input.
int classCount(const interp::Explainer& ex, const std::string& layer, const interp::MatShape& input)
{
    const int idx = layer.empty() ? ex.graph().scoreLayer() : ex.graph().require(layer);
    std::vector<std::vector<interp::MatShape> > shapes;
    ex.graph().outputShapes(input, shapes);
    const interp::MatShape& s = shapes.at(idx).at(0);
    return (int)(cv::dnn::total(s) / std::max(1, s[0]));
}

//! Softmax probability of class k for each sample, when the network has a softmax output; else empty.
std::vector<double> probabilities(const interp::Explainer& ex, const cv::Mat& blob, const std::vector<int>& cls)
{
    const interp::Graph& g = ex.graph();
    if (g.scoreLayer() == g.outputLayer())
        return std::vector<double>();
    cv::Ptr<interp::Tape> tape = ex.forward(blob);
    const cv::Mat& out = tape->outputs(g.outputLayer())[0];
    const int N = blob.size[0];
    const size_t per = out.total() / N;
    std::vector<double> p;
    for (int n = 0; n < N; n++)
        p.push_back(cls[n] >= 0 && (size_t)cls[n] < per ? out.ptr<float>()[n * per + cls[n]] : -1.0);
    return p;
}

int runVisualize(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    int cls = -1, threads = 0, benchRuns = 0;
    std::vector<std::string> channels;
    std::string neuron, deepdream, outputLayer, init = "noise", optimizer, out, imageSize, history;
    bool allClasses = false, strong = false, noDecorrelate = false, rawScore = false;
    cli::po::options_description d("visualize options");
    model.add(d);
    d.add_options()
        ("class,c", cli::po::value(&cls), "maximise class K (pre-softmax score)")
        ("neuron", cli::po::value(&neuron), "maximise LAYER:CH:Y:X (one neuron) or LAYER:CH (the channel's mean)")
        ("channels", cli::po::value(&channels)->multitoken(),
         "LAYER:C1,C2,... [LAYER2:...] one image per channel (its mean) into the directory --out, plus "
         "contact_sheet.png with one row per layer")
        ("deepdream", cli::po::value(&deepdream), "maximise the squared L2 norm of LAYER (needs --init FILE)")
        ("all-classes", cli::po::bool_switch(&allClasses), "one image per class into the directory --out, plus contact_sheet.png")
        ("output-layer", cli::po::value(&outputLayer), "layer holding the class scores (default: pre-softmax scores)")
        ("raw-score", cli::po::bool_switch(&rawScore), "with --class / --all-classes: maximise the pre-softmax score "
                                                       "(Simonyan et al.) instead of the class log-probability (the "
                                                       "default: it also pushes the other classes down, so the image is "
                                                       "classified as its class)")
        ("iterations,n", cli::po::value<int>(), "gradient steps per octave (default 128)")
        ("lr", cli::po::value<double>(), "learning rate (default 0.05)")
        ("optimizer", cli::po::value(&optimizer), "adam (default) or normalized (x += lr * g / mean|g|)")
        ("init", cli::po::value(&init), "noise (= gaussian: seeded noise around the mean colour, default), uniform, "
                                        "zeros (the flat mean colour; can have a zero gradient), or an image FILE")
        ("init-noise", cli::po::value<double>(), "noise amplitude in grey levels for uniform/gaussian (default 20)")
        ("seed", cli::po::value<int>(), "seed of the noise and the random transformations (default 0)")
        ("l2", cli::po::value<double>(), "L2 decay weight")
        ("blur-every", cli::po::value<int>(), "Gaussian blur every K steps")
        ("blur-sigma", cli::po::value<double>(), "sigma of that blur in pixels (default 0.5)")
        ("clip-norm", cli::po::value<double>(), "each step, reset pixels whose norm is below this percentile")
        ("clip-contribution", cli::po::value<double>(), "each step, reset pixels whose contribution is below this percentile")
        ("jitter", cli::po::value<int>(), "random translation of up to P pixels each step")
        ("tv", cli::po::value<double>(), "total variation weight")
        ("scale-jitter", cli::po::value<double>(), "random scale in [1-S, 1+S] each step")
        ("rotate", cli::po::value<double>(), "random rotation in [-D, D] degrees each step")
        ("fourier", cli::po::bool_switch(), "optimise decorrelated Fourier coefficients (Olah et al. 2017)")
        ("no-decorrelate", cli::po::bool_switch(&noDecorrelate), "with --fourier: no colour decorrelation")
        ("strong", cli::po::bool_switch(&strong), "the strong setting: --fourier --jitter 4 --scale-jitter 0.05 --rotate 5 "
                                                  "(explicit options override it)")
        ("image-size", cli::po::value(&imageSize), "size W,H of the result (default: the network input size)")
        ("octaves", cli::po::value<int>(), "multi-octave upscaling: number of octaves (default 1)")
        ("octave-scale", cli::po::value<double>(), "size ratio between octaves (default 1.4)")
        ("history", cli::po::value(&history), "write the objective of every step as CSV (step,sample,objective)")
        ("out,o", cli::po::value(&out), "output image (.png), or directory with --all-classes")
        ("threads", cli::po::value(&threads), "number of threads (cv::setNumThreads)")
        ("bench", cli::po::value(&benchRuns), "time N more steps after a warm-up (prints the median step time)");
    cli::po::variables_map vm;
    if (!cli::parse("visualize", args, d, vm,
                    "[--model M] (--class K | --neuron LAYER:CH[:Y:X] | --channels LAYER:C1,C2,.. | --deepdream LAYER | "
                    "--all-classes) [--iterations N] "
                    "[--lr A] [--init zeros|noise|FILE] [--l2 W] [--blur-every K --blur-sigma S] [--jitter P] [--tv W] "
                    "[--fourier] [--strong] [--seed S] --out IMG.png|DIR"))
        return 0;
    cli::applyThreads(threads);
    const int modes = (cls >= 0) + !neuron.empty() + !channels.empty() + !deepdream.empty() + allClasses;
    if (modes != 1)
        throw cli::UsageError("give exactly one of --class, --neuron, --channels, --deepdream and --all-classes");
    const bool toDirectory = allClasses || !channels.empty();
    if (out.empty() && benchRuns <= 0)
        throw cli::UsageError("--out is required");
    if ((!outputLayer.empty() || rawScore) && !neuron.empty() + !channels.empty() + !deepdream.empty() > 0)
        throw cli::UsageError("--output-layer and --raw-score go with --class or --all-classes");

    interp::SynthesisParams p = strong ? interp::SynthesisParams::strong() : interp::SynthesisParams();
    auto opt = [&](const char* name) { return vm.count(name) > 0; };
    if (opt("iterations")) p.iterations = vm["iterations"].as<int>();
    if (opt("lr")) p.learningRate = vm["lr"].as<double>();
    if (opt("init-noise")) p.initNoise = vm["init-noise"].as<double>();
    if (opt("seed")) p.seed = vm["seed"].as<int>();
    if (opt("l2")) p.l2 = vm["l2"].as<double>();
    if (opt("blur-every")) p.blurEvery = vm["blur-every"].as<int>();
    if (opt("blur-sigma")) p.blurSigma = vm["blur-sigma"].as<double>();
    if (opt("clip-norm")) p.clipNormPercentile = vm["clip-norm"].as<double>();
    if (opt("clip-contribution")) p.clipContributionPercentile = vm["clip-contribution"].as<double>();
    if (opt("jitter")) p.jitter = vm["jitter"].as<int>();
    if (opt("tv")) p.tv = vm["tv"].as<double>();
    if (opt("scale-jitter")) p.scaleJitter = vm["scale-jitter"].as<double>();
    if (opt("rotate")) p.rotation = vm["rotate"].as<double>();
    if (opt("octaves")) p.octaves = vm["octaves"].as<int>();
    if (opt("octave-scale")) p.octaveScale = vm["octave-scale"].as<double>();
    if (vm["fourier"].as<bool>()) p.fourier = true;
    if (noDecorrelate) p.decorrelate = false;
    if (!optimizer.empty())
    {
        if (optimizer == "adam")
            p.optimizer = interp::SYNTHESIS_ADAM;
        else if (optimizer == "normalized" || optimizer == "normalised")
            p.optimizer = interp::SYNTHESIS_NORMALIZED_GRADIENT;
        else
            throw cli::UsageError("unknown --optimizer '" + optimizer + "': use adam or normalized");
    }
    if (init == "zeros")
        p.init = interp::SYNTHESIS_INIT_ZEROS;
    else if (init == "uniform")
        p.init = interp::SYNTHESIS_INIT_UNIFORM;
    else if (init == "gaussian" || init == "noise")
        p.init = interp::SYNTHESIS_INIT_GAUSSIAN;
    else
    {
        p.init = interp::SYNTHESIS_INIT_IMAGE;
        p.initImage = cv::imread(init, cv::IMREAD_COLOR);
        if (p.initImage.empty())
            CV_Error(cv::Error::StsError, "cannot read the start image '" + init + "': use zeros, uniform, gaussian, "
                                          "noise or an existing image file");
    }
    if (!deepdream.empty() && p.init != interp::SYNTHESIS_INIT_IMAGE)
        throw cli::UsageError("--deepdream starts from a real image: give --init FILE");
    if (!imageSize.empty())
        p.imageSize = cli::parseSize(imageSize, "image-size");

    const cli::Model m = model.open(p.imageSize);
    const interp::ModelInfo& info = m.info;
    const interp::Preprocessing& prep = info.preprocessing;
    const cv::Ptr<interp::Explainer>& ex = m.explainer;

    // The objective: one term, or one class per sample.
    std::vector<interp::Target> terms;
    std::vector<int> classes;
    std::vector<std::string> sheetLabels;  // contact sheet of --channels: label, row and column of each image
    std::vector<int> sheetRow, sheetCol;
    if (allClasses)
    {
        const cv::Size in = prep.size.area() > 0 ? prep.size : p.imageSize;
        const int K = classCount(*ex, outputLayer, interp::MatShape{ 1, p.channels, in.height, in.width });
        p.batch = K;
        for (int k = 0; k < K; k++)
        {
            const interp::Target t = !rawScore ? interp::Target::classLogProbability(k, outputLayer)
                                               : interp::Target::classScore(k, outputLayer);
            terms.push_back(t.forSample(k));
            classes.push_back(k);
        }
    }
    else if (cls >= 0)
    {
        terms.push_back(!rawScore ? interp::Target::classLogProbability(cls, outputLayer)
                                  : interp::Target::classScore(cls, outputLayer));
        classes.push_back(cls);
    }
    else if (!neuron.empty())
    {
        // LAYER:C maximises the channel's mean (its sum would favour large maps); LAYER:C:Y:X one neuron.
        interp::Target t = interp::parseTarget(neuron);
        if (t.kind == interp::Target::CHANNEL)
            t = interp::Target::channelMean(t.layer, t.index);
        terms.push_back(t);
    }
    else if (!channels.empty())
    {
        for (size_t g = 0; g < channels.size(); g++)
        {
            const std::string& spec = channels[g];
            const size_t colon = spec.rfind(':');
            if (colon == std::string::npos || colon == 0)
                throw cli::UsageError("--channels takes LAYER:C1,C2,... (e.g. conv2:0,1,2,3), got '" + spec + "'");
            const std::string layer = spec.substr(0, colon);
            int k = 0;
            for (double c : cli::parseNumbers(spec.substr(colon + 1), "channels"))
            {
                if (c < 0 || c != (int)c)
                    throw cli::UsageError("--channels: channel numbers must be integers >= 0");
                terms.push_back(interp::Target::channelMean(layer, (int)c).forSample((int)terms.size()));
                sheetLabels.push_back(cv::format("%s:%d", layer.c_str(), (int)c));
                sheetRow.push_back((int)g);
                sheetCol.push_back(k++);
            }
        }
        p.batch = (int)terms.size();
    }
    else
        terms.push_back(interp::Target::layerNorm(deepdream));

    cv::Ptr<interp::Synthesizer> synth = interp::Synthesizer::create(ex, terms, prep, p);
    if (benchRuns > 0)
    {
        interp::SynthesisParams q = p;
        q.iterations = benchRuns + 2;
        q.octaves = 1;
        cv::Ptr<interp::Synthesizer> b = interp::Synthesizer::create(ex, terms, prep, q);
        cli::bench("visualize", benchRuns, [&]() { b->step(); });
        if (out.empty())
            return 0;
    }
    const size_t total = (size_t)p.iterations * p.octaves;
    cli::Progress progress("visualize", total, "steps");
    interp::SynthesisResult r = synth->run([&](int it, const std::vector<double>&) {
        progress.update((size_t)it + 1);
        return true;
    });
    progress.finish();

    std::vector<double> prob;
    if (!classes.empty())
    {
        // Probabilities of the 8-bit results as saved (what a reader of the image gets).
        prob = probabilities(*ex, prep.toBlob(r.images), classes.size() == 1 ? std::vector<int>(r.images.size(), classes[0])
                                                                                : classes);
    }
    for (size_t n = 0; n < r.images.size(); n++)
    {
        const interp::Target& t = terms[terms.size() == 1 ? 0 : n];
        std::ostringstream s;
        s << t.describe();
        if (t.isClass())
            s << " [" << info.className(t.index) << "]";
        s << ": objective " << std::setprecision(4) << r.initialObjective[n] << " -> " << r.finalObjective[n];
        if (!prob.empty() && prob[n] >= 0)
            s << ", p = " << std::fixed << std::setprecision(3) << prob[n];
        std::cout << s.str() << std::endl;
        if (allClasses)
        {
            sheetLabels.push_back(cv::format("%d %s", (int)n, info.className((int)n).c_str()));
            sheetRow.push_back((int)n / 5);
            sheetCol.push_back((int)n % 5);
        }
    }
    if (!r.warning().empty())
        std::cerr << "interp visualize: warning: " << r.warning() << std::endl;
    if (!history.empty())
    {
        std::ostringstream csv;
        csv << "step,sample,objective\n" << std::setprecision(9);
        for (int i = 0; i < r.history.rows; i++)
            for (int n = 0; n < r.history.cols; n++)
                csv << i << "," << n << "," << r.history.at<double>(i, n) << "\n";
        interp::writeFileAtomic(history, csv.str());
    }
    if (toDirectory)
    {
        if (!cv::utils::fs::createDirectories(out))
            CV_Error(cv::Error::StsError, "cannot create the output directory '" + out + "'");
        for (size_t n = 0; n < r.images.size(); n++)
        {
            const std::string file = allClasses ? cv::format("class_%02d_%s.png", (int)n, slug(info.className((int)n)).c_str())
                                                : cv::format("%s_channel_%03d.png", slug(terms[n].layer).c_str(),
                                                             terms[n].index);  // layers may share channel numbers
            interp::writeImage(cv::utils::fs::join(out, file), r.images[n]);
        }
        interp::writeImage(cv::utils::fs::join(out, "contact_sheet.png"),
                           contactSheet(r.images, sheetLabels, sheetRow, sheetCol));
        std::cout << "wrote " << r.images.size() << " images and contact_sheet.png to " << out << std::endl;
    }
    else
    {
        interp::writeImage(out, r.images[0]);
        std::cout << "wrote " << out << std::endl;
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(visualize, "visualize", "synthetic images that maximise a class, neuron or channel (gradient ascent)",
                   runVisualize);
