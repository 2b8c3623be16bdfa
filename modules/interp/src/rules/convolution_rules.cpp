// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of Convolution and Deconvolution layers (input gradients only).
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
#include "../precomp.hpp"
#include "rules.hpp"

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

/* dX = col2im(W^T dY) through a standalone Deconvolution layer. The deconvolution produces the gradient of
   the padded input when padding is asymmetric; it is cropped to the input. */
class ConvolutionBackward : public LayerBackward
{
public:
    ConvolutionBackward(const LayerContext& ctx, const ConvGeometry& g_, const Mat& weights) : g(g_)
    {
        const Mat w = dilateKernel(weights, g.dh, g.dw);
        const int KH = w.size[2], KW = w.size[3];
        // Windows cover rows [-pt, (Ho-1)*sh + KH - pt): the padding actually used at the end may differ from
        // pads_end (cv::dnn's SAME mode pads symmetrically but sizes the output by ceil(H / stride)).
        // Preferred: a deconvolution with pad = pads_begin and an output adjustment landing exactly on H x W.
        int adjH = g.H - ((g.Ho - 1) * g.sh + KH - 2 * g.pt);
        int adjW = g.W - ((g.Wo - 1) * g.sw + KW - 2 * g.pl);
        symmetric = adjH >= 0 && adjH < g.sh && adjW >= 0 && adjW < g.sw;
        int padH = g.pt, padW = g.pl;
        if (symmetric)
        {
            fullH = g.H;
            fullW = g.W;
        }
        else
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
        dnn::LayerParams lp;
        lp.name = ctx.info->name + "/interp_backward";
        lp.type = "Deconvolution";
        lp.set("kernel_h", KH); lp.set("kernel_w", KW);
        lp.set("stride_h", g.sh); lp.set("stride_w", g.sw);
        lp.set("pad_h", padH); lp.set("pad_w", padW);
        lp.set("adj_h", adjH); lp.set("adj_w", adjW);
        lp.set("num_output", g.cin);
        lp.set("group", g.groups);
        lp.set("bias_term", false);
        lp.blobs.push_back(w);
        deconv = dnn::DeconvolutionLayer::create(lp);
        std::vector<MatShape> ins(1, MatShape{ 1, g.cout, g.Ho, g.Wo }), outs, internals;
        deconv->getMemoryShapes(ins, 1, outs, internals);
        CV_Assert(outs.size() == 1 && outs[0][2] == fullH && outs[0][3] == fullW);
        Mat in = newBlob(ins[0]), out = newBlob(outs[0]);
        std::vector<Mat> vin(1, in), vout(1, out);
        deconv->finalize(InputArrayOfArrays(vin), OutputArrayOfArrays(vout));
    }

    void backward(const std::vector<Mat>&, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& dy = outputGrads[0];
        const int N = dy.size[0];
        MatShape outShape{ N, g.cout, g.Ho, g.Wo }, fullShape{ N, g.cin, fullH, fullW };
        std::vector<MatShape> ins(1, outShape), outs, internalShapes;
        deconv->getMemoryShapes(ins, 1, outs, internalShapes);
        std::vector<Mat> internals;
        for (const MatShape& s : internalShapes)
            internals.push_back(newBlob(s));
        Mat full = newBlob(fullShape);
        std::vector<Mat> vin(1, dy), vout(1, full);
        deconv->forward(vin, vout, internals);
        if (symmetric)
        {
            inputGrads[0] = full;
            return;
        }
        Mat dx = newBlob(MatShape{ N, g.cin, g.H, g.W });
        cv::parallel_for_(Range(0, N * g.cin), [&](const Range& r) {
            for (int nc = r.start; nc < r.end; nc++)
            {
                Mat src(fullH, fullW, CV_32F, full.ptr<float>() + (size_t)nc * fullH * fullW);
                Mat dst(g.H, g.W, CV_32F, dx.ptr<float>() + (size_t)nc * g.H * g.W);
                src(Rect(g.pl, g.pt, g.W, g.H)).copyTo(dst);
            }
        });
        inputGrads[0] = dx;
    }

private:
    ConvGeometry g;
    bool symmetric;
    int fullH, fullW;
    Ptr<dnn::Layer> deconv;
};

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

