// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward rules of element-wise activations, with the guided and deconvnet variants of the rectifiers.
#include "../precomp.hpp"
#include "rules.hpp"

#include <opencv2/core/hal/intrin.hpp>

namespace cv {
namespace interp {

using namespace rules;

namespace {

typedef ElementwiseBackward::Fn Fn;

Ptr<LayerBackward> elementwise(const Fn& fn) { return makePtr<ElementwiseBackward>(fn); }

inline float sigmoidOf(float v) { return 1.f / (1.f + std::exp(-v)); }

/* Rectifiers. A rectifier is a ReLU with zero slope or a ReLU6/Clip with lower bound 0. Guided backprop
   (Springenberg et al. 2015) multiplies the standard gradient by [dy > 0]; deconvnet (Zeiler & Fergus 2014)
   passes max(dy, 0) whatever the forward sign. Leaky and shifted variants keep their standard gradient.
   These are the most frequent layers of a backward pass and memory-bound: they run on OpenCV's universal
   intrinsics without branches (a branch per element mispredicts on every sign change of x). */

//! dx = dy where lo < x < hi, 0 elsewhere (NaN x gives 0); `Guided` also zeroes negative dy
template <bool Guided>
void rectify(const float* x, const float* dy, float* dx, size_t n, float lo, float hi)
{
    size_t i = 0;
#if CV_SIMD
    const size_t W = v_float32::nlanes;
    const v_float32 vlo = vx_setall_f32(lo), vhi = vx_setall_f32(hi), zero = vx_setzero_f32();
    for (; i + W <= n; i += W)
    {
        const v_float32 v = vx_load(x + i);
        v_float32 g = v_select((v > vlo) & (v < vhi), vx_load(dy + i), zero);
        if (Guided)
            g = v_max(g, zero);
        v_store(dx + i, g);
    }
#endif
    for (; i < n; i++)
    {
        const float g = (x[i] > lo && x[i] < hi) ? dy[i] : 0.f;
        dx[i] = Guided ? std::max(g, 0.f) : g;
    }
}

//! dx = max(dy, 0)
void deconvnetRectify(const float* dy, float* dx, size_t n)
{
    size_t i = 0;
#if CV_SIMD
    const size_t W = v_float32::nlanes;
    const v_float32 zero = vx_setzero_f32();
    for (; i + W <= n; i += W)
        v_store(dx + i, v_max(vx_load(dy + i), zero));
#endif
    for (; i < n; i++)
        dx[i] = std::max(dy[i], 0.f);
}

//! dx = dy where x > 0, slope * dy elsewhere
void leakyRectify(const float* x, const float* dy, float* dx, size_t n, float slope)
{
    size_t i = 0;
#if CV_SIMD
    const size_t W = v_float32::nlanes;
    const v_float32 vslope = vx_setall_f32(slope), zero = vx_setzero_f32();
    for (; i + W <= n; i += W)
    {
        const v_float32 g = vx_load(dy + i);
        v_store(dx + i, v_select(vx_load(x + i) > zero, g, g * vslope));
    }
#endif
    for (; i < n; i++)
        dx[i] = x[i] > 0.f ? dy[i] : slope * dy[i];
}

Fn rectifierRule(int variant, float lo, float hi)
{
    if (variant == BACKWARD_DECONVNET)
        return [](const float*, const float*, const float* dy, float* dx, size_t n) { deconvnetRectify(dy, dx, n); };
    if (variant == BACKWARD_GUIDED)
        return [lo, hi](const float* x, const float*, const float* dy, float* dx, size_t n) {
            rectify<true>(x, dy, dx, n, lo, hi);
        };
    return [lo, hi](const float* x, const float*, const float* dy, float* dx, size_t n) {
        rectify<false>(x, dy, dx, n, lo, hi);
    };
}

Ptr<LayerBackward> reluRule(const LayerContext& ctx)
{
    Ptr<dnn::ReLULayer> relu = layerAs<dnn::ReLULayer>(ctx);
    const float slope = relu->negativeSlope;
    if (slope == 0.f)
        return elementwise(rectifierRule(ctx.variant, 0.f, std::numeric_limits<float>::infinity()));
    return elementwise([slope](const float* x, const float*, const float* dy, float* dx, size_t n) {
        leakyRectify(x, dy, dx, n, slope);
    });
}

// Per-channel PReLU: dx = dy where x > 0, slope[c] * dy elsewhere.
class PReLUBackward : public LayerBackward
{
public:
    PReLUBackward(const Mat& slopes_, int channels_) : slopes(slopes_), channels(channels_) {}
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        Mat dx = newBlobLike(x);
        const int N = x.size[0];
        const size_t plane = x.total() / ((size_t)N * channels);
        const float* sl = slopes.ptr<float>();
        const bool scalar = slopes.total() == 1;
        cv::parallel_for_(Range(0, N * channels), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                const float a = scalar ? sl[0] : sl[nc % channels];
                const float* px = x.ptr<float>() + nc * plane;
                const float* pdy = dy.ptr<float>() + nc * plane;
                float* pdx = dx.ptr<float>() + nc * plane;
                leakyRectify(px, pdy, pdx, plane, a);
            }
        });
        inputGrads[0] = dx;
    }
private:
    Mat slopes;
    int channels;
};

