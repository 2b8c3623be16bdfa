// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The layer-type knowledge of incremental occlusion, all in one place: for each layer type, how its output depends
// on its inputs in space (pointwise, a strided window, everything) and how to compute it on patches. The engine
// (occlusion_incremental.cpp) only sees Geometry objects. Types without an entry are recomputed in full.
#include "precomp.hpp"
#include "occlusion_impl.hpp"
#include "layer_registry.hpp"

namespace cv {
namespace interp {
namespace occl {

PatchOp::~PatchOp() {}

namespace {

// ---------------------------------------------------------------------------------------------------------
// Operations

//! A fresh cv::dnn layer: finalized again whenever the input shapes change.
class LayerOp : public PatchOp
{
public:
    LayerOp(const dnn::LayerParams& params_, int numOutputs_) : params(params_), numOutputs(std::max(1, numOutputs_))
    {
        dnn::LayerParams lp = params;
        layer = dnn::LayerFactory::createLayerInstance(lp.type, lp);
        if (!layer)
            CV_Error(Error::StsNotImplemented, "cannot create a layer of type " + params.type);
        layer->name = params.name;
    }

    std::vector<MatShape> outputShapes(const std::vector<MatShape>& inputs) CV_OVERRIDE
    {
        std::vector<MatShape> outs, internals;
        layer->getMemoryShapes(inputs, numOutputs, outs, internals);
        if ((int)outs.size() > numOutputs)
            outs.resize(numOutputs);
        return outs;
    }

    void forward(std::vector<Mat>& inputs, std::vector<Mat>& outputs) CV_OVERRIDE
    {
        std::vector<MatShape> shapes;
        for (const Mat& m : inputs)
            shapes.push_back(dnn::shape(m));
        if (shapes != finalizedFor)
        {
            std::vector<MatShape> outs, internalShapes;
            layer->getMemoryShapes(shapes, numOutputs, outs, internalShapes);
            internals.clear();
            for (const MatShape& s : internalShapes)
                internals.push_back(Mat((int)s.size(), s.data(), CV_32F));
            layer->finalize((InputArrayOfArrays)inputs, (OutputArrayOfArrays)outputs);
            finalizedFor = shapes;
        }
        layer->forward(inputs, outputs, internals);
    }

private:
    dnn::LayerParams params;
    int numOutputs;
    Ptr<dnn::Layer> layer;
    std::vector<MatShape> finalizedFor;
    std::vector<Mat> internals;
};

/* A fully connected layer as a 1x1 convolution over a row of "pixels", one per sample: cv::dnn's InnerProduct
   multiplies the weight matrix with one sample at a time (memory-bound: VGG's first FC layer reads 400 MB of
   weights per sample), its convolution runs a blocked matrix product over many pixels at once. */
class InnerProductAsConvOp : public PatchOp
{
public:
    InnerProductAsConvOp(const dnn::LayerParams& fc, const Mat& weights, const Mat& bias)
    {
        numOutput = weights.rows;
        inner = weights.cols;
        dnn::LayerParams conv;
        conv.name = fc.name + "/as_conv";
        conv.type = "Convolution";
        conv.set("num_output", numOutput);
        conv.set("kernel_size", 1);
        conv.set("bias_term", !bias.empty());
        conv.blobs.push_back(weights.reshape(1, std::vector<int>{ numOutput, inner, 1, 1 }));
        if (!bias.empty())
            conv.blobs.push_back(bias.reshape(1, 1));
        op = makeLayerOp(conv, 1);
    }

    std::vector<MatShape> outputShapes(const std::vector<MatShape>& inputs) CV_OVERRIDE
    {
        CV_CheckEQ(inputs.size(), (size_t)1, "a fully connected layer has one input");
        CV_CheckGE(inputs[0].size(), (size_t)2, "");
        CV_CheckEQ((int)dnn::total(inputs[0], 1), inner, "input size of the fully connected layer");
        return std::vector<MatShape>(1, MatShape{ inputs[0][0], numOutput });
    }

