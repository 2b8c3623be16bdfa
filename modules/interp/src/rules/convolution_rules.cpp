// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of Convolution and Deconvolution layers (input gradients only).
//
// With oneDNN (useOneDNN(), the default when the module is built with it), its primitives compute them: backward data
// for a convolution, a convolution forward for a deconvolution (onednn_convolution.cpp). Otherwise, or for a geometry
// oneDNN refuses, cv::dnn's layers do.
//
// The input gradient of a convolution is a transposed convolution with the same weights. Three ways:
//  - stride 1: a plain convolution of dY with the kernels flipped and input/output channels swapped
//    (pad (K-1)*d - p), run by a standalone cv::dnn Convolution layer, as fast as the forward pass;
//  - depthwise (one input channel per group), strided: a direct loop, since per-group GEMMs of a single row
//    are far slower;
//  - otherwise: a standalone cv::dnn Deconvolution layer built from the conv's own OIHW weights (no bias,
//    num_output = C_in, same group, kernel, stride), OpenCV's GEMM + col2im. Dilation is handled by
//    dilating the kernel with zeros; padding that differs between the two sides by computing the gradient of
//    the padded input and cropping it.
// The input gradient of a deconvolution is the convolution with its weights and geometry. Every standalone
// layer sits in a small pool of instances (PooledLayer), so concurrent backward passes never wait for each other.
#include "../precomp.hpp"
#include "rules.hpp"
#include "onednn_convolution.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

struct ConvGeometry
{
    int kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    int cin, cout, groups;
    int H, W, Ho, Wo;
};

ConvGeometry convGeometry(const LayerContext& ctx, const Ptr<dnn::BaseConvolutionLayer>& conv,
                          const MatShape& in, const MatShape& out, int weightInputAxis)
{
    if (conv->kernel_size.size() != 2 || in.size() != 4)
        unsupported(ctx, "only 2-D convolutions on N x C x H x W blobs have a backward rule");
    if (conv->blobs.empty())
        unsupported(ctx, "convolutions whose weights are a second input (not constant) have no backward rule");
    ConvGeometry g;
    g.kh = (int)conv->kernel_size[0]; g.kw = (int)conv->kernel_size[1];
    g.sh = (int)conv->strides[0]; g.sw = (int)conv->strides[1];
    g.dh = conv->dilations.size() == 2 ? (int)conv->dilations[0] : 1;
    g.dw = conv->dilations.size() == 2 ? (int)conv->dilations[1] : 1;
    g.pt = (int)conv->pads_begin[0]; g.pl = (int)conv->pads_begin[1];
    g.pb = (int)conv->pads_end[0]; g.pr = (int)conv->pads_end[1];
    g.cin = in[1]; g.cout = out[1];
    g.H = in[2]; g.W = in[3]; g.Ho = out[2]; g.Wo = out[3];
    const int wIn = conv->blobs[0].size[weightInputAxis];
    if (wIn <= 0)
        unsupported(ctx, "weights have an empty axis");
    g.groups = weightInputAxis == 1 ? g.cin / wIn : g.cout / conv->blobs[0].size[1];
    return g;
}

//! Weights with zeros inserted between taps (dilation), [O, I, (K-1)*D+1, ...].
Mat dilateKernel(const Mat& w, int dh, int dw)
{
    if (dh == 1 && dw == 1)
        return w.clone();
    const int O = w.size[0], I = w.size[1], kh = w.size[2], kw = w.size[3];
    const int KH = (kh - 1) * dh + 1, KW = (kw - 1) * dw + 1;
    int sz[] = { O, I, KH, KW };
    Mat d = Mat::zeros(4, sz, CV_32F);
    for (int o = 0; o < O; o++)
        for (int i = 0; i < I; i++)
        {
            const float* src = w.ptr<float>(o, i);
            float* dst = d.ptr<float>(o, i);
            for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++)
                    dst[(y * dh) * KW + x * dw] = src[y * kw + x];
        }
    return d;
}

/* A standalone cv::dnn layer that a backward rule runs on output gradients. cv::dnn's forward is not reentrant
   (ConvolutionLayerImpl::forward rewrites members such as its ReLU slopes on every call), so an instance serves
   one call at a time: a call takes an idle instance, or builds another from the same parameters when all are
   busy, and gives it back when done. Concurrent backward passes therefore run side by side instead of taking
   turns; the pool grows to the largest number of calls that ever overlapped. */