Ptr<LayerBackward> preluRule(const LayerContext& ctx)
{
    if (ctx.info->layer.dynamicCast<dnn::ReLULayer>())
        return reluRule(ctx);
    Ptr<dnn::ChannelsPReLULayer> prelu = layerAs<dnn::ChannelsPReLULayer>(ctx);
    const MatShape& s = ctx.inputShapes.at(0);
    if (s.size() < 2)
        unsupported(ctx, "PReLU input must have a channel axis");
    Mat slopes = prelu->blobs.at(0).clone().reshape(1, 1);
    if ((int)slopes.total() != s[1] && slopes.total() != 1)
        unsupported(ctx, cv::format("PReLU has %d slopes for %d channels", (int)slopes.total(), s[1]));
    return makePtr<PReLUBackward>(slopes, s[1]);
}


Ptr<LayerBackward> relu6Rule(const LayerContext& ctx)
{
    Ptr<dnn::ReLU6Layer> l = layerAs<dnn::ReLU6Layer>(ctx);
    const float lo = l->minValue, hi = l->maxValue;
    if (lo == 0.f)
        return elementwise(rectifierRule(ctx.variant, lo, hi));
    return elementwise(rectifierRule(BACKWARD_STANDARD, lo, hi));
}

Ptr<LayerBackward> eluRule(const LayerContext& ctx)
{
    const float alpha = layerAs<dnn::ELULayer>(ctx)->alpha;
    return elementwise([alpha](const float* x, const float* y, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.f ? dy[i] : dy[i] * (y[i] + alpha);
    });
}

Ptr<LayerBackward> celuRule(const LayerContext& ctx)
{
    const float alpha = layerAs<dnn::CeluLayer>(ctx)->alpha;
    return elementwise([alpha](const float* x, const float*, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.f ? dy[i] : dy[i] * std::exp(x[i] / alpha);
    });
}

Ptr<LayerBackward> seluRule(const LayerContext& ctx)
{
    Ptr<dnn::SeluLayer> l = layerAs<dnn::SeluLayer>(ctx);
    const float alpha = l->alpha, gamma = l->gamma;
    return elementwise([alpha, gamma](const float* x, const float*, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.f ? gamma * dy[i] : dy[i] * gamma * alpha * std::exp(x[i]);
    });
}

Ptr<LayerBackward> hardSigmoidRule(const LayerContext& ctx)
{
    Ptr<dnn::HardSigmoidLayer> l = layerAs<dnn::HardSigmoidLayer>(ctx);
    const float alpha = l->alpha, beta = l->beta;
    return elementwise([alpha, beta](const float* x, const float*, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
        {
            float v = alpha * x[i] + beta;
            dx[i] = (v > 0.f && v < 1.f) ? alpha * dy[i] : 0.f;
        }
    });
}

Ptr<LayerBackward> powerRule(const LayerContext& ctx)
{
    // y = (shift + scale * x) ^ power
    Ptr<dnn::PowerLayer> l = layerAs<dnn::PowerLayer>(ctx);
    const float power = l->power, scale = l->scale, shift = l->shift;
    return elementwise([power, scale, shift](const float* x, const float*, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
        {
            float b = shift + scale * x[i];
            dx[i] = power == 1.f ? scale * dy[i] : dy[i] * power * scale * std::pow(b, power - 1.f);
        }
    });
}

