// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The receptive-field geometry of each layer type: the one place that knows how a layer type maps output
// positions to input positions (kernel, stride, padding, dilation, transposed windows, resizing, slicing,
// concatenation along a spatial axis, global layers). A registry keyed by layer type, like the backward rules.
// Geometry comes from the public fields of the cv::dnn instances and the parameters readNet() captured.
#include "precomp.hpp"
#include "layer_registry.hpp"
#include "rules/rules.hpp"  // lpNormalizeAxes

#include <functional>

namespace cv {
namespace interp {

namespace {

//! Spatial axes of a blob with at least 4 axes: rows dims-2, columns dims-1.
bool isSpatial(const MatShape& s) { return s.size() >= 4; }
int rowsOf(const MatShape& s) { return s[s.size() - 2]; }
int colsOf(const MatShape& s) { return s[s.size() - 1]; }

[[noreturn]] void unsupported(const GeometryContext& ctx, const String& what)
{
    CV_Error(Error::StsNotImplemented, cv::format("layer '%s' (type %s): %s", ctx.info->name.c_str(),
                                                  ctx.info->type.c_str(), what.c_str()));
}

template<typename T>
Ptr<T> layerAs(const GeometryContext& ctx)
{
    Ptr<T> l = ctx.info->layer.dynamicCast<T>();
    if (!l)
        unsupported(ctx, "the instance is not of the cv::dnn class its geometry rule expects");
    return l;
}

int numOutputs(const GeometryContext& ctx) { return std::max<int>(1, (int)ctx.outputShapes.size()); }
int numInputs(const GeometryContext& ctx) { return (int)ctx.inputShapes.size(); }

/* Position-wise layers (activations, batch norm, element-wise arithmetic, ...): an output position reads the
   same position of every input of the output's size, and all of an input broadcast from 1 x 1. */
LayerGeometry pointwise(const GeometryContext& ctx)
{
    LayerGeometry g;
    g.maps.resize(numOutputs(ctx));
    for (int p = 0; p < numOutputs(ctx); p++)
    {
        const MatShape& out = ctx.outputShapes.at(p);
        for (int s = 0; s < numInputs(ctx); s++)
        {
            const MatShape& in = ctx.inputShapes[s];
            if (!isSpatial(in) || !isSpatial(out))
            {
                g.maps[p].push_back(SpatialMap(AxisMap::whole(), AxisMap::whole()));
                continue;
            }
            AxisMap ay = rowsOf(in) == rowsOf(out) ? AxisMap::identity() : AxisMap::whole();
            AxisMap ax = colsOf(in) == colsOf(out) ? AxisMap::identity() : AxisMap::whole();
            if ((rowsOf(in) != rowsOf(out) && rowsOf(in) != 1) || (colsOf(in) != colsOf(out) && colsOf(in) != 1))
                unsupported(ctx, cv::format("input %d (%d x %d) neither matches the output (%d x %d) nor broadcasts",
                                            s, rowsOf(in), colsOf(in), rowsOf(out), colsOf(out)));
            g.maps[p].push_back(SpatialMap(ay, ax));
        }
    }
    return g;
}

//! Every output position reads every position of every input.
LayerGeometry global(const GeometryContext& ctx)
{
    return LayerGeometry::uniform(numOutputs(ctx), numInputs(ctx), SpatialMap(AxisMap::whole(), AxisMap::whole()));
}

//! The first input carries the data position by position (same rows and columns); the others only a shape.
LayerGeometry reshapeLike(const GeometryContext& ctx)
{
    LayerGeometry g;
    g.maps.resize(numOutputs(ctx));
    const MatShape& in = ctx.inputShapes.at(0);
    for (int p = 0; p < numOutputs(ctx); p++)
    {
        const MatShape& out = ctx.outputShapes.at(p);
        // Row-major reshapes that keep the last two axes keep every element's row and column.
        const bool keeps = isSpatial(in) && isSpatial(out) && rowsOf(in) == rowsOf(out) && colsOf(in) == colsOf(out);
        g.maps[p].push_back(keeps ? SpatialMap(AxisMap::identity(), AxisMap::identity())
                                  : SpatialMap(AxisMap::whole(), AxisMap::whole()));
        for (int s = 1; s < numInputs(ctx); s++)
            g.maps[p].push_back(SpatialMap(AxisMap::none(), AxisMap::none()));
    }
    return g;
}

/* Padding amounts of convolution and pooling, as cv::dnn computes them (getConvPoolPaddings in
   modules/dnn/src/layers/layers_common.cpp): explicit pads, or derived from the input size for SAME/VALID. */
void convPoolPads(const String& padMode, const std::vector<size_t>& kernel, const std::vector<size_t>& strides,
                  const std::vector<size_t>& padsBegin, int axisIndex, int inSize, int& padBegin)
{
    if (padMode == "VALID")
        padBegin = 0;
    else if (padMode == "SAME")
    {
        padBegin = 0;
        const int k = (int)kernel[axisIndex], s = (int)strides[axisIndex];
        if (s <= k)
            padBegin = (k - 1 - (inSize - 1 + s) % s) / 2;
    }
    else
        padBegin = axisIndex < (int)padsBegin.size() ? (int)padsBegin[axisIndex] : 0;
}

//! Index of the row (0) or column (1) axis in per-spatial-axis vectors of length n (aligned at the end).
int spatialIndex(size_t n, int axis)
{
    return (int)n - 2 + axis;
}

LayerGeometry convolution(const GeometryContext& ctx)
{
    Ptr<dnn::BaseConvolutionLayer> l = layerAs<dnn::BaseConvolutionLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    if (!isSpatial(in) || l->kernel_size.size() < 2)
        unsupported(ctx, "only 2-D convolutions have a receptive-field rule");
    AxisMap maps[2];
    for (int a = 0; a < 2; a++)
    {
        const int i = spatialIndex(l->kernel_size.size(), a);
        const int k = (int)l->kernel_size[i];
        const int s = i < (int)l->strides.size() ? (int)l->strides[i] : 1;
        const int d = i < (int)l->dilations.size() ? (int)l->dilations[i] : 1;
        int pad = 0;
        convPoolPads(l->padMode, l->kernel_size, l->strides, l->pads_begin, i, a == 0 ? rowsOf(in) : colsOf(in), pad);
        maps[a] = AxisMap::window(s, pad, (k - 1) * d + 1);
    }
    LayerGeometry g = LayerGeometry::uniform(1, 1, SpatialMap(maps[0], maps[1]));
    // Weights given as a second input (rare): every output reads all of them.
    for (int s = 1; s < numInputs(ctx); s++)
        g.maps[0].push_back(SpatialMap(AxisMap::whole(), AxisMap::whole()));
    return g;
}

LayerGeometry deconvolution(const GeometryContext& ctx)
{
    Ptr<dnn::BaseConvolutionLayer> l = layerAs<dnn::BaseConvolutionLayer>(ctx);
    if (!l->padMode.empty() || l->kernel_size.size() < 2)
        unsupported(ctx, "only 2-D deconvolutions with explicit padding have a receptive-field rule");
    AxisMap maps[2];
    for (int a = 0; a < 2; a++)
    {
        const int i = spatialIndex(l->kernel_size.size(), a);
        const int k = (int)l->kernel_size[i];
        const int s = i < (int)l->strides.size() ? (int)l->strides[i] : 1;
        const int d = i < (int)l->dilations.size() ? (int)l->dilations[i] : 1;
        const int pad = i < (int)l->pads_begin.size() ? (int)l->pads_begin[i] : 0;
        maps[a] = AxisMap::transposedWindow(s, pad, (k - 1) * d + 1);
    }
    LayerGeometry g = LayerGeometry::uniform(1, 1, SpatialMap(maps[0], maps[1]));
    for (int s = 1; s < numInputs(ctx); s++)
        g.maps[0].push_back(SpatialMap(AxisMap::whole(), AxisMap::whole()));
    return g;
}

LayerGeometry pooling(const GeometryContext& ctx)
{
    Ptr<dnn::PoolingLayer> l = layerAs<dnn::PoolingLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    if (l->type != 0 /* MAX */ && l->type != 1 /* AVE */ && l->type != 2 /* STOCHASTIC */ && l->type != 3 /* SUM */)
        unsupported(ctx, "ROI pooling has no receptive-field rule");
    if (!isSpatial(in))
        return global(ctx);  // 1-D pooling of N x C x L: no image rows and columns left
    AxisMap maps[2];
    for (int a = 0; a < 2; a++)
    {
        const bool globalAxis = l->isGlobalPooling.size() >= 2
                                ? (bool)l->isGlobalPooling[spatialIndex(l->isGlobalPooling.size(), a)]
                                : l->globalPooling;
        if (globalAxis)
        {
            maps[a] = AxisMap::whole();
            continue;
        }
        if (l->kernel_size.size() < 2)
            unsupported(ctx, "only 2-D pooling has a receptive-field rule");
        const int i = spatialIndex(l->kernel_size.size(), a);
        const int k = (int)l->kernel_size[i];
        const int s = i < (int)l->strides.size() ? (int)l->strides[i] : 1;
        int pad = 0;
        convPoolPads(l->padMode, l->kernel_size, l->strides, l->pads_begin, i, a == 0 ? rowsOf(in) : colsOf(in), pad);
        maps[a] = AxisMap::window(s, pad, k);
    }
    return LayerGeometry::uniform(numOutputs(ctx), numInputs(ctx), SpatialMap(maps[0], maps[1]));
}

LayerGeometry lrn(const GeometryContext& ctx)
{
    Ptr<dnn::LRNLayer> l = layerAs<dnn::LRNLayer>(ctx);
    if (l->type == 0)  // CHANNEL_NRM (the enum is private to cv::dnn)
        return pointwise(ctx);
    // within-channel normalisation: a size x size window centred on the position
    const AxisMap w = AxisMap::window(1, (l->size - 1) / 2, l->size);
    return LayerGeometry::uniform(1, 1, SpatialMap(w, w));
}

int normalizedAxis(int axis, size_t dims)
{
    return axis < 0 ? axis + (int)dims : axis;
}

LayerGeometry concat(const GeometryContext& ctx)
{
    Ptr<dnn::ConcatLayer> l = layerAs<dnn::ConcatLayer>(ctx);
    const MatShape& out = ctx.outputShapes.at(0);
    if (!isSpatial(out))
        return global(ctx);
    const int axis = normalizedAxis(l->axis, out.size());
    const int rowAxis = (int)out.size() - 2, colAxis = (int)out.size() - 1;
    LayerGeometry g;
    g.maps.resize(1);
    int offset = 0;
    for (int s = 0; s < numInputs(ctx); s++)
    {
        const MatShape& in = ctx.inputShapes[s];
        AxisMap ay = AxisMap::identity(), ax = AxisMap::identity();
        if (axis == rowAxis)
            ay = AxisMap::shift(-offset);
        if (axis == colAxis)
            ax = AxisMap::shift(-offset);
        // Caffe-style padded concatenation centres smaller inputs.
        if (l->padding && axis != rowAxis)
            ay = AxisMap::shift(-(rowsOf(out) - rowsOf(in)) / 2);
        if (l->padding && axis != colAxis)
            ax = AxisMap::shift(-(colsOf(out) - colsOf(in)) / 2);
        if (axis >= 0 && axis < (int)in.size())
            offset += in[axis];
        g.maps[0].push_back(SpatialMap(ay, ax));
    }
    return g;
}

//! [start, end) of a slice range along an axis of the given size, as cv::dnn normalises it.
Range normalizeRange(const Range& r, int size)
{
    if (r == Range::all())
        return Range(0, size);
    int start = r.start < 0 ? r.start + size : r.start;
    int end = r.end == INT_MAX ? size : (r.end < 0 ? r.end + size : r.end);
    start = std::max(0, std::min(start, size));
    end = std::max(start, std::min(end, size));
    return Range(start, end);
}

LayerGeometry slice(const GeometryContext& ctx)
{
    Ptr<dnn::SliceLayer> l = layerAs<dnn::SliceLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    if (!isSpatial(in))
        return global(ctx);
    const int dims = (int)in.size();
    LayerGeometry g;
    for (int p = 0; p < numOutputs(ctx); p++)
    {
        const MatShape& out = ctx.outputShapes.at(p);
        AxisMap maps[2] = { AxisMap::identity(), AxisMap::identity() };
        for (int a = 0; a < 2; a++)
        {
            const int axis = dims - 2 + a;
            if (out[axis] == in[axis])
                continue;  // the axis is not sliced
            if (p >= (int)l->sliceRanges.size())
                unsupported(ctx, "a spatial split without explicit ranges has no receptive-field rule");
            std::vector<Range> r = l->sliceRanges[p];
            if (l->axis < 0)
                r.insert(r.begin(), normalizedAxis(l->axis, dims), Range::all());
            const Range range = axis < (int)r.size() ? normalizeRange(r[axis], in[axis]) : Range(0, in[axis]);
            int step = 1;
            if (p < (int)l->sliceSteps.size() && axis < (int)l->sliceSteps[p].size())
                step = std::max(1, l->sliceSteps[p][axis]);
            maps[a] = AxisMap::shift(range.start, step);
        }
        g.maps.push_back(std::vector<SpatialMap>(1, SpatialMap(maps[0], maps[1])));
    }
    return g;
}

LayerGeometry padding(const GeometryContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    info.requireCaptured("the padding amounts");
    dnn::DictValue p = info.requireParam("paddings");
    const int inputDims = info.params.get<int>("input_dims", -1);
    const int offset = (inputDims == -1 ? 0 : ((int)in.size() > inputDims ? 1 : 0));
    std::vector<int> before(in.size(), 0);
    for (int i = 0; i < p.size() / 2; i++)
        if (offset + i < (int)in.size())
            before[offset + i] = p.get<int>(2 * i);
    const String type = info.params.get<String>("type", "constant");
    AxisMap maps[2];
    for (int a = 0; a < 2; a++)
    {
        const int axis = (int)in.size() - 2 + a;
        if (type == "constant")
            maps[a] = AxisMap::shift(-before[axis]);
        else if (type == "reflect" || type == "edge")
        {
            // each output position copies one input position
            const int n = ctx.outputShapes.at(0)[axis];
            std::vector<int> src(n);
            for (int o = 0; o < n; o++)
                src[o] = cv::borderInterpolate(o - before[axis], in[axis],
                                               type == "reflect" ? BORDER_REFLECT_101 : BORDER_REPLICATE);
            maps[a] = AxisMap::table(src, src);
        }
        else
            unsupported(ctx, "padding type '" + type + "' has no receptive-field rule");
    }
    return LayerGeometry::uniform(1, 1, SpatialMap(maps[0], maps[1]));
}

LayerGeometry crop(const GeometryContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    info.requireCaptured("the crop offsets");
    const MatShape& in = ctx.inputShapes.at(0);
    const int dims = (int)in.size();
    const int axis = normalizedAxis(info.params.get<int>("axis", 2), dims);
    std::vector<int> offsets(dims, 0);
    if (info.params.has("offset"))
    {
        dnn::DictValue o = info.params.get("offset");
        for (int a = axis; a < dims; a++)
            offsets[a] = o.size() == 1 ? o.get<int>(0) : (a - axis < o.size() ? o.get<int>(a - axis) : 0);
    }
    LayerGeometry g = LayerGeometry::uniform(1, 1, SpatialMap(AxisMap::shift(offsets[dims - 2]),
                                                              AxisMap::shift(offsets[dims - 1])));
    for (int s = 1; s < numInputs(ctx); s++)
        g.maps[0].push_back(SpatialMap(AxisMap::none(), AxisMap::none()));
    return g;
}

/* Resizing: the interpolation depends on the mode, alignment and cv::dnn's rounding; rather than re-deriving
   each, the rule runs a fresh copy of the layer (built from the captured parameters, so the network's instance
   is not touched) on probes whose plane k is 1 on row/column k, and records which input rows/columns reach each
   output row/column with a non-zero weight. */
AxisMap measureResizeAxis(const GeometryContext& ctx, const Ptr<dnn::Layer>& layer, bool columns)
{
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    const int inH = rowsOf(in), inW = colsOf(in), outH = rowsOf(out), outW = colsOf(out);
    const int n = columns ? inW : inH;
    const Mat res = rules::resizeProbeResponse(layer, inH, inW, outH, outW, columns, numInputs(ctx) > 1, true);
    const int m = columns ? outW : outH;
    std::vector<int> lo(m, INT_MAX), hi(m, INT_MIN);
    for (int k = 0; k < n; k++)
    {
        const float* plane = res.ptr<float>(0, k);
        for (int o = 0; o < m; o++)
            if ((columns ? plane[o] : plane[(size_t)o * outW]) != 0.f)
            {
                lo[o] = std::min(lo[o], k);
                hi[o] = std::max(hi[o], k);
            }
    }
    return AxisMap::table(lo, hi);
}

LayerGeometry resize(const GeometryContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    if (!isSpatial(in) || in.size() != 4)
        unsupported(ctx, "only N x C x H x W resizing has a receptive-field rule");
    info.requireCaptured("the interpolation mode");
    dnn::LayerParams params = info.params;
    Ptr<dnn::Layer> copy = dnn::LayerFactory::createLayerInstance(info.type, params);
    if (!copy)
        unsupported(ctx, "cannot instantiate a copy of the layer to measure its interpolation");
    std::vector<MatShape> inShapes(1, MatShape{ 1, 1, in[2], in[3] }), outShapes, internals;
    if (numInputs(ctx) > 1)
        inShapes.push_back(MatShape{ 1, 1, out[2], out[3] });
    copy->getMemoryShapes(inShapes, 1, outShapes, internals);
    if (outShapes.empty() || outShapes[0][2] != out[2] || outShapes[0][3] != out[3])
        unsupported(ctx, "a copy of the layer does not reproduce the output size");
    LayerGeometry g = LayerGeometry::uniform(1, 1, SpatialMap(measureResizeAxis(ctx, copy, false),
                                                              measureResizeAxis(ctx, copy, true)));
    for (int s = 1; s < numInputs(ctx); s++)
        g.maps[0].push_back(SpatialMap(AxisMap::none(), AxisMap::none()));
    return g;
}

//! Reductions and softmax-like layers: an axis the layer reduces (or normalises over) is read whole.
LayerGeometry perAxisFromShapes(const GeometryContext& ctx)
{
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    if (!isSpatial(in) || !isSpatial(out))
        return global(ctx);
    AxisMap maps[2];
    const int inSize[2] = { rowsOf(in), colsOf(in) }, outSize[2] = { rowsOf(out), colsOf(out) };
    for (int a = 0; a < 2; a++)
    {
        if (inSize[a] == outSize[a])
            maps[a] = AxisMap::identity();
        else if (outSize[a] == 1)
            maps[a] = AxisMap::whole();
        else
            unsupported(ctx, "an axis that is neither kept nor reduced to 1");
    }
    return LayerGeometry::uniform(1, 1, SpatialMap(maps[0], maps[1]));
}

LayerGeometry softmax(const GeometryContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    if (!isSpatial(in))
        return global(ctx);
    info.requireCaptured("the softmax axis");
    const int axis = normalizedAxis(info.params.get<int>("axis", 1), in.size());
    const AxisMap ay = axis == (int)in.size() - 2 ? AxisMap::whole() : AxisMap::identity();
    const AxisMap ax = axis == (int)in.size() - 1 ? AxisMap::whole() : AxisMap::identity();
    return LayerGeometry::uniform(1, 1, SpatialMap(ay, ax));
}

//! Normalize: position-wise when it normalises over channels, whole along the spatial axes it normalises over.
LayerGeometry lpNormalize(const GeometryContext& ctx)
{
    const MatShape& in = ctx.inputShapes.at(0);
    if (!isSpatial(in))
        return global(ctx);
    int start = 0, end = 0;
    lpNormalizeAxes(*ctx.info, (int)in.size(), start, end);
    const int rowAxis = (int)in.size() - 2, colAxis = (int)in.size() - 1;
    const AxisMap ay = start <= rowAxis && rowAxis <= end ? AxisMap::whole() : AxisMap::identity();
    const AxisMap ax = start <= colAxis && colAxis <= end ? AxisMap::whole() : AxisMap::identity();
    return LayerGeometry::uniform(1, 1, SpatialMap(ay, ax));
}

LayerGeometry permute(const GeometryContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    if (!isSpatial(in) || !isSpatial(ctx.outputShapes.at(0)))
        return global(ctx);
    info.requireCaptured("the permutation order");
    dnn::DictValue order = info.requireParam("order");
    const int d = order.size();
    if (d != (int)in.size() || order.get<int>(d - 2) != d - 2 || order.get<int>(d - 1) != d - 1)
        unsupported(ctx, "a permutation that moves the row or column axis");
    return LayerGeometry::uniform(1, 1, SpatialMap(AxisMap::identity(), AxisMap::identity()));
}

}  // namespace

void registerBuiltinGeometry(const std::function<void(const String& type, const GeometryRule& rule)>& add)
{
    static const char* const pointwiseTypes[] = {
        "ReLU", "ReLU6", "ChannelsPReLU", "PReLU", "Sigmoid", "TanH", "Swish", "Mish", "ELU", "BNLL", "AbsVal",
        "Power", "Exp", "Ceil", "Floor", "Log", "Round", "Sqrt", "Not", "Acos", "Acosh", "Asin", "Asinh", "Atan",
        "Atanh", "Cos", "Cosh", "Erf", "HardSwish", "Sin", "Sinh", "Sign", "Shrink", "Softplus", "Softsign", "Tan",
        "Celu", "HardSigmoid", "Selu", "ThresholdedRelu", "Reciprocal", "BatchNorm", "Dropout", "Identity",
        "Split", "Eltwise", "Scale", "ShuffleChannel" };
    for (const char* t : pointwiseTypes)
        add(t, pointwise);
    add("Convolution", convolution);
    add("Deconvolution", deconvolution);
    add("Pooling", pooling);
    add("LRN", lrn);
    add("Concat", concat);
    add("Slice", slice);
    add("Padding", padding);
    add("Crop", crop);
    add("Resize", resize);
    add("Interp", resize);
    add("Reshape", reshapeLike);
    add("Flatten", reshapeLike);
    add("Permute", permute);
    add("Softmax", softmax);
    add("SoftMax", softmax);
    add("Reduce", perAxisFromShapes);
    add("InnerProduct", global);
    add("MVN", global);
    add("Normalize", lpNormalize);
    add("NormalizeBBox", lpNormalize);
}

}  // namespace interp
}  // namespace cv
