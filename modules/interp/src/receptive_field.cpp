// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Receptive fields: the input rectangle each layer output position depends on, found by walking the graph
// backwards from the position and mapping intervals through each layer's geometry (receptive_field_rules.cpp),
// taking the union over every path.
#include "precomp.hpp"
#include "layer_registry.hpp"

#include <climits>

namespace cv {
namespace interp {


namespace {

//! floor(a / b) for b > 0.
inline long long floorDiv(long long a, long long b)
{
    long long q = a / b;
    if ((a % b != 0) && (a < 0))
        q--;
    return q;
}

inline int clampToInt(long long v)
{
    return (int)std::max<long long>(INT_MIN / 4, std::min<long long>(INT_MAX / 4, v));
}

bool isSpatial(const MatShape& s) { return s.size() >= 4; }

struct Region
{
    int y0 = INT_MAX, y1 = INT_MIN, x0 = INT_MAX, x1 = INT_MIN;
    bool empty() const { return y0 > y1 || x0 > x1; }
    void unite(const Region& r)
    {
        if (r.empty())
            return;
        y0 = std::min(y0, r.y0);
        y1 = std::max(y1, r.y1);
        x0 = std::min(x0, r.x0);
        x1 = std::max(x1, r.x1);
    }
    Rect rect() const { return empty() ? Rect() : Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1); }
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// AxisMap

AxisMap AxisMap::identity()
{
    return shift(0, 1);
}

AxisMap AxisMap::window(int stride, int padBegin, int extent)
{
    CV_CheckGT(stride, 0, "the stride of a window must be positive");
    CV_CheckGT(extent, 0, "the extent of a window must be positive");
    AxisMap m;
    m.kind = AFFINE;
    m.num = stride;
    m.den = 1;
    m.loOffset = -padBegin;
    m.hiOffset = -padBegin + extent - 1;
    return m;
}

AxisMap AxisMap::transposedWindow(int stride, int padBegin, int extent)
{
    CV_CheckGT(stride, 0, "the stride of a window must be positive");
    CV_CheckGT(extent, 0, "the extent of a window must be positive");
    AxisMap m;
    m.kind = AFFINE;
    m.num = 1;
    m.den = stride;
    // i >= ceil((o + pad - extent + 1) / s) = floor((o + pad - extent + s) / s); i <= floor((o + pad) / s)
    m.loOffset = padBegin - extent + stride;
    m.hiOffset = padBegin;
    return m;
}

AxisMap AxisMap::shift(int offset, int step)
{
    CV_CheckGT(step, 0, "the step must be positive");
    AxisMap m;
    m.kind = AFFINE;
    m.num = step;
    m.den = 1;
    m.loOffset = m.hiOffset = offset;
    return m;
}

AxisMap AxisMap::table(const std::vector<int>& lo, const std::vector<int>& hi)
{
    CV_CheckEQ(lo.size(), hi.size(), "a table needs as many first as last positions");
    AxisMap m;
    m.kind = TABLE;
    m.lo = lo;
    m.hi = hi;
    return m;
}

AxisMap AxisMap::whole()
{
    AxisMap m;
    m.kind = WHOLE;
    return m;
}

AxisMap AxisMap::none()
{
    AxisMap m;
    m.kind = NONE;
    return m;
}

bool AxisMap::apply(int a, int b, int outSize, int inSize, bool clip, int& lo_, int& hi_) const
{
    if (kind == NONE || a > b || inSize <= 0)
        return false;
    if (clip)
    {
        a = std::max(a, 0);
        b = std::min(b, outSize - 1);
        if (a > b)
            return false;
    }
    long long l = 0, h = -1;
    if (kind == WHOLE)
    {
        l = 0;
        h = inSize - 1;
    }
    else if (kind == AFFINE)
    {
        CV_CheckGT(den, 0, "AxisMap: den must be positive");
        l = floorDiv((long long)a * num + loOffset, den);
        h = floorDiv((long long)b * num + hiOffset, den);
    }
    else if (kind == TABLE)
    {
        const int n = (int)lo.size();
        CV_CheckEQ(n, outSize, "AxisMap: the table does not match the output size");
        l = LLONG_MAX;
        h = LLONG_MIN;
        for (int o = std::max(a, 0); o <= std::min(b, n - 1); o++)
            if (lo[o] <= hi[o])
            {
                l = std::min<long long>(l, lo[o]);
                h = std::max<long long>(h, hi[o]);
            }
        // virtual positions (nominal mode only): extrapolate with the average step inSize / outSize
        if (n > 0 && a < 0)
        {
            l = std::min<long long>(l, lo[0] + floorDiv((long long)a * inSize, n));
            h = std::max<long long>(h, hi[0] + floorDiv((long long)std::min(b, -1) * inSize, n));
        }
        if (n > 0 && b >= n)
        {
            l = std::min<long long>(l, lo[n - 1] + floorDiv((long long)(std::max(a, n) - n + 1) * inSize, n));
            h = std::max<long long>(h, hi[n - 1] + floorDiv((long long)(b - n + 1) * inSize, n));
        }
        if (l == LLONG_MAX)
            return false;
    }
    else
        CV_Error(Error::StsBadArg, cv::format("AxisMap: unknown kind %d", kind));
    if (clip)
    {
        l = std::max<long long>(l, 0);
        h = std::min<long long>(h, inSize - 1);
    }
    if (l > h)
        return false;
    lo_ = clampToInt(l);
    hi_ = clampToInt(h);
    return true;
}

LayerGeometry LayerGeometry::uniform(int numOutputs, int numInputs, const SpatialMap& map)
{
    LayerGeometry g;
    g.maps.assign(std::max(numOutputs, 1), std::vector<SpatialMap>(numInputs, map));
    return g;
}

// ---------------------------------------------------------------------------------------------------------
// ReceptiveField

struct ReceptiveField::Impl
{
    Ptr<Explainer> explainer;                          // keeps the graph alive
    const Graph* graph = nullptr;
    MatShape inputShape;                               // 1 x C x H x W
    std::vector<std::vector<MatShape> > outShapes;     // per layer, per output
    std::vector<LayerGeometry> geometry;               // per layer (empty for constants)
    std::vector<bool> conservative;                    // a layer on the way has no exact geometry
    std::vector<LayerReceptiveField> summaries;