Ptr<LayerBackward> expRule(const LayerContext& ctx)
{
    // y = base ^ (shift + scale * x); dy/dx = y * scale * ln(base)
    Ptr<dnn::ExpLayer> l = layerAs<dnn::ExpLayer>(ctx);
    const float k = l->scale * (l->base < 0.f ? 1.f : std::log(l->base));
    return elementwise([k](const float*, const float* y, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * y[i] * k;
    });
}

#define INTERP_ELEMENTWISE_RULE(name, body)                                                              \
    Ptr<LayerBackward> name(const LayerContext&)                                                         \
    {                                                                                                    \
        return elementwise([](const float* x, const float* y, const float* dy, float* dx, size_t n) {    \
            (void)x; (void)y;                                                                            \
            for (size_t i = 0; i < n; i++)                                                               \
                dx[i] = (body);                                                                          \
        });                                                                                              \
    }

INTERP_ELEMENTWISE_RULE(sigmoidRule, dy[i] * y[i] * (1.f - y[i]))
INTERP_ELEMENTWISE_RULE(tanhRule, dy[i] * (1.f - y[i] * y[i]))
INTERP_ELEMENTWISE_RULE(swishRule, dy[i] * (sigmoidOf(x[i]) * (1.f + x[i] * (1.f - sigmoidOf(x[i])))))
INTERP_ELEMENTWISE_RULE(mishRule, dy[i] * ([](float v) {
    const float sp = v > 20.f ? v : std::log1p(std::exp(v));
    const float t = std::tanh(sp);
    return t + v * (1.f - t * t) * sigmoidOf(v);
})(x[i]))
INTERP_ELEMENTWISE_RULE(hardSwishRule, x[i] < -3.f ? 0.f : (x[i] > 3.f ? dy[i] : dy[i] * (2.f * x[i] + 3.f) / 6.f))
INTERP_ELEMENTWISE_RULE(absRule, x[i] > 0.f ? dy[i] : (x[i] < 0.f ? -dy[i] : 0.f))
INTERP_ELEMENTWISE_RULE(softplusRule, dy[i] * sigmoidOf(x[i]))
INTERP_ELEMENTWISE_RULE(softsignRule, dy[i] / ((1.f + std::abs(x[i])) * (1.f + std::abs(x[i]))))
INTERP_ELEMENTWISE_RULE(logRule, dy[i] / x[i])
INTERP_ELEMENTWISE_RULE(sqrtRule, y[i] > 0.f ? dy[i] * 0.5f / y[i] : 0.f)
INTERP_ELEMENTWISE_RULE(sinRule, dy[i] * std::cos(x[i]))
INTERP_ELEMENTWISE_RULE(cosRule, -dy[i] * std::sin(x[i]))
INTERP_ELEMENTWISE_RULE(erfRule, dy[i] * 1.1283791670955126f * std::exp(-x[i] * x[i]))
INTERP_ELEMENTWISE_RULE(reciprocalRule, -dy[i] * y[i] * y[i])
INTERP_ELEMENTWISE_RULE(tanRule, dy[i] * (1.f + y[i] * y[i]))
INTERP_ELEMENTWISE_RULE(sinhRule, dy[i] * std::cosh(x[i]))
INTERP_ELEMENTWISE_RULE(coshRule, dy[i] * std::sinh(x[i]))
INTERP_ELEMENTWISE_RULE(asinRule, dy[i] / std::sqrt(1.f - x[i] * x[i]))
INTERP_ELEMENTWISE_RULE(acosRule, -dy[i] / std::sqrt(1.f - x[i] * x[i]))
INTERP_ELEMENTWISE_RULE(atanRule, dy[i] / (1.f + x[i] * x[i]))
INTERP_ELEMENTWISE_RULE(asinhRule, dy[i] / std::sqrt(x[i] * x[i] + 1.f))
INTERP_ELEMENTWISE_RULE(acoshRule, dy[i] / std::sqrt(x[i] * x[i] - 1.f))
INTERP_ELEMENTWISE_RULE(atanhRule, dy[i] / (1.f - x[i] * x[i]))
// Ceil, Floor, Round, Sign: piecewise constant, so the gradient is 0 wherever it exists (as in PyTorch).
INTERP_ELEMENTWISE_RULE(piecewiseConstantRule, 0.f * dy[i])

