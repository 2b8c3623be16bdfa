// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The incremental occlusion engine's plan (internal): occlusion_plan.cpp builds it, occlusion_run.cpp runs it.
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
#ifndef OPENCV_INTERP_OCCLUSION_INCREMENTAL_HPP
#define OPENCV_INTERP_OCCLUSION_INCREMENTAL_HPP

#include "../precomp.hpp"
#include "occlusion_impl.hpp"
#include "../engine/engine_impl.hpp"

namespace cv {
namespace interp {
namespace occl {

const size_t kMemoryBudget = size_t(256) << 20;  // bytes of patches alive at once (automatic batch size)

//! Rows [a, b) of dimension 0 of an n-D Mat (a view).
inline Mat batchRows(const Mat& m, int a, int b)
{
    std::vector<Range> r(m.dims, Range::all());
    r[0] = Range(a, b);
    return m(r.data());
}

inline Mat newBlob(MatShape s, int batch)
{
    s[0] = batch;
    return Mat((int)s.size(), s.data(), CV_32F);
}

inline size_t elementsPerSample(const MatShape& s)
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

//! The input rectangle a window layer reads for output rectangle `r` (virtual positions included).
Rect receptive(const Geometry& g, const Rect& r);
//! The part of `want` inside the Hin x Win input, and the padding that makes up the rest.
void clippedPatch(const Geometry& g, const Rect& want, int Hin, int Win, Rect& patch, Pads& pads);

}  // namespace occl
}  // namespace interp
}  // namespace cv

#endif
