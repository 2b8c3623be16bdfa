// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of max, average, sum and global pooling over 1, 2 or 3 spatial axes: N x C x L blobs (MaxPool1d,
// AvgPool1d), N x C x H x W and N x C x D x H x W (3-D pooling, and torch's LocalResponseNorm export, which
// averages squares over a window of channels of an N x 1 x C x H x W view).
//
// Every case is the 3-D one with missing leading spatial axes of size 1 (kernel 1, stride 1, no padding).
// A pooling layer inside a network keeps no argmax (cv::dnn computes it only for layers with two outputs),
// so max pooling re-finds the maximum of each window in the recorded input, scanning it in memory order and
// keeping the first maximum, as the forward pass does; the gradient is added (not written) to that position
// so overlapping windows (AlexNet's 3x3 stride 2) accumulate. Windows follow cv::dnn's geometry:
// start = o*stride - pad_begin, clipped to the input; average pooling divides by the window clipped to the
// padded input (count_include_pad) or to the input (exclude padding), as the forward pass does.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

enum { POOL_MAX = 0, POOL_AVE = 1, POOL_STOCHASTIC = 2, POOL_SUM = 3 };

//! One spatial axis of a pooling window: kernel, stride, padding before and after.
struct PoolAxis
{
    int kernel = 1, stride = 1, padBegin = 0, padEnd = 0;
};

class PoolingBackward : public LayerBackward
{
public:
    int type = POOL_MAX;
    PoolAxis axes[3];  // depth, rows, columns
    bool paddedArea = true;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs,
                  const std::vector<Mat>& outputGrads, const std::vector<bool>& needed,
                  std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        int in[3], out[3];
        spatialSizes(x, in);
        spatialSizes(outputs[0], out);
        // the window of every output index along each axis: [lo, hi) in the input, and its padded extent
        std::vector<Window> win[3];
        for (int a = 0; a < 3; a++)
            windows(axes[a], in[a], out[a], win[a]);
        const size_t inPlane = (size_t)in[0] * in[1] * in[2], outPlane = (size_t)out[0] * out[1] * out[2];
        const int planes = x.size[0] * x.size[1];
        Mat dx = zeroBlob(dnn::shape(x));
        cv::parallel_for_(Range(0, planes), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float* src = x.ptr<float>() + (size_t)nc * inPlane;
                const float* g = dy.ptr<float>() + (size_t)nc * outPlane;
                float* dst = dx.ptr<float>() + (size_t)nc * inPlane;
                for (int od = 0; od < out[0]; od++)
                    for (int oy = 0; oy < out[1]; oy++, g += out[2])
                    {
                        const Window& wd = win[0][od];
                        const Window& wy = win[1][oy];
                        if (wd.lo >= wd.hi || wy.lo >= wy.hi)
                            continue;
                        for (int ox = 0; ox < out[2]; ox++)
                        {
                            const Window& wx = win[2][ox];
                            if (wx.lo >= wx.hi)
                                continue;
                            if (type == POOL_MAX)
                                scatterMax(src, dst, in, wd, wy, wx, g[ox]);
                            else
                                scatterShare(dst, in, wd, wy, wx, g[ox]);
                        }
                    }
            }
        });
        inputGrads[0] = dx;
    }

