// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Turning maps and attributions into images: percentile normalisation, heatmaps, overlays (also onto the original,
// pre-resize / pre-crop image), the gradient-image normalisation of guided-backprop figures, tiling.
#include "../precomp.hpp"

namespace cv {
namespace interp {

namespace {

Mat singleChannelFloat(InputArray map_, const char* function)
{
    Mat map = map_.getMat();
    if (map.empty() || map.channels() != 1 || map.dims != 2)
        CV_Error(Error::StsBadArg, cv::format("%s: the map must be a non-empty single-channel 2-D Mat (reduce an N x C x "
                                              "H x W attribution with cv::interp::reduceChannels first)", function));
    Mat f;
    map.convertTo(f, CV_32F);
    return f;
}

//! Percentile p (0..100) of sorted values, interpolated linearly between ranks (as numpy.percentile).
double percentileOf(const std::vector<float>& sorted, double p)
{
    const double pos = p / 100.0 * (double)(sorted.size() - 1);
    const size_t i = (size_t)std::floor(pos);
    const double f = pos - (double)i;
    if (i + 1 >= sorted.size())
        return sorted.back();
    return sorted[i] + f * ((double)sorted[i + 1] - sorted[i]);
}

Mat toBgr8(InputArray image_, const char* function)
{
    Mat image = image_.getMat();
    if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3 &&
                                                    image.channels() != 4))
        CV_Error(Error::StsBadArg, cv::format("%s: the image must be a non-empty 8-bit grayscale, BGR or BGRA image",
                                              function));
    Mat bgr;
    if (image.channels() == 1)
        cv::cvtColor(image, bgr, COLOR_GRAY2BGR);
    else if (image.channels() == 4)
        cv::cvtColor(image, bgr, COLOR_BGRA2BGR);
    else
        bgr = image;
    return bgr;
}

}  // namespace

Mat normalizeMap(InputArray map_, double lowPercentile, double highPercentile)
{
    Mat map = singleChannelFloat(map_, "normalizeMap");
    if (!(lowPercentile >= 0 && highPercentile <= 100 && lowPercentile < highPercentile))
        CV_Error(Error::StsOutOfRange, cv::format("normalizeMap: the percentiles must satisfy 0 <= low < high <= 100, got "
                                                  "%g and %g", lowPercentile, highPercentile));
    if (!cv::checkRange(map))
        CV_Error(Error::StsBadArg, "normalizeMap: the map contains NaN or infinite values");
    double lo, hi;
    if (lowPercentile == 0 && highPercentile == 100)
        cv::minMaxLoc(map, &lo, &hi);
    else
    {
        std::vector<float> v(map.begin<float>(), map.end<float>());
        std::sort(v.begin(), v.end());
        lo = percentileOf(v, lowPercentile);
        hi = percentileOf(v, highPercentile);
    }
    Mat out;
    if (hi > lo)
    {
        map.convertTo(out, CV_32F, 1.0 / (hi - lo), -lo / (hi - lo));
        out = cv::min(cv::max(out, 0.0), 1.0);
    }
    else
    {
        // Everything below or at the clipping value: only larger values are shown, at full strength.
        Mat above = map > hi;
        above.convertTo(out, CV_32F, 1.0 / 255);
    }
    return out;
}

Mat mapToGray(InputArray map, double lowPercentile, double highPercentile)
{
    Mat out;
    normalizeMap(map, lowPercentile, highPercentile).convertTo(out, CV_8U, 255.0);
    return out;
}

Mat heatmap(InputArray map, int colormap, double highPercentile)
{
    if (colormap < COLORMAP_AUTUMN || colormap > COLORMAP_DEEPGREEN)
        CV_Error(Error::StsOutOfRange, cv::format("heatmap: unknown colormap %d: use one of cv::ColormapTypes (e.g. "
                                                  "cv::COLORMAP_JET = %d)", colormap, (int)COLORMAP_JET));
    Mat out;
    cv::applyColorMap(mapToGray(map, 0, highPercentile), out, colormap);
    return out;
}

