// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Negative axes, normalised once: a layer parameter "axis = -1" means "the last axis of this layer's input",
// which depends on the input's rank. Graph::Impl::normalizeAxes() rewrites every such parameter as a
// non-negative axis when the input shape is first known, so the backward rules, receptive-field and occlusion
// geometry read one form.
//
// It also repairs cv::dnn 4.6's Slice layer (what ONNX Split and Caffe Slice become): built with a negative
// axis, its slice ranges start at that axis; finalize() (the first forward pass) makes the axis non-negative
// but leaves the ranges, so every later shape inference (Net::getLayersShapes) applies them to axis 0 and
// gets wrong shapes, e.g. "Inconsistent shape for ConcatLayer" for Split(axis=-1) followed by Concat. Given
// the canonical form (axis >= 0, ranges from axis 0) before the first forward pass, the layer is consistent.
#include "../precomp.hpp"
#include "graph_impl.hpp"

#include <climits>

namespace cv {
namespace interp {

namespace {

//! The parameters of each layer type that name an axis of the layer's (first) input, as cv::dnn 4.6 reads them.
const std::map<String, std::vector<String> >& axisParameters()
{
    static const std::map<String, std::vector<String> > table = {
        { "Concat", { "axis" } },        { "Slice", { "axis" } },        { "Softmax", { "axis" } },
        { "SoftMax", { "axis" } },       { "Flatten", { "axis", "end_axis" } },
        { "InnerProduct", { "axis" } },  { "Scale", { "axis" } },        { "Shift", { "axis" } },
        { "Normalize", { "start_axis", "end_axis" } },  { "NormalizeBBox", { "start_axis", "end_axis" } },
        { "Crop", { "axis" } },
        { "Arg", { "axis" } },           { "CumSum", { "axis" } },
    };
    return table;
}

/* Slice's begin/end/size arrays start at `axis` when it is negative and at axis 0 otherwise: with the axis made
   non-negative, they get full ranges in front so that a layer made from the parameters (occlusion and
   receptive-field copies) slices the same axes. (Steps stay as they are, as cv::dnn's finalize leaves them.) */
void prefixSliceBounds(dnn::LayerParams& params, int axis)
{
    const struct { const char* key; int full; } bounds[] = { { "begin", 0 }, { "end", INT_MAX }, { "size", -1 } };
    for (const auto& bnd : bounds)
    {
        if (!params.has(bnd.key))
            continue;
        const dnn::DictValue v = params.get(bnd.key);
        std::vector<int> values(axis, bnd.full);
        for (int i = 0; i < v.size(); i++)
            values.push_back(v.get<int>(i));
        params.set(bnd.key, dnn::DictValue::arrayInt(values.data(), (int)values.size()));
    }
}

void normalizeParams(LayerInfo& info, int rank)
{
    auto it = axisParameters().find(info.type);
    if (it == axisParameters().end())
        return;
    for (const String& key : it->second)
    {
        if (!info.params.has(key) || info.params.get(key).size() != 1)
            continue;
        const int axis = info.params.get<int>(key);
        const int a = normalizeAxis(axis, rank);
        if (axis >= 0 || a < 0)
            continue;
        info.params.set(key, a);
        if (info.layer.dynamicCast<dnn::SliceLayer>())
            prefixSliceBounds(info.params, a);
    }
}

//! The public axis fields cv::dnn's layers read (Concat, InnerProduct, Scale normalise them themselves).
void normalizeFields(const Ptr<dnn::Layer>& layer, int rank)
{
    if (Ptr<dnn::SliceLayer> s = layer.dynamicCast<dnn::SliceLayer>())
    {
        const int a = normalizeAxis(s->axis, rank);
        if (s->axis >= 0 || a < 0)
            return;
        // what cv::dnn's finalize does to a copy of the ranges, done to the layer's own ranges
        for (std::vector<Range>& r : s->sliceRanges)
            r.insert(r.begin(), a, Range::all());
        s->axis = a;
    }
    else if (Ptr<dnn::ConcatLayer> c = layer.dynamicCast<dnn::ConcatLayer>())
    {
        if (c->axis < 0 && normalizeAxis(c->axis, rank) >= 0)
            c->axis = normalizeAxis(c->axis, rank);
    }
    else if (Ptr<dnn::InnerProductLayer> f = layer.dynamicCast<dnn::InnerProductLayer>())
    {
        if (f->axis < 0 && normalizeAxis(f->axis, rank) >= 0)
            f->axis = normalizeAxis(f->axis, rank);
    }
    else if (Ptr<dnn::ScaleLayer> sc = layer.dynamicCast<dnn::ScaleLayer>())
    {
        if (sc->axis < 0 && normalizeAxis(sc->axis, rank) >= 0)
            sc->axis = normalizeAxis(sc->axis, rank);
    }
}

}  // namespace

void Graph::Impl::normalizeAxes(const MatShape& inputShape)
{
    if (axesNormalized)
        return;
    axesNormalized = true;
    std::vector<int> ids;
    std::vector<std::vector<MatShape> > ins, outs;
    try
    {
        net.getLayersShapes(std::vector<MatShape>(1, inputShape), ids, ins, outs);
    }
    catch (const cv::Exception&)
    {
        // The network cannot take this input; the forward pass reports why.
        return;
    }
    std::map<int, size_t> pos;
    for (size_t i = 0; i < ids.size(); i++)
        pos[ids[i]] = i;
    for (LayerInfo& info : layers)
    {
        auto it = pos.find(info.netId);
        if (it == pos.end() || ins[it->second].empty())
            continue;
        const int rank = (int)ins[it->second][0].size();
        normalizeParams(info, rank);
        normalizeFields(info.layer, rank);
    }
}

}  // namespace interp
}  // namespace cv
