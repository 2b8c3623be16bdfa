// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The incremental occlusion engine. The unoccluded forward pass (the Tape) holds every layer's output. For each
// window position and layer, the rectangle of the output that the window can change (its projective field, grown
// by each kernel and stride and clipped to the map) is propagated through the graph; per layer all positions
// recompute a region of one common size (the largest such rectangle, shifted inside the map), so that many
// positions go through one layer call. A layer's input patch is cut from the cached map of its producer with the
// producer's recomputed values pasted in; the border padding of window layers is reproduced exactly (see
// Geometry). Layers whose output is not spatial, or depends on the whole map, are recomputed in full from the
// patched maps. Window positions are processed in chunks sized by a memory budget, layer by layer, and a layer's
// results are released as soon as its last consumer has run. Layer types are never looked at here: everything
// type-specific comes from layerGeometry() (occlusion_geometry.cpp).
#include "precomp.hpp"
#include "occlusion_impl.hpp"
#include "engine_impl.hpp"

#include <sstream>

namespace cv {
namespace interp {
namespace occl {

IncrementalPlan::~IncrementalPlan() {}

namespace {

const size_t kMemoryBudget = size_t(256) << 20;  // bytes of patches alive at once (automatic batch size)

//! Rows [a, b) of dimension 0 of an n-D Mat (a view).
Mat batchRows(const Mat& m, int a, int b)
{
    std::vector<Range> r(m.dims, Range::all());
    r[0] = Range(a, b);
    return m(r.data());
}

Mat newBlob(MatShape s, int batch)
{
    s[0] = batch;
    return Mat((int)s.size(), s.data(), CV_32F);
}

size_t elementsPerSample(const MatShape& s)
{
    return s.empty() ? 0 : dnn::total(s, 1);
}

//! One layer the engine computes.
struct Node
{
    int layer = -1;                    // Graph index
    Geometry geom;
    std::vector<MatShape> outShapes;   // per output, for N0 samples
    bool spatial = false;              // outputs are 4-D maps
    int H = 1, W = 1;                  // output spatial size
    bool full = false;                 // recomputed in full for every window
    String note;                       // why a spatial layer is full
    Size region;                       // recomputed region (w x h)
    std::vector<Rect> changed;         // per window: rectangle the window can change (empty: none)
    std::vector<Rect> computed;        // per window: recomputed rectangle (region-sized)
    std::vector<int> configOf;         // per window: index into configs (WINDOW layers)
    std::vector<Pads> configs;         // patch paddings
    std::vector<Size> configPatch;     // patch size of each configuration (window layers padded by the layer)
    std::vector<Ptr<PatchOp> > ops;    // one per config
    bool batchable = true;             // the ops take several windows per call
    int lastUse = -1;                  // position of the last node reading this one
};

//! A producer as seen by a consumer: a computed node, the occluded network input, or a constant.
struct Source
{
    const Mat* cache = nullptr;        // unoccluded value, N0 samples
    const Node* node = nullptr;        // computing node, or null (network input or constant)
    int pin = 0;
    bool isInput = false;
};

class IncrementalPlanImpl CV_FINAL : public IncrementalPlan
{
public:
    IncrementalPlanImpl(const Job& job) { build(job); }

    bool matches(const Job& job) const CV_OVERRIDE
    {
        return job.explainer == explainer && job.scoreLayer == scoreLayer && job.windows == windows &&
               dnn::shape(job.tape->input()) == inputShape && registryVersion == layerRegistryVersion();
    }

    void run(const Job& job, Mat& scores) CV_OVERRIDE;

    std::vector<OcclusionLayerPlan> describe() const CV_OVERRIDE
    {
        std::vector<OcclusionLayerPlan> out;
        static const char* kinds[] = { "pointwise", "window", "global", "unknown" };
        for (const Node& n : nodes)
        {
            const LayerInfo& info = explainer->graph().layer(n.layer);
            OcclusionLayerPlan p;
            p.index = n.layer;
            p.name = info.name;
            p.type = info.type;
            p.geometry = kinds[n.geom.kind];
            p.outputSize = Size(n.W, n.H);
            p.region = n.full ? p.outputSize : n.region;
            p.full = n.full;
            p.note = n.note;
            out.push_back(p);
        }
        return out;
    }

private:
    const Explainer* explainer = nullptr;
    int scoreLayer = -1;
    MatShape inputShape;
    uint64 registryVersion = 0;  // layerRegistryVersion() the plan was made with (its layer geometries)
    int N0 = 1, C = 0, H = 0, W = 0;
    std::vector<Rect> windows;
    std::vector<Node> nodes;
    std::vector<int> nodeOf;           // graph index -> node position, -1 when not computed
    size_t bytesPerWindow = 0;

