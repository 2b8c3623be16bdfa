// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_ENGINE_HPP
#define OPENCV_INTERP_ENGINE_HPP

#include <map>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/interp/graph.hpp>
#include <opencv2/interp/target.hpp>
#include <opencv2/interp/backward.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_engine
//! @{

/** @brief The record of one forward pass: the input blob and every layer's outputs.

Made by Explainer::forward(); owned by the caller, so each call (and thread) has its own.
*/
class CV_EXPORTS_W Tape
{
public:
    Tape();
    ~Tape();

    //! The input blob (N x C x H x W, float32).
    CV_WRAP Mat input() const;
    //! Batch size N.
    CV_WRAP int batchSize() const;
    //! Output `pin` of the named layer (raises for unknown names).
    CV_WRAP Mat output(const String& layer, int pin = 0) const;
    //! Outputs of layer `index` of the Graph.
    const std::vector<Mat>& outputs(int index) const;
    //! Output of a pin (layer -1 is the network input).
    const Mat& output(const LayerPin& pin) const;

    struct Impl;
    Ptr<Impl> impl;
};

//! Seeds of a backward pass: Graph layer index -> d(objective)/d(output 0 of that layer), full batch shape.
typedef std::map<int, Mat> Seeds;

/** @brief Wall-clock time an explainer spent in the layers of one type (Explainer::profile()). */
struct CV_EXPORTS_W_SIMPLE LayerTypeTiming
{
    CV_PROP_RW String type;          //!< layer type ("Convolution", ...)
    CV_PROP_RW double forwardMs = 0;   //!< total time of the type's layers in recording forward passes
    CV_PROP_RW double backwardMs = 0;  //!< total time of the type's backward rules
    CV_PROP_RW int forwardCalls = 0;   //!< layer runs counted in forwardMs
    CV_PROP_RW int backwardCalls = 0;  //!< rule runs counted in backwardMs
};

/** @brief Gradients of any target of a cv::dnn network: the backward pass cv::dnn lacks.

Make one with cv::interp::readNet() (recommended: captures every layer's parameters) or Explainer::create()
from an already-loaded network. All methods are const and thread-safe: one Explainer serves explanations from
several threads at once; forward passes through the underlying cv::dnn::Net are serialised, backward passes
run in parallel.
*/
class CV_EXPORTS_W Explainer
{
public:
    ~Explainer();

    /** @brief Makes an explainer for an already-loaded network.

    Parameters that cv::dnn does not expose (Eltwise coefficients, Permute order, Padding amounts, Resize
    mode, ...) are unknown this way: layers that need them raise a cv::Exception asking to load the model
    through cv::interp::readNet().

    @note The explainer works on `net` itself, not on a copy (cv::dnn::Net is a shared handle and cannot be cloned):
    `net` is switched to the OpenCV backend on CPU with layer fusion disabled, and layers whose outputs cv::dnn
    would otherwise overwrite in place get an identity layer named `__interp_keep/<layer>` after them (the network's
    results are unchanged). Load a second cv::dnn::Net if the application needs its own settings, or use
    cv::interp::readNet(), which loads a network of its own.
    */
    CV_WRAP static Ptr<Explainer> create(const dnn::Net& net);

    /** @brief Makes an explainer for a network built in code (Net::addLayer), given the LayerParams each layer
    was added with, keyed by layer name. Layers missing from `params` are treated as by create(net). */
    static Ptr<Explainer> create(const dnn::Net& net, const std::map<String, dnn::LayerParams>& params);

    //! The layer graph.
    const Graph& graph() const;
    //! Layer names in topological order (as graph().layerNames()).
    CV_WRAP std::vector<String> layerNames() const;
    //! The underlying network (shared, not a copy).
    CV_WRAP dnn::Net getNet() const;

    /** @brief Runs one forward pass recording every layer's outputs.
    @param blob N x C x H x W float32 input, as cv::dnn::blobFromImage(s) makes
    */
    CV_WRAP Ptr<Tape> forward(InputArray blob) const;

    //! Graph index of the layer a target refers to (the class-score layer for a CLASS target without layer).
    CV_WRAP int targetLayer(const Target& target) const;

    /** @brief Builds the seeds of the given targets on a tape (see Target for how a list maps to the samples).
    @param tape a forward pass of this explainer
    @param targets what to explain
    @param values optional out: the value of the targets per sample (as evaluate())
    */
    Seeds makeSeeds(const Ptr<Tape>& tape, const std::vector<Target>& targets,
                    std::vector<double>* values = nullptr) const;

