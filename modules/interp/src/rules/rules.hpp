// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Helpers shared by the built-in backward rules (internal header).
#ifndef OPENCV_INTERP_RULES_HPP
#define OPENCV_INTERP_RULES_HPP

#include "../precomp.hpp"
#include "../engine/graph_impl.hpp"
#include "../engine/gradient_buffers.hpp"
#include <functional>

namespace cv {
namespace interp {

typedef std::function<void(const String& type, int variant, const BackwardRuleFactory& factory)> RuleRegistrar;

//! Registers every built-in rule (called once when the registry is first used).
void registerBuiltinRules(const RuleRegistrar& add);

void registerActivationRules(const RuleRegistrar& add);
void registerConvolutionRules(const RuleRegistrar& add);
void registerInnerProductRules(const RuleRegistrar& add);
void registerPoolingRules(const RuleRegistrar& add);
void registerNormalizationRules(const RuleRegistrar& add);
void registerLrnRules(const RuleRegistrar& add);
void registerSoftmaxRules(const RuleRegistrar& add);
void registerShapeRules(const RuleRegistrar& add);
void registerRoutingRules(const RuleRegistrar& add);
void registerEltwiseRules(const RuleRegistrar& add);
void registerResizeRules(const RuleRegistrar& add);
void registerReduceRules(const RuleRegistrar& add);
void registerStatisticsRules(const RuleRegistrar& add);

/** @brief First and last axis a Normalize layer normalises over, for an input of `dims` axes: its captured
start_axis / end_axis / across_spatial, or axes 1..dims-1 from the public flag (raises when that is not enough).
Negative values have been normalised before the first forward pass. */
void lpNormalizeAxes(const LayerInfo& info, int dims, int& start, int& end);

namespace rules {

//! The layer instance as its public class, or a cv::Exception naming the layer.
template<typename T>
Ptr<T> layerAs(const LayerContext& ctx)
{
    Ptr<T> l = ctx.info->layer.dynamicCast<T>();
    if (!l)
        CV_Error(Error::StsNotImplemented, cv::format("layer '%s' of type %s is not an instance of the class its "
                                                      "backward rule expects", ctx.info->name.c_str(),
                                                      ctx.info->type.c_str()));
    return l;
}

//! Raises a cv::Exception "layer 'x' (type T): <what>" for configurations a rule does not support.
[[noreturn]] void unsupported(const LayerContext& ctx, const String& what);

/** @brief The layer's axis parameter `axis` for an input of `dims` axes, or a cv::Exception naming the layer.
Negative axes are normalised once, before the first forward pass (Graph::Impl::normalizeAxes); a rule sees
non-negative axes and only checks the range. */
int checkedAxis(const LayerContext& ctx, int axis, int dims);

//! Number of elements of a shape.
inline size_t totalOf(const MatShape& s) { return s.empty() ? 0 : (size_t)dnn::total(s); }

//! A float32 gradient of the given shape (uninitialised / zeros), from the reused buffers of newGradient().
inline Mat newBlob(const MatShape& s) { return newGradient((int)s.size(), s.data()); }
inline Mat zeroBlob(const MatShape& s) { return zeroGradient((int)s.size(), s.data()); }
//! newBlob() of another Mat's shape.
inline Mat newBlobLike(const Mat& m) { return newGradient(m.dims, m.size.p); }

/** How a resizing layer moves rows or columns: runs `layer` (already finalized for these sizes unless `finalize`) on
a 1 x n x inH x inW probe whose plane k is 1 on row (or column) k and 0 elsewhere, n = inH (or inW); plane k of the
result (1 x n x outH x outW) holds the weights with which input row/column k reaches each output row/column.
`extraInput` adds the second (size-giving) input some resize layers take. Used by the backward rule and the
receptive-field rule of resizing, so both follow cv::dnn's own interpolation and rounding. */
Mat resizeProbeResponse(const Ptr<dnn::Layer>& layer, int inH, int inW, int outH, int outW, bool columns,
                        bool extraInput, bool finalize);

//! Splits [0, total) into chunks for cv::parallel_for_ and calls fn(begin, end) per chunk.
void parallelChunks(size_t total, const std::function<void(size_t, size_t)>& fn, size_t minChunk = 16384);

//! Rule whose factory just builds a stateless object of type R from the context.
template<typename R>
BackwardRuleFactory simpleRule()
{
    return [](const LayerContext& ctx) -> Ptr<LayerBackward> { return makePtr<R>(ctx); };
}

/** @brief Element-wise activation backward: dx = f(x, y, dy) for single-input, single-output layers.
`Fn` is called as fn(const float* x, const float* y, const float* dy, float* dx, size_t n), where dx may be dy. */
class ElementwiseBackward : public LayerBackward, public InPlaceGradient
{
public:
    typedef std::function<void(const float*, const float*, const float*, float*, size_t)> Fn;
    explicit ElementwiseBackward(const Fn& fn_) : fn(fn_) {}
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs,
                  const std::vector<Mat>& outputGrads, const std::vector<bool>& needed,
                  std::vector<Mat>& inputGrads) const CV_OVERRIDE;
    //! `fn` with dx = dy (every built-in element-wise function reads dy[i] before it writes dx[i])
    void backwardInPlace(const Mat& x, const Mat& y, Mat& grad) const CV_OVERRIDE;
private:
    //! dx = fn(x, y, dy) over all elements, in parallel chunks (dx may be dy)
    void apply(const Mat& x, const Mat& y, const Mat& dy, Mat& dx) const;
    Fn fn;
};

}  // namespace rules
}  // namespace interp
}  // namespace cv

#endif
