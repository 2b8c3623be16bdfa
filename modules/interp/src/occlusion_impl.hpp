// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Internal interfaces of occlusion sensitivity: the job both engines run, the per-layer geometry registry and the
// operations that compute a layer on patches.
#ifndef OPENCV_INTERP_OCCLUSION_IMPL_HPP
#define OPENCV_INTERP_OCCLUSION_IMPL_HPP

#include "precomp.hpp"
#include "opencv2/interp/occlusion.hpp"

#include <functional>

namespace cv {
namespace interp {
namespace occl {

// ---------------------------------------------------------------------------------------------------------
// The job

//! What both engines compute: the score layer's output for every window position.
struct Job
{
    const Explainer* explainer = nullptr;
    Ptr<Tape> tape;                 //!< forward pass of the unoccluded input (N0 samples)
    int scoreLayer = -1;            //!< Graph index of the layer whose output is recorded
    std::vector<Rect> windows;      //!< occluded square of each position (inside the input)
    Mat fill;                       //!< N0 x C x H x W: the values occluded pixels take
    int batchSize = 0;              //!< window positions per batch; 0: automatic
    OcclusionProgress progress;     //!< may be empty
};

//! Number of values per sample of the score layer's output.
int scoresPerSample(const Job& job);

//! Copy of the input with window `w` occluded in every sample, written to `dst` (N0 x C x H x W, preallocated).
void occludeInto(const Job& job, int w, float* dst);

//! Calls the progress callback; raises when it cancels.
void reportProgress(const Job& job, int done);

/** @brief Batched engine: occluded copies through the network's cv::dnn::Net.
@param scores out: P x (N0 * K) float32, row p = the score layer's output (flattened per sample) at position p */
void runBatched(const Job& job, Mat& scores);

// ---------------------------------------------------------------------------------------------------------
// Computing a layer on patches

/** @brief A layer computation on a batch of patches: a fresh cv::dnn layer instance, or an equivalent formulation.
Not thread-safe: one plan owns it. */
class PatchOp
{
public:
    virtual ~PatchOp();
    //! Output shapes for these input shapes; raises when the operation cannot take them.
    virtual std::vector<MatShape> outputShapes(const std::vector<MatShape>& inputs) = 0;
    //! Computes the outputs (preallocated with outputShapes()).
    virtual void forward(std::vector<Mat>& inputs, std::vector<Mat>& outputs) = 0;
};

//! A PatchOp running a fresh cv::dnn layer made from `params` with `numOutputs` outputs.
Ptr<PatchOp> makeLayerOp(const dnn::LayerParams& params, int numOutputs);

// ---------------------------------------------------------------------------------------------------------
// Geometry: how a layer's output depends on its inputs in space

//! Padding of a patch on each side (t, l, b, r).
struct Pads
{
    int t = 0, l = 0, b = 0, r = 0;
    bool operator<(const Pads& o) const
    {
        return t != o.t ? t < o.t : l != o.l ? l < o.l : b != o.b ? b < o.b : r < o.r;
    }
    bool operator==(const Pads& o) const { return t == o.t && l == o.l && b == o.b && r == o.r; }
};

/** @brief The spatial dependence of one layer's outputs (the last two axes of 4-D blobs) on its inputs.

- POINTWISE: output (y, x) depends only on inputs at (y, x) (any mixing across channels). Inputs whose spatial size
  differs from the output's are broadcast (e.g. a per-channel scale): when such an input changes, the whole
  output does.
- WINDOW: one input; output (y, x) depends on input rows y * sh - pt + i * dh (i < kh), the same for columns.
  Borders: with `padByValue` the patch is padded explicitly with `padValue` and computed by makeOp(no pads);
  otherwise makeOp(pads) makes an operation that pads like the layer on those sides of the patch that touch the
  map's border (e.g. pooling, whose padding is not a value).
- GLOBAL: every output depends on every input (fully connected, global pooling, softmax over the map).
- UNKNOWN: no geometry known; the layer is recomputed in full.
*/
struct Geometry
{
    enum Kind { POINTWISE = 0, WINDOW = 1, GLOBAL = 2, UNKNOWN = 3 };
    Kind kind = UNKNOWN;
    String reason;                 //!< GLOBAL / UNKNOWN: why (for logs and plans)
    int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
    Pads pads;                     //!< WINDOW: the layer's own padding
    bool padByValue = true;
    float padValue = 0.f;
    //! Makes the operation computing the layer on patches padded by `pads` (all zero except as described above).
    std::function<Ptr<PatchOp>(const Pads& pads)> makeOp;
    //! Makes the operation computing the layer on whole maps (the layer as configured in the network).
    std::function<Ptr<PatchOp>()> makeFullOp;
};

//! What a geometry factory knows about a layer.
struct GeometryContext
{
    const LayerInfo* info = nullptr;
    std::vector<MatShape> inputShapes;   //!< for the unoccluded input (N0 samples)
    std::vector<MatShape> outputShapes;
};

/** @brief The occlusion geometry of a layer from its receptive-field geometry `rf` (the layer type's
LayerSpec::geometry; nullptr when it has none or it failed) and what the type's occlusion rule adds: padding
semantics and how to compute the layer on patches. */
typedef std::function<Geometry(const GeometryContext&, const LayerGeometry* rf)> GeometryFactory;

/** @brief The geometry of a layer (occlusion_geometry.cpp): its type's occlusion rule applied to its receptive-field
geometry; a type without an occlusion rule is computed position-wise or as a whole from its receptive-field geometry
alone (a user-registered geometry reaches incremental occlusion that way), else UNKNOWN. Every geometry's makeOp
works on the layer's captured parameters. */
Geometry layerGeometry(const GeometryContext& ctx);

// ---------------------------------------------------------------------------------------------------------
// Incremental engine

/** @brief A prepared incremental computation for one input shape, window geometry and score layer.
Holds fresh layer instances, so one plan is used by one thread at a time. */
class IncrementalPlan
{
public:
    virtual ~IncrementalPlan();
    //! Builds the plan; raises a cv::Exception saying why when the network cannot be run incrementally.
    static Ptr<IncrementalPlan> create(const Job& job);
    //! True when this plan was built for the job's shape, windows and score layer.
    virtual bool matches(const Job& job) const = 0;
    //! Runs the job (its tape must have the plan's shape): scores as runBatched().
    virtual void run(const Job& job, Mat& scores) = 0;
    //! One entry per computed layer.
    virtual std::vector<OcclusionLayerPlan> describe() const = 0;
};

}  // namespace occl

//! The occlusion part of a LayerSpec (see opencv2/interp/layer_spec.hpp).
struct OcclusionRule
{
    occl::GeometryFactory geometry;
};

}  // namespace interp
}  // namespace cv

#endif
