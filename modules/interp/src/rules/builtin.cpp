// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The list of built-in backward rules, and helpers they share.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

void registerBuiltinRules(const RuleRegistrar& add)
{
    registerActivationRules(add);
    registerConvolutionRules(add);
    registerInnerProductRules(add);
    registerPoolingRules(add);
    registerNormalizationRules(add);
    registerLrnRules(add);
    registerSoftmaxRules(add);
    registerShapeRules(add);
    registerRoutingRules(add);
    registerEltwiseRules(add);
    registerResizeRules(add);
    registerReduceRules(add);
    registerStatisticsRules(add);
}

namespace rules {

void unsupported(const LayerContext& ctx, const String& what)
{
    CV_Error(Error::StsNotImplemented, cv::format("layer '%s' (type %s): %s", ctx.info->name.c_str(),
                                                  ctx.info->type.c_str(), what.c_str()));
}

int checkedAxis(const LayerContext& ctx, int axis, int dims)
{
    if (axis < 0 || axis >= dims)
        unsupported(ctx, cv::format("axis %d does not exist in a %d-D input (axes count from 0; a negative axis is "
                                    "normalised before the first forward pass)", axis, dims));
    return axis;
}

void parallelChunks(size_t total, const std::function<void(size_t, size_t)>& fn, size_t minChunk)
{
    if (total == 0)
        return;
    size_t chunks = std::max<size_t>(1, std::min<size_t>(total / minChunk, 64));
    if (chunks == 1)
    {
        fn(0, total);
        return;
    }
    size_t step = (total + chunks - 1) / chunks;
    cv::parallel_for_(Range(0, (int)chunks), [&](const Range& r) {
        for (int c = r.start; c < r.end; c++)
        {
            size_t b = c * step, e = std::min(total, b + step);
            if (b < e)
                fn(b, e);
        }
    });
}

void ElementwiseBackward::apply(const Mat& x, const Mat& y, const Mat& dy, Mat& dx) const
{
    CV_Assert(x.isContinuous() && y.isContinuous() && dy.isContinuous() && dx.isContinuous() &&
              x.total() == dy.total() && dx.total() == dy.total());
    const float* px = x.ptr<float>();
    const float* py = y.ptr<float>();
    const float* pdy = dy.ptr<float>();
    float* pdx = dx.ptr<float>();
    parallelChunks(x.total(), [&](size_t b, size_t e) { fn(px + b, py + b, pdy + b, pdx + b, e - b); });
}

void ElementwiseBackward::backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs,
                                   const std::vector<Mat>& outputGrads, const std::vector<bool>& needed,
                                   std::vector<Mat>& inputGrads) const
{
    if (!needed[0])
        return;
    Mat dx = newBlobLike(inputs[0]);
    apply(inputs[0], outputs[0], outputGrads[0], dx);
    inputGrads[0] = dx;
}

void ElementwiseBackward::backwardInPlace(const Mat& x, const Mat& y, Mat& grad) const { apply(x, y, grad, grad); }

}  // namespace rules
}  // namespace interp
}  // namespace cv
