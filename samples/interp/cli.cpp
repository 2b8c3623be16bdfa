// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "cli.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace cli {

std::vector<Command>& commands()
{
    static std::vector<Command> c;
    return c;
}

bool parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& vm, const std::string& usage, const po::positional_options_description* positional)
{
    po::options_description all(options);
    all.add_options()("help,h", "show this help");
    try
    {
        po::command_line_parser parser(args);
        parser.options(all);
        if (positional)
            parser.positional(*positional);
        po::store(parser.run(), vm);
        if (vm.count("help"))
        {
            std::cout << "usage: interp " << command << " " << usage << "\n\n" << all << std::endl;
            return false;
        }
        po::notify(vm);
    }
    catch (const po::error& e)
    {
        throw UsageError(e.what());
    }
    // A class index is never negative (every command: the predicted class is what you get without --class).
    if (vm.count("class") && vm["class"].as<int>() < 0)
        throw UsageError("--class must be >= 0 (leave it out for the predicted class)");
    return true;
}

cv::Size parseSize(const std::string& s, const std::string& option)
{
    std::vector<double> v = parseNumbers(s, option);
    if (v.size() != 2 || v[0] < 1 || v[1] < 1)
        throw UsageError("--" + option + " must be W,H with positive integers, got '" + s + "'");
    return cv::Size((int)v[0], (int)v[1]);
}

