// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of 2-D max, average, sum and global pooling.
//
// A pooling layer inside a network keeps no argmax (cv::dnn computes it only for layers with two outputs),
// so max pooling re-finds the maximum of each window in the recorded input, scanning rows then columns and
// keeping the first maximum, exactly as the forward pass does; the gradient is added (not written) to that
// position so overlapping windows (AlexNet's 3x3 stride 2) accumulate. Windows follow cv::dnn's geometry:
// start = o*stride - pad_begin, clipped to the input; average pooling divides by the window clipped to the
// padded input (count_include_pad) or to the input (exclude padding), as the forward pass does.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

enum { POOL_MAX = 0, POOL_AVE = 1, POOL_STOCHASTIC = 2, POOL_SUM = 3 };

class PoolingBackward : public LayerBackward
{
public:
    int type;
    int kh, kw, sh, sw, pt, pl, pb, pr;
    bool paddedArea;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs,
                  const std::vector<Mat>& outputGrads, const std::vector<bool>& needed,
                  std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const int N = x.size[0], C = x.size[1], H = x.size[2], W = x.size[3];
        const int Ho = outputs[0].size[2], Wo = outputs[0].size[3];
        Mat dx = zeroBlob(dnn::shape(x));
        cv::parallel_for_(Range(0, N * C), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float* src = x.ptr<float>() + (size_t)nc * H * W;
                const float* g = dy.ptr<float>() + (size_t)nc * Ho * Wo;
                float* dst = dx.ptr<float>() + (size_t)nc * H * W;
                for (int oy = 0; oy < Ho; oy++)
                {
                    int y0 = oy * sh - pt;
                    int y1 = std::min(y0 + kh, H + pb);
                    const int ydelta = y1 - y0;
                    y0 = std::max(y0, 0);
                    y1 = std::min(y1, H);
                    for (int ox = 0; ox < Wo; ox++)
                    {
                        const float gv = g[oy * Wo + ox];
                        int x0 = ox * sw - pl;
                        if (type == POOL_MAX)
                        {
                            int x1 = std::min(x0 + kw, W);
                            x0 = std::max(x0, 0);
                            if (x0 >= x1 || y0 >= y1 || gv == 0.f)
                                continue;
                            float best = -FLT_MAX;
                            int bestIdx = -1;
                            for (int yy = y0; yy < y1; yy++)
                                for (int xx = x0; xx < x1; xx++)
                                {
                                    const float v = src[yy * W + xx];
                                    if (v > best)
                                    {
                                        best = v;
                                        bestIdx = yy * W + xx;
                                    }
                                }
                            if (bestIdx >= 0)
                                dst[bestIdx] += gv;
                        }
                        else
                        {
                            int x1 = std::min(x0 + kw, W + pr);
                            const int xdelta = x1 - x0;
                            x0 = std::max(x0, 0);
                            x1 = std::min(x1, W);
                            if (x0 >= x1 || y0 >= y1)
                                continue;
                            float area = paddedArea ? (float)(xdelta * ydelta) : (float)((x1 - x0) * (y1 - y0));
                            const float share = type == POOL_AVE ? gv / area : gv;
                            for (int yy = y0; yy < y1; yy++)
                                for (int xx = x0; xx < x1; xx++)
                                    dst[yy * W + xx] += share;
                        }
                    }
                }
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> poolingRule(const LayerContext& ctx)
{
    Ptr<dnn::PoolingLayer> p = layerAs<dnn::PoolingLayer>(ctx);
    if (p->type != POOL_MAX && p->type != POOL_AVE && p->type != POOL_SUM)
        unsupported(ctx, "only max, average and sum pooling have a backward rule (not stochastic or ROI pooling)");
    const MatShape& in = ctx.inputShapes.at(0);
    if (in.size() != 4 || p->kernel_size.size() != 2)
        unsupported(ctx, "only 2-D pooling of N x C x H x W blobs has a backward rule");
    if (ctx.inputShapes.size() != 1)
        unsupported(ctx, "pooling with several inputs has no backward rule");
    Ptr<PoolingBackward> b = makePtr<PoolingBackward>();
    b->type = p->type;
    b->kh = (int)p->kernel_size[0]; b->kw = (int)p->kernel_size[1];
    b->sh = (int)p->strides[0]; b->sw = (int)p->strides[1];
    b->pt = (int)p->pads_begin[0]; b->pl = (int)p->pads_begin[1];
    b->pb = (int)p->pads_end[0]; b->pr = (int)p->pads_end[1];
    b->paddedArea = p->avePoolPaddedArea;
    return b;
}

}  // namespace

void registerPoolingRules(const RuleRegistrar& add)
{
    add("Pooling", BACKWARD_STANDARD, poolingRule);
}

}  // namespace interp
}  // namespace cv
