// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Activation grids: a layer's channel maps for one sample as tiled, normalised, numbered images.
#include "../precomp.hpp"

#include <sstream>

namespace cv {
namespace interp {

namespace {

//! One sample's activations as a C x (H*W) float32 matrix (no copy when possible), with H and W.
Mat asChannelRows(const Mat& maps, int& H, int& W)
{
    if (maps.empty())
        CV_Error(Error::StsBadArg, "the activations are empty");
    if (maps.depth() != CV_32F || maps.channels() != 1)
        CV_Error(Error::StsUnsupportedFormat, "the activations must be single-channel float32 (as cv::dnn returns them)");
    Mat m = maps.isContinuous() ? maps : maps.clone();
    int C = 0;
    if (m.dims == 4)
    {
        if (m.size[0] != 1)
            CV_Error(Error::StsBadSize, cv::format("the activations hold %d samples: pass one sample (1 x C x H x W)", m.size[0]));
        C = m.size[1]; H = m.size[2]; W = m.size[3];
    }
    else if (m.dims == 3)
    {
        C = m.size[0]; H = m.size[1]; W = m.size[2];
    }
    else if (m.dims == 2 && m.rows == 1)
    {
        C = m.cols; H = W = 1;  // a vector (fully connected layer): C maps of 1 x 1
    }
    else
        CV_Error(Error::StsBadSize, "the activations must be C x H x W, 1 x C x H x W or 1 x C (one sample)");
    return Mat(C, H * W, CV_32F, m.ptr<float>()).clone();
}

double percentileOf(std::vector<float>& v, double p)
{
    if (v.empty())
        return 0;
    const double pos = std::min(1.0, std::max(0.0, p / 100.0)) * (v.size() - 1);
    const size_t k = (size_t)pos;
    std::nth_element(v.begin(), v.begin() + k, v.end());
    const double a = v[k];
    if (k + 1 >= v.size() || pos == (double)k)
        return a;
    const double b = *std::min_element(v.begin() + k + 1, v.end());
    return a + (b - a) * (pos - k);
}

std::vector<int> selectedChannels(const ActivationGridParams& p, int C)
{
    if (p.channels.empty())
    {
        std::vector<int> all(C);
        for (int c = 0; c < C; c++)
            all[c] = c;
        return all;
    }
    for (int c : p.channels)
        if (c < 0 || c >= C)
            CV_Error(Error::StsOutOfRange, cv::format("channel %d is out of range: the layer has %d channels (0-%d)", c, C, C - 1));
    return p.channels;
}

}  // namespace

ActivationGridParams parseActivationNormalization(const String& spec)
{
    ActivationGridParams p;
    const String usage = "use channel, global, fixed:A,B (A < B) or percentile:P (50 < P <= 100)";
    auto number = [&](const String& s) {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0')
            CV_Error(Error::StsBadArg, "bad normalization '" + spec + "': '" + s + "' is not a number; " + usage);
        return v;
    };
    if (spec == "channel")
        p.normalization = NORMALIZE_CHANNEL;
    else if (spec == "global")
        p.normalization = NORMALIZE_GLOBAL;
    else if (spec.compare(0, 6, "fixed:") == 0)
    {
        const String rest = spec.substr(6);
        const size_t comma = rest.find(',');
        if (comma == String::npos)
            CV_Error(Error::StsBadArg, "bad normalization '" + spec + "': " + usage);
        p.normalization = NORMALIZE_FIXED;
        p.low = number(rest.substr(0, comma));
        p.high = number(rest.substr(comma + 1));
        if (!(p.low < p.high))
            CV_Error(Error::StsBadArg, "bad normalization '" + spec + "': " + usage);
    }
    else if (spec.compare(0, 11, "percentile:") == 0)
    {
        p.normalization = NORMALIZE_PERCENTILE;
        p.percentile = number(spec.substr(11));
        if (!(p.percentile > 50 && p.percentile <= 100))
            CV_Error(Error::StsBadArg, "bad normalization '" + spec + "': " + usage);
    }
    else
        CV_Error(Error::StsBadArg, "unknown normalization '" + spec + "': " + usage);
    return p;
}

std::vector<int> parseIndexList(const String& spec, int count)
{
    CV_CheckGT(count, 0, "nothing to select from");
    std::vector<int> out;
    std::stringstream ss(spec);
    String item;
    auto toInt = [&](const String& s) {
        char* end = nullptr;
        const long v = std::strtol(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0')
            CV_Error(Error::StsBadArg, "bad index list '" + spec + "': '" + s + "' is not a non-negative integer "
                                       "(use a list such as 0-15,42)");
        return (int)v;
    };
    while (std::getline(ss, item, ','))
    {
        if (item.empty())
            continue;
        const size_t dash = item.find('-', 1);
        int a = 0, b = 0;
        if (dash == String::npos)
            a = b = toInt(item);
        else
        {
            a = toInt(item.substr(0, dash));
            b = toInt(item.substr(dash + 1));
        }
        if (a > b)
            CV_Error(Error::StsBadArg, "bad index list '" + spec + "': range '" + item + "' is decreasing");
        for (int v : { a, b })
            if (v < 0 || v >= count)
                CV_Error(Error::StsOutOfRange, cv::format("index %d in '%s' is out of range: valid indices are 0-%d",
                                                          v, spec.c_str(), count - 1));
        for (int v = a; v <= b; v++)
            if (std::find(out.begin(), out.end(), v) == out.end())
                out.push_back(v);
    }
    if (out.empty())
        CV_Error(Error::StsBadArg, "the index list '" + spec + "' is empty (use a list such as 0-15,42)");
    return out;
}

Mat normalizeActivations(const Mat& maps, const ActivationGridParams& params)
{
    int H = 0, W = 0;
    const Mat rows = asChannelRows(maps, H, W);
    const std::vector<int> ch = selectedChannels(params, rows.rows);
    const int K = (int)ch.size();
    double lo = 0, hi = 0;
    switch (params.normalization)
    {
    case NORMALIZE_CHANNEL:
        break;
    case NORMALIZE_GLOBAL:
    {
        lo = DBL_MAX;
        hi = -DBL_MAX;
        for (int c : ch)
        {
            double a, b;
            cv::minMaxLoc(rows.row(c), &a, &b);
            lo = std::min(lo, a);
            hi = std::max(hi, b);
        }
        break;
    }
    case NORMALIZE_FIXED:
        if (!(params.low < params.high))
            CV_Error(Error::StsBadArg, cv::format("fixed normalization needs low < high, got [%g, %g]", params.low, params.high));
        lo = params.low;
        hi = params.high;
        break;
    case NORMALIZE_PERCENTILE:
    {
        if (!(params.percentile > 50 && params.percentile <= 100))
            CV_Error(Error::StsBadArg, cv::format("the percentile must be in (50, 100], got %g", params.percentile));
        std::vector<float> all;
        all.reserve((size_t)K * H * W);
        for (int c : ch)
            all.insert(all.end(), rows.ptr<float>(c), rows.ptr<float>(c) + (size_t)H * W);
        std::vector<float> copy = all;
        hi = percentileOf(all, params.percentile);
        lo = percentileOf(copy, 100.0 - params.percentile);
        break;
    }
    default:
        CV_Error(Error::StsBadArg, cv::format("unknown normalization %d: use one of cv::interp::ActivationNormalization",
                                              params.normalization));
    }
    Mat out(std::vector<int>{ K, H, W }, CV_8U);
    cv::parallel_for_(Range(0, K), [&](const Range& r) {
        for (int k = r.start; k < r.end; k++)
        {
            const Mat src = rows.row(ch[k]);
            double a = lo, b = hi;
            if (params.normalization == NORMALIZE_CHANNEL)
                cv::minMaxLoc(src, &a, &b);
            Mat dst(1, H * W, CV_8U, out.ptr<uchar>(k));
            if (b > a)
                src.convertTo(dst, CV_8U, 255.0 / (b - a), -a * 255.0 / (b - a));
            else
                dst.setTo(Scalar::all(0));  // a constant map (a dead channel after ReLU) is black
        }
    });
    return out;
}

Mat renderActivationGrid(const Mat& maps, const ActivationGridParams& params)
{
    Mat planes = normalizeActivations(maps, params);
    const int K = planes.size[0], H = planes.size[1], W = planes.size[2];
    std::vector<int> ch = params.channels;  // validated by normalizeActivations
    for (int k = (int)ch.size(); k < K; k++)
        ch.push_back(k);
    if (params.gap < 0 || params.scale < 0 || params.columns < 0)
        CV_Error(Error::StsBadArg, "gap, scale and columns must not be negative");
    const int scale = params.scale > 0 ? params.scale : std::max(1, (48 + std::max(H, W) - 1) / std::max(H, W));
    const int cols = params.columns > 0 ? std::min(params.columns, K) : (int)std::ceil(std::sqrt((double)K));
    const int rowsN = (K + cols - 1) / cols;
    const int th = H * scale, tw = W * scale, gap = params.gap;
    const bool colour = params.colormap >= 0;
    const Scalar background = colour ? Scalar(160, 160, 160) : Scalar(160);
    Mat grid(rowsN * th + (rowsN + 1) * gap, cols * tw + (cols + 1) * gap, colour ? CV_8UC3 : CV_8UC1, background);
    for (int k = 0; k < K; k++)
    {
        Mat plane(H, W, CV_8U, planes.ptr<uchar>(k)), tile;
        cv::resize(plane, tile, Size(tw, th), 0, 0, INTER_NEAREST);
        if (colour)
            cv::applyColorMap(tile, tile, params.colormap);
        const int r = k / cols, c = k % cols;
        const Rect where(gap + c * (tw + gap), gap + r * (th + gap), tw, th);
        tile.copyTo(grid(where));
        if (params.labels && th >= 16)
        {
            const String text = std::to_string(ch[k]);
            int base = 0;
            const Size ts = cv::getTextSize(text, FONT_HERSHEY_PLAIN, 0.8, 1, &base);
            const Rect box(where.x, where.y, std::min(ts.width + 4, tw), std::min(ts.height + 5, th));
            grid(box).setTo(colour ? Scalar(0, 0, 0) : Scalar(0));
            cv::putText(grid, text, Point(where.x + 2, where.y + ts.height + 2), FONT_HERSHEY_PLAIN, 0.8,
                        colour ? Scalar(255, 255, 255) : Scalar(255), 1, LINE_AA);
        }
    }
    return grid;
}

ActivationStats activationStats(const Mat& maps)
{
    int H = 0, W = 0;
    const Mat rows = asChannelRows(maps, H, W);
    ActivationStats s;
    s.channels = rows.rows;
    s.height = H;
    s.width = W;
    const size_t n = rows.total();
    size_t zeros = 0, negatives = 0;
    double sum = 0;
    s.minValue = DBL_MAX;
    s.maxValue = -DBL_MAX;
    for (int c = 0; c < rows.rows; c++)
    {
        const float* p = rows.ptr<float>(c);
        float cmax = -FLT_MAX;
        for (int i = 0; i < H * W; i++)
        {
            zeros += p[i] == 0.f;
            negatives += p[i] < 0.f;
            sum += p[i];
            cmax = std::max(cmax, p[i]);
            s.minValue = std::min(s.minValue, (double)p[i]);
            s.maxValue = std::max(s.maxValue, (double)p[i]);
        }
        s.deadChannels += cmax <= 0.f;
    }
    s.zeroFraction = (double)zeros / n;
    s.negativeFraction = (double)negatives / n;
    s.mean = sum / n;
    std::vector<float> all(rows.ptr<float>(), rows.ptr<float>() + n);
    s.p99 = percentileOf(all, 99.0);
    return s;
}

}  // namespace interp
}  // namespace cv