class PooledLayer
{
public:
    typedef Ptr<dnn::BaseConvolutionLayer> (*Create)(const dnn::LayerParams&);

    //! Builds and finalizes the first instance for inputs of `probeShape` (1 x C x H x W).
    PooledLayer(const dnn::LayerParams& lp, Create create_, const MatShape& probeShape)
        : params(lp), create(create_), probe(probeShape)
    {
        Ptr<dnn::Layer> first = build(&probeOutput);
        idle.push_back(first);
    }

    //! Output shape of the probe input.
    const MatShape& probeOutputShape() const { return probeOutput; }

    Mat forward(const Mat& x) const
    {
        Ptr<dnn::Layer> layer;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!idle.empty())
            {
                layer = idle.back();
                idle.pop_back();
            }
        }
        if (!layer)
            layer = build();
        std::vector<MatShape> ins(1, dnn::shape(x)), outs, internalShapes;
        layer->getMemoryShapes(ins, 1, outs, internalShapes);
        std::vector<Mat> internals;
        for (const MatShape& s : internalShapes)
            internals.push_back(newBlob(s));
        Mat y = newBlob(outs.at(0));
        std::vector<Mat> vin(1, x), vout(1, y);
        layer->forward(vin, vout, internals);
        std::lock_guard<std::mutex> lock(mutex);
        idle.push_back(layer);
        return y;
    }

private:
    Ptr<dnn::Layer> build(MatShape* probeOutputShape = nullptr) const
    {
        Ptr<dnn::Layer> layer = create(params);
        std::vector<MatShape> ins(1, probe), outs, internals;
        layer->getMemoryShapes(ins, 1, outs, internals);
        CV_Assert(outs.size() == 1);
        std::vector<Mat> vin(1, newBlob(ins[0])), vout(1, newBlob(outs[0]));
        layer->finalize(InputArrayOfArrays(vin), OutputArrayOfArrays(vout));
        if (probeOutputShape)
            *probeOutputShape = outs[0];
        return layer;
    }

    const dnn::LayerParams params;
    const Create create;
    const MatShape probe;
    MatShape probeOutput;
    mutable std::mutex mutex;  //!< guards `idle` only, never a forward pass
    mutable std::vector<Ptr<dnn::Layer> > idle;
};

/* dX = a standalone (de)convolution of dY, optionally cropped: when the layer yields the gradient of a padded
   input, `crop` is the input's place in it. */
class LayerOnGradientBackward : public LayerBackward
{
public:
    LayerOnGradientBackward(const LayerContext& ctx, const dnn::LayerParams& lp, PooledLayer::Create create,
                            const ConvGeometry& g, int fullH, int fullW, const Rect& crop_, const char* mismatch)
        : layer(lp, create, MatShape{ 1, g.cout, g.Ho, g.Wo }), crop(crop_)
    {
        const MatShape& out = layer.probeOutputShape();
        if (out.size() != 4 || out[1] != g.cin || out[2] != fullH || out[3] != fullW)
            unsupported(ctx, mismatch);
    }

    void backward(const std::vector<Mat>&, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        Mat full = layer.forward(outputGrads[0]);
        if (crop.empty())
        {
            inputGrads[0] = full;
            return;
        }
        const int N = full.size[0], C = full.size[1], fullH = full.size[2], fullW = full.size[3];
        Mat dx = newBlob(MatShape{ N, C, crop.height, crop.width });
        cv::parallel_for_(Range(0, N * C), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                Mat src(fullH, fullW, CV_32F, full.ptr<float>() + (size_t)nc * fullH * fullW);
                Mat dst(crop.height, crop.width, CV_32F, dx.ptr<float>() + (size_t)nc * crop.area());
                src(crop).copyTo(dst);
            }
        });
        inputGrads[0] = dx;
    }

private:
    PooledLayer layer;
    Rect crop;
};

