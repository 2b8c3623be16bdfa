// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_LAYER_SPEC_HPP
#define OPENCV_INTERP_LAYER_SPEC_HPP

#include <functional>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/interp/backward.hpp>
#include <opencv2/interp/graph.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_engine
//! @{

/** @brief Which input positions of one spatial axis a range of output positions depends on.

Positions are integers; `lo(o)` and `hi(o)` give the first and last input position output position `o` may read.
Both must be non-decreasing in `o` (true of every layer that slides, pads, crops or resamples). Positions outside
the maps ("virtual" positions in the padding) follow the same formulas, which is what the nominal receptive field
(padding included) uses.
*/
struct CV_EXPORTS AxisMap
{
    enum Kind
    {
        AFFINE = 0,  //!< lo(o) = floor((o * num + loOffset) / den), hi(o) = floor((o * num + hiOffset) / den)
        TABLE = 1,   //!< lo/hi listed per output position (lo > hi: the position reads nothing)
        WHOLE = 2,   //!< every output position reads the whole input axis
        NONE = 3     //!< the output does not depend on the values of this input (a shape-only input)
    };

    int kind = AFFINE;
    int num = 1, den = 1, loOffset = 0, hiOffset = 0;  //!< AFFINE coefficients (den > 0)
    std::vector<int> lo, hi;                           //!< TABLE entries, one per output position

    //! o -> o.
    static AxisMap identity();
    //! Sliding window (convolution, pooling): reads [o * stride - padBegin, o * stride - padBegin + extent - 1].
    static AxisMap window(int stride, int padBegin, int extent);
    /** @brief Transposed sliding window (deconvolution): output o = i * stride - padBegin + k * dilation, so o reads
    the inputs i with o + padBegin - extent + 1 <= i * stride <= o + padBegin. */
    static AxisMap transposedWindow(int stride, int padBegin, int extent);
    //! o reads o * step + offset (padding: offset = -padBefore; slicing: offset = start).
    static AxisMap shift(int offset, int step = 1);
    //! Explicit per-position table (lo[o] > hi[o] where o reads nothing); virtual positions extrapolate linearly.
    static AxisMap table(const std::vector<int>& lo, const std::vector<int>& hi);
    //! Every output position reads the whole input axis (global pooling, fully connected layers, ...).
    static AxisMap whole();
    //! No data dependency (an input that only gives a shape).
    static AxisMap none();

    /** @brief Input positions read by output positions [a, b].
    @param a first output position
    @param b last output position (a <= b)
    @param outSize size of the output axis
    @param inSize size of the input axis
    @param clip true: only real positions (clip [a, b] to the output, the result to the input: the exact dependency);
           false: the nominal positions, padding included
    @param lo out: first input position
    @param hi out: last input position
    @return false when the positions read nothing
    */
    bool apply(int a, int b, int outSize, int inSize, bool clip, int& lo, int& hi) const;
};

//! How one output of a layer depends on one of its inputs, per spatial axis.
struct CV_EXPORTS SpatialMap
{
    AxisMap y;  //!< rows
    AxisMap x;  //!< columns
    SpatialMap() {}
    SpatialMap(const AxisMap& y_, const AxisMap& x_) : y(y_), x(x_) {}
};

/** @brief The spatial geometry of one layer: maps[pin][slot] says which positions of input `slot` output `pin` reads.

Only blobs with at least 4 axes are spatial (the last two are rows and columns); the receptive-field code handles
non-spatial blobs itself (a 2-D output reads its whole input, a 2-D input is read whole), so rules describe only
spatial-to-spatial dependencies.
*/
struct CV_EXPORTS LayerGeometry
{
    std::vector<std::vector<SpatialMap> > maps;  //!< [output pin][input slot]
    bool conservative = false;                   //!< a superset of the true dependency (e.g. an unknown layer type)
    String note;                                 //!< why the geometry is conservative

    //! The same map for every (pin, slot) pair.
    static LayerGeometry uniform(int numOutputs, int numInputs, const SpatialMap& map);
};

//! What a geometry rule gets to know about its layer.
struct CV_EXPORTS GeometryContext
{
    const LayerInfo* info = nullptr;     //!< name, type, captured parameters, instance
    std::vector<MatShape> inputShapes;   //!< shape of each input
    std::vector<MatShape> outputShapes;  //!< shape of each output
};

//! Builds the geometry of a layer; raise a cv::Exception for configurations the rule does not support.
typedef std::function<LayerGeometry(const GeometryContext&)> GeometryRule;

struct OcclusionRule;  //!< how incremental occlusion computes a layer type on patches (internal, src/occlusion_geometry.cpp)

/** @brief Everything interp knows about one layer type, in one process-wide registry keyed by type.

- `backward`: the backward rule of each variant (BACKWARD_STANDARD also serves the variants without their own);
- `geometry`: which input positions each output position reads; receptive fields (ReceptiveField) and the windows
  of incremental occlusion (Occlusion) both follow from it;
- `occlusion`: how incremental occlusion computes the layer on patches (built-in types only; a type without one is
  computed from its geometry when that is position-wise or global, else recomputed whole);
- `captureParams`: cv::interp::readNet() records the LayerParams of layers of this type.

A new layer type is one registerLayerSpec() call (or registerBackwardRule() / registerGeometryRule(), which update the
type's spec). Every change increments layerRegistryVersion(); explainers and occlusion plans prepared before a change
are prepared again.
*/
struct CV_EXPORTS LayerSpec
{
    std::map<int, BackwardRuleFactory> backward;  //!< BackwardVariant -> rule factory
    GeometryRule geometry;                        //!< spatial geometry (empty: reads its whole input, conservatively)
    Ptr<OcclusionRule> occlusion;                 //!< patch computation of incremental occlusion (built-in types)
    bool captureParams = true;                    //!< hooked by readNet() to capture its LayerParams

    //! True when the spec holds nothing.
    bool empty() const { return backward.empty() && !geometry && !occlusion && !captureParams; }
};

//! Registers (replaces) the spec of a layer type.
CV_EXPORTS void registerLayerSpec(const String& layerType, const LayerSpec& spec);
//! Removes the spec of a layer type (built-in or registered).
CV_EXPORTS void unregisterLayerSpec(const String& layerType);
//! The spec of a layer type (a copy); an empty spec with captureParams false when the type is unknown.
CV_EXPORTS LayerSpec layerSpec(const String& layerType);
//! The layer types with a spec, sorted.
CV_EXPORTS_W std::vector<String> layerSpecTypes();
//! Incremented by every change of the registry.
CV_EXPORTS uint64 layerRegistryVersion();

/** @brief Registers the receptive-field geometry of a layer type (process-wide; replaces a previous rule).

Layers whose type has no rule are assumed to read their whole input (a conservative superset, logged as a
warning), as are layers whose rule raises.
*/
CV_EXPORTS void registerGeometryRule(const String& layerType, const GeometryRule& rule);
//! Removes the geometry rule of a layer type (built-in or registered); its layers then count as reading their whole input.
CV_EXPORTS void unregisterGeometryRule(const String& layerType);
//! True when the layer type has a geometry rule.
CV_EXPORTS_W bool hasGeometryRule(const String& layerType);

//! @}

}  // namespace interp
}  // namespace cv

#endif
