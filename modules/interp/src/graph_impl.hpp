// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_GRAPH_IMPL_HPP
#define OPENCV_INTERP_GRAPH_IMPL_HPP

#include "precomp.hpp"

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

    //! Builds the graph of `net`; `captured` maps layer instances to the LayerParams seen at load time.
    void build(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured);
};

//! Index of a layer by name (also without the "onnx_node!" prefixes OpenCV adds), or -1.
int findLayer(const Graph::Impl& g, const String& name);

//! "[1 x 3 x 224 x 224]"
String shapeToString(const MatShape& shape);

}  // namespace interp
}  // namespace cv

#endif
