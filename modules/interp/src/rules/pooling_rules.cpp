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
        const size_t inPlane = (size_t)in[0] * in[1] * in[2], outPlane = (size_t)out[0] * out[1] * out[2];
        const int planes = x.size[0] * x.size[1];
        Mat dx = zeroBlob(dnn::shape(x));
        cv::parallel_for_(Range(0, planes), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float* src = x.ptr<float>() + (size_t)nc * inPlane;
                const float* g = dy.ptr<float>() + (size_t)nc * outPlane;
                float* dst = dx.ptr<float>() + (size_t)nc * inPlane;
                size_t o = 0;
                for (int od = 0; od < out[0]; od++)
                    for (int oy = 0; oy < out[1]; oy++)
                        for (int ox = 0; ox < out[2]; ox++, o++)
                        {
                            const int pos[3] = { od, oy, ox };
                            scatterWindow(pos, in, src, g[o], dst);
                        }
            }
        });
        inputGrads[0] = dx;
    }

private:
    //! The blob's spatial sizes as depth, rows, columns (1 for missing axes).
    static void spatialSizes(const Mat& m, int s[3])
    {
        const int spatial = m.dims - 2;
        for (int a = 0; a < 3; a++)
            s[a] = a < 3 - spatial ? 1 : m.size[2 + a - (3 - spatial)];
    }

    //! Adds the share of gradient gv of the output at `pos` to the input positions of its window.
    void scatterWindow(const int pos[3], const int in[3], const float* src, float gv, float* dst) const
    {
        int lo[3], hi[3];
        double paddedCount = 1;
        for (int a = 0; a < 3; a++)
        {
            const PoolAxis& p = axes[a];
            const int start = pos[a] * p.stride - p.padBegin;
            const int end = std::min(start + p.kernel, in[a] + p.padEnd);
            paddedCount *= end - start;
            lo[a] = std::max(start, 0);
            hi[a] = std::min(end, in[a]);
            if (lo[a] >= hi[a])
                return;
        }
        if (type == POOL_MAX)
        {
            if (gv == 0.f)
                return;
            float best = -FLT_MAX;
            size_t bestIdx = 0;
            bool found = false;
            for (int d = lo[0]; d < hi[0]; d++)
                for (int y = lo[1]; y < hi[1]; y++)
                    for (int xx = lo[2]; xx < hi[2]; xx++)
                    {
                        const size_t idx = ((size_t)d * in[1] + y) * in[2] + xx;
                        if (!found || src[idx] > best)
                        {
                            best = src[idx];
                            bestIdx = idx;
                            found = true;
                        }
                    }
            dst[bestIdx] += gv;
            return;
        }
        const double count = paddedArea ? paddedCount
                                        : (double)(hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
        const float share = type == POOL_AVE ? (float)(gv / count) : gv;
        for (int d = lo[0]; d < hi[0]; d++)
            for (int y = lo[1]; y < hi[1]; y++)
            {
                float* row = dst + ((size_t)d * in[1] + y) * in[2];
                for (int xx = lo[2]; xx < hi[2]; xx++)
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
