// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Preprocessing: images -> network input blobs (cv::dnn::blobFromImages plus a per-channel std) and back.
#include "../precomp.hpp"

namespace cv {
namespace interp {

double Preprocessing::channelScale(int c) const
{
    return (scale == 0 ? 1.0 : scale) / std[std::min(std::max(c, 0), 3)];
}

void Preprocessing::check() const
{
    for (int c = 0; c < 3; c++)
        if (!(std[c] > 0) || cvIsInf(std[c]))
            CV_Error(Error::StsBadArg, cv::format("the preprocessing std of channel %d is %g: each channel's standard "
                                                  "deviation must be positive, in 0-255 units and blob channel order "
                                                  "(torchvision models: --std 58.395,57.12,57.375; none: 1,1,1)",
                                                  c, std[c]));
    if (!(scale != 0) || cvIsInf(scale) || cvIsNaN(scale))
        CV_Error(Error::StsBadArg, cv::format("the preprocessing scale is %g: give a finite non-zero factor (--scale)",
                                              scale));
    for (int c = 0; c < 3; c++)
        if (cvIsNaN(mean[c]) || cvIsInf(mean[c]))
            CV_Error(Error::StsBadArg, "the preprocessing mean must be finite (--mean A,B,C in 0-255 units)");
    if (size.width < 0 || size.height < 0)
        CV_Error(Error::StsBadArg, cv::format("the network input size %d x %d is negative (--size W,H)", size.width,
                                              size.height));
}

String Preprocessing::describe() const
{
    String s = size.area() > 0 ? cv::format("%d x %d", size.width, size.height) : String("image size");
    s += swapRB ? ", RGB" : ", BGR";
    s += cv::format(", mean (%g, %g, %g)", mean[0], mean[1], mean[2]);
    if (std[0] != 1 || std[1] != 1 || std[2] != 1)
        s += cv::format(", std (%g, %g, %g)", std[0], std[1], std[2]);
    if (scale != 1)
        s += cv::format(", scale %g", scale);
    if (crop)
        s += ", centre crop";
    return s;
}

Mat Preprocessing::toBlob(InputArrayOfArrays images) const
{
    check();
    std::vector<Mat> imgs;
    images.getMatVector(imgs);
    if (imgs.empty())
        CV_Error(Error::StsBadArg, "no image to convert to a blob");
    for (size_t i = 0; i < imgs.size(); i++)
        if (imgs[i].empty())
            CV_Error(Error::StsBadArg, cv::format("image %d is empty (unreadable file?)", (int)i));
    Size sz = size;
    if (sz.area() == 0)
    {
        sz = imgs[0].size();
        for (const Mat& m : imgs)
            if (m.size() != sz)
                CV_Error(Error::StsBadSize, "images of different sizes need a common network input size");
    }
    Mat blob = dnn::blobFromImages(imgs, scale, sz, mean, swapRB, crop, CV_32F);
    // The per-channel std divides what blobFromImages made, one float division per value (the same operations
    // as every other place that makes blob values from pixels).
    const int N = blob.size[0], C = blob.size[1];
    const size_t plane = (size_t)blob.size[2] * blob.size[3];
    for (int c = 0; c < C; c++)
    {
        const float sd = (float)std[std::min(c, 3)];
        if (sd == 1.f)
            continue;
        for (int n = 0; n < N; n++)
        {
            float* p = blob.ptr<float>(n, c);
            for (size_t i = 0; i < plane; i++)
                p[i] = p[i] / sd;
        }
    }
    return blob;
}

Mat Preprocessing::toImage(const Mat& blob, int index) const
{
    CV_Assert(blob.dims == 4 && blob.type() == CV_32F);
    CV_Assert(index >= 0 && index < blob.size[0]);
    const int C = blob.size[1], H = blob.size[2], W = blob.size[3];
    std::vector<Mat> planes;
    for (int c = 0; c < C; c++)
    {
        Mat p(H, W, CV_32F, (void*)blob.ptr<float>(index, c));
        Mat v = p / channelScale(c) + mean[std::min(c, 3)];
        planes.push_back(v);
    }
    if (swapRB && C >= 3)
        std::swap(planes[0], planes[2]);
    Mat merged, out;
    cv::merge(planes, merged);
    merged.convertTo(out, CV_8U);
    return out;
}

Rect Preprocessing::visibleRegion(Size imageSize) const
{
    if (!crop || size.area() == 0)
        return Rect(Point(0, 0), imageSize);
    const double f = std::max((double)size.width / imageSize.width, (double)size.height / imageSize.height);
    const int w = std::min(imageSize.width, cvRound(size.width / f));
    const int h = std::min(imageSize.height, cvRound(size.height / f));
    return Rect((imageSize.width - w) / 2, (imageSize.height - h) / 2, w, h);
}

Mat Preprocessing::mapToImage(const Mat& map, Size imageSize, double fill) const
{
    CV_Assert(!map.empty() && map.dims == 2);
    const Rect r = visibleRegion(imageSize);
    Mat out(imageSize, map.type(), Scalar::all(fill));
    Mat resized;
    cv::resize(map, resized, r.size(), 0, 0, INTER_LINEAR);
    resized.copyTo(out(r));
    return out;
}

}  // namespace interp
}  // namespace cv