#undef INTERP_ELEMENTWISE_RULE

// Shrink (ONNX Shrink: hard / soft shrinkage): y = x - bias above lambd, x + bias below -lambd, 0 between.
Ptr<LayerBackward> shrinkRule(const LayerContext& ctx)
{
    const float lambd = layerAs<dnn::ShrinkLayer>(ctx)->lambd;
    return elementwise([lambd](const float* x, const float*, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
            dx[i] = (x[i] > lambd || x[i] < -lambd) ? dy[i] : 0.f;
    });
}

// ThresholdedRelu: y = x above alpha, 0 elsewhere.
Ptr<LayerBackward> thresholdedReluRule(const LayerContext& ctx)
{
    const float alpha = layerAs<dnn::ThresholdedReluLayer>(ctx)->alpha;
    return elementwise([alpha](const float* x, const float*, const float* dy, float* dx, size_t n) {
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > alpha ? dy[i] : 0.f;
    });
}

}  // namespace

void registerActivationRules(const RuleRegistrar& add)
{
    for (int v : { (int)BACKWARD_STANDARD, (int)BACKWARD_GUIDED, (int)BACKWARD_DECONVNET })
    {
        add("ReLU", v, reluRule);
        add("ReLU6", v, relu6Rule);
    }
    add("PReLU", BACKWARD_STANDARD, preluRule);
    add("ChannelsPReLU", BACKWARD_STANDARD, preluRule);
    add("ELU", BACKWARD_STANDARD, eluRule);
    add("Celu", BACKWARD_STANDARD, celuRule);
    add("Selu", BACKWARD_STANDARD, seluRule);
    add("HardSigmoid", BACKWARD_STANDARD, hardSigmoidRule);
    add("Power", BACKWARD_STANDARD, powerRule);
    add("Exp", BACKWARD_STANDARD, expRule);
    add("Sigmoid", BACKWARD_STANDARD, sigmoidRule);
    add("TanH", BACKWARD_STANDARD, tanhRule);
    add("Swish", BACKWARD_STANDARD, swishRule);
    add("Mish", BACKWARD_STANDARD, mishRule);
    add("HardSwish", BACKWARD_STANDARD, hardSwishRule);
    add("AbsVal", BACKWARD_STANDARD, absRule);
    add("BNLL", BACKWARD_STANDARD, softplusRule);
    add("Softplus", BACKWARD_STANDARD, softplusRule);
    add("Softsign", BACKWARD_STANDARD, softsignRule);
    add("Log", BACKWARD_STANDARD, logRule);
    add("Sqrt", BACKWARD_STANDARD, sqrtRule);
    add("Sin", BACKWARD_STANDARD, sinRule);
    add("Cos", BACKWARD_STANDARD, cosRule);
    add("Erf", BACKWARD_STANDARD, erfRule);
    add("Reciprocal", BACKWARD_STANDARD, reciprocalRule);
    add("Tan", BACKWARD_STANDARD, tanRule);
    add("Sinh", BACKWARD_STANDARD, sinhRule);
    add("Cosh", BACKWARD_STANDARD, coshRule);
    add("Asin", BACKWARD_STANDARD, asinRule);
    add("Acos", BACKWARD_STANDARD, acosRule);
    add("Atan", BACKWARD_STANDARD, atanRule);
    add("Asinh", BACKWARD_STANDARD, asinhRule);
    add("Acosh", BACKWARD_STANDARD, acoshRule);
    add("Atanh", BACKWARD_STANDARD, atanhRule);
    add("Shrink", BACKWARD_STANDARD, shrinkRule);
    add("ThresholdedRelu", BACKWARD_STANDARD, thresholdedReluRule);
    for (const char* t : { "Ceil", "Floor", "Round", "Sign" })
        add(t, BACKWARD_STANDARD, piecewiseConstantRule);
}

}  // namespace interp
}  // namespace cv