    const MatShape& shapeOf(const LayerPin& p) const { return p.layer < 0 ? inputShape : outShapes[p.layer].at(p.pin); }
    void build();
    Region propagate(int layer, int pin, int y, int x, bool clip) const;
    void checkPosition(int layer, int pin, int y, int x) const;
    LayerReceptiveField summarize(int layer) const;
};

void ReceptiveField::Impl::build()
{
    const int L = graph->size();
    geometry.assign(L, LayerGeometry());
    conservative.assign(L, false);
    for (int i = 0; i < L; i++)
    {
        if (!graph->dependsOnInput(i))
            continue;
        const LayerInfo& info = graph->layer(i);
        GeometryContext ctx;
        ctx.info = &info;
        for (const LayerPin& p : info.inputs)
            ctx.inputShapes.push_back(shapeOf(p));
        ctx.outputShapes = outShapes[i];
        const int numOut = std::max<int>(1, (int)ctx.outputShapes.size());
        LayerGeometry g;
        String problem;
        GeometryRule rule;
        if (!findGeometryRule(info.type, rule))
            problem = "no receptive-field geometry is known for layer type " + info.type +
                      " (register one with cv::interp::registerGeometryRule)";
        else
        {
            try
            {
                g = rule(ctx);
                if (g.maps.empty())
                    problem = "its geometry rule returned nothing";
                for (const std::vector<SpatialMap>& m : g.maps)
                    if (m.size() != info.inputs.size())
                        problem = "its geometry rule does not describe every input";
            }
            catch (const cv::Exception& e)
            {
                problem = e.err;
            }
        }
        if (!problem.empty())
        {
            CV_LOG_WARNING(NULL, "interp: receptive field of layer '" << info.name << "' (" << info.type << "): " << problem
                                 << "; assuming it reads its whole input (a conservative superset)");
            g = LayerGeometry::uniform(numOut, (int)info.inputs.size(), SpatialMap(AxisMap::whole(), AxisMap::whole()));
            g.conservative = true;
            g.note = problem;
        }
        geometry[i] = g;
        bool c = g.conservative;
        for (const LayerPin& p : info.inputs)
            c = c || (p.layer >= 0 && conservative[p.layer]);
        conservative[i] = c;
    }
    summaries.clear();
    for (int i = 0; i < L; i++)
        summaries.push_back(summarize(i));
}

Region ReceptiveField::Impl::propagate(int layer, int pin, int y, int x, bool clip) const
{
    const int L = graph->size();
    std::vector<std::vector<Region> > regions(L);
    for (int i = 0; i < L; i++)
        regions[i].resize(outShapes[i].size());
    std::vector<Region> inputRegions(1);
    Region start;
    start.y0 = start.y1 = y;
    start.x0 = start.x1 = x;
    regions[layer][pin] = start;
    for (int j = layer; j >= 0; j--)
    {
        if (!graph->dependsOnInput(j))
            continue;
        const LayerInfo& info = graph->layer(j);
        const LayerGeometry& g = geometry[j];
        for (size_t p = 0; p < regions[j].size(); p++)
        {
            const Region r = regions[j][p];
            if (r.empty())
                continue;
            const MatShape& out = outShapes[j][p];
            const std::vector<SpatialMap>& maps = g.maps[std::min(p, g.maps.size() - 1)];
            for (size_t s = 0; s < info.inputs.size(); s++)
            {
                const LayerPin& src = info.inputs[s];
                if (src.layer >= 0 && !graph->dependsOnInput(src.layer))
                    continue;
                const MatShape& in = shapeOf(src);
                Region m;
                if (!isSpatial(in))
                    m.y0 = m.y1 = m.x0 = m.x1 = 0;  // a vector is read as a whole
                else
                {
                    const int inH = in[in.size() - 2], inW = in[in.size() - 1];
                    if (!isSpatial(out))
                    {
                        m.y0 = 0; m.y1 = inH - 1;
                        m.x0 = 0; m.x1 = inW - 1;
                    }
                    else
                    {
                        const int outH = out[out.size() - 2], outW = out[out.size() - 1];
                        const SpatialMap& sm = maps[s];
                        if (!sm.y.apply(r.y0, r.y1, outH, inH, clip, m.y0, m.y1) ||
                            !sm.x.apply(r.x0, r.x1, outW, inW, clip, m.x0, m.x1))
                            continue;
                    }
                }
                if (src.layer < 0)
                {
                    if ((size_t)src.pin >= inputRegions.size())
                        inputRegions.resize(src.pin + 1);
                    inputRegions[src.pin].unite(m);
                }
                else
                    regions[src.layer][src.pin].unite(m);
            }
        }
    }
    return inputRegions[0];
}

void ReceptiveField::Impl::checkPosition(int layer, int pin, int y, int x) const
{
    if (layer < 0 || layer >= graph->size())
        CV_Error(Error::StsOutOfRange, cv::format("layer index %d is out of range (the network has %d layers)", layer,
                                                  graph->size()));
    const LayerInfo& info = graph->layer(layer);
    if (!graph->dependsOnInput(layer))
        CV_Error(Error::StsBadArg, "layer '" + info.name + "' does not depend on the input: it has no receptive field");
    if (pin < 0 || pin >= (int)outShapes[layer].size())
        CV_Error(Error::StsOutOfRange, cv::format("layer '%s' has %d outputs, not %d", info.name.c_str(),
                                                  (int)outShapes[layer].size(), pin + 1));
    const MatShape& s = outShapes[layer][pin];
    const int H = isSpatial(s) ? s[s.size() - 2] : 1, W = isSpatial(s) ? s[s.size() - 1] : 1;
    if (y < 0 || y >= H || x < 0 || x >= W)
        CV_Error(Error::StsOutOfRange, cv::format("position (y %d, x %d) is outside the %d x %d output of layer '%s'%s",
                                                  y, x, H, W, info.name.c_str(),
                                                  isSpatial(s) ? "" : " (not a map: use y = x = 0)"));
}

LayerReceptiveField ReceptiveField::Impl::summarize(int i) const
{
    const LayerInfo& info = graph->layer(i);
    LayerReceptiveField r;
    r.name = info.name;
    r.type = info.type;
    r.dependsOnInput = graph->dependsOnInput(i);
    if (outShapes[i].empty())
        return r;
    const MatShape& s = outShapes[i][0];
    r.spatial = isSpatial(s);
    const int H = r.spatial ? s[s.size() - 2] : 1, W = r.spatial ? s[s.size() - 1] : 1;
    r.outputSize = Size(W, H);
    if (!r.dependsOnInput)
        return r;
    r.conservative = conservative[i];
    const int cy = (H - 1) / 2, cx = (W - 1) / 2;
    r.size = propagate(i, 0, cy, cx, false).rect().size();
    if (r.spatial)
    {
        // Strides from two positions far apart (virtual ones beyond the map, following the layers' formulas), so
        // that fractional strides (transposed convolutions, resizing) are not spoilt by rounding.
        const int ky = 4096, kx = 4096;
        const Rect y0 = propagate(i, 0, 0, cx, false).rect(), y1 = propagate(i, 0, ky, cx, false).rect();
        const Rect x0 = propagate(i, 0, cy, 0, false).rect(), x1 = propagate(i, 0, cy, kx, false).rect();
        r.stride = Point2d(std::round(64.0 * (x1.x - x0.x) / kx) / 64, std::round(64.0 * (y1.y - y0.y) / ky) / 64);
    }
    r.global = r.stride.x == 0 && r.stride.y == 0;
    if (r.global)  // every position sees the whole image: the patch is the image, not the padded union
        r.size = propagate(i, 0, cy, cx, true).rect().size();
    return r;
}

ReceptiveField::ReceptiveField() : impl(makePtr<Impl>()) {}
ReceptiveField::~ReceptiveField() {}

Ptr<ReceptiveField> ReceptiveField::create(const Ptr<Explainer>& explainer, const MatShape& inputShape)
{
    if (!explainer)
        CV_Error(Error::StsBadArg, "no explainer given: load the model with cv::interp::readNet()");
    if (inputShape.size() != 4 || inputShape[1] < 1 || inputShape[2] < 1 || inputShape[3] < 1)
        CV_Error(Error::StsBadSize, "the input shape must be N x C x H x W with positive C, H and W");
    Ptr<ReceptiveField> rf(new ReceptiveField());
    Impl& d = *rf->impl;
    d.explainer = explainer;
    d.graph = &explainer->graph();
    d.inputShape = inputShape;
    d.inputShape[0] = std::max(1, inputShape[0]);  // some models only take their export batch size
    // One forward pass sets every layer up for this shape and resolves multi-output producers.
    Ptr<Tape> tape = explainer->forward(Mat::zeros(4, d.inputShape.data(), CV_32F));
    d.outShapes.resize(d.graph->size());
    for (int i = 0; i < d.graph->size(); i++)
        for (const Mat& m : tape->outputs(i))
            d.outShapes[i].push_back(dnn::shape(m));
    d.build();
    return rf;
}

Size ReceptiveField::inputSize() const
{
    return Size(impl->inputShape[3], impl->inputShape[2]);
}

Rect ReceptiveField::rect(int layerIndex, int y, int x, int pin) const
{
    impl->checkPosition(layerIndex, pin, y, x);
    return impl->propagate(layerIndex, pin, y, x, true).rect();
}

Rect ReceptiveField::nominalRect(int layerIndex, int y, int x, int pin) const
{
    impl->checkPosition(layerIndex, pin, y, x);
    // A global layer's positions all see the whole image; their patch is the image itself.
    const bool global = pin == 0 && impl->summaries[layerIndex].global;
    return impl->propagate(layerIndex, pin, y, x, global).rect();
}

Rect ReceptiveField::rect(const String& layer, int y, int x) const
{
    return rect(impl->graph->require(layer), y, x, 0);
}

Rect ReceptiveField::nominalRect(const String& layer, int y, int x) const
{
    return nominalRect(impl->graph->require(layer), y, x, 0);
}

LayerReceptiveField ReceptiveField::layerInfo(int layerIndex) const
{
    if (layerIndex < 0 || layerIndex >= (int)impl->summaries.size())
        CV_Error(Error::StsOutOfRange, cv::format("layer index %d is out of range (the network has %d layers)",
                                                  layerIndex, (int)impl->summaries.size()));
    return impl->summaries[layerIndex];
}

LayerReceptiveField ReceptiveField::layerInfo(const String& layer) const
{
    return layerInfo(impl->graph->require(layer));
}

std::vector<LayerReceptiveField> ReceptiveField::layers() const
{
    return impl->summaries;
}

}  // namespace interp
}  // namespace cv