/* Stride 1: dX = conv(dY, W'), W'[g*Ci/g + a, b] = flip(W[g*Co/g + b, a]), pads (K-1)*d - p. */
class FlippedConvolutionBackward : public LayerBackward
{
public:
    FlippedConvolutionBackward(const LayerContext& ctx, const ConvGeometry& g, const Mat& w)
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
        dnn::LayerParams lp;
        lp.name = ctx.info->name + "/interp_backward";
        lp.type = "Convolution";
        lp.set("kernel_h", g.kh); lp.set("kernel_w", g.kw);
        lp.set("stride", 1);
        lp.set("pad_h", (g.kh - 1) * g.dh - g.pt); lp.set("pad_w", (g.kw - 1) * g.dw - g.pl);
        lp.set("dilation_h", g.dh); lp.set("dilation_w", g.dw);
        lp.set("num_output", g.cin);
        lp.set("group", g.groups);
        lp.set("bias_term", false);
        lp.blobs.push_back(flipped);
        conv = dnn::ConvolutionLayer::create(lp);
        std::vector<MatShape> ins(1, MatShape{ 1, g.cout, g.Ho, g.Wo }), outs, internals;
        conv->getMemoryShapes(ins, 1, outs, internals);
        if (outs.size() != 1 || outs[0][2] != g.H || outs[0][3] != g.W)
            unsupported(ctx, "the flipped convolution does not map back to the input size");
        Mat a = newBlob(ins[0]), b = newBlob(outs[0]);
        std::vector<Mat> va(1, a), vb(1, b);
        conv->finalize(InputArrayOfArrays(va), OutputArrayOfArrays(vb));
    }

    void backward(const std::vector<Mat>&, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& dy = outputGrads[0];
        std::vector<MatShape> ins(1, dnn::shape(dy)), outs, internalShapes;
        conv->getMemoryShapes(ins, 1, outs, internalShapes);
        std::vector<Mat> internals;
        for (const MatShape& s : internalShapes)
            internals.push_back(newBlob(s));
        Mat dx = newBlob(outs[0]);
        std::vector<Mat> vin(1, dy), vout(1, dx);
        {
            // cv::dnn's convolution forward writes member buffers: one call at a time per instance.
            std::lock_guard<std::mutex> lock(mutex);
            conv->forward(vin, vout, internals);
        }
        inputGrads[0] = dx;
    }

private:
    Ptr<dnn::Layer> conv;
    mutable std::mutex mutex;
};

Ptr<LayerBackward> convolutionRule(const LayerContext& ctx)
{
    Ptr<dnn::ConvolutionLayer> conv = layerAs<dnn::ConvolutionLayer>(ctx);
    const ConvGeometry g = convGeometry(ctx, conv, ctx.inputShapes.at(0), ctx.outputShapes.at(0), 1);
    if (ctx.inputShapes.size() != 1)
        unsupported(ctx, "convolutions with weights given as an input have no backward rule");
    const Mat& w = conv->blobs[0];
    if (w.dims != 4 || w.size[0] != g.cout || g.cin % g.groups != 0)
        unsupported(ctx, "weights do not match the input and output shapes");
    const int effH = (g.kh - 1) * g.dh, effW = (g.kw - 1) * g.dw;
    if (g.sh == 1 && g.sw == 1 && g.pt == g.pb && g.pl == g.pr && g.pt <= effH && g.pl <= effW &&
        g.Ho == g.H + g.pt + g.pb - effH && g.Wo == g.W + g.pl + g.pr - effW)
        return makePtr<FlippedConvolutionBackward>(ctx, g, w);
    if (g.groups == g.cin && g.cin > 1)
        return makePtr<DepthwiseConvolutionBackward>(g, w);
    return makePtr<ConvolutionBackward>(ctx, g, w);
}

