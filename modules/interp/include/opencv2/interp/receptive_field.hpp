// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_RECEPTIVE_FIELD_HPP
#define OPENCV_INTERP_RECEPTIVE_FIELD_HPP

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/interp/graph.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/layer_spec.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_layers
//! @{

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
resizing, slicing and global layers taken into account. The per-layer-type geometry comes from the layer registry
(LayerSpec::geometry, registerGeometryRule()) derived from the public fields of the cv::dnn layer instances and the parameters
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