//! LayerParams of a standalone layer without bias: kernel, stride, pads, dilation, outputs, groups, weights.
dnn::LayerParams gradientLayerParams(const LayerContext& ctx, const char* type, int kh, int kw, int sh, int sw,
                                     int pt, int pl, int pb, int pr, int dh, int dw, int numOutput, int groups,
                                     const Mat& weights)
{
    dnn::LayerParams lp;
    lp.name = ctx.info->name + "/interp_backward";
    lp.type = type;
    lp.set("kernel_h", kh); lp.set("kernel_w", kw);
    lp.set("stride_h", sh); lp.set("stride_w", sw);
    lp.set("pad_t", pt); lp.set("pad_l", pl);
    lp.set("pad_b", pb); lp.set("pad_r", pr);
    lp.set("dilation_h", dh); lp.set("dilation_w", dw);
    lp.set("num_output", numOutput);
    lp.set("group", groups);
    lp.set("bias_term", false);
    lp.blobs.push_back(weights);
    return lp;
}

/* Convolution, general case: dX = col2im(W^T dY) through a standalone Deconvolution layer with the conv's own
   (dilated) weights. The deconvolution produces the gradient of the padded input when the padding used at
   the end differs from the one at the beginning; it is then cropped to the input. */
Ptr<LayerBackward> transposedConvolutionBackward(const LayerContext& ctx, const ConvGeometry& g, const Mat& weights)
{
    const Mat w = dilateKernel(weights, g.dh, g.dw);
    const int KH = w.size[2], KW = w.size[3];
    // Windows cover rows [-pt, (Ho-1)*sh + KH - pt): the padding actually used at the end may differ from
    // pads_end (cv::dnn's SAME mode pads symmetrically but sizes the output by ceil(H / stride)).
    // Preferred: a deconvolution with pad = pads_begin and an output adjustment landing exactly on H x W.
    int adjH = g.H - ((g.Ho - 1) * g.sh + KH - 2 * g.pt);
    int adjW = g.W - ((g.Wo - 1) * g.sw + KW - 2 * g.pl);
    const bool symmetric = adjH >= 0 && adjH < g.sh && adjW >= 0 && adjW < g.sw;
    int padH = g.pt, padW = g.pl, fullH = g.H, fullW = g.W;
    if (!symmetric)
    {
        // Otherwise: the gradient of the padded input without padding, then cropped.
        const int endH = std::max(0, (g.Ho - 1) * g.sh + KH - g.H - g.pt);
        const int endW = std::max(0, (g.Wo - 1) * g.sw + KW - g.W - g.pl);
        fullH = g.pt + g.H + endH;
        fullW = g.pl + g.W + endW;
        padH = padW = 0;
        adjH = fullH - ((g.Ho - 1) * g.sh + KH);
        adjW = fullW - ((g.Wo - 1) * g.sw + KW);
    }
    if (adjH < 0 || adjH >= g.sh || adjW < 0 || adjW >= g.sw)
        unsupported(ctx, cv::format("unexpected output size %dx%d for input %dx%d", g.Ho, g.Wo, g.H, g.W));
    dnn::LayerParams lp = gradientLayerParams(ctx, "Deconvolution", KH, KW, g.sh, g.sw, padH, padW, padH, padW,
                                              1, 1, g.cin, g.groups, w);
    lp.set("adj_h", adjH); lp.set("adj_w", adjW);
    return makePtr<LayerOnGradientBackward>(ctx, lp, &dnn::DeconvolutionLayer::create, g, fullH, fullW,
                                            symmetric ? Rect() : Rect(g.pl, g.pt, g.W, g.H),
                                            "the transposed convolution does not map back to the input size");
}

/* Convolution, stride 1: dX = conv(dY, W'), W'[g*Ci/g + a, b] = flip(W[g*Co/g + b, a]), pads (K-1)*d - p,
   through a standalone Convolution layer, as fast as the forward pass. */
