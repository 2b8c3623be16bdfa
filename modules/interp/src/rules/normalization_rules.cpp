// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of per-channel affine layers: BatchNorm (inference statistics), Scale and Shift.
//
// BatchNorm at inference is y = a_c x + b_c; cv::dnn gives a_c and b_c through Layer::getScaleShift().
// Scale multiplies (and/or shifts) by a tensor covering axes [axis, end) of the input, broadcast over the
// other axes, exactly as cv::dnn's forward pass finds `end`; when the factor is a second input (squeeze-and-
// excitation, broadcast Mul) its gradient is the sum of dY * x over the broadcast axes.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

// outer x mid x inner decomposition of a blob for a parameter tensor of `numWeights` elements from `axis`.
struct Broadcast
{
    size_t outer = 1, mid = 1, inner = 1;
};

Broadcast broadcastOf(const LayerContext& ctx, const MatShape& in, int axis, size_t numWeights)
{
    const int dims = (int)in.size();
    axis = checkedAxis(ctx, axis, dims);
    int endAxis = axis + 1;
    for (; endAxis <= dims; ++endAxis)
        if ((size_t)dnn::total(in, axis, endAxis) == numWeights)
            break;
    if (endAxis > dims)
        unsupported(ctx, cv::format("%d scale factors do not cover consecutive input axes from axis %d",
                                    (int)numWeights, axis));
    Broadcast b;
    b.outer = (size_t)dnn::total(in, 0, axis);
    b.mid = numWeights;
    b.inner = endAxis < dims ? (size_t)dnn::total(in, endAxis) : 1;
    return b;
}

//! dx[o, m, i] = dy[o, m, i] * w[m]
Mat scaleGrad(const Mat& dy, const float* w, const Broadcast& b)
{
    Mat dx = newBlobLike(dy);
    cv::parallel_for_(Range(0, (int)(b.outer * b.mid)), [&](const Range& r) {
        for (int om = r.start; om < r.end; om++)
        {
            const float k = w[om % b.mid];
            const float* s = dy.ptr<float>() + (size_t)om * b.inner;
            float* d = dx.ptr<float>() + (size_t)om * b.inner;
            for (size_t i = 0; i < b.inner; i++)
                d[i] = s[i] * k;
        }
    });
    return dx;
}

//! r[m] = sum over o, i of a[o, m, i] (* c[o, m, i] when c is given)
Mat reduceToWeights(const Mat& a, const Mat* c, const Broadcast& b)
{
    Mat r = Mat::zeros(1, (int)b.mid, CV_64F);
    double* pr = r.ptr<double>();
    for (size_t o = 0; o < b.outer; o++)
        for (size_t m = 0; m < b.mid; m++)
        {
            const size_t ofs = (o * b.mid + m) * b.inner;
            const float* pa = a.ptr<float>() + ofs;
            double s = 0;
            if (c)
            {
                const float* pc = c->ptr<float>() + ofs;
                for (size_t i = 0; i < b.inner; i++)
                    s += (double)pa[i] * pc[i];
            }
            else
                for (size_t i = 0; i < b.inner; i++)
                    s += pa[i];
            pr[m] += s;
        }
    Mat f;
    r.convertTo(f, CV_32F);
    return f;
}

class ChannelAffineBackward : public LayerBackward
{
public:
    explicit ChannelAffineBackward(const Mat& scale_) : scale(scale_) {}
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        Broadcast b;
        b.outer = x.size[0];
        b.mid = x.dims > 1 ? x.size[1] : 1;
        b.inner = x.total() / (b.outer * b.mid);
        CV_Assert(scale.total() == b.mid);
        inputGrads[0] = scaleGrad(outputGrads[0], scale.ptr<float>(), b);
    }
private:
    Mat scale;
};

