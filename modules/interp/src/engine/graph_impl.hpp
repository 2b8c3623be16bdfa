// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_GRAPH_IMPL_HPP
#define OPENCV_INTERP_GRAPH_IMPL_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {

struct Graph::Impl
{
    dnn::Net net;
    std::shared_ptr<std::mutex> netMutex;   // shared with the explainer: guards every call into `net`
    std::vector<LayerInfo> layers;          // topological order
    std::map<String, int> byName;
    std::vector<std::vector<int> > consumersOf;  // per layer: consumer layer indices (any pin)
    std::vector<bool> fromInput;            // depends on the network input
    int numInputs = 1;
    int outputLayer = -1;
    int scoreLayer = -1;
    bool axesNormalized = false;            // normalizeAxes() has run

    //! Builds the graph of `net`; `captured` maps layer instances to the LayerParams seen at load time.
    void build(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured);

    /** @brief Rewrites every negative axis as axis + rank of the layer's input, once (later calls return at
    once): the axis parameters of the captured LayerParams and the public axis fields of the layer instances.
    Needs the rank of every layer's input, hence an input shape; call it with `netMutex` held, before the
    first forward pass (see graph_axes.cpp for why it must precede it). */
    void normalizeAxes(const MatShape& inputShape);
};

//! `axis` in [-dims, dims) as a non-negative axis, or -1 when out of range.
inline int normalizeAxis(int axis, int dims)
{
    if (axis < -dims || axis >= dims)
        return -1;
    return axis < 0 ? axis + dims : axis;
}

//! Index of a layer by name (also without the "onnx_node!" prefixes OpenCV adds), or -1.
int findLayer(const Graph::Impl& g, const String& name);

//! "[1 x 3 x 224 x 224]"
String shapeToString(const MatShape& shape);

}  // namespace interp
}  // namespace cv

#endif