Ptr<LayerBackward> flippedConvolutionBackward(const LayerContext& ctx, const ConvGeometry& g, const Mat& w)
{
    const int cinG = g.cin / g.groups, coutG = g.cout / g.groups;
    Mat flipped(std::vector<int>{ g.cin, coutG, g.kh, g.kw }, CV_32F);
    for (int grp = 0; grp < g.groups; grp++)
        for (int a = 0; a < cinG; a++)
            for (int b = 0; b < coutG; b++)
            {
                const float* src = w.ptr<float>(grp * coutG + b, a);
                float* dst = flipped.ptr<float>(grp * cinG + a, b);
                for (int k = 0; k < g.kh * g.kw; k++)
                    dst[k] = src[g.kh * g.kw - 1 - k];
            }
    const int padH = (g.kh - 1) * g.dh - g.pt, padW = (g.kw - 1) * g.dw - g.pl;
    const dnn::LayerParams lp = gradientLayerParams(ctx, "Convolution", g.kh, g.kw, 1, 1, padH, padW, padH, padW,
                                                    g.dh, g.dw, g.cin, g.groups, flipped);
    return makePtr<LayerOnGradientBackward>(ctx, lp, &dnn::ConvolutionLayer::create, g, g.H, g.W, Rect(),
                                            "the flipped convolution does not map back to the input size");
}

//! Direct backward of convolutions with one input channel per group (depthwise, with channel multiplier).
class DepthwiseConvolutionBackward : public LayerBackward
{
public:
    DepthwiseConvolutionBackward(const ConvGeometry& g_, const Mat& weights) : g(g_), w(weights.clone()) {}

    void backward(const std::vector<Mat>&, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& dy = outputGrads[0];
        const int N = dy.size[0];
        const int mult = g.cout / g.cin;
        Mat dx = zeroBlob(MatShape{ N, g.cin, g.H, g.W });
        cv::parallel_for_(Range(0, N * g.cin), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                const int n = nc / g.cin, c = nc % g.cin;
                float* dst = dx.ptr<float>(n, c);
                for (int m = 0; m < mult; m++)
                {
                    const int co = c * mult + m;
                    const float* src = dy.ptr<float>(n, co);
                    const float* k = w.ptr<float>(co, 0);
                    for (int oy = 0; oy < g.Ho; oy++)
                        for (int ky = 0; ky < g.kh; ky++)
                        {
                            const int iy = oy * g.sh - g.pt + ky * g.dh;
                            if (iy < 0 || iy >= g.H)
                                continue;
                            float* drow = dst + (size_t)iy * g.W;
                            const float* srow = src + (size_t)oy * g.Wo;
                            for (int kx = 0; kx < g.kw; kx++)
                            {
                                const float kv = k[ky * g.kw + kx];
                                const int x0 = kx * g.dw - g.pl;
                                // ox range with 0 <= ox*sw + x0 < W
                                int oxBegin = x0 >= 0 ? 0 : (-x0 + g.sw - 1) / g.sw;
                                int oxEnd = std::min(g.Wo, (g.W - 1 - x0) / g.sw + 1);
                                for (int ox = oxBegin; ox < oxEnd; ox++)
                                    drow[ox * g.sw + x0] += kv * srow[ox];
                            }
                        }
                }
            }
        });
        inputGrads[0] = dx;
    }

private:
    ConvGeometry g;
    Mat w;
};

/* dX = op(dY) by a oneDNN primitive prepared for the layer's shapes: Op is onednn::ConvolutionBackwardData for a
   convolution, onednn::ConvolutionForward (with the deconvolution's weights and geometry) for a deconvolution. */
template<typename Op>
class OneDnnBackward : public LayerBackward
{
public:
    OneDnnBackward(const onednn::ConvGeometry& g, const Mat& weights, const MatShape& inputShape)
        : op(g, weights), dxShape(inputShape) {}

    void backward(const std::vector<Mat>&, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat dy = outputGrads[0].isContinuous() ? outputGrads[0] : outputGrads[0].clone();
        Mat dx = newBlob(dxShape);
        op.run(dy, dx);
        inputGrads[0] = dx;
    }

private:
    Op op;
    MatShape dxShape;
};

/* The oneDNN rule, or an empty pointer (logged) when oneDNN is off or refuses the geometry. `transposed`: the layer is
   a deconvolution, whose input gradient is the convolution of dY with its weights (input and output swapped). */
