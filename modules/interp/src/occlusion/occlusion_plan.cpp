// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Planning the incremental occlusion engine: per layer, the region each window position can change, the common
// region size, the patch configurations and their ops (see occlusion_incremental.hpp).
#include "occlusion_incremental.hpp"

namespace cv {
namespace interp {
namespace occl {

IncrementalPlan::~IncrementalPlan() {}

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

static bool sameShapes(const std::vector<MatShape>& a, const std::vector<MatShape>& b)
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

Ptr<IncrementalPlan> IncrementalPlan::create(const Job& job)
{
    return makePtr<IncrementalPlanImpl>(job);
}

}  // namespace occl
}  // namespace interp
}  // namespace cv