    /** @brief Value of the targets per sample (summed over the targets acting on it): the class score, the
    neuron's activation, the channel's sum or mean, the layer's squared norm, the class log-probability, or
    sum(seed * output) for an explicit seed. */
    CV_WRAP std::vector<double> evaluate(const Ptr<Tape>& tape, const std::vector<Target>& targets) const;

    /** @brief Backward pass from seeds: the gradient w.r.t. the input blob.
    @param tape a forward pass of this explainer
    @param seeds see makeSeeds()
    @param variant one of BackwardVariant
    @param inputGrad out: gradient w.r.t. the input blob (same shape)
    */
    void backward(const Ptr<Tape>& tape, const Seeds& seeds, int variant, Mat& inputGrad) const;

    /** @brief Backward pass from seeds, with the gradients of some layers' outputs.
    @param tape a forward pass of this explainer
    @param seeds see makeSeeds()
    @param variant one of BackwardVariant
    @param layers Graph indices of layers whose output gradient is wanted as well (output 0)
    @param inputGradient false: only the gradients of `layers` are wanted, so the pass stops there (layers below
    them are not computed; `inputGrad` is left empty); Grad-CAM uses this
    @param inputGrad out: gradient w.r.t. the input blob
    @param layerGrads out: one gradient per entry of `layers` (zeros where the target does not depend on it)
    */
    void backward(const Ptr<Tape>& tape, const Seeds& seeds, int variant, const std::vector<int>& layers,
                  bool inputGradient, Mat& inputGrad, std::vector<Mat>& layerGrads) const;

    /** @brief Backward pass for targets (one for all samples, or one per sample).
    @param tape a forward pass of this explainer
    @param targets see Target
    @param variant one of BackwardVariant
    @param layers names of layers whose output gradient is wanted as well
    @param inputGrad out: gradient w.r.t. the input blob
    @param layerGrads out: one gradient per entry of `layers`
    */
    CV_WRAP void backward(const Ptr<Tape>& tape, const std::vector<Target>& targets, int variant,
                          const std::vector<String>& layers, CV_OUT Mat& inputGrad,
                          CV_OUT std::vector<Mat>& layerGrads) const;

    //! Forward + backward: gradient of the targets w.r.t. the input blob.
    CV_WRAP Mat gradient(InputArray blob, const std::vector<Target>& targets,
                         int variant = BACKWARD_STANDARD) const;

    /** @brief Checks that every layer between the input and the targets' layers has a backward rule.
    Raises a cv::Exception naming the first unsupported layer and its type. Called by backward(). */
    void checkSupported(const std::vector<int>& targetLayers, int variant) const;

    //! True when the explainer holds no network.
    CV_WRAP bool empty() const;

    /** @brief A new explainer on a freshly loaded copy of the network, from the files this one was loaded from by
    cv::interp::readNet() (e.g. to change its weights without touching this one). Raises a cv::Exception for an
    explainer made by create() from an already-loaded network: it has no files to load. */
    CV_WRAP Ptr<Explainer> reload() const;

    /** @brief Starts (or stops) collecting the time spent per layer type in forward() and backward() passes.
    Forward times are cv::dnn's per-layer timings (cv::dnn::Net::getPerfProfile); backward times are measured
    around each backward rule. Collection adds a clock read per layer; it is off by default. */
    CV_WRAP void setProfiling(bool enable);
    //! The times collected since profiling was enabled or last reset, per layer type, slowest first.
    CV_WRAP std::vector<LayerTypeTiming> profile() const;
    //! Clears the collected times.
    CV_WRAP void resetProfile();

    struct Impl;

private:
    Explainer();
    Ptr<Impl> impl;
    friend struct ExplainerAccess;
};

/** @brief Loads a model through cv::dnn::readNet while capturing every layer's parameters.

Layer-construction hooks are installed only for the duration of the load and delegate to the constructors
they shadow, so custom layers registered by the application keep working; concurrent loads are serialised.
@param model binary model file (.onnx, .caffemodel, .pb, ...)
@param config text configuration (.prototxt, ...), if the format has one
*/
CV_EXPORTS_W Ptr<Explainer> readNet(const String& model, const String& config = String());

//! @}

}  // namespace interp
}  // namespace cv

#endif
