// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_BACKWARD_HPP
#define OPENCV_INTERP_BACKWARD_HPP

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/interp/graph.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_engine
//! @{

/** @brief Backward rule variants.

The variant changes how rectifiers pass gradients back; every other layer uses its standard rule.
*/
enum BackwardVariant
{
    BACKWARD_STANDARD = 0,  //!< the true gradient
    BACKWARD_GUIDED = 1,    //!< guided backpropagation @cite springenberg2015striving : ReLU also zeroes negative upstream gradients
    BACKWARD_DECONVNET = 2  //!< deconvnet @cite zeiler2014visualizing : ReLU passes the positive part of the upstream gradient
};

//! Name of a variant ("standard", "guided", "deconvnet").
CV_EXPORTS_W String variantName(int variant);
//! Parses a variant name; raises a cv::Exception listing the valid names.
CV_EXPORTS_W int parseVariant(const String& name);

/** @brief True when the module was built with oneDNN (Debian: libdnnl-dev), the library PyTorch uses for its CPU
convolutions. The built-in backward rules of Convolution and Deconvolution then compute input gradients with oneDNN's
primitives (backward data, and forward for deconvolutions), which are about twice as fast as cv::dnn's layers on
AVX2/AVX-512 machines (doc/performance.md). */
CV_EXPORTS_W bool haveOneDNN();
/** @brief Runs OpenCV's parallel loops (cv::parallel_for_: cv::dnn's layers, this module's loops) on the OpenMP
threads that oneDNN uses, instead of OpenCV's own thread pool (TBB in Debian's build), as PyTorch runs everything on
one pool.

With two pools on the same cores each waits for the other: after every oneDNN convolution its OpenMP threads keep
spinning for a while, on the cores OpenCV's threads want next for the element-wise and pooling layers. On a 2-core
machine sharing one pool makes a backward pass 10-25 % faster (doc/performance.md). The switch is process-wide
(cv::parallel::setParallelForBackend) and keeps the number of threads; call it once at start-up, before other threads
use OpenCV, from an application (the interp command-line tool and the perf programs do). Returns false, changing
nothing, when the module was built without oneDNN or with a oneDNN that does not use OpenMP. */
CV_EXPORTS_W bool useOneDNNThreadPool();

/** @brief True when the convolutions use oneDNN: the default when haveOneDNN(), unless the environment variable
`OPENCV_INTERP_USE_ONEDNN` is `0` / `OFF` / `FALSE` / `NO` at the process's first use of the module. */
CV_EXPORTS_W bool useOneDNN();
/** @brief Chooses between oneDNN and cv::dnn's own layers for the built-in convolution rules, process-wide.

Explainers prepare their rules again at their next backward pass (layerRegistryVersion() changes). Both give the same
gradients up to float rounding; cv::dnn's layers serve as the fallback and as a cross-check. Raises when `flag` is
true and the module was built without oneDNN.
*/
CV_EXPORTS_W void setUseOneDNN(bool flag);

/** @brief What a backward rule gets to know about its layer when it is prepared.

Rules are prepared once per layer and input shape, right after a forward pass with that shape, while the
layer instance is finalized for it; they must copy what they need (the instance is re-finalized when the
network later runs with another shape).
*/
struct CV_EXPORTS LayerContext
{
    const LayerInfo* info = nullptr;       //!< the layer (name, type, params, instance)
    std::vector<MatShape> inputShapes;     //!< shape of each input
    std::vector<MatShape> outputShapes;    //!< shape of each output
    int variant = BACKWARD_STANDARD;       //!< the variant being prepared
};

/** @brief The prepared backward of one layer.

backward() must be thread-safe (const, no shared mutable state): one prepared rule serves concurrent calls.
*/
class CV_EXPORTS LayerBackward
{
public:
    virtual ~LayerBackward();

    /** @brief Propagates gradients from a layer's outputs to its inputs.
    @param inputs the layer's inputs recorded in the forward pass
    @param outputs the layer's outputs recorded in the forward pass
    @param outputGrads gradient w.r.t. each output (same shapes; an empty Mat means zero)
    @param needed needed[i] tells whether the gradient of input i is wanted
    @param inputGrads out: gradient w.r.t. each wanted input, with that input's shape (float32).
           Leave the others empty. A result may share memory with outputGrads.
    */
    virtual void backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs,
                          const std::vector<Mat>& outputGrads, const std::vector<bool>& needed,
                          std::vector<Mat>& inputGrads) const = 0;
};

//! Builds the prepared backward of a layer; raise a cv::Exception when the configuration is unsupported.
typedef std::function<Ptr<LayerBackward>(const LayerContext&)> BackwardRuleFactory;

/** @brief Registers a backward rule for a layer type (process-wide).

A rule registered for a variant other than BACKWARD_STANDARD is used only for that variant; layers without
a variant-specific rule use their standard rule. Registering again replaces the previous rule; the type is
also hooked by cv::interp::readNet() so the layer's parameters are captured at load time.
*/
CV_EXPORTS void registerBackwardRule(const String& layerType, int variant, const BackwardRuleFactory& factory);
//! Removes a rule registered with registerBackwardRule().
CV_EXPORTS void unregisterBackwardRule(const String& layerType, int variant);
//! True when a rule exists for the type (for `variant`, or the standard one it falls back to).
CV_EXPORTS_W bool hasBackwardRule(const String& layerType, int variant = BACKWARD_STANDARD);
//! Layer types with a standard backward rule.
CV_EXPORTS_W std::vector<String> supportedLayerTypes();

//! @}

}  // namespace interp
}  // namespace cv

#endif