Ptr<LayerBackward> oneDnnRule(const LayerContext& ctx, const ConvGeometry& g, const Mat& weights, bool transposed)
{
    if (!useOneDNN())
        return Ptr<LayerBackward>();
    onednn::ConvGeometry o;
    o.N = ctx.inputShapes[0][0]; o.groups = g.groups;
    o.kh = g.kh; o.kw = g.kw; o.sh = g.sh; o.sw = g.sw; o.dh = g.dh; o.dw = g.dw; o.pt = g.pt; o.pl = g.pl;
    o.C = transposed ? g.cout : g.cin; o.H = transposed ? g.Ho : g.H; o.W = transposed ? g.Wo : g.W;
    o.O = transposed ? g.cin : g.cout; o.Ho = transposed ? g.H : g.Ho; o.Wo = transposed ? g.W : g.Wo;
    try
    {
        const Mat w = weights.isContinuous() ? weights : weights.clone();
        if (transposed)
            return makePtr<OneDnnBackward<onednn::ConvolutionForward> >(o, w, ctx.inputShapes[0]);
        return makePtr<OneDnnBackward<onednn::ConvolutionBackwardData> >(o, w, ctx.inputShapes[0]);
    }
    catch (const cv::Exception& e)
    {
        CV_LOG_INFO(NULL, "interp: layer '" << ctx.info->name << "': cv::dnn's layers compute the input gradient, "
                          "oneDNN refused: " << e.err);
        return Ptr<LayerBackward>();
    }
}

Ptr<LayerBackward> convolutionRule(const LayerContext& ctx)
{
    Ptr<dnn::ConvolutionLayer> conv = layerAs<dnn::ConvolutionLayer>(ctx);
    const ConvGeometry g = convGeometry(ctx, conv, ctx.inputShapes.at(0), ctx.outputShapes.at(0), 1);
    if (ctx.inputShapes.size() != 1)
        unsupported(ctx, "convolutions with weights given as an input have no backward rule");
    const Mat& w = conv->blobs[0];
    if (w.dims != 4 || w.size[0] != g.cout || g.cin % g.groups != 0)
        unsupported(ctx, "weights do not match the input and output shapes");
    if (Ptr<LayerBackward> fast = oneDnnRule(ctx, g, w, false))
        return fast;
    const int effH = (g.kh - 1) * g.dh, effW = (g.kw - 1) * g.dw;
    if (g.sh == 1 && g.sw == 1 && g.pt == g.pb && g.pl == g.pr && g.pt <= effH && g.pl <= effW &&
        g.Ho == g.H + g.pt + g.pb - effH && g.Wo == g.W + g.pl + g.pr - effW)
        return flippedConvolutionBackward(ctx, g, w);
    if (g.groups == g.cin && g.cin > 1)
        return makePtr<DepthwiseConvolutionBackward>(g, w);
    return transposedConvolutionBackward(ctx, g, w);
}

/* Deconvolution: its input gradient is a convolution of dY with the same weights (IOHW read as OIHW with
   O = deconv input channels) and the same geometry, through a standalone Convolution layer. */
Ptr<LayerBackward> deconvolutionRule(const LayerContext& ctx)
{
    // cv::dnn's deconvolution instances derive from BaseConvolutionLayer (not DeconvolutionLayer).
    Ptr<dnn::BaseConvolutionLayer> d = layerAs<dnn::BaseConvolutionLayer>(ctx);
    if (d->blobs.empty() || ctx.inputShapes.size() != 1)
        unsupported(ctx, "deconvolutions with weights given as an input have no backward rule");
    const ConvGeometry g = convGeometry(ctx, d, ctx.inputShapes.at(0), ctx.outputShapes.at(0), 0);
    if (Ptr<LayerBackward> fast = oneDnnRule(ctx, g, d->blobs[0], true))
        return fast;
    const dnn::LayerParams lp = gradientLayerParams(ctx, "Convolution", g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb,
                                                    g.pr, g.dh, g.dw, g.cin, g.groups, d->blobs[0].clone());
    return makePtr<LayerOnGradientBackward>(ctx, lp, &dnn::ConvolutionLayer::create, g, g.H, g.W, Rect(),
                                            "the transposed geometry does not map back to the input size "
                                            "(output_padding?)");
}

}  // namespace

void registerConvolutionRules(const RuleRegistrar& add)
{
    add("Convolution", BACKWARD_STANDARD, convolutionRule);
    add("Deconvolution", BACKWARD_STANDARD, deconvolutionRule);
}

}  // namespace interp
}  // namespace cv
