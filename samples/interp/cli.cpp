// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "cli.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace cli {

std::vector<Command>& commands()
{
    static std::vector<Command> c;
    return c;
}

bool parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& vm, const std::string& usage)
{
    po::options_description all(options);
    all.add_options()("help,h", "show this help");
    try
    {
        po::store(po::command_line_parser(args).options(all).run(), vm);
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
        ("model,m", po::value(&model), "model file (.onnx, .caffemodel, ...); default: the embedded alexnet_fmnist, "
                                       "or the name of an embedded model")
        ("config", po::value(&config), "configuration file (.prototxt for Caffe)")
        ("format", po::value(&format)->default_value("onnx"), "embedded model format: onnx or caffe");
}

cv::interp::ModelInfo ModelOptions::resolve() const
{
    if (model.empty())
        return cv::interp::embeddedModel("alexnet_fmnist", format);
    if (model.find('/') == std::string::npos && model.find('.') == std::string::npos)
        return cv::interp::embeddedModel(model, format);  // an embedded model by name
    return cv::interp::modelInfoFor(model, config);
}

cv::Ptr<cv::interp::Explainer> ModelOptions::load(const cv::interp::ModelInfo& info) const
{
    return cv::interp::readNet(info.model, info.config);
}

// ---------------------------------------------------------------------------------------------------------

void InputOptions::add(po::options_description& d)
{
    d.add_options()
        ("image,i", po::value(&images)->multitoken(), "input image(s); default: the first embedded demo image")
        ("input-npy", po::value(&inputNpy), "N x C x H x W float32 .npy used as the input blob, no preprocessing")
        ("size", po::value(&size), "network input size W,H (default: from the model description)")
        ("mean", po::value(&mean), "mean subtracted per channel R,G,B (blobFromImage order)")
        ("scale", po::value(&scale), "pixel scale factor applied after the mean")
        ("swap-rb", po::bool_switch(&swapRB), "swap red and blue (BGR images to RGB networks)")
        ("no-swap-rb", po::bool_switch(&noSwapRB), "do not swap red and blue")
        ("crop", po::bool_switch(&crop), "resize keeping the aspect ratio and crop the centre");
}

Input InputOptions::load(const cv::interp::ModelInfo& info) const
{
    Input in;
    in.prep = info.preprocessing;
    if (!size.empty())
        in.prep.size = parseSize(size, "size");
    if (!mean.empty())
    {
        std::vector<double> m = parseNumbers(mean, "mean");
        if (m.size() != 1 && m.size() != 3)
            throw UsageError("--mean takes one value or R,G,B");
        in.prep.mean = m.size() == 1 ? cv::Scalar::all(m[0]) : cv::Scalar(m[0], m[1], m[2]);
    }
    if (scale != 0)
        in.prep.scale = scale;
    if (swapRB && noSwapRB)
        throw UsageError("--swap-rb and --no-swap-rb contradict each other");
    if (swapRB)
        in.prep.swapRB = true;
    if (noSwapRB)
        in.prep.swapRB = false;
    if (crop)
        in.prep.crop = true;
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

// ---------------------------------------------------------------------------------------------------------

void TargetOptions::add(po::options_description& d)
{
    d.add_options()
        ("class,c", po::value(&cls), "class K of the net output (pre-softmax when the net ends in Softmax); "
                                     "default: the predicted class")
        ("output-layer", po::value(&outputLayer), "layer holding the class scores (instead of the default)")
        ("neuron", po::value(&neuron), "LAYER:CHANNEL[:Y:X] a neuron, or without Y:X the sum of the channel");
}

std::vector<int> predictedClasses(const cv::interp::Explainer& ex, const cv::interp::Tape& tape)
{
    const cv::Mat& scores = tape.outputs(ex.graph().scoreLayer())[0];
    const int N = tape.batchSize();
    const int per = (int)(scores.total() / N);
    std::vector<int> cls;
    for (int n = 0; n < N; n++)
    {
        const float* p = scores.ptr<float>() + (size_t)n * per;
        cls.push_back((int)(std::max_element(p, p + per) - p));
    }
    return cls;
}

std::vector<cv::interp::Target> TargetOptions::resolve(const cv::interp::Explainer& ex, const cv::interp::Tape& tape) const
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
        const cv::Mat& s = tape.output(outputLayer);
        const int N = tape.batchSize();
        const int per = (int)(s.total() / N);
        for (int n = 0; n < N; n++)
        {
            const float* p = s.ptr<float>() + (size_t)n * per;
            t.push_back(cv::interp::Target::classScore((int)(std::max_element(p, p + per) - p), outputLayer));
        }
        return t;
    }
    for (int k : predictedClasses(ex, tape))
        t.push_back(cv::interp::Target::classScore(k));
    return t;
}

// ---------------------------------------------------------------------------------------------------------

Progress::Progress(const std::string& what_, size_t total_, const std::string& unit_)
    : what(what_), unit(unit_), total(total_), start(std::chrono::steady_clock::now()), last(start) {}

Progress::~Progress() { finish(); }

void Progress::update(size_t done)
{
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
    if (shown)
    {
        update(total);
        std::cerr << std::endl;
    }
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
              << median << std::endl;
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
