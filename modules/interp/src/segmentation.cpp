// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Saliency -> GrabCut segmentation: percentile thresholds of a smoothed saliency map seed cv::grabCut.
#include "precomp.hpp"
#include "map_utils.hpp"
#include "opencv2/interp/segmentation.hpp"

namespace cv {
namespace interp {

namespace {

void checkParams(const SegmentationParams& p)
{
    if (!(p.bgPercentile >= 0 && p.bgPercentile <= p.probableFgPercentile && p.probableFgPercentile <= p.fgPercentile &&
          p.fgPercentile <= 100))
        CV_Error(Error::StsBadArg, cv::format("segmentation percentiles must satisfy 0 <= bg (%g) <= probable fg (%g) <= "
                                              "fg (%g) <= 100", p.bgPercentile, p.probableFgPercentile, p.fgPercentile));
    if (p.iterations < 1)
        CV_Error(Error::StsBadArg, cv::format("GrabCut needs at least one iteration (got %d)", p.iterations));
    if (p.smoothSigma < 0)
        CV_Error(Error::StsBadArg, "the smoothing sigma must not be negative");
}

//! The value below which `pct` percent of the sorted values lie (nearest rank).
float percentileOf(const std::vector<float>& sorted, double pct)
{
    const size_t n = sorted.size();
    size_t k = (size_t)std::floor(pct / 100.0 * (double)(n - 1) + 0.5);
    return sorted[std::min(k, n - 1)];
}

}  // namespace

Mat saliencySeeds(InputArray saliency_, Size imageSize, const SegmentationParams& params)
{
    checkParams(params);
    if (imageSize.area() <= 0)
        CV_Error(Error::StsBadArg, "the image size is empty");
    Mat map = floatMapAt(saliency_, imageSize);
    if (params.smoothSigma > 0)
    {
        const double sigma = params.smoothSigma * std::sqrt((double)imageSize.width * imageSize.width +
                                                            (double)imageSize.height * imageSize.height);
        cv::GaussianBlur(map, map, Size(), sigma, sigma, BORDER_REFLECT);
    }
    std::vector<float> sorted(map.begin<float>(), map.end<float>());
    std::sort(sorted.begin(), sorted.end());
    const float tFg = percentileOf(sorted, params.fgPercentile);
    const float tPrFg = percentileOf(sorted, params.probableFgPercentile);
    const float tBg = percentileOf(sorted, params.bgPercentile);
    Mat seeds(imageSize, CV_8U, Scalar(GC_PR_BGD));
    for (int y = 0; y < map.rows; y++)
    {
        const float* m = map.ptr<float>(y);
        uchar* d = seeds.ptr<uchar>(y);
        for (int x = 0; x < map.cols; x++)
        {
            if (m[x] >= tFg && tFg > sorted.front())
                d[x] = GC_FGD;
            else if (m[x] >= tPrFg && tPrFg > sorted.front())
                d[x] = GC_PR_FGD;
            else if (m[x] <= tBg && tBg < sorted.back())
                d[x] = GC_BGD;
        }
    }
    return seeds;
}

void segmentFromSaliency(InputArray image_, InputArray saliency, OutputArray mask_, const SegmentationParams& params,
                         OutputArray cutout, OutputArray seedsOut)
{
    Mat image = image_.getMat();
    if (image.empty() || image.type() != CV_8UC3)
        CV_Error(Error::StsBadArg, "GrabCut needs an 8-bit 3-channel (BGR) image");
    Mat seeds = saliencySeeds(saliency, image.size(), params);
    if (seedsOut.needed())
        seeds.copyTo(seedsOut);
    Mat gc = seeds.clone();
    const bool hasFg = cv::countNonZero(gc == GC_FGD) + cv::countNonZero(gc == GC_PR_FGD) > 0;
    const bool hasBg = cv::countNonZero(gc == GC_BGD) + cv::countNonZero(gc == GC_PR_BGD) > 0;
    Mat mask;
    if (hasFg && hasBg)
    {
        Mat bgModel, fgModel;
        // GrabCut initialises its colour models with k-means seeded from cv::theRNG(): fix the seed so the same
        // map always gives the same mask, and give the caller's thread its generator back afterwards.
        RNG& rng = theRNG();
        const uint64 saved = rng.state;
        rng.state = 0x1F0A5C3Du;
        try
        {
            cv::grabCut(image, gc, Rect(), bgModel, fgModel, params.iterations, GC_INIT_WITH_MASK);
        }
        catch (...)
        {
            rng.state = saved;
            throw;
        }
        rng.state = saved;
        mask = (gc == GC_FGD) | (gc == GC_PR_FGD);
    }
    else
        mask = Mat::zeros(image.size(), CV_8U);  // a constant map selects nothing
    mask.copyTo(mask_);
    if (cutout.needed())
    {
        Mat out = Mat::zeros(image.size(), image.type());
        image.copyTo(out, mask);
        out.copyTo(cutout);
    }
}

double maskIoU(InputArray a_, InputArray b_)
{
    Mat a = a_.getMat(), b = b_.getMat();
    if (a.size() != b.size())
        CV_Error(Error::StsBadSize, cv::format("the masks differ in size (%dx%d vs %dx%d): resize one to the other first",
                                               a.cols, a.rows, b.cols, b.rows));
    if (a.channels() != 1 || b.channels() != 1)
        CV_Error(Error::StsBadArg, "masks must be single-channel");
    Mat ma = a != 0, mb = b != 0;
    const int inter = cv::countNonZero(ma & mb), uni = cv::countNonZero(ma | mb);
    return uni == 0 ? 1.0 : (double)inter / uni;
}

}  // namespace interp
}  // namespace cv
