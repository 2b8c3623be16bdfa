// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of layers that only move data: Flatten, Reshape, Identity and Dropout (inference; any number of
// inputs passed through), Permute, ShuffleChannel and Padding (constant, reflect and edge).
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

//! dx = dy with the input's shape (Flatten, Reshape, Identity, Dropout at inference).
class ReshapeBackward : public LayerBackward
{
public:
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        // Only the first input carries data; a second input of Reshape is a shape (not differentiable).
        if (needed[0])
        {
            const Mat& dy = outputGrads[0];
            CV_Assert(dy.total() == inputs[0].total());
            inputGrads[0] = dy.reshape(1, dnn::shape(inputs[0]));
        }
    }
};

Ptr<LayerBackward> reshapeRule(const LayerContext& ctx)
{
    if (ctx.outputShapes.size() != 1 || totalOf(ctx.outputShapes[0]) != totalOf(ctx.inputShapes.at(0)))
        unsupported(ctx, "the output does not hold exactly the input's elements");
    return makePtr<ReshapeBackward>();
}

/* Identity and inference-time Dropout pass every input to the output of the same number. The ONNX importer
   builds broadcasts from such layers with two inputs and two outputs ("<name>/copy_k" feeding a Concat). */
class PassThroughBackward : public LayerBackward
{
public:
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        for (size_t i = 0; i < inputs.size() && i < outputGrads.size(); i++)
        {
            if (!needed[i])
                continue;
            const MatShape shape = dnn::shape(inputs[i]);
            inputGrads[i] = outputGrads[i].empty() ? zeroBlob(shape) : outputGrads[i].reshape(1, shape);
        }
    }
};

Ptr<LayerBackward> passThroughRule(const LayerContext& ctx)
{
    if (ctx.outputShapes.size() != ctx.inputShapes.size())
        unsupported(ctx, cv::format("%d inputs but %d outputs", (int)ctx.inputShapes.size(), (int)ctx.outputShapes.size()));
    for (size_t i = 0; i < ctx.inputShapes.size(); i++)
        if (totalOf(ctx.outputShapes[i]) != totalOf(ctx.inputShapes[i]))
            unsupported(ctx, cv::format("output %d does not hold exactly the elements of input %d", (int)i, (int)i));
    return makePtr<PassThroughBackward>();
}

