// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Regularisers of feature visualisation: penalties with gradients (L2 decay, total variation) and
// projections applied between steps (Gaussian blur, clipping of pixels with small norm or contribution).
#include "../precomp.hpp"
#include "synthesis_impl.hpp"

namespace cv {
namespace interp {
namespace synthesis {

namespace {

void checkBlob(const Mat& m)
{
    CV_Assert(m.dims == 4 && m.type() == CV_32F && m.isContinuous());
}

//! Value below which `percentile` percent of `v` lie (nearest rank).
float percentileOf(std::vector<float> v, double percentile)
{
    CV_Assert(!v.empty());
    const double q = std::min(std::max(percentile, 0.0), 100.0) / 100.0;
    const size_t k = std::min(v.size() - 1, (size_t)std::floor(q * (double)v.size()));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
}

//! Sets every channel of the pixels whose score is below the percentile to 0, per sample.
void clipByScore(Mat& blob, const Mat& score, double percentile)
{
    const int N = blob.size[0], C = blob.size[1];
    const size_t plane = (size_t)blob.size[2] * blob.size[3];
    for (int n = 0; n < N; n++)
    {
        const float* s = score.ptr<float>(n);
        const float thr = percentileOf(std::vector<float>(s, s + plane), percentile);
        for (size_t i = 0; i < plane; i++)
            if (s[i] < thr)
                for (int c = 0; c < C; c++)
                    blob.ptr<float>(n, c)[i] = 0.f;
    }
}

}  // namespace

std::vector<double> l2Penalty(const Mat& blob, double w, Mat& grad)
{
    checkBlob(blob);
    const int N = blob.size[0];
    const size_t per = blob.total() / N;
    std::vector<double> values(N, 0.0);
    for (int n = 0; n < N; n++)
    {
        const float* x = blob.ptr<float>(n);
        float* g = grad.ptr<float>(n);
        double acc = 0;
        for (size_t i = 0; i < per; i++)
        {
            acc += (double)x[i] * x[i];
            g[i] -= (float)(2.0 * w) * x[i];
        }
        values[n] = w * acc;
    }
    return values;
}

std::vector<double> tvPenalty(const Mat& blob, double w, double beta, Mat& grad)
{
    checkBlob(blob);
    const int N = blob.size[0], C = blob.size[1], H = blob.size[2], W = blob.size[3];
    /* sum over pixels of (dx^2 + dy^2 + eps^2)^(beta / 2) - eps^beta, forward differences (0 past the last row /
       column); eps only keeps beta < 2 differentiable at flat pixels. */
    const double eps = beta < 2 ? 1e-2 : 0.0, offset = std::pow(eps, beta);
    std::vector<double> perPlane((size_t)N * C, 0.0);
    parallel_for_(Range(0, N * C), [&](const Range& r) {
        for (int i = r.start; i < r.end; i++)
        {
            const int n = i / C, c = i % C;
            const float* x = blob.ptr<float>(n, c);
            float* g = grad.ptr<float>(n, c);
            double acc = 0;
            for (int y = 0; y < H; y++)
                for (int xx = 0; xx < W; xx++)
                {
                    const size_t o = (size_t)y * W + xx;
                    const double dx = xx + 1 < W ? (double)x[o + 1] - x[o] : 0.0;
                    const double dy = y + 1 < H ? (double)x[o + W] - x[o] : 0.0;
                    const double q = dx * dx + dy * dy + eps * eps;
                    if (q <= 0)
                        continue;
                    acc += std::pow(q, 0.5 * beta) - offset;
                    // d/dx[o] of q^(beta/2) = -beta q^(beta/2 - 1) (dx + dy); d/dx[o+1]: beta q^(..) dx; d/dx[o+W]: .. dy.
                    // The gradient of -w * TV is added.
                    const double k = w * beta * std::pow(q, 0.5 * beta - 1.0);
                    g[o] += (float)(k * (dx + dy));
                    if (xx + 1 < W)
                        g[o + 1] -= (float)(k * dx);
                    if (y + 1 < H)
                        g[o + W] -= (float)(k * dy);
                }
            perPlane[i] = acc;
        }
    });
    std::vector<double> values(N, 0.0);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            values[n] += w * perPlane[(size_t)n * C + c];
    return values;
}

void blurBlob(Mat& blob, double sigma)
{
    checkBlob(blob);
    const int N = blob.size[0], C = blob.size[1], H = blob.size[2], W = blob.size[3];
    parallel_for_(Range(0, N * C), [&](const Range& r) {
        for (int i = r.start; i < r.end; i++)
        {
            Mat p(H, W, CV_32F, blob.ptr<float>(i / C, i % C));
            cv::GaussianBlur(p, p, Size(0, 0), sigma, sigma, BORDER_REFLECT);
        }
    });
}

//! N x (H W) scores of each pixel of an N x C x H x W blob: f(n, i), i the position in the plane.
template<typename F>
Mat pixelScores(const Mat& blob, F f)
{
    const int N = blob.size[0];
    const size_t plane = (size_t)blob.size[2] * blob.size[3];
    Mat score(N, (int)plane, CV_32F);
    for (int n = 0; n < N; n++)
        for (size_t i = 0; i < plane; i++)
            score.ptr<float>(n)[i] = (float)f(n, i);
    return score;
}

void clipSmallNorm(Mat& blob, double percentile)
{
    checkBlob(blob);
    const int C = blob.size[1];
    const Mat score = pixelScores(blob, [&](int n, size_t i) {
        double acc = 0;
        for (int c = 0; c < C; c++)
        {
            const double v = blob.ptr<float>(n, c)[i];
            acc += v * v;
        }
        return std::sqrt(acc);
    });
    clipByScore(blob, score, percentile);
}

void clipSmallContribution(Mat& blob, const Mat& grad, double percentile)
{
    checkBlob(blob);
    checkBlob(grad);
    CV_Assert(grad.total() == blob.total());
    const int C = blob.size[1];
    const Mat score = pixelScores(blob, [&](int n, size_t i) {
        double acc = 0;
        for (int c = 0; c < C; c++)
            acc += std::abs((double)blob.ptr<float>(n, c)[i] * grad.ptr<float>(n, c)[i]);
        return acc;
    });
    clipByScore(blob, score, percentile);
}

}  // namespace synthesis
}  // namespace interp
}  // namespace cv