    void build(const Job& job);
    void propagate(Node& node, const std::vector<Source>& srcs, const std::vector<bool>& broadcast);
    void prepareOps(Node& node, const std::vector<MatShape>& inShapes, const std::vector<bool>& broadcast);
    //! Makes a node full; `grown`: because the changed region reached the whole map (no fallback).
    void makeFull(Node& node, const String& why, bool grown = false);
    std::vector<Source> sources(const Tape& tape, const LayerInfo& info) const;

    // Execution helpers
    void gatherRect(const Job& job, const Source& s, const std::vector<Mat>& outs, int w0,
                    const std::vector<int>& ws, const std::vector<Rect>& rects, float padValue, Mat& dst) const;
    Mat gatherFull(const Job& job, const Source& s, const std::vector<std::vector<Mat> >& outs, int w0, int w1) const;
    void runOp(Node& node, int config, std::vector<Mat>& ins, std::vector<Mat>& outs) const;
};

// ---------------------------------------------------------------------------------------------------------
// Planning

std::vector<Source> IncrementalPlanImpl::sources(const Tape& tape, const LayerInfo& info) const
{
    std::vector<Source> srcs;
    for (const LayerPin& p : info.inputs)
    {
        Source s;
        s.cache = &tape.output(p);
        s.pin = p.pin;
        s.isInput = p.layer < 0;
        if (p.layer >= 0 && nodeOf[p.layer] >= 0)
            s.node = &nodes[nodeOf[p.layer]];
        srcs.push_back(s);
    }
    return srcs;
}

void IncrementalPlanImpl::makeFull(Node& node, const String& why, bool grown)
{
    const LayerInfo& info = explainer->graph().layer(node.layer);
    const bool wasFull = node.full;
    node.full = true;
    node.region = Size(node.W, node.H);
    node.changed.assign(windows.size(), Rect(0, 0, node.W, node.H));
    node.computed = node.changed;
    node.configOf.assign(windows.size(), 0);
    node.configs.assign(1, Pads());
    node.configPatch.clear();
    if (!why.empty() && node.spatial && node.H * node.W > 1 && !wasFull)
    {
        node.note = why;
        if (grown)
        {
            CV_LOG_DEBUG(NULL, "interp occlusion: layer '" << info.name << "' (" << info.type << "): " << why);
        }
        else
        {
            CV_LOG_INFO(NULL, "interp occlusion: layer '" << info.name << "' (" << info.type << "): " << why
                        << "; it is recomputed in full for every window position from here on");
        }
    }
}

void IncrementalPlanImpl::propagate(Node& node, const std::vector<Source>& srcs, const std::vector<bool>& broadcast)
{
    const size_t P = windows.size();
    node.changed.assign(P, Rect());
    const Geometry& g = node.geom;
    // Already recomputed in full: a map input that is (a full broadcast input is reported below).
    bool anyFullInput = false, anySpatialChange = false;
    for (size_t s = 0; s < srcs.size(); s++)
        if (srcs[s].node && srcs[s].node->full && !broadcast[s])
            anyFullInput = true;
    if (!node.spatial || (g.kind != Geometry::POINTWISE && g.kind != Geometry::WINDOW))
    {
        const bool spatialIn = !anyFullInput;
        makeFull(node, spatialIn ? (g.reason.empty() ? String("its output depends on the whole input") : g.reason)
                                 : String());
        return;
    }
    // Windows are changed by their inputs' changed rectangles.
    for (size_t w = 0; w < P; w++)
    {
        Rect out;
        bool whole = false;
        for (size_t s = 0; s < srcs.size(); s++)
        {
            const Source& src = srcs[s];
            if (!src.node && !src.isInput)
                continue;  // constant
            const Rect in = src.isInput ? windows[w] : src.node->changed[w];
            if (in.empty())
                continue;
            if (g.kind == Geometry::POINTWISE)
            {
                if (broadcast[s])
                    whole = true;
                else
                    out = out.empty() ? in : (out | in);
            }
            else
            {
                // rows y with [y*s - pt, y*s - pt + ext) meeting [a, b)
                const int exth = (g.kh - 1) * g.dh + 1, extw = (g.kw - 1) * g.dw + 1;
                auto range = [](int a, int b, int st, int pad, int ext, int n, int& lo, int& hi) {
                    lo = (int)std::floor((double)(a + pad - ext) / st) + 1;
                    hi = (int)std::floor((double)(b - 1 + pad) / st) + 1;
                    lo = std::max(lo, 0);
                    hi = std::min(hi, n);
                };
                int y0, y1, x0, x1;
                range(in.y, in.y + in.height, g.sh, g.pads.t, exth, node.H, y0, y1);
                range(in.x, in.x + in.width, g.sw, g.pads.l, extw, node.W, x0, x1);
                if (y1 > y0 && x1 > x0)
                {
                    Rect r(x0, y0, x1 - x0, y1 - y0);
                    out = out.empty() ? r : (out | r);
                }
            }
        }
        node.changed[w] = whole ? Rect(0, 0, node.W, node.H) : out;
    }
    int h = 0, wdt = 0;
    for (const Rect& r : node.changed)
    {
        h = std::max(h, r.height);
        wdt = std::max(wdt, r.width);
        anySpatialChange = anySpatialChange || !r.empty();
    }
    if (!anySpatialChange)
    {
        h = 1;
        wdt = 1;
    }
    if (h >= node.H && wdt >= node.W)
    {
        String why;
        bool viaBroadcast = false;
        if (!anyFullInput)
        {
            for (size_t s = 0; s < srcs.size(); s++)
                viaBroadcast = viaBroadcast || (broadcast[s] && (srcs[s].node || srcs[s].isInput));
            why = viaBroadcast ? "an input broadcast over the map changes with every window (its output depends on "
                                 "the whole map, as in squeeze-excitation)"
                               : "the region a window can change covers the whole map";
        }
        makeFull(node, why, !viaBroadcast);
        return;
    }
    node.full = false;
    node.region = Size(wdt, h);
    node.computed.resize(P);
    for (size_t w = 0; w < P; w++)
    {
        const Rect& c = node.changed[w];
        const int y = c.empty() ? 0 : std::min(c.y, node.H - h);
        const int x = c.empty() ? 0 : std::min(c.x, node.W - wdt);
        node.computed[w] = Rect(x, y, wdt, h);
    }
}

//! Input rectangle (in the producer's coordinates, possibly outside the map) a window layer reads for `r`.
Rect receptive(const Geometry& g, const Rect& r)
{
    const int exth = (g.kh - 1) * g.dh + 1, extw = (g.kw - 1) * g.dw + 1;
    const int y0 = r.y * g.sh - g.pads.t, x0 = r.x * g.sw - g.pads.l;
    const int y1 = (r.y + r.height - 1) * g.sh - g.pads.t + exth;
    const int x1 = (r.x + r.width - 1) * g.sw - g.pads.l + extw;
    return Rect(x0, y0, x1 - x0, y1 - y0);
}

//! Patch rectangle and padding of a window layer whose padding is reproduced by the layer (not by value).
void clippedPatch(const Geometry& g, const Rect& want, int Hin, int Win, Rect& patch, Pads& pads)
{
    const int y0 = std::max(want.y, 0), x0 = std::max(want.x, 0);
    const int y1 = std::min(want.y + want.height, Hin), x1 = std::min(want.x + want.width, Win);
    pads.t = y0 - want.y;
    pads.l = x0 - want.x;
    pads.b = std::min(want.y + want.height - y1, g.pads.b);
    pads.r = std::min(want.x + want.width - x1, g.pads.r);
    patch = Rect(x0, y0, x1 - x0, y1 - y0);
}

bool sameShapes(const std::vector<MatShape>& a, const std::vector<MatShape>& b)
{
    return a == b;
}

void IncrementalPlanImpl::prepareOps(Node& node, const std::vector<MatShape>& inShapes,
                                     const std::vector<bool>& broadcast)
{
    const Geometry& g = node.geom;
    const size_t P = windows.size();
    node.ops.clear();
    auto expectedOut = [&](bool full) {
        std::vector<MatShape> e = node.outShapes;
        if (!full)
            for (MatShape& s : e)
            {
                s[2] = node.region.height;
                s[3] = node.region.width;
            }
        return e;
    };
    auto check = [&](const Ptr<PatchOp>& op, const std::vector<MatShape>& ins, bool full, String& err) {
        try
        {
            std::vector<MatShape> outs = op->outputShapes(ins);
            if (!sameShapes(outs, expectedOut(full)))
            {
                err = "the layer computes a different output size on patches";
                return false;
            }
        }
        catch (const cv::Exception& e)
        {
            err = "the layer cannot run on patches: " + e.err;
            return false;
        }
        return true;
    };
    String err;
    if (!node.full && g.kind == Geometry::WINDOW)
    {
        const int Hin = inShapes[0][2], Win = inShapes[0][3];
        node.configOf.assign(P, 0);
        node.configs.clear();
        node.configPatch.clear();
        const Rect want = receptive(g, Rect(0, 0, node.region.width, node.region.height));
        if (g.padByValue)
        {
            node.configs.push_back(Pads());
            node.configPatch.push_back(want.size());
        }
        else
        {
            // One configuration per padding and clipped patch size (in ceil mode a patch may be cut by more than
            // the layer's padding at the border, so equal paddings do not imply equal sizes).
            std::map<std::pair<Pads, std::pair<int, int> >, int> index;
            for (size_t w = 0; w < P; w++)
            {
                Rect patch;
                Pads pads;
                clippedPatch(g, receptive(g, node.computed[w]), Hin, Win, patch, pads);
                const auto key = std::make_pair(pads, std::make_pair(patch.height, patch.width));
                auto it = index.find(key);
                if (it == index.end())
                {
                    it = index.insert(std::make_pair(key, (int)node.configs.size())).first;
                    node.configs.push_back(pads);
                    node.configPatch.push_back(patch.size());
                }
                node.configOf[w] = it->second;
            }
        }
        // The operation of each configuration.
        bool ok = true;
        for (size_t c = 0; c < node.configs.size() && ok; c++)
        {
            MatShape in = inShapes[0];
            const Pads& p = node.configs[c];
            in[2] = node.configPatch[c].height;
            in[3] = node.configPatch[c].width;
            Ptr<PatchOp> op;
            try
            {
                op = g.makeOp(p);
            }
            catch (const cv::Exception& e)
            {
                err = "the layer cannot be re-created: " + e.err;
                ok = false;
                break;
            }
            ok = check(op, std::vector<MatShape>(1, in), false, err);
            node.ops.push_back(op);
        }
        if (ok)
            return;
        node.ops.clear();
        makeFull(node, err);
    }
    if (!node.full && g.kind == Geometry::POINTWISE)
    {
        std::vector<MatShape> ins = inShapes;
        for (size_t s = 0; s < ins.size(); s++)
            if (!broadcast[s])
            {
                ins[s][2] = node.region.height;
                ins[s][3] = node.region.width;
            }
        node.configOf.assign(P, 0);
        node.configs.assign(1, Pads());
        Ptr<PatchOp> op;
        try
        {
            op = g.makeOp(Pads());
            if (check(op, ins, false, err))
            {
                node.ops.push_back(op);
                return;
            }
        }
        catch (const cv::Exception& e)
        {
            err = "the layer cannot be re-created: " + e.err;
        }
        makeFull(node, err);
    }
    // Full recompute with the layer's own parameters.
    Ptr<PatchOp> op;
    try
    {
        op = g.makeFullOp();
    }
    catch (const cv::Exception& e)
    {
        const LayerInfo& info = explainer->graph().layer(node.layer);
        CV_Error(Error::StsNotImplemented, "incremental occlusion: layer '" + info.name + "' (" + info.type +
                                           ") cannot be re-created from its parameters (" + e.err +
                                           "); use OCCLUSION_ENGINE_BATCHED");
    }
    if (!check(op, inShapes, true, err))
    {
        const LayerInfo& info = explainer->graph().layer(node.layer);
        CV_Error(Error::StsNotImplemented, "incremental occlusion: layer '" + info.name + "' (" + info.type +
                                           ") re-created from its parameters does not reproduce the network's "
                                           "output shape (" + err + "); use OCCLUSION_ENGINE_BATCHED");
    }
    node.ops.assign(1, op);
}

void IncrementalPlanImpl::build(const Job& job)
{
    explainer = job.explainer;
    scoreLayer = job.scoreLayer;
    windows = job.windows;
    const Tape& tape = *job.tape;
    inputShape = dnn::shape(tape.input());
    registryVersion = layerRegistryVersion();
    N0 = inputShape[0];
    C = inputShape[1];
    H = inputShape[2];
    W = inputShape[3];
    const Graph& G = explainer->graph();
    const int L = G.size();

    // Layers between the input and the score layer.
    std::vector<bool> needed(L, false);
    needed[scoreLayer] = true;
    for (int i = scoreLayer; i >= 0; i--)
        if (needed[i])
            for (const LayerPin& p : G.layer(i).inputs)
                if (p.layer >= 0)
                    needed[p.layer] = true;
    nodeOf.assign(L, -1);
    std::vector<int> order;
    for (int i = 0; i <= scoreLayer; i++)
        if (needed[i] && G.dependsOnInput(i))
        {
            const LayerInfo& info = G.layer(i);
            if (!info.paramsCaptured)
                CV_Error(Error::StsNotImplemented,
                         "incremental occlusion re-creates each layer from the parameters captured when the model was "
                         "loaded, but layer '" + info.name + "' (" + info.type + ") has none: load the model with "
                         "cv::interp::readNet(), or use OCCLUSION_ENGINE_BATCHED");
            order.push_back(i);
        }
    nodes.resize(order.size());
    for (size_t k = 0; k < order.size(); k++)
        nodeOf[order[k]] = (int)k;

    // Geometries read the net's layer instances (e.g. effective paddings): hold the net while doing so.
    {
        std::lock_guard<std::mutex> lock(*G.impl->netMutex);
        for (size_t k = 0; k < order.size(); k++)
        {
            Node& n = nodes[k];
            n.layer = order[k];
            const LayerInfo& info = G.layer(n.layer);
            GeometryContext ctx;
            ctx.info = &info;
            for (const LayerPin& p : info.inputs)
                ctx.inputShapes.push_back(dnn::shape(tape.output(p)));
            for (const Mat& m : tape.outputs(n.layer))
                ctx.outputShapes.push_back(dnn::shape(m));
            n.outShapes = ctx.outputShapes;
            n.geom = layerGeometry(ctx);
        }
    }

    for (size_t k = 0; k < nodes.size(); k++)
    {
        Node& n = nodes[k];
        const LayerInfo& info = G.layer(n.layer);
        n.spatial = !n.outShapes.empty();
        for (const MatShape& s : n.outShapes)
            n.spatial = n.spatial && s.size() == 4 && s[0] == N0;
        n.H = n.spatial ? n.outShapes[0][2] : 1;
        n.W = n.spatial ? n.outShapes[0][3] : 1;
        std::vector<Source> srcs = sources(tape, info);
        std::vector<MatShape> inShapes;
        std::vector<bool> broadcast;
        for (size_t s = 0; s < srcs.size(); s++)
        {
            inShapes.push_back(dnn::shape(*srcs[s].cache));
            const MatShape& is = inShapes.back();
            // inputs of a pointwise layer that are not maps of the output's size are broadcast over it
            broadcast.push_back(n.geom.kind == Geometry::POINTWISE &&
                                !(n.spatial && is.size() == 4 && is[2] == n.H && is[3] == n.W));
        }
        propagate(n, srcs, broadcast);
        prepareOps(n, inShapes, broadcast);
        for (const Source& s : srcs)
            if (s.node)
                const_cast<Node*>(s.node)->lastUse = (int)k;
        // Can the operations take several windows per call? (Some networks fix the batch size in a reshape.)
        for (const Ptr<PatchOp>& op : n.ops)
        {
            std::vector<MatShape> ins = inShapes;
            for (size_t s = 0; s < ins.size(); s++)
            {
                if (!n.full && !broadcast[s])
                {
                    if (n.geom.kind == Geometry::POINTWISE)
                    {
                        ins[s][2] = n.region.height;
                        ins[s][3] = n.region.width;
                    }
                }
            }
            if (!n.full && n.geom.kind == Geometry::WINDOW)
                continue;  // convolution and pooling take any batch
            try
            {
                std::vector<MatShape> one = op->outputShapes(ins), two;
                for (MatShape& s : ins)
                    s[0] *= 2;
                two = op->outputShapes(ins);
                bool ok = one.size() == two.size();
                for (size_t j = 0; ok && j < one.size(); j++)
                {
                    MatShape e = one[j];
                    e[0] *= 2;
                    ok = e == two[j];
                }
                n.batchable = n.batchable && ok;
            }
            catch (const cv::Exception&)
            {
                n.batchable = false;
            }
        }
    }
    nodes[nodeOf[scoreLayer]].lastUse = (int)nodes.size();

    // Memory per window position: every node's output plus its gathered inputs.
    size_t elems = (size_t)C * H * W;
    for (const Node& n : nodes)
    {
        for (const MatShape& s : n.outShapes)
            elems += n.full ? elementsPerSample(s) : (size_t)s[1] * n.region.area();
        for (const LayerPin& p : G.layer(n.layer).inputs)
        {
            const MatShape s = dnn::shape(tape.output(p));
            elems += n.full ? elementsPerSample(s) : (size_t)(s.size() > 1 ? s[1] : 1) * 4 * n.region.area();
        }
    }
    bytesPerWindow = elems * N0 * sizeof(float);
}

// ---------------------------------------------------------------------------------------------------------
// Execution

/* Fills dst (windows ws[k] in rows k*N0.., C x ph x pw) with the producer's patched map over rects[k] (producer
   coordinates, may extend outside the map: padValue there). `outs` are the producer's computed outputs for the
   chunk starting at window w0. */
void IncrementalPlanImpl::gatherRect(const Job& job, const Source& s, const std::vector<Mat>& outs, int w0,
                                     const std::vector<int>& ws, const std::vector<Rect>& rects, float padValue,
                                     Mat& dst) const
{
    const Mat& cache = *s.cache;
    const int Cp = cache.size[1], Hp = cache.size[2], Wp = cache.size[3];
    const int ph = dst.size[2], pw = dst.size[3];
    const Mat* computed = s.node && !outs.empty() ? &outs[s.pin] : nullptr;
    const int n0 = N0;
    cv::parallel_for_(Range(0, (int)ws.size() * n0), [&](const Range& range) {
        for (int item = range.start; item < range.end; item++)
        {
            const int k = item / n0, n = item % n0, w = ws[k];
            const Rect& R = rects[k];
            const Rect inside = R & Rect(0, 0, Wp, Hp);
            // what the window changed in the producer, and where its values are
            Rect paste;
            const float* src = nullptr;
            int srcH = 0, srcW = 0, srcX = 0, srcY = 0;
            if (s.isInput)
            {
                paste = windows[w] & R;
                src = job.fill.ptr<float>(n);
                srcH = H; srcW = W; srcX = 0; srcY = 0;
            }
            else if (computed)
            {
                paste = s.node->changed[w] & R;
                const Rect& cr = s.node->computed[w];
                src = computed->ptr<float>((w - w0) * n0 + n);
                srcH = cr.height; srcW = cr.width; srcX = cr.x; srcY = cr.y;
            }
            for (int c = 0; c < Cp; c++)
            {
                float* d = dst.ptr<float>(k * n0 + n, c);
                const float* base = cache.ptr<float>(n, c);
                for (int yy = 0; yy < ph; yy++)
                {
                    float* drow = d + (size_t)yy * pw;
                    const int y = R.y + yy;
                    if (y < 0 || y >= Hp || inside.width <= 0)
                    {
                        std::fill(drow, drow + pw, padValue);
                        continue;
                    }
                    const int left = inside.x - R.x, mid = inside.width;
                    std::fill(drow, drow + left, padValue);
                    memcpy(drow + left, base + (size_t)y * Wp + inside.x, mid * sizeof(float));
                    std::fill(drow + left + mid, drow + pw, padValue);
                }
                if (src && !paste.empty())
                {
                    const float* sp = src + (size_t)c * srcH * srcW;
                    for (int y = paste.y; y < paste.y + paste.height; y++)
                        memcpy(d + (size_t)(y - R.y) * pw + (paste.x - R.x),
                               sp + (size_t)(y - srcY) * srcW + (paste.x - srcX), paste.width * sizeof(float));
                }
            }
        }
    });
}

//! The producer's patched output for windows [w0, w1) in full: N x ... (shape of the cached output).
Mat IncrementalPlanImpl::gatherFull(const Job& job, const Source& s, const std::vector<std::vector<Mat> >& outs,
                                    int w0, int w1) const
{
    const int B = w1 - w0;
    if (s.node && s.node->full)
        return outs[&*s.node - &nodes[0]][s.pin];
    MatShape shape = dnn::shape(*s.cache);
    Mat dst = newBlob(shape, B * N0);
    if (s.isInput)
    {
        const size_t per = (size_t)N0 * C * H * W;
        cv::parallel_for_(Range(w0, w1), [&](const Range& r) {
            for (int w = r.start; w < r.end; w++)
                occludeInto(job, w, dst.ptr<float>() + (size_t)(w - w0) * per);
        });
        return dst;
    }
    if (!s.node)
    {
        const size_t per = s.cache->total() * sizeof(float);
        for (int k = 0; k < B; k++)
            memcpy(dst.ptr<float>() + (size_t)k * s.cache->total(), s.cache->ptr<float>(), per);
        return dst;
    }
    std::vector<int> ws(B);
    std::vector<Rect> rects(B, Rect(0, 0, shape[3], shape[2]));
    for (int k = 0; k < B; k++)
        ws[k] = w0 + k;
    gatherRect(job, s, outs[&*s.node - &nodes[0]], w0, ws, rects, 0.f, dst);
    return dst;
}

void IncrementalPlanImpl::runOp(Node& node, int config, std::vector<Mat>& ins, std::vector<Mat>& outs) const
{
    PatchOp& op = *node.ops[config];
    if (node.batchable)
    {
        op.forward(ins, outs);
        return;
    }
    const int rows = ins[0].size[0];
    for (int a = 0; a < rows; a += N0)
    {
        std::vector<Mat> i2, o2;
        for (const Mat& m : ins)
            i2.push_back(m.size[0] == rows ? batchRows(m, a, a + N0) : m);
        for (const Mat& m : outs)
            o2.push_back(batchRows(m, a, a + N0));
        op.forward(i2, o2);
    }
}

void IncrementalPlanImpl::run(const Job& job, Mat& scores)
{
    CV_Assert(matches(job));
    const Tape& tape = *job.tape;
    const Graph& G = explainer->graph();
    const int P = (int)windows.size();
    const int K = scoresPerSample(job);
    scores.create(P, N0 * K, CV_32F);
    int B = job.batchSize > 0 ? job.batchSize : (int)std::max<size_t>(1, kMemoryBudget / std::max<size_t>(1, bytesPerWindow));
    B = std::min(B, P);
    std::vector<double> seconds(nodes.size(), 0.0);  // per layer, for the log
    for (int w0 = 0; w0 < P; w0 += B)
    {
        const int w1 = std::min(P, w0 + B), nb = w1 - w0, rows = nb * N0;
        std::vector<std::vector<Mat> > outs(nodes.size());
        int64 tick = cv::getTickCount();
        for (size_t k = 0; k < nodes.size(); k++)
        {
            Node& node = nodes[k];
            const LayerInfo& info = G.layer(node.layer);
            std::vector<Source> srcs = sources(tape, info);
            std::vector<Mat>& out = outs[k];
            for (const MatShape& s : node.outShapes)
            {
                MatShape o = s;
                if (!node.full)
                {
                    o[2] = node.region.height;
                    o[3] = node.region.width;
                }
                out.push_back(newBlob(o, rows));
            }
            try
            {
                if (node.full)
                {
                    std::vector<Mat> ins;
                    for (const Source& s : srcs)
                        ins.push_back(gatherFull(job, s, outs, w0, w1));
                    runOp(node, 0, ins, out);
                }
                else if (node.geom.kind == Geometry::POINTWISE)
                {
                    std::vector<Mat> ins;
                    std::vector<int> ws(nb);
                    std::vector<Rect> rects(nb);
                    for (int j = 0; j < nb; j++)
                    {
                        ws[j] = w0 + j;
                        rects[j] = node.computed[w0 + j];
                    }
                    for (const Source& s : srcs)
                    {
                        const MatShape is = dnn::shape(*s.cache);
                        if (!(is.size() == 4 && is[2] == node.H && is[3] == node.W))
                        {
                            ins.push_back(gatherFull(job, s, outs, w0, w1));
                            continue;
                        }
                        // Zero copy when the producer computed exactly these rectangles.
                        if (s.node && !s.node->full && s.node->region == node.region)
                        {
                            bool same = true;
                            for (int j = 0; j < nb && same; j++)
                                same = s.node->computed[w0 + j] == rects[j];
                            if (same)
                            {
                                ins.push_back(outs[s.node - &nodes[0]][s.pin]);
                                continue;
                            }
                        }
                        Mat patch = newBlob(MatShape{ 0, is[1], node.region.height, node.region.width }, rows);
                        gatherRect(job, s, s.node ? outs[s.node - &nodes[0]] : std::vector<Mat>(), w0, ws, rects,
                                   0.f, patch);
                        ins.push_back(patch);
                    }
                    runOp(node, 0, ins, out);
                }
                else  // WINDOW
                {
                    const Source& s = srcs[0];
                    const Geometry& g = node.geom;
                    const MatShape is = dnn::shape(*s.cache);
                    std::vector<std::vector<int> > byConfig(node.configs.size());
                    for (int w = w0; w < w1; w++)
                        byConfig[node.configOf[w]].push_back(w);
                    for (size_t c = 0; c < byConfig.size(); c++)
                    {
                        const std::vector<int>& ws = byConfig[c];
                        if (ws.empty())
                            continue;
                        std::vector<Rect> rects;
                        for (int w : ws)
                        {
                            Rect want = receptive(g, node.computed[w]);
                            if (!g.padByValue)
                            {
                                Pads p;
                                clippedPatch(g, want, is[2], is[3], want, p);
                            }
                            rects.push_back(want);
                        }
                        const Size ps = node.configPatch[c];
                        for (const Rect& r : rects)
                            CV_Assert(r.size() == ps);
                        Mat patch = newBlob(MatShape{ 0, is[1], ps.height, ps.width }, (int)ws.size() * N0);
                        gatherRect(job, s, s.node ? outs[s.node - &nodes[0]] : std::vector<Mat>(), w0, ws, rects,
                                   g.padValue, patch);
                        std::vector<Mat> ins(1, patch);
                        const bool contiguous = ws.size() == (size_t)nb;  // all windows, in order
                        std::vector<Mat> o;
                        if (contiguous)
                            o = out;
                        else
                            for (const Mat& m : out)
                                o.push_back(newBlob(dnn::shape(m), (int)ws.size() * N0));
                        runOp(node, (int)c, ins, o);
                        if (!contiguous)
                            for (size_t pin = 0; pin < out.size(); pin++)
                                for (size_t j = 0; j < ws.size(); j++)
                                    batchRows(o[pin], (int)j * N0, (int)(j + 1) * N0)
                                        .copyTo(batchRows(out[pin], (ws[j] - w0) * N0, (ws[j] - w0 + 1) * N0));
                    }
                }
            }
            catch (const cv::Exception& e)
            {
                CV_Error(Error::StsError, "incremental occlusion: layer '" + info.name + "' (" + info.type +
                                          ") failed on patches: " + e.err);
            }
            const int64 now = cv::getTickCount();
            seconds[k] += (now - tick) / cv::getTickFrequency();
            tick = now;
            // Release what no later layer reads.
            for (const Source& s : srcs)
                if (s.node && s.node->lastUse == (int)k)
                    outs[s.node - &nodes[0]].clear();
        }
        // Scores: the score layer's output in full.
        Source s;
        const int sk = nodeOf[scoreLayer];
        s.node = &nodes[sk];
        s.cache = &tape.outputs(scoreLayer)[0];
        Mat full = gatherFull(job, s, outs, w0, w1);
        CV_Assert(full.isContinuous() && full.total() == (size_t)rows * K);
        Mat(nb, N0 * K, CV_32F, full.ptr<float>()).copyTo(scores.rowRange(w0, w1));
        reportProgress(job, w1);
    }
    if (utils::logging::getLogLevel() >= utils::logging::LOG_LEVEL_INFO)
    {
        std::ostringstream os;
        os << "interp occlusion: " << P << " window positions in chunks of " << B << "; seconds per layer:";
        for (size_t k = 0; k < nodes.size(); k++)
            os << "\n  " << G.layer(nodes[k].layer).name << " (" << (nodes[k].full ? "full" : "region") << "): "
               << seconds[k];
        CV_LOG_INFO(NULL, os.str());
    }
}

}  // namespace

Ptr<IncrementalPlan> IncrementalPlan::create(const Job& job)
{
    return makePtr<IncrementalPlanImpl>(job);
}

}  // namespace occl
}  // namespace interp
}  // namespace cv
