// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of local response normalisation, across channels and within a channel.
//
// cv::dnn computes y_k = x_k * s_k^-beta with s_k = bias + a * sum_{j in W(k)} x_j^2, where a = alpha/size
// (alpha/size^2 within a channel) when normBySize, else alpha; W(k) is the channels k-r..k+r (r = size/2),
// or the size x size box around a pixel with zero padding. Hence
//     dx_j = dy_j s_j^-beta - 2 a beta x_j sum_{k: j in W(k)} dy_k x_k s_k^(-beta-1),
// and W is symmetric so the inner sum runs over W(j).
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

// Values of LRNLayer::type (the enum is private to cv::dnn).
enum { LRN_ACROSS_CHANNELS = 0, LRN_WITHIN_CHANNEL = 1 };

class LrnBackward : public LayerBackward
{
public:
    bool acrossChannels;
    int size;
    float a, beta, bias;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        Mat dx = newBlobLike(x);
        if (acrossChannels)
            across(x, dy, dx);
        else
            within(x, dy, dx);
        inputGrads[0] = dx;
    }

private:
    /* Across channels, for a block of L pixels at a time so that the loops over pixels vectorise:
       s_c = bias + a * sum_{j in window(c)} x_j^2, dx_c = dy_c s_c^-beta - 2 a beta x_c sum_{j in window(c)} t_j,
       t_j = dy_j x_j s_j^(-beta-1); one cv::pow per block (s^(-beta-1) = s^-beta / s). */
    void across(const Mat& x, const Mat& dy, Mat& dx) const
    {
        const int N = x.size[0], C = x.size[1];
        const size_t plane = x.total() / ((size_t)N * C);
        const int r = (size - 1) / 2;
        const int L = 64;
        const size_t blocksPerSample = (plane + L - 1) / L;
        cv::parallel_for_(Range(0, (int)(N * blocksPerSample)), [&](const Range& range) {
            Mat sq(C, L, CV_32F), s(C, L, CV_32F), sb(C, L, CV_32F), t(C, L, CV_32F);
            std::vector<float> acc(L);
            for (int job = range.start; job < range.end; job++)
            {
                const int n = job / (int)blocksPerSample;
                const size_t p0 = (job % blocksPerSample) * L;
                const int len = (int)std::min<size_t>(L, plane - p0);
                const float* px = x.ptr<float>() + (size_t)n * C * plane + p0;
                const float* pdy = dy.ptr<float>() + (size_t)n * C * plane + p0;
                float* pdx = dx.ptr<float>() + (size_t)n * C * plane + p0;
                for (int c = 0; c < C; c++)
                {
                    float* q = sq.ptr<float>(c);
                    const float* xc = px + c * plane;
                    for (int i = 0; i < len; i++)
                        q[i] = xc[i] * xc[i];
                }
                for (int c = 0; c < C; c++)
                {
                    windowSum(sq, c, r, len, acc.data());
                    float* sc = s.ptr<float>(c);
                    for (int i = 0; i < len; i++)
                        sc[i] = bias + a * acc[i];
                }
                cv::pow(s.colRange(0, len), -(double)beta, sb.colRange(0, len));
                for (int c = 0; c < C; c++)
                {
                    const float* xc = px + c * plane;
                    const float* dyc = pdy + c * plane;
                    const float* sc = s.ptr<float>(c);
                    const float* sbc = sb.ptr<float>(c);
                    float* tc = t.ptr<float>(c);
                    for (int i = 0; i < len; i++)
                        tc[i] = dyc[i] * xc[i] * sbc[i] / sc[i];
                }
                const float k = 2.f * a * beta;
                for (int c = 0; c < C; c++)
                {
                    windowSum(t, c, r, len, acc.data());
                    const float* xc = px + c * plane;
                    const float* dyc = pdy + c * plane;
                    const float* sbc = sb.ptr<float>(c);
                    float* dxc = pdx + c * plane;
                    for (int i = 0; i < len; i++)
                        dxc[i] = dyc[i] * sbc[i] - k * xc[i] * acc[i];
                }
            }
        });
    }

    //! acc[i] = sum of rows j of m in [c - r, c + r] (clipped to the rows), columns [0, len)
    static void windowSum(const Mat& m, int c, int r, int len, float* acc)
    {
        std::fill(acc, acc + len, 0.f);
        for (int j = std::max(0, c - r); j <= std::min(m.rows - 1, c + r); j++)
        {
            const float* row = m.ptr<float>(j);
            for (int i = 0; i < len; i++)
                acc[i] += row[i];
        }
    }

    void within(const Mat& x, const Mat& dy, Mat& dx) const
    {
        const int N = x.size[0], C = x.size[1], H = x.size[2], W = x.size[3];
        cv::parallel_for_(Range(0, N * C), [&](const Range& range) {
            for (int nc = range.start; nc < range.end; nc++)
            {
                Mat xp(H, W, CV_32F, (void*)(x.ptr<float>() + (size_t)nc * H * W));
                Mat gp(H, W, CV_32F, (void*)(dy.ptr<float>() + (size_t)nc * H * W));
                Mat dp(H, W, CV_32F, dx.ptr<float>() + (size_t)nc * H * W);
                Mat x64, g64, sq, s, t, ts;
                xp.convertTo(x64, CV_64F);
                gp.convertTo(g64, CV_64F);
                cv::sqrBoxFilter(x64, sq, CV_64F, Size(size, size), Point(-1, -1), false, BORDER_CONSTANT);
                s = sq * a + bias;
                Mat sPowB, sPowB1;
                cv::pow(s, -(double)beta, sPowB);
                cv::pow(s, -(double)beta - 1.0, sPowB1);
                t = g64.mul(x64).mul(sPowB1);
                cv::boxFilter(t, ts, CV_64F, Size(size, size), Point(-1, -1), false, BORDER_CONSTANT);
                Mat res = g64.mul(sPowB) - x64.mul(ts) * (2.0 * a * beta);
                res.convertTo(dp, CV_32F);
            }
        });
    }
};

Ptr<LayerBackward> lrnRule(const LayerContext& ctx)
{
    Ptr<dnn::LRNLayer> l = layerAs<dnn::LRNLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    Ptr<LrnBackward> b = makePtr<LrnBackward>();
    b->acrossChannels = l->type == LRN_ACROSS_CHANNELS;
    if (!b->acrossChannels && l->type != LRN_WITHIN_CHANNEL)
        unsupported(ctx, "unknown LRN region");
    if (in.size() != 4 && !(b->acrossChannels && in.size() >= 2))
        unsupported(ctx, "LRN within a channel needs an N x C x H x W input");
    b->size = l->size;
    const int norm = l->normBySize ? (b->acrossChannels ? l->size : l->size * l->size) : 1;
    b->a = l->alpha / norm;
    b->beta = l->beta;
    b->bias = l->bias;
    return b;
}

}  // namespace

void registerLrnRules(const RuleRegistrar& add)
{
    add("LRN", BACKWARD_STANDARD, lrnRule);
}

}  // namespace interp
}  // namespace cv