/* Deconvolution: its input gradient is a convolution of dY with the same weights (IOHW read as OIHW with
   O = deconv input channels), run through a standalone cv::dnn Convolution layer. */
class DeconvolutionBackward : public LayerBackward
{
public:
    DeconvolutionBackward(const LayerContext& ctx, const Ptr<dnn::BaseConvolutionLayer>& d)
    {
        const MatShape& in = ctx.inputShapes.at(0);
        const MatShape& out = ctx.outputShapes.at(0);
        if (d->kernel_size.size() != 2 || in.size() != 4)
            unsupported(ctx, "only 2-D deconvolutions have a backward rule");
        const Mat& w = d->blobs.at(0);  // [C_in, C_out / group, kh, kw]
        const int groups = out[1] / w.size[1];
        dnn::LayerParams lp;
        lp.name = ctx.info->name + "/interp_backward";
        lp.type = "Convolution";
        lp.set("kernel_h", (int)d->kernel_size[0]); lp.set("kernel_w", (int)d->kernel_size[1]);
        lp.set("stride_h", (int)d->strides[0]); lp.set("stride_w", (int)d->strides[1]);
        lp.set("pad_t", (int)d->pads_begin[0]); lp.set("pad_l", (int)d->pads_begin[1]);
        lp.set("pad_b", (int)d->pads_end[0]); lp.set("pad_r", (int)d->pads_end[1]);
        if (d->dilations.size() == 2)
        {
            lp.set("dilation_h", (int)d->dilations[0]);
            lp.set("dilation_w", (int)d->dilations[1]);
        }
        lp.set("num_output", in[1]);
        lp.set("group", groups);
        lp.set("bias_term", false);
        lp.blobs.push_back(w.clone());
        conv = dnn::ConvolutionLayer::create(lp);
        inC = in[1]; H = in[2]; W = in[3];
        std::vector<MatShape> ins(1, MatShape{ 1, out[1], out[2], out[3] }), outs, internals;
        conv->getMemoryShapes(ins, 1, outs, internals);
        if (outs.size() != 1 || outs[0][2] != H || outs[0][3] != W)
            unsupported(ctx, "the transposed geometry does not map back to the input size (output_padding?)");
        Mat a = newBlob(ins[0]), b = newBlob(outs[0]);
        std::vector<Mat> va(1, a), vb(1, b);
        conv->finalize(InputArrayOfArrays(va), OutputArrayOfArrays(vb));
    }

    void backward(const std::vector<Mat>&, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& dy = outputGrads[0];
        std::vector<MatShape> ins(1, dnn::shape(dy)), outs, internalShapes;
        conv->getMemoryShapes(ins, 1, outs, internalShapes);
        std::vector<Mat> internals;
        for (const MatShape& s : internalShapes)
            internals.push_back(newBlob(s));
        Mat dx = newBlob(outs[0]);
        std::vector<Mat> vin(1, dy), vout(1, dx);
        {
            // cv::dnn's convolution forward writes member buffers: one call at a time per instance.
            std::lock_guard<std::mutex> lock(mutex);
            conv->forward(vin, vout, internals);
        }
        inputGrads[0] = dx;
    }

private:
    Ptr<dnn::Layer> conv;
    int inC, H, W;
    mutable std::mutex mutex;
};

Ptr<LayerBackward> deconvolutionRule(const LayerContext& ctx)
{
    // cv::dnn's deconvolution instances derive from BaseConvolutionLayer (not DeconvolutionLayer).
    Ptr<dnn::BaseConvolutionLayer> d = layerAs<dnn::BaseConvolutionLayer>(ctx);
    if (d->blobs.empty() || ctx.inputShapes.size() != 1)
        unsupported(ctx, "deconvolutions with weights given as an input have no backward rule");
    return makePtr<DeconvolutionBackward>(ctx, d);
}

}  // namespace

void registerConvolutionRules(const RuleRegistrar& add)
{
    add("Convolution", BACKWARD_STANDARD, convolutionRule);
    add("Deconvolution", BACKWARD_STANDARD, deconvolutionRule);
}

}  // namespace interp
}  // namespace cv
