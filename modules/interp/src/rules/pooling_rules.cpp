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

#include <opencv2/core/hal/intrin.hpp>

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
        Mat dx = newBlob(dnn::shape(x));
        // a few stripes per thread: one per plane made a call (and two allocations) per 7 x 7 plane of a global pooling
        cv::parallel_for_(Range(0, planes), [&](const Range& r) {
            std::vector<int> at(out[2]);
            std::vector<float> best(out[2]);
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float* src = x.ptr<float>() + (size_t)nc * inPlane;
                const float* g = dy.ptr<float>() + (size_t)nc * outPlane;
                float* dst = dx.ptr<float>() + (size_t)nc * inPlane;
                std::fill(dst, dst + inPlane, 0.f);  // zeroed here, so that the plane is in the cache
                // Max pooling: neighbouring windows often share their maximum; their gradients are summed in a
                // register and added once, instead of a chain of dependent read-modify-writes of one element.
                int pendingAt = 0;
                float pending = 0.f;
                for (int od = 0; od < out[0]; od++)
                    for (int oy = 0; oy < out[1]; oy++, g += out[2])
                    {
                        const Window& wd = win[0][od];
                        const Window& wy = win[1][oy];
                        if (wd.lo >= wd.hi || wy.lo >= wy.hi)
                            continue;
                        if (type != POOL_MAX)
                        {
                            for (int ox = 0; ox < out[2]; ox++)
                                if (win[2][ox].lo < win[2][ox].hi)
                                    scatterShare(dst, in, wd, wy, win[2][ox], g[ox]);
                            continue;
                        }
                        rowArgmax(src, in, wd, wy, win[2], axes[2], at.data(), best.data());
                        for (int ox = 0; ox < out[2]; ox++)
                        {
                            if (win[2][ox].lo >= win[2][ox].hi || g[ox] == 0.f)
                                continue;
                            if (at[ox] != pendingAt)
                            {
                                dst[pendingAt] += pending;
                                pendingAt = at[ox];
                                pending = 0.f;
                            }
                            pending += g[ox];
                        }
                    }
                dst[pendingAt] += pending;
            }
        }, std::min(4.0 * cv::getNumThreads(), (double)planes));
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

    /* One column of every window of a row: src[base + ox * stride] against best[ox], for ox in [lo, hi). Strides 1
       and 2 (all but a few pooling layers) run on OpenCV's universal intrinsics, lanes = consecutive windows. */
    template<int S>
    static inline void stridedMax(const float* src, int base, int stride, int lo, int hi, int* at, float* best)
    {
        int ox = lo;
#if CV_SIMD
        if (S == 1 || S == 2)
        {
            const int W = v_float32::nlanes;
            static const int steps[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
            const v_int32 lanes = vx_load(steps) * vx_setall_s32(S);
            // stride 2 loads 2 W floats and keeps the even ones: ox + W < hi keeps the last odd one in the input
            for (; S == 1 ? ox + W <= hi : ox + W < hi; ox += W)
            {
                v_float32 v, odd;
                if (S == 1)
                    v = vx_load(src + base + ox);
                else
                    v_load_deinterleave(src + base + 2 * ox, v, odd);
                const v_float32 b = vx_load(best + ox);
                const v_float32 greater = v > b;
                v_store(best + ox, v_select(greater, v, b));
                const v_int32 offsets = vx_setall_s32(base + ox * S) + lanes;
                v_store(at + ox, v_select(v_reinterpret_as_s32(greater), offsets, vx_load(at + ox)));
            }
        }
#endif
        for (; ox < hi; ox++)
        {
            const float v = src[base + ox * stride];
            if (v > best[ox])
            {
                best[ox] = v;
                at[ox] = base + ox * stride;
            }
        }
    }

    /* Offsets of the first maxima, in memory order (as the forward pass finds them), of the windows of one output
       row: at[ox] for the window (wd, wy, wx[ox]). Each window is scanned in memory order, from its first element,
       with a strict comparison, so ties and NaNs resolve as in a window-by-window scan. Windows whose columns are all
       inside the input, for strides 1 and 2, run W at a time with their maxima in registers (interiorArgmax); the
       others, at the borders, column by column of the kernel over all of them (scanArgmax). Entries of windows
       outside the input are left unset. */
    static void rowArgmax(const float* src, const int in[3], const Window& wd, const Window& wy,
                          const std::vector<Window>& wx, const PoolAxis& ax, int* at, float* best)
    {
        const int outW = (int)wx.size();
        int vecBegin = 0, vecEnd = 0;
#if CV_SIMD
        if (ax.stride == 1 || ax.stride == 2)
        {
            // columns ox * stride - padBegin + k inside the input for every k: the range of k = 0 and k = kernel - 1
            vecBegin = std::min(outW, columnRange(ax, in[2], outW, 0).first);
            vecEnd = std::max(vecBegin, columnRange(ax, in[2], outW, ax.kernel - 1).second);
            vecEnd = ax.stride == 1 ? interiorArgmax<1>(src, in, wd, wy, ax, vecBegin, vecEnd, at)
                                    : interiorArgmax<2>(src, in, wd, wy, ax, vecBegin, vecEnd, at);
        }
#endif
        scanArgmax(src, in, wd, wy, wx, ax, 0, vecBegin, at, best);
        scanArgmax(src, in, wd, wy, wx, ax, vecEnd, outW, at, best);
    }

    //! The output columns [lo, hi) whose kernel column k lies inside the input.
    static std::pair<int, int> columnRange(const PoolAxis& ax, int inW, int outW, int k)
    {
        const int shift = k - ax.padBegin;
        const int lo = std::max(0, shift >= 0 ? 0 : (-shift + ax.stride - 1) / ax.stride);
        const int hi = std::min(outW, inW - 1 - shift < 0 ? 0 : (inW - 1 - shift) / ax.stride + 1);
        return std::make_pair(lo, std::max(lo, hi));
    }

#if CV_SIMD
    /* rowArgmax() for the windows [begin, end) whose columns are all inside the input, W at a time, the best value and
       offset of each lane in registers; returns where it stopped (the rest is for scanArgmax). Stride 2 loads 2 W
       floats and keeps the even ones: ox + W < end keeps the last odd one in the input. */
    template<int S>
    static int interiorArgmax(const float* src, const int in[3], const Window& wd, const Window& wy,
                              const PoolAxis& ax, int begin, int end, int* at)
    {
        const int W = v_float32::nlanes;
        static const int steps[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
        const v_int32 lanes = vx_load(steps) * vx_setall_s32(S);
        int ox = begin;
        for (; S == 1 ? ox + W <= end : ox + W < end; ox += W)
        {
            v_float32 best = vx_setzero_f32();
            v_int32 where = vx_setzero_s32();
            bool first = true;
            for (int d = wd.lo; d < wd.hi; d++)
                for (int y = wy.lo; y < wy.hi; y++)
                    for (int k = 0; k < ax.kernel; k++)
                    {
                        const int base = (d * in[1] + y) * in[2] + k - ax.padBegin + ox * S;
                        v_float32 v, odd;
                        if (S == 1)
                            v = vx_load(src + base);
                        else
                            v_load_deinterleave(src + base, v, odd);
                        const v_int32 offsets = vx_setall_s32(base) + lanes;
                        if (first)
                        {
                            best = v;
                            where = offsets;
                            first = false;
                            continue;
                        }
                        const v_float32 greater = v > best;
                        best = v_select(greater, v, best);
                        where = v_select(v_reinterpret_as_s32(greater), offsets, where);
                    }
            v_store(at + ox, where);
        }
        return ox;
    }
#endif

    //! rowArgmax() for the windows [oxBegin, oxEnd), one kernel column at a time over all of them.
    static void scanArgmax(const float* src, const int in[3], const Window& wd, const Window& wy,
                           const std::vector<Window>& wx, const PoolAxis& ax, int oxBegin, int oxEnd, int* at,
                           float* best)
    {
        if (oxBegin >= oxEnd)
            return;
        for (int ox = oxBegin; ox < oxEnd; ox++)
            if (wx[ox].lo < wx[ox].hi)
            {
                at[ox] = (wd.lo * in[1] + wy.lo) * in[2] + wx[ox].lo;
                best[ox] = src[at[ox]];
            }
        for (int d = wd.lo; d < wd.hi; d++)
            for (int y = wy.lo; y < wy.hi; y++)
            {
                const int row = (d * in[1] + y) * in[2];
                for (int k = 0; k < ax.kernel; k++)
                {
                    // column x = ox * stride - padBegin + k, inside the input for ox in [lo, hi)
                    std::pair<int, int> r = columnRange(ax, in[2], (int)wx.size(), k);
                    const int lo = std::max(r.first, oxBegin), hi = std::min(r.second, oxEnd);
                    const int shift = k - ax.padBegin;
                    if (ax.stride == 1)
                        stridedMax<1>(src, row + shift, 1, lo, hi, at, best);
                    else if (ax.stride == 2)
                        stridedMax<2>(src, row + shift, 2, lo, hi, at, best);
                    else
                        stridedMax<0>(src, row + shift, ax.stride, lo, hi, at, best);
                }
            }
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