Ptr<LayerBackward> batchNormRule(const LayerContext& ctx)
{
    Mat scale, shift;
    ctx.info->layer->getScaleShift(scale, shift);
    const MatShape& in = ctx.inputShapes.at(0);
    if (in.size() < 2)
        unsupported(ctx, "BatchNorm input must have a channel axis");
    if (scale.empty())
        scale = Mat::ones(1, in[1], CV_32F);
    scale = scale.reshape(1, 1).clone();
    if ((int)scale.total() != in[1])
        unsupported(ctx, cv::format("BatchNorm has %d scales for %d channels", (int)scale.total(), in[1]));
    return makePtr<ChannelAffineBackward>(scale);
}

class ScaleBackward : public LayerBackward
{
public:
    Mat weights;            // constant factors (empty when the factor is an input or there is none)
    bool factorInput = false;  // inputs[1] is the factor
    bool biasInput = false;    // inputs[1] is the bias
    int axis = 1;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const Mat w = factorInput ? inputs[1] : weights;
        if (w.empty() && inputs.size() == 1)
        {
            if (needed[0])
                inputGrads[0] = dy;  // constant bias only
            return;
        }
        const size_t numWeights = !w.empty() ? w.total() : inputs[1].total();
        Broadcast b;
        {
            const int dims = x.dims;
            MatShape in = dnn::shape(x);
            int endAxis = axis + 1;
            for (; endAxis <= dims; ++endAxis)
                if ((size_t)dnn::total(in, axis, endAxis) == numWeights)
                    break;
            CV_Assert(endAxis <= dims);
            b.outer = (size_t)dnn::total(in, 0, axis);
            b.mid = numWeights;
            b.inner = endAxis < dims ? (size_t)dnn::total(in, endAxis) : 1;
        }
        if (needed[0])
        {
            if (w.empty())
                inputGrads[0] = dy;
            else
            {
                Mat wc = w.isContinuous() ? w : w.clone();
                inputGrads[0] = scaleGrad(dy, wc.ptr<float>(), b);
            }
        }
        if (inputs.size() > 1 && needed[1])
        {
            Mat r = factorInput ? reduceToWeights(dy, &x, b) : reduceToWeights(dy, nullptr, b);
            inputGrads[1] = r.reshape(1, dnn::shape(inputs[1]));
        }
    }
};

Ptr<LayerBackward> scaleRule(const LayerContext& ctx)
{
    Ptr<dnn::ScaleLayer> l = layerAs<dnn::ScaleLayer>(ctx);
    if (l->mode != "scale")
        unsupported(ctx, "Scale in '" + l->mode + "' mode (a comparison) is not differentiable");
    Ptr<ScaleBackward> b = makePtr<ScaleBackward>();
    b->axis = checkedAxis(ctx, l->axis, (int)ctx.inputShapes.at(0).size());
    const size_t nb = l->blobs.size();
    if (ctx.inputShapes.size() == 2 && nb == 0)
    {
        b->factorInput = !l->hasBias;
        b->biasInput = l->hasBias;
    }
    else if (ctx.inputShapes.size() == 1)
    {
        const bool hasWeights = nb == 2 || (nb <= 1 && !l->hasBias);
        if (hasWeights)
            b->weights = l->blobs.at(0).clone().reshape(1, 1);
        if (!hasWeights && nb == 0)
            unsupported(ctx, "Scale without factors or bias");
        if (!hasWeights)
        {
            // bias only: check the broadcast is valid now, the gradient is dY itself
            broadcastOf(ctx, ctx.inputShapes[0], l->axis, l->blobs.back().total());
        }
        else
            broadcastOf(ctx, ctx.inputShapes[0], l->axis, b->weights.total());
    }
    else
        unsupported(ctx, "Scale with both constant blobs and a second input");
    return b;
}

}  // namespace

void registerNormalizationRules(const RuleRegistrar& add)
{
    add("BatchNorm", BACKWARD_STANDARD, batchNormRule);
    add("Scale", BACKWARD_STANDARD, scaleRule);
    add("Shift", BACKWARD_STANDARD, scaleRule);
}

}  // namespace interp
}  // namespace cv