Mat overlayHeatmap(InputArray image_, InputArray map_, double alpha, int colormap, double highPercentile)
{
    const Mat image = toBgr8(image_, "overlayHeatmap");
    if (!(alpha >= 0 && alpha <= 1))
        CV_Error(Error::StsOutOfRange, cv::format("overlayHeatmap: alpha (the heatmap's weight) must be in [0, 1], got %g",
                                                  alpha));
    Mat map = singleChannelFloat(map_, "overlayHeatmap");
    if (map.size() != image.size())
        cv::resize(map, map, image.size(), 0, 0, INTER_LINEAR);
    Mat heat, heatF, imgF, cam;
    heat = heatmap(map, colormap, highPercentile);
    heat.convertTo(heatF, CV_32F, 1.0 / 255);
    image.convertTo(imgF, CV_32F, 1.0 / 255);
    cv::addWeighted(heatF, alpha, imgF, 1.0 - alpha, 0.0, cam);
    double mx;
    cv::minMaxLoc(cam.reshape(1), nullptr, &mx);
    Mat out;
    cam.convertTo(out, CV_8U, mx > 0 ? 255.0 / mx : 0.0);
    return out;
}

Mat overlayOnOriginal(InputArray original, InputArray map, const Preprocessing& preprocessing, double alpha,
                      int colormap, double highPercentile)
{
    const Mat image = toBgr8(original, "overlayOnOriginal");
    const Mat normalized = normalizeMap(map, 0, highPercentile);
    const Mat placed = preprocessing.mapToImage(normalized, image.size(), 0.0);
    return overlayHeatmap(image, placed, alpha, colormap, 100);
}

Mat gradientImage(const Mat& attribution, int index, double k, bool swapRB)
{
    if (attribution.dims != 4 || attribution.type() != CV_32F || (attribution.size[1] != 1 && attribution.size[1] != 3))
        CV_Error(Error::StsBadArg, "gradientImage: the attribution must be N x C x H x W float32 with C = 1 or 3");
    if (index < 0 || index >= attribution.size[0])
        CV_Error(Error::StsOutOfRange, cv::format("gradientImage: image %d of a batch of %d", index,
                                                  attribution.size[0]));
    if (!(k > 0))
        CV_Error(Error::StsOutOfRange, cv::format("gradientImage: k must be positive (0.1 is customary), got %g", k));
    const Mat a = attribution.isContinuous() ? attribution : attribution.clone();
    const int C = a.size[1], H = a.size[2], W = a.size[3];
    Mat flat(1, C * H * W, CV_32F, (void*)a.ptr<float>(index));
    Scalar mean, sd;
    cv::meanStdDev(flat, mean, sd);
    std::vector<Mat> planes;
    for (int c = 0; c < C; c++)
    {
        Mat p(H, W, CV_32F, (void*)a.ptr<float>(index, c)), out;
        // 255 * clip(0.5 + k * (x - mean) / (std + 1e-5), 0, 1); convertTo saturates to 0..255
        const double s = 255.0 * k / (sd[0] + 1e-5);
        p.convertTo(out, CV_8U, s, 127.5 - s * mean[0]);
        planes.push_back(out);
    }
    if (swapRB && C == 3)
        std::swap(planes[0], planes[2]);
    Mat out;
    cv::merge(planes, out);
    return out;
}

Mat tileImages(const std::vector<Mat>& images, int columns, int gap, const Scalar& background)
{
    if (images.empty())
        CV_Error(Error::StsBadArg, "tileImages: no image to tile");
    if (gap < 0)
        CV_Error(Error::StsOutOfRange, cv::format("tileImages: the gap must be >= 0, got %d", gap));
    std::vector<Mat> bgr;
    for (const Mat& m : images)
    {
        bgr.push_back(toBgr8(m, "tileImages"));
        // Another size: scaled to the first image's height, keeping its aspect ratio.
        const Size s = bgr.back().size();
        if (s.height != bgr[0].rows)
        {
            const int w = std::max(1, cvRound((double)s.width * bgr[0].rows / s.height));
            resize(bgr.back(), bgr.back(), Size(w, bgr[0].rows), 0, 0, INTER_AREA);
        }
    }
    const int n = (int)bgr.size();
    const int cols = columns > 0 ? std::min(columns, n) : n;
    const int rows = (n + cols - 1) / cols;
    const int h = bgr[0].rows;
    int width = 0;
    for (int r = 0; r < rows; r++)
    {
        int w = 0;
        for (int i = r * cols; i < std::min(n, (r + 1) * cols); i++)
            w += bgr[i].cols + (i > r * cols ? gap : 0);
        width = std::max(width, w);
    }
    Mat out(rows * h + (rows - 1) * gap, width, CV_8UC3, background);
    int x = 0;
    for (int i = 0; i < n; i++)
    {
        const int r = i / cols;
        if (i % cols == 0)
            x = 0;
        bgr[i].copyTo(out(Rect(x, r * (h + gap), bgr[i].cols, h)));
        x += bgr[i].cols + gap;
    }
    return out;
}

}  // namespace interp
}  // namespace cv
