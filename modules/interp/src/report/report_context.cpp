// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// What the report's sections share: caption and number formats, the saliency maps of every method (computed once,
// before any section is written).
#include "../precomp.hpp"
#include "report_impl.hpp"

namespace cv {
namespace interp {
namespace report {

double secondsSince(const Clock::time_point& t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

String stem(const String& path)
{
    String s = path.substr(path.rfind('/') == String::npos ? 0 : path.rfind('/') + 1);
    return s.substr(0, s.rfind('.'));
}

String fmt(double v, int digits)
{
    return cvIsNaN(v) ? String("-") : cv::format("%.*f", digits, v);
}

//! Display width of a figure: small network inputs are shown enlarged (pixelated), large ones as they are.
int displayWidth(const Mat& m, int minimum)
{
    return m.cols >= minimum ? 0 : (minimum + m.cols - 1) / m.cols * m.cols;
}

String caption(const Context& c, int n)
{
    const int k = c.predicted[n];
    return cv::format("%s: %s (p = %.2f)", stem(c.files[n]).c_str(), c.model.className(k).c_str(),
                      c.probabilities.at<float>(n, k));
}

std::vector<String> blockOutputs(const Explainer& ex, const MatShape& inputShape)
{
    std::vector<String> out;
    for (int i : ex.graph().blockOutputs(inputShape))
        out.push_back(ex.graph().layer(i).name);
    return out;
}

std::vector<Mat> methodMaps(const Context& c, const String& method)
{
    AttributionParams p = c.settings;
    p.method = parseAttributionMethod(method);
    return attribute(c.explainer, c.blob, c.targets, p).maps;
}

void computeSaliency(Context& c)
{
    c.maps.clear();
    c.methodSeconds.clear();
    for (const String& m : c.methods)
    {
        const Clock::time_point t0 = Clock::now();
        c.maps.push_back(methodMaps(c, m));
        c.methodSeconds.push_back(secondsSince(t0));
    }
}

}  // namespace report
}  // namespace interp
}  // namespace cv