private:
    struct Window
    {
        int lo, hi;    // clipped to the input
        int padded;    // extent clipped to the padded input
    };

    static void windows(const PoolAxis& p, int in, int out, std::vector<Window>& w)
    {
        w.resize(out);
        for (int o = 0; o < out; o++)
        {
            const int start = o * p.stride - p.padBegin;
            const int end = std::min(start + p.kernel, in + p.padEnd);
            w[o].padded = end - start;
            w[o].lo = std::max(start, 0);
            w[o].hi = std::min(end, in);
        }
    }

    //! The blob's spatial sizes as depth, rows, columns (1 for missing axes).
    static void spatialSizes(const Mat& m, int s[3])
    {
        const int spatial = m.dims - 2;
        for (int a = 0; a < 3; a++)
            s[a] = a < 3 - spatial ? 1 : m.size[2 + a - (3 - spatial)];
    }

    //! Adds gv to the first maximum of the window, in memory order (as the forward pass finds it).
    static inline void scatterMax(const float* src, float* dst, const int in[3], const Window& wd, const Window& wy,
                                  const Window& wx, float gv)
    {
        if (gv == 0.f)
            return;
        size_t best = ((size_t)wd.lo * in[1] + wy.lo) * in[2] + wx.lo;
        float bv = src[best];
        for (int d = wd.lo; d < wd.hi; d++)
            for (int y = wy.lo; y < wy.hi; y++)
            {
                const size_t row = ((size_t)d * in[1] + y) * in[2];
                for (int xx = wx.lo; xx < wx.hi; xx++)
                    if (src[row + xx] > bv)
                    {
                        bv = src[row + xx];
                        best = row + xx;
                    }
            }
        dst[best] += gv;
    }

    //! Adds the average's (or sum's) share of gv to every input position of the window.
    inline void scatterShare(float* dst, const int in[3], const Window& wd, const Window& wy, const Window& wx,
                             float gv) const
    {
        const double count = paddedArea ? (double)wd.padded * wy.padded * wx.padded
                                        : (double)(wd.hi - wd.lo) * (wy.hi - wy.lo) * (wx.hi - wx.lo);
        const float share = type == POOL_AVE ? (float)(gv / count) : gv;
        for (int d = wd.lo; d < wd.hi; d++)
            for (int y = wy.lo; y < wy.hi; y++)
            {
                float* row = dst + ((size_t)d * in[1] + y) * in[2];
                for (int xx = wx.lo; xx < wx.hi; xx++)
                    row[xx] += share;
            }
    }
};

/* The per-axis window parameters. cv::dnn keeps one entry per spatial axis, except that an unfinalized
   1-D pooling layer still holds the two (equal) entries the parameter parser made of a single kernel size. */
bool windowAxis(const std::vector<size_t>& v, int spatial, int a, size_t& value)
{
    if ((int)v.size() == spatial)
        value = v[a];
    else if (spatial == 1 && v.size() == 2)
        value = v[0];
    else
        return false;
    return true;
}

Ptr<LayerBackward> poolingRule(const LayerContext& ctx)
{
    Ptr<dnn::PoolingLayer> p = layerAs<dnn::PoolingLayer>(ctx);
    if (p->type != POOL_MAX && p->type != POOL_AVE && p->type != POOL_SUM)
        unsupported(ctx, "only max, average and sum pooling have a backward rule (not stochastic or ROI pooling)");
    if (ctx.inputShapes.size() != 1)
        unsupported(ctx, "pooling with several inputs has no backward rule");
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    const int spatial = (int)in.size() - 2;
    if (spatial < 1 || spatial > 3 || out.size() != in.size())
        unsupported(ctx, cv::format("pooling of a %d-D blob has no backward rule: it needs N x C x L, N x C x H x W "
                                    "or N x C x D x H x W", (int)in.size()));
    Ptr<PoolingBackward> b = makePtr<PoolingBackward>();
    b->type = p->type;
    b->paddedArea = p->avePoolPaddedArea;
    for (int a = 0; a < spatial; a++)
    {
        size_t k = 0, s = 0, pb = 0, pe = 0;
        if (!windowAxis(p->kernel_size, spatial, a, k) || !windowAxis(p->strides, spatial, a, s) ||
            !windowAxis(p->pads_begin, spatial, a, pb) || !windowAxis(p->pads_end, spatial, a, pe))
            unsupported(ctx, cv::format("the window has %d axes for %d spatial axes of the input",
                                        (int)p->kernel_size.size(), spatial));
        PoolAxis& w = b->axes[3 - spatial + a];
        w.kernel = (int)k;
        w.stride = (int)s;
        w.padBegin = (int)pb;
        w.padEnd = (int)pe;
        if (w.kernel < 1 || w.stride < 1)
            unsupported(ctx, "a kernel or stride below 1");
    }
    return b;
}

}  // namespace

void registerPoolingRules(const RuleRegistrar& add)
{
    add("Pooling", BACKWARD_STANDARD, poolingRule);
}

}  // namespace interp
}  // namespace cv