    void forward(std::vector<Mat>& inputs, std::vector<Mat>& outputs) CV_OVERRIDE
    {
        const int n = inputs[0].size[0];
        Mat x = inputs[0].reshape(1, n);
        Mat xt;
        cv::transpose(x, xt);  // inner x n
        std::vector<Mat> ins(1, xt.reshape(1, std::vector<int>{ 1, inner, 1, n }));
        std::vector<Mat> outs(1, Mat(std::vector<int>{ 1, numOutput, 1, n }, CV_32F));
        op->forward(ins, outs);
        Mat y = outputs[0].reshape(1, n);
        cv::transpose(outs[0].reshape(1, numOutput), y);
        CV_Assert(y.data == outputs[0].data);
    }

private:
    int numOutput = 0, inner = 0;
    Ptr<PatchOp> op;
};

// ---------------------------------------------------------------------------------------------------------
// Helpers

bool isSpatial(const MatShape& s)
{
    return s.size() == 4;
}

//! Parameters with the padding replaced (explicit pad_t/l/b/r; padding modes dropped).
dnn::LayerParams withPads(const dnn::LayerParams& params, const Pads& p)
{
    dnn::LayerParams lp = params;
    for (const char* key : { "pad", "pad_h", "pad_w", "pads", "pad_mode", "pad_t", "pad_l", "pad_b", "pad_r" })
        if (lp.has(key))
            lp.erase(key);
    lp.set("pad_t", p.t);
    lp.set("pad_l", p.l);
    lp.set("pad_b", p.b);
    lp.set("pad_r", p.r);
    return lp;
}

Geometry globalGeometry(const String& reason)
{
    Geometry g;
    g.kind = Geometry::GLOBAL;
    g.reason = reason;
    return g;
}

Geometry unknownGeometry(const String& reason)
{
    Geometry g;
    g.kind = Geometry::UNKNOWN;
    g.reason = reason;
    return g;
}

//! Computed on patches by the layer itself, made from its own parameters.
Geometry withLayerOp(const GeometryContext& ctx, Geometry g)
{
    const dnn::LayerParams params = ctx.info->params;
    const int nout = ctx.info->numOutputs;
    g.makeOp = [params, nout](const Pads&) { return makeLayerOp(params, nout); };
    return g;
}

/* Output (y, x) depends on inputs at (y, x) only. Every output is 4-D with the batch of the input; each input has
   the output's spatial size, or is 1 x 1 (broadcast, e.g. a per-channel scale computed from the whole map). */
Geometry pointwise(const GeometryContext& ctx, const LayerGeometry* = nullptr)
{
    if (ctx.outputShapes.empty() || ctx.inputShapes.empty())
        return unknownGeometry("no inputs or outputs");
    const MatShape& o0 = ctx.outputShapes[0];
    if (!isSpatial(o0))
        return withLayerOp(ctx, globalGeometry("its output is not a spatial map"));
    for (const MatShape& o : ctx.outputShapes)
        if (!isSpatial(o) || o[0] != o0[0] || o[2] != o0[2] || o[3] != o0[3])
            return unknownGeometry("its outputs differ in batch or spatial size");
    for (const MatShape& i : ctx.inputShapes)
    {
        if (!isSpatial(i) || i[0] != o0[0])
            return unknownGeometry("an input is not a map of the same batch");
        const bool same = i[2] == o0[2] && i[3] == o0[3];
        const bool broadcast = i[2] == 1 && i[3] == 1;
        if (!same && !broadcast)
            return unknownGeometry("an input's spatial size differs from the output's");
    }
    Geometry g;
    g.kind = Geometry::POINTWISE;
    return withLayerOp(ctx, g);
}

//! Checks that the window geometry maps the input size to the output size; else UNKNOWN.
Geometry checkedWindow(const GeometryContext& ctx, Geometry g)
{
    if (ctx.inputShapes.size() != 1 || !isSpatial(ctx.inputShapes[0]) || ctx.outputShapes.empty() ||
        !isSpatial(ctx.outputShapes[0]))
        return unknownGeometry("a window layer needs one spatial input and a spatial output");
    const MatShape& in = ctx.inputShapes[0];
    const MatShape& out = ctx.outputShapes[0];
    // Padding that is not a value: every output window must read at least one input position.
    const int lastY = (out[2] - 1) * g.sh - g.pads.t, lastX = (out[3] - 1) * g.sw - g.pads.l;
    if (!g.padByValue && (lastY >= in[2] || lastX >= in[3] || g.pads.t >= (g.kh - 1) * g.dh + 1 ||
                          g.pads.l >= (g.kw - 1) * g.dw + 1))
        return unknownGeometry("some output windows lie entirely in the padding");
    if (in[0] != out[0])
        return unknownGeometry("the output batch differs from the input batch");
    return g;
}

// ---------------------------------------------------------------------------------------------------------
// Layer types

/* The sliding window the receptive-field geometry gives a single-input layer (rows, columns): stride, padding before,
extent (dilated kernel). False when it is not a plain window (e.g. a transposed one). */
bool windowOf(const LayerGeometry* rf, Geometry& g)
{
    if (!rf || rf->maps.size() != 1 || rf->maps[0].size() != 1)
        return false;
    const AxisMap* axes[2] = { &rf->maps[0][0].y, &rf->maps[0][0].x };
    int stride[2], pad[2], extent[2];
    for (int a = 0; a < 2; a++)
    {
        const AxisMap& m = *axes[a];
        if (m.kind != AxisMap::AFFINE || m.den != 1 || m.num < 1 || m.hiOffset < m.loOffset)
            return false;
        stride[a] = m.num;
        pad[a] = -m.loOffset;
        extent[a] = m.hiOffset - m.loOffset + 1;
    }
    g.kind = Geometry::WINDOW;
    g.sh = stride[0];
    g.sw = stride[1];
    g.kh = extent[0];  // the extent as a kernel of dilation 1
    g.kw = extent[1];
    g.dh = g.dw = 1;
    g.pads.t = pad[0];
    g.pads.l = pad[1];
    return true;
}

Geometry convolution(const GeometryContext& ctx, const LayerGeometry* rf)
{
    if (ctx.info->params.blobs.empty() || ctx.inputShapes.size() != 1)
        return unknownGeometry("convolutions with weights as an input are not supported");
    if (ctx.inputShapes[0].size() != 4 || ctx.outputShapes.empty() || ctx.outputShapes[0].size() != 4)
        return unknownGeometry("only 2-D convolutions have a window geometry");
    Geometry g;
    if (!windowOf(rf, g))
        return unknownGeometry("no window geometry (receptive-field rule) for this convolution");
    // The padding after: what the output size implies.
    const MatShape& in = ctx.inputShapes[0];
    const MatShape& out = ctx.outputShapes[0];
    g.pads.b = std::max(0, (out[2] - 1) * g.sh + g.kh - in[2] - g.pads.t);
    g.pads.r = std::max(0, (out[3] - 1) * g.sw + g.kw - in[3] - g.pads.l);
    // Zero padding is a value: patches are padded explicitly and computed without padding.
    g.padByValue = true;
    g.padValue = 0.f;
    const dnn::LayerParams params = withPads(ctx.info->params, Pads());
    g.makeOp = [params](const Pads&) { return makeLayerOp(params, 1); };
    return checkedWindow(ctx, g);
}

Geometry pooling(const GeometryContext& ctx, const LayerGeometry* rf)
{
    Ptr<dnn::PoolingLayer> pool = ctx.info->layer.dynamicCast<dnn::PoolingLayer>();
    if (!pool)
        return unknownGeometry("not a pooling layer instance");
    String kind = ctx.info->params.get<String>("pool", "MAX");
    std::transform(kind.begin(), kind.end(), kind.begin(), ::toupper);
    if (pool->globalPooling || (ctx.outputShapes.size() == 1 && ctx.outputShapes[0].size() == 4 &&
                                ctx.outputShapes[0][2] == 1 && ctx.outputShapes[0][3] == 1))
        return withLayerOp(ctx, globalGeometry("global pooling"));
    if (kind != "MAX" && kind != "AVE")
        return unknownGeometry("pooling type " + kind + " has no window geometry");
    if (pool->pads_end.size() != 2 || ctx.info->numOutputs != 1 || ctx.inputShapes.size() != 1 ||
        ctx.inputShapes[0].size() != 4)
        return unknownGeometry("only 2-D pooling with one output has a window geometry");
    Geometry g;
    if (!windowOf(rf, g))
        return unknownGeometry("no window geometry (receptive-field rule) for this pooling");
    // The padding after as the layer has it (in ceil mode the last window may also run past it).
    g.pads.b = (int)pool->pads_end[0];
    g.pads.r = (int)pool->pads_end[1];
    // Max pooling ignores the padding and average pooling may or may not count it: the patch layer is made
    // with the padding of the map's border on the sides where the patch touches it.
    g.padByValue = false;
    const dnn::LayerParams params = ctx.info->params;
    g.makeOp = [params](const Pads& p) { return makeLayerOp(withPads(params, p), 1); };
    return checkedWindow(ctx, g);
}

//! Constant padding of the spatial axes only: a 1 x 1 window with explicit padding; the patch needs no layer.
Geometry padding(const GeometryContext& ctx, const LayerGeometry*)
{
    const dnn::LayerParams& p = ctx.info->params;
    if (p.get<String>("type", "constant") != "constant" || !p.has("paddings"))
        return unknownGeometry("only constant padding has a window geometry");
    if (ctx.inputShapes.size() != 1 || !isSpatial(ctx.inputShapes[0]) || !isSpatial(ctx.outputShapes[0]))
        return unknownGeometry("only padding of 4-D maps has a window geometry");
    const MatShape& in = ctx.inputShapes[0];
    const MatShape& out = ctx.outputShapes[0];
    if (in[0] != out[0] || in[1] != out[1])
        return unknownGeometry("padding of the batch or channel axis");
    const dnn::DictValue& v = p.get("paddings");
    const int pairs = v.size() / 2;
    if (pairs < 2)
        return unknownGeometry("padding of fewer than two axes");
    Geometry g;
    g.kind = Geometry::WINDOW;
    g.pads.t = v.get<int>(2 * (pairs - 2));
    g.pads.b = v.get<int>(2 * (pairs - 2) + 1);
    g.pads.l = v.get<int>(2 * (pairs - 1));
    g.pads.r = v.get<int>(2 * (pairs - 1) + 1);
    if (out[2] != in[2] + g.pads.t + g.pads.b || out[3] != in[3] + g.pads.l + g.pads.r)
        return unknownGeometry("the padding amounts do not match the output size");
    g.padByValue = true;
    g.padValue = p.get<float>("value", 0.f);
    dnn::LayerParams id;
    id.name = ctx.info->name + "/as_identity";
    id.type = "Identity";
    g.makeOp = [id](const Pads&) { return makeLayerOp(id, 1); };
    return checkedWindow(ctx, g);
}

Geometry lrn(const GeometryContext& ctx, const LayerGeometry*)
{
    if (ctx.info->params.get<String>("norm_region", "ACROSS_CHANNELS") != "ACROSS_CHANNELS")
        return unknownGeometry("LRN within channels has no window geometry");
    return pointwise(ctx);
}

Geometry softmax(const GeometryContext& ctx, const LayerGeometry*)
{
    if (!ctx.outputShapes.empty() && isSpatial(ctx.outputShapes[0]))
    {
        const int axis = ctx.info->params.get<int>("axis", 1);
        if (axis == 1 || axis == -3)
            return pointwise(ctx);
    }
    return withLayerOp(ctx, globalGeometry("softmax over the whole output"));
}

Geometry innerProduct(const GeometryContext& ctx, const LayerGeometry*)
{
    Geometry g = globalGeometry("fully connected");
    const dnn::LayerParams& p = ctx.info->params;
    const int axis = p.get<int>("axis", 1);
    const bool transposed = p.get<bool>("transpose", false);
    const int nout = p.get<int>("num_output", 0);
    if (axis != 1 || transposed || p.blobs.empty() || nout <= 0 || ctx.inputShapes.size() != 1 ||
        p.blobs[0].total() % (size_t)nout != 0 || !p.blobs[0].isContinuous() || p.blobs[0].type() != CV_32F)
        return withLayerOp(ctx, g);
    const Mat w = p.blobs[0].reshape(1, nout);
    Mat b;
    if (p.get<bool>("bias_term", true) && p.blobs.size() > 1)
    {
        b = p.blobs[1];
        if (b.total() != (size_t)nout || !b.isContinuous())
            return withLayerOp(ctx, g);
    }
    if ((size_t)w.cols != (size_t)dnn::total(ctx.inputShapes[0], 1))
        return withLayerOp(ctx, g);
    const dnn::LayerParams params = p;
    g.makeFullOp = [params, w, b]() -> Ptr<PatchOp> { return makePtr<InnerProductAsConvOp>(params, w, b); };
    return g;
}

GeometryFactory globalFactory(const String& reason)
{
    return [reason](const GeometryContext& c, const LayerGeometry*) { return withLayerOp(c, globalGeometry(reason)); };
}

//! From the receptive-field geometry alone: position-wise (every map the identity, or a broadcast 1 x 1 input) or
//! global (a map reads a whole axis); else UNKNOWN. For types without an occlusion rule (e.g. user-registered ones).
Geometry fromReceptiveField(const GeometryContext& ctx, const LayerGeometry* rf)
{
    if (!rf)
        return unknownGeometry("no occlusion or receptive-field geometry is known for layer type " + ctx.info->type);
    bool whole = false;
    for (size_t p = 0; p < rf->maps.size(); p++)
        for (size_t s = 0; s < rf->maps[p].size(); s++)
            for (const AxisMap* m : { &rf->maps[p][s].y, &rf->maps[p][s].x })
            {
                if (m->kind == AxisMap::WHOLE)
                {
                    // a broadcast 1 x 1 input is position-wise; a whole axis read otherwise makes the layer global
                    const MatShape& in = ctx.inputShapes.at(s);
                    whole = whole || !(in.size() == 4 && in[2] == 1 && in[3] == 1);
                }
                else if (m->kind == AxisMap::AFFINE)
                {
                    if (!(m->num == 1 && m->den == 1 && m->loOffset == 0 && m->hiOffset == 0))
                        return unknownGeometry("its receptive-field geometry is a window whose padding semantics are "
                                               "unknown (no occlusion rule for type " + ctx.info->type + ")");
                }
                else if (m->kind != AxisMap::NONE)
                    return unknownGeometry("its receptive-field geometry is not position-wise (type " +
                                           ctx.info->type + ")");
            }
    if (whole)
        return withLayerOp(ctx, globalGeometry("it reads whole maps"));
    return pointwise(ctx);
}

}  // namespace

void registerBuiltinOcclusionRules(const std::function<void(const String&, const GeometryFactory&)>& add)
{
    // Spatially pointwise: activations, normalisation by constants, routing along the channel axis.
    for (const char* t : { "ReLU", "ReLU6", "PReLU", "ChannelsPReLU", "ELU", "Sigmoid", "TanH", "Swish", "Mish",
                           "BNLL", "AbsVal", "Power", "Exp", "Log", "Sqrt", "Ceil", "Floor", "Round", "Not",
                           "Erf", "HardSwish", "HardSigmoid", "Softplus", "Softsign", "Celu", "Selu",
                           "ThresholdedRelu", "Sign", "Shrink", "Reciprocal", "Acos", "Acosh", "Asin", "Asinh",
                           "Atan", "Atanh", "Cos", "Cosh", "Sin", "Sinh", "Tan", "BatchNorm", "Scale", "Shift",
                           "Identity", "Dropout", "Eltwise", "Concat", "Slice", "Split", "ShuffleChannel",
                           "Compare" })
        add(t, pointwise);
    add("LRN", lrn);
    add("Softmax", softmax);
    add("SoftMax", softmax);
    add("Convolution", convolution);
    add("Pooling", pooling);
    add("Padding", padding);
    add("InnerProduct", innerProduct);
    // Global: every output element depends on the whole input.
    add("Flatten", globalFactory("flattening"));
    add("Reshape", globalFactory("reshaping"));
    add("Reduce", globalFactory("reduction over the map"));
    add("MVN", globalFactory("normalisation over the map"));
    add("Normalize", globalFactory("normalisation over the map"));
}

Ptr<PatchOp> makeLayerOp(const dnn::LayerParams& params, int numOutputs)
{
    return makePtr<LayerOp>(params, numOutputs);
}

Geometry layerGeometry(const GeometryContext& ctx)
{
    CV_Assert(ctx.info);
    // The receptive-field geometry of the type, the one spatial description every consumer derives from.
    LayerGeometry rf;
    bool haveRf = false;
    GeometryRule rule;
    if (findGeometryRule(ctx.info->type, rule))
    {
        cv::interp::GeometryContext rc;
        rc.info = ctx.info;
        rc.inputShapes = ctx.inputShapes;
        rc.outputShapes = ctx.outputShapes;
        try
        {
            rf = rule(rc);
            haveRf = !rf.conservative;
        }
        catch (const cv::Exception&)
        {
            haveRf = false;
        }
    }
    const Ptr<OcclusionRule> own = findOcclusionRule(ctx.info->type);
    Geometry g;
    try
    {
        g = own ? own->geometry(ctx, haveRf ? &rf : nullptr) : fromReceptiveField(ctx, haveRf ? &rf : nullptr);
    }
    catch (const cv::Exception& e)
    {
        g = unknownGeometry("its geometry could not be derived: " + e.err);
    }
    if (g.kind == Geometry::GLOBAL || g.kind == Geometry::UNKNOWN)
        g.makeOp = nullptr;  // never computed on patches
    if (!g.makeFullOp)
    {
        const dnn::LayerParams params = ctx.info->params;
        const int nout = ctx.info->numOutputs;
        g.makeFullOp = [params, nout]() { return makeLayerOp(params, nout); };
    }
    return g;
}

}  // namespace occl

void registerBuiltinOcclusion(const std::function<void(const String& type, const Ptr<OcclusionRule>& rule)>& add)
{
    occl::registerBuiltinOcclusionRules([&](const String& type, const occl::GeometryFactory& f) {
        Ptr<OcclusionRule> rule = makePtr<OcclusionRule>();
        rule->geometry = f;
        add(type, rule);
    });
}

}  // namespace interp
}  // namespace cv
