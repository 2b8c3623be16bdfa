// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of max, average, sum and global pooling over 1, 2 or 3 spatial axes: N x C x L blobs (MaxPool1d,
// AvgPool1d), N x C x H x W and N x C x D x H x W (3-D pooling, and torch's LocalResponseNorm export, which
// averages squares over a window of channels of an N x 1 x C x H x W view).
//
// Every case is the 3-D one with missing leading spatial axes of size 1 (kernel 1, stride 1, no padding).
// A pooling layer inside a network keeps no argmax (cv::dnn computes it only for layers with two outputs, at
// about the cost of this rule's scan, so asking for it would move the work into the forward pass, not save it):
// max pooling re-finds the maximum of each window in the recorded input, scanning it in memory order and
// keeping the first of tied maxima, as cv::dnn's argmax and PyTorch's do; the gradient is added (not written)
// to that position so overlapping windows (AlexNet's 3x3 stride 2) accumulate. Windows follow cv::dnn's
// geometry: start = o*stride - pad_begin, clipped to the input; average pooling divides by the window clipped
// to the padded input (count_include_pad) or to the input (exclude padding), as the forward pass does.
#include "../precomp.hpp"
#include "rules.hpp"

#include <opencv2/core/hal/intrin.hpp>

#include <limits>

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
        // max pooling: the windows of a row [xBegin, xEnd) that hold an input column (the others get no gradient)
        int xBegin = 0, xEnd = out[2];
        while (xBegin < xEnd && win[2][xBegin].lo >= win[2][xBegin].hi)
            xBegin++;
        while (xEnd > xBegin && win[2][xEnd - 1].lo >= win[2][xEnd - 1].hi)
            xEnd--;
        const RowScan scan(axes[2], in[2], win[2]);
        Mat dx = newBlob(dnn::shape(x));
        // a few stripes per thread: one per plane made a call (and two allocations) per 7 x 7 plane of a global pooling
        cv::parallel_for_(Range(0, planes), [&](const Range& r) {
            std::vector<int> at(scan.outCols);
            std::vector<float> padded;
            if (type == POOL_MAX)
                padded.assign((size_t)in[0] * in[1] * scan.cols, std::numeric_limits<float>::quiet_NaN());
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float* src = x.ptr<float>() + (size_t)nc * inPlane;
                const float* g = dy.ptr<float>() + (size_t)nc * outPlane;
                float* dst = dx.ptr<float>() + (size_t)nc * inPlane;
                std::fill(dst, dst + inPlane, 0.f);  // zeroed here, so that the plane is in the cache
                if (type == POOL_MAX)
                    for (int row = 0; row < in[0] * in[1]; row++)
                        std::copy(src + (size_t)row * in[2], src + (size_t)(row + 1) * in[2],
                                  padded.data() + (size_t)row * scan.cols + axes[2].padBegin);
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
                        scan.argmax(padded.data(), in, wd, wy, at.data());
                        // in output order, as the forward pass visits the windows (overlapping windows accumulate)
                        for (int ox = xBegin; ox < xEnd; ox++)
                            dst[at[ox]] += g[ox];
                    }
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

    /* The first maxima of the windows of an output row, found in a copy of the input plane whose rows are padded with
       NaN on both sides (column c of a padded row is input column c - padBegin), so that every window reads whole
       kernel columns, border windows included, and strides 1 and 2 run W windows at a time on OpenCV's universal
       intrinsics. Each window starts from its first input element and compares every element in memory order with a
       strict >, as the forward pass scans it: the first of tied maxima wins, a NaN only when it is the window's first
       element, and the NaN padding never (NaN > best is false). */
    struct RowScan
    {
        PoolAxis ax;
        int inW;
        int outCols;            // the output row rounded up to whole vectors
        int cols;               // columns of a padded row
        std::vector<int> first; // per output column: the input column of the window's first element

        RowScan(const PoolAxis& a, int inW_, const std::vector<Window>& wx) : ax(a), inW(inW_)
        {
            const int W = lanes();
            const int outW = (int)wx.size();
            outCols = (outW + W - 1) / W * W;
            // the last vector's windows, and stride 2's load of 2 W floats, stay inside the padded row
            cols = std::max(ax.padBegin + inW, outCols * ax.stride + ax.kernel + 1);
            first.assign(outCols, 0);
            for (int ox = 0; ox < outW; ox++)
                first[ox] = wx[ox].lo < wx[ox].hi ? wx[ox].lo : 0;
        }

        static int lanes()
        {
#if CV_SIMD
            return v_float32::nlanes;
#else
            return 1;
#endif
        }

        /* at[ox] = offset in the input plane of the first maximum of window (wd, wy, ox), for every ox < outCols (the
           columns past the output row and windows without an input column get an offset that is not used). */
        void argmax(const float* padded, const int in[3], const Window& wd, const Window& wy, int* at) const
        {
#if CV_SIMD
            if (ax.stride == 1)
                return vectorArgmax<1>(padded, in, wd, wy, at);
            if (ax.stride == 2)
                return vectorArgmax<2>(padded, in, wd, wy, at);
#endif
            const int firstRow = wd.lo * in[1] + wy.lo;
            for (int ox = 0; ox < outCols; ox++)
            {
                int where = firstRow * inW + first[ox];
                float best = padded[(size_t)firstRow * cols + ax.padBegin + first[ox]];
                for (int d = wd.lo; d < wd.hi; d++)
                    for (int y = wy.lo; y < wy.hi; y++)
                    {
                        const int row = d * in[1] + y;
                        const float* p = padded + (size_t)row * cols + ox * ax.stride;
                        for (int k = 0; k < ax.kernel; k++)
                            if (p[k] > best)
                            {
                                best = p[k];
                                where = row * inW + ox * ax.stride + k - ax.padBegin;
                            }
                    }
                at[ox] = where;
            }
        }

#if CV_SIMD
        //! argmax() for stride S, W consecutive windows per vector (stride 2 keeps the even floats of 2 W).
        template<int S>
        void vectorArgmax(const float* padded, const int in[3], const Window& wd, const Window& wy, int* at) const
        {
            const int W = v_float32::nlanes;
            int steps[16];
            for (int i = 0; i < W; i++)
                steps[i] = i * S;
            const v_int32 lanes = vx_load(steps);
            const int firstRow = wd.lo * in[1] + wy.lo;
            const float* firstPadded = padded + (size_t)firstRow * cols + ax.padBegin;
            for (int ox = 0; ox < outCols; ox += W)
            {
                const v_int32 firstCols = vx_load(first.data() + ox);
                v_float32 best = v_lut(firstPadded, firstCols);
                v_int32 where = vx_setall_s32(firstRow * inW) + firstCols;
                for (int d = wd.lo; d < wd.hi; d++)
                    for (int y = wy.lo; y < wy.hi; y++)
                    {
                        const int row = d * in[1] + y;
                        const float* p = padded + (size_t)row * cols + ox * S;
                        const int base = row * inW + ox * S - ax.padBegin;
                        for (int k = 0; k < ax.kernel; k++)
                        {
                            v_float32 v, odd;
                            if (S == 1)
                                v = vx_load(p + k);
                            else
                                v_load_deinterleave(p + k, v, odd);
                            const v_float32 greater = v > best;
                            best = v_select(greater, v, best);
                            where = v_select(v_reinterpret_as_s32(greater), vx_setall_s32(base + k) + lanes, where);
                        }
                    }
                v_store(at + ox, where);
            }
        }
#endif
    };

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
