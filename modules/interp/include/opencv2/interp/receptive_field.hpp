// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_RECEPTIVE_FIELD_HPP
#define OPENCV_INTERP_RECEPTIVE_FIELD_HPP

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/interp/graph.hpp>
#include <opencv2/interp/engine.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_layers
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

/** @brief Registers the receptive-field geometry of a layer type (process-wide; replaces a previous rule).

Layers whose type has no rule are assumed to read their whole input (a conservative superset, logged as a
warning), as are layers whose rule raises.
*/
CV_EXPORTS void registerGeometryRule(const String& layerType, const GeometryRule& rule);
//! Removes the geometry rule of a layer type (built-in or registered); its layers then count as reading their whole input.
CV_EXPORTS void unregisterGeometryRule(const String& layerType);
//! True when the layer type has a geometry rule.
CV_EXPORTS_W bool hasGeometryRule(const String& layerType);

//! Receptive-field summary of one layer (output 0) for a given input size.
struct CV_EXPORTS_W_SIMPLE LayerReceptiveField
{
    CV_WRAP LayerReceptiveField() : stride(0, 0), global(false), spatial(false), conservative(false), dependsOnInput(false) {}

    CV_PROP_RW String name;         //!< layer name
    CV_PROP_RW String type;         //!< layer type
    CV_PROP_RW Size outputSize;     //!< output map size (1 x 1 for non-spatial outputs)
    CV_PROP_RW Size size;           //!< nominal receptive-field size (padding included) of the centre position; the input size for global layers
    CV_PROP_RW Point2d stride;      //!< input pixels between neighbouring output positions (x, y); 0 on a global axis
    CV_PROP_RW bool global;         //!< every output position sees the whole input
    CV_PROP_RW bool spatial;        //!< the output is a map (at least 4 axes)
    CV_PROP_RW bool conservative;   //!< a layer on the way has no exact geometry: rectangles may be too large
    CV_PROP_RW bool dependsOnInput; //!< false for constants (no receptive field)
};

/** @brief Receptive fields of every layer output position of a network, for one input size.

For each output position the exact input rectangle it depends on: the bounding box of the union over every path
from the input (branches, shortcuts, concatenations), with strides, padding, dilation, transposed convolutions,
resizing, slicing and global layers taken into account. The per-layer-type geometry comes from a registry
(registerGeometryRule()) derived from the public fields of the cv::dnn layer instances and the parameters
cv::interp::readNet() captured.

Two rectangles per position: rect() is the exact dependency, clipped to the image (what the gradient of that
neuron can touch); nominalRect() includes the padding, so it has the same size for every position of a layer
(the patch the position "looks at", used to crop maximally activating patches). A position's field is the union
over its channels (after a concatenation, a channel of a narrow branch depends on less).

The geometry is computed once by create(); the const methods are thread-safe.
*/
class CV_EXPORTS_W ReceptiveField
{
public:
    ~ReceptiveField();

    /** @brief Computes the geometry of every layer for an input of the given shape.
    Runs one forward pass of a zero blob of that shape so that every layer is set up for it.
    @param explainer the network
    @param inputShape N x C x H x W (use the batch size the model takes if it only takes one)
    */
    CV_WRAP static Ptr<ReceptiveField> create(const Ptr<Explainer>& explainer, const MatShape& inputShape);

    //! Input size (width, height).
    CV_WRAP Size inputSize() const;

    /** @brief Exact input rectangle of output position (y, x) of a layer, clipped to the input.
    An empty Rect when the position depends on no input pixel (e.g. it lies in a padded border).
    For non-spatial outputs (fully connected layers) use y = x = 0. */
    CV_WRAP Rect rect(const String& layer, int y, int x) const;
    //! Same as rect() for output `pin` of the layer with Graph index `layerIndex`.
    Rect rect(int layerIndex, int y, int x, int pin = 0) const;

    /** @brief Nominal input rectangle of output position (y, x): padding included, not clipped to the input, so
    its size is the layer's receptive-field size wherever the position is. For global layers (every position sees
    the whole input) it is the input itself. */
    CV_WRAP Rect nominalRect(const String& layer, int y, int x) const;
    //! Same as nominalRect() for output `pin` of the layer with Graph index `layerIndex`.
    Rect nominalRect(int layerIndex, int y, int x, int pin = 0) const;

    //! Receptive-field summary of a layer.
    CV_WRAP LayerReceptiveField layerInfo(const String& layer) const;
    //! Receptive-field summary of the layer with Graph index `layerIndex`.
    LayerReceptiveField layerInfo(int layerIndex) const;
    //! Summaries of all layers in Graph order.
    CV_WRAP std::vector<LayerReceptiveField> layers() const;

    struct Impl;
    Ptr<Impl> impl;

private:
    ReceptiveField();
};

//! @}

}  // namespace interp
}  // namespace cv

#endif