std::vector<cv::String> splitList(const std::string& s)
{
    std::vector<cv::String> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

std::string shortest(double v)
{
    for (int digits = 1; digits <= 17; digits++)
    {
        const std::string s = cv::format("%.*g", digits, v);
        if (std::strtod(s.c_str(), nullptr) == v)
            return s;
    }
    return cv::format("%.17g", v);
}

po::typed_value<double>* value(double* x, double defaultValue)
{
    return po::value(x)->default_value(defaultValue, shortest(defaultValue));
}

std::vector<double> parseNumbers(const std::string& s, const std::string& option)
{
    std::vector<double> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
    {
        char* end = nullptr;
        double v = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0')
            throw UsageError("--" + option + ": '" + item + "' is not a number");
        out.push_back(v);
    }
    if (out.empty())
        throw UsageError("--" + option + " needs a value");
    return out;
}

// ---------------------------------------------------------------------------------------------------------

void ModelOptions::add(po::options_description& d)
{
    d.add_options()
        ("model,m", po::value(&model), "model file (.onnx, .caffemodel, ...), or the name of an embedded model; "
                                       "default: the embedded alexnet_fmnist")
        ("config", po::value(&config), "configuration file (the deploy .prototxt of a Caffe model)")
        ("format", po::value(&format), "which files of an embedded model or description: onnx (default) or caffe")
        ("model-info", po::value(&modelInfo), "model description JSON (written by 'interp describe'): model file, "
                                              "input size, preprocessing, class names; flags override it")
        ("size", po::value(&size), "network input size W,H (default: the description, else the size the model "
                                   "fixes)")
        ("mean", po::value(&mean), "mean subtracted per blob channel, 0-255 units, after --swap-rb (e.g. "
                                   "123.675,116.28,103.53 for torchvision, 104,117,123 for Caffe)")
        ("std", po::value(&std), "standard deviation dividing each blob channel after the mean, 0-255 units, "
                                 "after --swap-rb (e.g. 58.395,57.12,57.375 for torchvision)")
        ("scale", po::value(&scale), "scalar factor applied after the mean (1/255 for 0..1 inputs)")
        ("swap-rb", po::bool_switch(&swapRB), "swap red and blue: the network takes RGB (images are read as BGR)")
        ("no-swap-rb", po::bool_switch(&noSwapRB), "do not swap red and blue (overrides the description)")
        ("crop", po::bool_switch(&crop), "resize keeping the aspect ratio and crop the centre")
        ("no-crop", po::bool_switch(&noCrop), "resize the whole image (overrides the description)")
        ("labels", po::value(&labels), "class names: one per line, class 0 first, or ImageNet's synset_words.txt");
}

namespace {

cv::Scalar parseChannels(const std::string& s, const std::string& option)
{
    std::vector<double> v = parseNumbers(s, option);
    if (v.size() != 1 && v.size() != 3)
        throw UsageError("--" + option + " takes one value or three (A,B,C in the blob's channel order), got '" + s + "'");
    return v.size() == 1 ? cv::Scalar::all(v[0]) : cv::Scalar(v[0], v[1], v[2]);
}

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void requireFile(const std::string& path, const std::string& what)
{
    if (!cv::utils::fs::exists(path) || cv::utils::fs::isDirectory(path))
        CV_Error(cv::Error::StsObjectNotFound, "cannot read the " + what + " '" + path + "': no such file");
}

}  // namespace

cv::interp::ModelInfo ModelOptions::resolve() const
{
    if (!format.empty() && format != "onnx" && format != "caffe")
        throw UsageError("--format must be onnx or caffe, got '" + format + "'");
    cv::interp::ModelInfo info;
    if (!modelInfo.empty())
    {
        requireFile(modelInfo, "model description");
        info = cv::interp::readModelInfo(modelInfo, format);
        if (!model.empty())
        {
            info.model = model;
            info.config = config;
        }
    }
    else if (model.empty())
        info = cv::interp::embeddedModel("alexnet_fmnist", format.empty() ? "onnx" : format);
    else if (model.find('/') == std::string::npos && model.find('.') == std::string::npos)
        info = cv::interp::embeddedModel(model, format.empty() ? "onnx" : format);  // an embedded model by name
    else
    {
        requireFile(model, "model file");
        if (endsWith(model, ".caffemodel") && config.empty())
            throw UsageError("a Caffe model needs its network definition: give --config deploy.prototxt");
        if (!config.empty())
            requireFile(config, "configuration file");
        info = cv::interp::modelInfoFor(model, config);
    }
    cv::interp::Preprocessing& p = info.preprocessing;
    if (!size.empty())
        p.size = parseSize(size, "size");
    if (!mean.empty())
        p.mean = parseChannels(mean, "mean");
    if (!std.empty())
    {
        p.std = parseChannels(std, "std");
        p.std[3] = 1;
    }
    if (!scale.empty())
        p.scale = parseNumbers(scale, "scale").at(0);
    if (swapRB && noSwapRB)
        throw UsageError("--swap-rb and --no-swap-rb contradict each other");
    if (swapRB || noSwapRB)
        p.swapRB = swapRB;
    if (crop && noCrop)
        throw UsageError("--crop and --no-crop contradict each other");
    if (crop || noCrop)
        p.crop = crop;
    p.check();
    if (!labels.empty())
        info.classNames = cv::interp::readClassNames(labels);
    return info;
}

Model ModelOptions::open(const cv::Size& inputSize) const
{
    Model m;
    m.info = resolve();
    if (m.info.preprocessing.size.area() == 0 && inputSize.area() > 0)
        m.info.preprocessing.size = inputSize;
    m.explainer = cv::interp::readNet(m.info.model, m.info.config);
    m.info = cv::interp::describeModel(m.explainer, m.info);
    const bool described = !modelInfo.empty() || model.empty() ||
                           cv::utils::fs::exists(m.info.model.substr(0, m.info.model.rfind('.')) + ".json") ||
                           (model.find('/') == std::string::npos && model.find('.') == std::string::npos);
    if (!described && mean.empty() && std.empty() && scale.empty() && !swapRB && !noSwapRB)
        std::cerr << "interp: warning: no preprocessing is known for '" << m.info.model << "' (no --model-info, no "
                  << "description next to it, no --mean/--std/--scale/--swap-rb): its input is the raw BGR pixels "
                  << "0..255. Give the flags the model was trained with (see doc/own-model.md)" << std::endl;
    if (m.info.classNames.empty())
        std::cerr << "interp: warning: no class names for '" << m.info.model << "': classes are shown as 'class K' "
                  << "(give --labels FILE)" << std::endl;
    return m;
}

// ---------------------------------------------------------------------------------------------------------

void InputOptions::add(po::options_description& d)
{
    d.add_options()
        ("image,i", po::value(&images)->multitoken(), "input image(s); default: the first embedded demo image")
        ("input-npy", po::value(&inputNpy), "N x C x H x W float32 .npy used as the input blob, no preprocessing");
}

cv::Size InputOptions::blobSize() const
{
    if (inputNpy.empty())
        return cv::Size();
    const cv::Mat b = cv::interp::readNpy(inputNpy);
    return b.dims == 4 ? cv::Size(b.size[3], b.size[2]) : cv::Size();
}

Input InputOptions::load(const cv::interp::ModelInfo& info) const
{
    Input in;
    in.prep = info.preprocessing;
    if (!inputNpy.empty())
    {
        if (!images.empty())
            throw UsageError("give either --image or --input-npy, not both");
        in.blob = cv::interp::readNpy(inputNpy);
        if (in.blob.dims != 4)
            CV_Error(cv::Error::StsBadSize, cv::format("'%s' holds a %d-D array; the input must be N x C x H x W",
                                                       inputNpy.c_str(), in.blob.dims));
        return in;
    }
    in.paths = images;
    if (in.paths.empty())
        in.paths.push_back(cv::interp::demoImages().front());
    for (const std::string& p : in.paths)
    {
        cv::Mat img = cv::imread(p, cv::IMREAD_COLOR);
        if (img.empty())
            CV_Error(cv::Error::StsError, "cannot read the image '" + p + "': missing, unreadable or not an image");
        in.images.push_back(img);
    }
    in.blob = in.prep.toBlob(in.images);
    return in;
}

cv::Mat Input::networkImage(int n) const
{
    return prep.toImage(blob, n);
}

std::vector<cv::String> listImageFiles(const std::string& folderOrList, const std::string& option)
{
    if (!cv::utils::fs::exists(folderOrList))
        CV_Error(cv::Error::StsObjectNotFound, "--" + option + " '" + folderOrList + "': no such folder or list file");
    const std::vector<cv::String> files = cv::interp::listImages(folderOrList);
    if (files.empty())
        CV_Error(cv::Error::StsObjectNotFound, "no images found in '" + folderOrList + "' (--" + option + "; looked "
                                               "for .png, .jpg, .jpeg, .bmp, .tif, .tiff, .webp, .ppm, .pgm, .pnm "
                                               "files, recursively)");
    return files;
}

// ---------------------------------------------------------------------------------------------------------

void TargetOptions::add(po::options_description& d)
{
    d.add_options()
        ("class,c", po::value(&cls), "class K of the net output (pre-softmax when the net ends in Softmax); "
                                     "default: the predicted class")
        ("output-layer", po::value(&outputLayer), "layer holding the class scores (instead of the default)")
        ("neuron", po::value(&neuron), "LAYER:CHANNEL[:Y:X] a neuron, or without Y:X the sum of the channel");
}

std::vector<cv::interp::Target> TargetOptions::resolve(const cv::Ptr<cv::interp::Explainer>& ex,
                                                       const cv::Ptr<cv::interp::Tape>& tape) const
{
    if (!neuron.empty())
    {
        if (cls >= 0 || !outputLayer.empty())
            throw UsageError("--neuron cannot be combined with --class or --output-layer");
        return std::vector<cv::interp::Target>(1, cv::interp::parseTarget(neuron));
    }
    std::vector<cv::interp::Target> t;
    if (cls >= 0)
    {
        t.push_back(cv::interp::Target::classScore(cls, outputLayer));
        return t;
    }
    if (!outputLayer.empty())
    {
        // predicted class of that layer's scores
        const cv::Mat s = tape->output(outputLayer);
        const int N = tape->batchSize();
        const int per = (int)(s.total() / N);
        for (int n = 0; n < N; n++)
        {
            const float* p = s.ptr<float>() + (size_t)n * per;
            t.push_back(cv::interp::Target::classScore((int)(std::max_element(p, p + per) - p), outputLayer));
        }
        return t;
    }
    for (int k : cv::interp::predictClasses(ex, tape))
        t.push_back(cv::interp::Target::classScore(k));
    return t;
}

// ---------------------------------------------------------------------------------------------------------

Progress::Progress(const std::string& what_, size_t total_, const std::string& unit_)
    : what(what_), unit(unit_), total(total_), start(std::chrono::steady_clock::now()), last(start) {}

Progress::~Progress() { finish(); }

void Progress::update(size_t done)
{
    // Redrawn in place on a terminal; in a log file (stderr redirected) only the final state.
    static const bool terminal = isatty(2) != 0;
    if (!terminal && done < total)
        return;
    auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (elapsed < 1.0 || (shown && std::chrono::duration<double>(now - last).count() < 0.2 && done < total) ||
        (shown && done == lastDone && done >= total))  // the final state is drawn once
        return;
    last = now;
    lastDone = done;
    shown = true;
    const double rate = done / std::max(elapsed, 1e-9);
    const double eta = rate > 0 && total > done ? (total - done) / rate : 0;
    const int width = 30;
    const int filled = total ? (int)(width * (double)done / total) : width;
    std::cerr << "\r" << what << " [" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done
              << "/" << total << " " << std::fixed << std::setprecision(1) << rate << " " << unit << "/s ETA "
              << (int)eta << "s   " << std::flush;
}

void Progress::finish()
{
    if (finished)
        return;
    finished = true;
    update(total);  // the final state (only drawn when the work took more than a second)
    if (shown)
        std::cerr << std::endl;
}

void bench(const std::string& method, int runs, const std::function<void()>& fn)
{
    if (runs <= 0)
        return;
    fn();  // warm-up
    std::vector<double> ms;
    for (int i = 0; i < runs; i++)
    {
        auto t0 = std::chrono::steady_clock::now();
        fn();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    std::cout << "bench: method=" << method << " runs=" << runs << " median_ms=" << std::fixed << std::setprecision(3)
              << median << " threads=" << cv::getNumThreads()
              << " convolutions=" << (cv::interp::useOneDNN() ? "oneDNN" : "cv::dnn") << std::endl;
}

cv::Mat tileHorizontally(const std::vector<cv::Mat>& images)
{
    CV_Assert(!images.empty());
    if (images.size() == 1)
        return images[0];
    cv::Mat out;
    cv::hconcat(images, out);
    return out;
}

void applyThreads(int n)
{
    if (n > 0)
        cv::setNumThreads(n);
}

}  // namespace cli