//! Generic axis permutation: out[i0..ik] = in[...] with out axis a = in axis order[a].
class PermuteBackward : public LayerBackward
{
public:
    std::vector<int> order;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const int d = x.dims;
        Mat dx(d, x.size.p, CV_32F);
        // strides of the input, in the output's axis order
        std::vector<size_t> inStride(d), permStride(d), outSize(d);
        inStride[d - 1] = 1;
        for (int a = d - 2; a >= 0; a--)
            inStride[a] = inStride[a + 1] * x.size[a + 1];
        for (int a = 0; a < d; a++)
        {
            permStride[a] = inStride[order[a]];
            outSize[a] = dy.size[a];
        }
        const size_t total = dy.total();
        const size_t inner = outSize[d - 1];
        const size_t rows = total / inner;
        const float* src = dy.ptr<float>();
        float* dst = dx.ptr<float>();
        cv::parallel_for_(Range(0, (int)rows), [&](const Range& r) {
            std::vector<size_t> idx(d);
            for (int row = r.start; row < r.end; row++)
            {
                size_t rem = row, base = 0;
                for (int a = d - 2; a >= 0; a--)
                {
                    idx[a] = rem % outSize[a];
                    rem /= outSize[a];
                    base += idx[a] * permStride[a];
                }
                const float* s = src + (size_t)row * inner;
                for (size_t i = 0; i < inner; i++)
                    dst[base + i * permStride[d - 1]] = s[i];
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> permuteRule(const LayerContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    Ptr<PermuteBackward> b = makePtr<PermuteBackward>();
    if (!info.params.has("order"))
    {
        info.requireCaptured("the permutation order");
        for (size_t a = 0; a < in.size(); a++)
            b->order.push_back((int)a);  // no order: cv::dnn copies the input
    }
    else
    {
        dnn::DictValue o = info.params.get("order");
        for (int i = 0; i < o.size(); i++)
            b->order.push_back(o.get<int>(i));
        for (size_t a = b->order.size(); a < in.size(); a++)
            b->order.push_back((int)a);
    }
    if (b->order.size() != in.size())
        unsupported(ctx, "the permutation order does not match the input rank");
    return b;
}

//! output(n, c) = input(n, groupSize * (c % group) + c / group)
class ShuffleChannelBackward : public LayerBackward
{
public:
    int group;
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const int N = x.size[0], C = x.size[1];
        const size_t plane = x.total() / ((size_t)N * C);
        const int groupSize = C / group;
        Mat dx = newBlobLike(x);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
            {
                const int src = groupSize * (c % group) + c / group;
                std::copy(dy.ptr<float>() + ((size_t)n * C + c) * plane, dy.ptr<float>() + ((size_t)n * C + c + 1) * plane,
                          dx.ptr<float>() + ((size_t)n * C + src) * plane);
            }
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> shuffleChannelRule(const LayerContext& ctx)
{
    Ptr<dnn::ShuffleChannelLayer> l = layerAs<dnn::ShuffleChannelLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    if (in.size() < 2 || l->group <= 0 || in[1] % l->group != 0)
        unsupported(ctx, "the channel count is not a multiple of the group count");
    Ptr<ShuffleChannelBackward> b = makePtr<ShuffleChannelBackward>();
    b->group = l->group;
    return b;
}

/* Padding: constant padding's gradient is the centre crop of dy; reflect (reflect-101) and edge padding add
   the gradient of every output position to the input position it was copied from. */
class PaddingBackward : public LayerBackward
{
public:
    std::vector<int> before;  // per axis
    int borderType = -1;      // -1: constant

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        if (borderType < 0)
        {
            std::vector<Range> ranges;
            for (int a = 0; a < x.dims; a++)
                ranges.push_back(Range(before[a], before[a] + x.size[a]));
            inputGrads[0] = reusedCopy(dy(ranges));
            return;
        }
        const int N = x.size[0], C = x.size[1], H = x.size[2], W = x.size[3];
        const int Ho = dy.size[2], Wo = dy.size[3];
        Mat dx = zeroBlob(dnn::shape(x));
        cv::parallel_for_(Range(0, N * C), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float* g = dy.ptr<float>() + (size_t)nc * Ho * Wo;
                float* d = dx.ptr<float>() + (size_t)nc * H * W;
                for (int oy = 0; oy < Ho; oy++)
                {
                    const int iy = cv::borderInterpolate(oy - before[2], H, borderType);
                    for (int ox = 0; ox < Wo; ox++)
                        d[iy * W + cv::borderInterpolate(ox - before[3], W, borderType)] += g[oy * Wo + ox];
                }
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> paddingRule(const LayerContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    info.requireCaptured("the padding amounts");
    dnn::DictValue p = info.requireParam("paddings");
    const int inputDims = info.params.get<int>("input_dims", -1);
    const int offset = (inputDims == -1 ? 0 : ((int)in.size() > inputDims ? 1 : 0));
    Ptr<PaddingBackward> b = makePtr<PaddingBackward>();
    b->before.assign(in.size(), 0);
    for (int i = 0; i < p.size() / 2; i++)
        if (offset + i < (int)in.size())
            b->before[offset + i] = p.get<int>(2 * i);
    for (size_t a = 0; a < in.size(); a++)
        if (b->before[a] + in[a] > out[a])
            unsupported(ctx, "the padding amounts do not match the output shape");
    const String type = info.params.get<String>("type", "constant");
    if (type == "reflect" || type == "edge")
    {
        if (in.size() != 4)
            unsupported(ctx, "reflect/edge padding needs an N x C x H x W input");
        b->borderType = type == "reflect" ? BORDER_REFLECT_101 : BORDER_REPLICATE;
    }
    else if (type != "constant")
        unsupported(ctx, "padding type '" + type + "' has no backward rule");
    return b;
}

}  // namespace

void registerShapeRules(const RuleRegistrar& add)
{
    for (const char* t : { "Flatten", "Reshape" })
        add(t, BACKWARD_STANDARD, reshapeRule);
    for (const char* t : { "Identity", "Dropout" })
        add(t, BACKWARD_STANDARD, passThroughRule);
    add("Permute", BACKWARD_STANDARD, permuteRule);
    add("ShuffleChannel", BACKWARD_STANDARD, shuffleChannelRule);
    add("Padding", BACKWARD_STANDARD, paddingRule);
}

}  // namespace interp
}  // namespace cv
