// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Scores of single maps: Spearman rank correlation between two maps, pointing game against an object mask.
#include "../precomp.hpp"

#include <numeric>

namespace cv {
namespace interp {

namespace {

//! Ranks 1..n with ties given their average rank.
std::vector<double> averageRanks(const Mat& m)
{
    const size_t n = m.total();
    const double* v = m.ptr<double>();
    std::vector<int> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [v](int a, int b) { return v[a] < v[b]; });
    std::vector<double> rank(n);
    for (size_t i = 0; i < n;)
    {
        size_t j = i;
        while (j + 1 < n && v[idx[j + 1]] == v[idx[i]])
            j++;
        const double r = 0.5 * (double)(i + j) + 1.0;
        for (size_t k = i; k <= j; k++)
            rank[idx[k]] = r;
        i = j + 1;
    }
    return rank;
}

}  // namespace

double spearmanCorrelation(InputArray a_, InputArray b_)
{
    Mat a = a_.getMat(), b = b_.getMat();
    if (a.empty() || b.empty() || a.channels() != 1 || b.channels() != 1 || a.total() != b.total())
        CV_Error(Error::StsBadSize, cv::format("spearmanCorrelation needs two non-empty single-channel maps with the "
                                               "same number of elements, got %d and %d", (int)a.total(),
                                               (int)b.total()));
    Mat da, db;
    a.reshape(1, 1).convertTo(da, CV_64F);
    b.reshape(1, 1).convertTo(db, CV_64F);
    if (!cv::checkRange(da) || !cv::checkRange(db))
        CV_Error(Error::StsBadArg, "spearmanCorrelation: the maps contain NaN or infinite values");
    const std::vector<double> ra = averageRanks(da), rb = averageRanks(db);
    const size_t n = ra.size();
    const double mean = 0.5 * (double)(n + 1);
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++)
    {
        const double x = ra[i] - mean, y = rb[i] - mean;
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    if (saa <= 0 || sbb <= 0)
        return 0.0;
    return sab / std::sqrt(saa * sbb);
}

bool pointingGameHit(InputArray map_, InputArray mask_, int tolerance)
{
    Mat map = map_.getMat(), mask = mask_.getMat();
    if (map.empty() || map.channels() != 1 || map.dims != 2)
        CV_Error(Error::StsBadArg, "pointingGameHit: the map must be a non-empty single-channel 2-D map");
    if (mask.empty() || mask.type() != CV_8UC1)
        CV_Error(Error::StsBadArg, "pointingGameHit: the mask must be a non-empty 8-bit single-channel image "
                                   "(read it with cv::IMREAD_GRAYSCALE)");
    if (tolerance < 0)
        CV_Error(Error::StsOutOfRange, cv::format("pointingGameHit: the tolerance must be >= 0 pixels, got %d",
                                                  tolerance));
    Mat m;
    map.convertTo(m, CV_32F);
    if (m.size() != mask.size())
        cv::resize(m, m, mask.size(), 0, 0, INTER_LINEAR);
    double lo, hi;
    Point at;
    cv::minMaxLoc(m, &lo, &hi, nullptr, &at);
    if (!(hi > lo))
        return false;
    for (int dy = -tolerance; dy <= tolerance; dy++)
        for (int dx = -tolerance; dx <= tolerance; dx++)
        {
            const Point p(at.x + dx, at.y + dy);
            if (dx * dx + dy * dy <= tolerance * tolerance && p.inside(Rect(0, 0, mask.cols, mask.rows)) &&
                mask.at<uchar>(p) != 0)
                return true;
        }
    return false;
}

}  // namespace interp
}  // namespace cv
