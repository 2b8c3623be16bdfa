// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_GRAPH_HPP
#define OPENCV_INTERP_GRAPH_HPP

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_engine
//! @{

//! Shape of an n-dimensional blob (as cv::dnn::MatShape).
typedef dnn::MatShape MatShape;

/** @brief One output of a layer: the layer's index in the Graph and the output number.

Layer index -1 denotes the network's input (pin = input number).
*/
struct CV_EXPORTS_W_SIMPLE LayerPin
{
    CV_WRAP LayerPin(int layer_ = -1, int pin_ = 0) : layer(layer_), pin(pin_) {}
    CV_PROP_RW int layer;  //!< index in Graph::layer(), or -1 for the network input
    CV_PROP_RW int pin;    //!< output number of that layer
    bool operator==(const LayerPin& o) const { return layer == o.layer && pin == o.pin; }
    bool operator<(const LayerPin& o) const { return layer < o.layer || (layer == o.layer && pin < o.pin); }
};

/** @brief Everything the engine knows about one layer of a network.

`params` holds the LayerParams the importer built (with weights in `params.blobs`) when the network was
loaded through cv::interp::readNet(); for an explainer made from an already-loaded cv::dnn::Net it holds
only what could be recovered from the layer's public fields, and `paramsCaptured` is false.
*/
struct CV_EXPORTS LayerInfo
{
    String name;                     //!< layer name as cv::dnn reports it
    String type;                     //!< layer type ("Convolution", "ReLU", ...)
    int netId = -1;                  //!< id of the layer in the cv::dnn::Net
    std::vector<LayerPin> inputs;    //!< producer of each input slot, in slot order
    int numOutputs = 1;              //!< number of outputs (known after the first forward pass)
    dnn::LayerParams params;         //!< parameters captured at load time (see above)
    bool paramsCaptured = false;     //!< true when `params` is the importer's full LayerParams
    Ptr<dnn::Layer> layer;           //!< the layer instance inside the network

    /** @brief Returns a captured parameter, or raises a cv::Exception saying how to make it available.
    Use for parameters that cv::dnn does not expose as public layer fields (Eltwise operation, Permute order, ...).
    */
    dnn::DictValue requireParam(const String& key) const;
    //! Returns a captured parameter or `defaultValue` when it was not set; raises when params were not captured.
    template<typename T> T capturedParam(const String& key, const T& defaultValue) const
    {
        if (!params.has(key))
        {
            requireCaptured(key);
            return defaultValue;
        }
        return params.get<T>(key);
    }
    //! Raises a cv::Exception naming `what` when the parameters were not captured at load time.
    void requireCaptured(const String& what) const;
};

/** @brief The network as a graph: layers in topological order with their producers and parameters.

The graph never changes after the Explainer is built; it is safe to read from several threads.
*/
class CV_EXPORTS_W Graph
{
public:
    Graph();
    ~Graph();

    //! Number of layers (the network input is not a layer).
    CV_WRAP int size() const;
    //! Layer `index` in topological order.
    const LayerInfo& layer(int index) const;
    //! Names of all layers in topological order.
    CV_WRAP std::vector<String> layerNames() const;
    //! Type of layer `index`.
    CV_WRAP String layerType(int index) const;

    /** @brief Index of a layer by name, or -1.
    Accepts the cv::dnn name, and for ONNX models also the node name or output name without the
    `onnx_node!` / `onnx_node_output_0!` prefix that OpenCV adds.
    */
    CV_WRAP int find(const String& name) const;
    //! Like find() but raises a cv::Exception listing similar names when the layer does not exist.
    CV_WRAP int require(const String& name) const;

    //! Index of the layer whose output the network returns by default (the last unconnected output).
    CV_WRAP int outputLayer() const;
    /** @brief Layer whose output holds the class scores for class targets.
    The pre-softmax scores when the network ends in Softmax or LogSoftmax (possibly followed by Identity or
    Dropout layers) as Simonyan et al. 2014 recommend, else outputLayer().
    */
    CV_WRAP int scoreLayer() const;

    //! Indices of the layers consuming output `pin` of `layer` (layer -1 = network input).
    std::vector<int> consumers(const LayerPin& pin) const;
    //! True when the output of `index` depends on the network input (false for constants).
    CV_WRAP bool dependsOnInput(int index) const;
    //! mark[i] is true when the output of layer i reaches layer `index` (`index` itself included).
    std::vector<bool> ancestors(int index) const;

    /** @brief The outputs of the convolutional blocks, in network order: for each layer with weights whose output is
    a spatial map (4-D, larger than 1 x 1) and depends on the input, the last layer it feeds that keeps its output
    shape (through activations, normalisation, residual additions), each once. What the report shows as the network's
    stages, and Grad-CAM's default layer (the last one feeding the target).
    @param inputShape input shape (N x C x H x W)
    @param feeding when >= 0, only layers that feed this layer (and paths through them)
    */
    CV_WRAP std::vector<int> blockOutputs(const MatShape& inputShape, int feeding = -1) const;

    /** @brief Output shapes of every layer for an input of the given shape (NCHW).
    @param inputShape shape of the input blob
    @param shapes out: shapes[i][k] is the shape of output k of layer i
    */
    void outputShapes(const MatShape& inputShape, std::vector<std::vector<MatShape> >& shapes) const;

    /** @brief A printable table: one row per layer with name, type and output shape for `inputShape`.
    When `inputShape` is empty only names, types and producers are listed.
    */
    CV_WRAP String describe(const MatShape& inputShape = MatShape()) const;

    struct Impl;
    Ptr<Impl> impl;
};

//! @}

}  // namespace interp
}  // namespace cv

#endif
