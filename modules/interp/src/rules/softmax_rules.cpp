// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of Softmax and LogSoftmax along one axis:
//     softmax:     dx = y * (dy - sum_axis(dy * y))
//     log-softmax: dx = dy - exp(y) * sum_axis(dy)
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

class SoftmaxBackward : public LayerBackward
{
public:
    bool logSoftmax = false;
    int axis = 1;

    void backward(const std::vector<Mat>&, const std::vector<Mat>& outputs, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& y = outputs[0];
        const Mat& dy = outputGrads[0];
        const MatShape s = dnn::shape(y);
        const size_t outer = (size_t)dnn::total(s, 0, axis), channels = s[axis];
        const size_t inner = axis + 1 < (int)s.size() ? (size_t)dnn::total(s, axis + 1) : 1;
        Mat dx = newBlobLike(y);
        const float* py = y.ptr<float>();
        const float* pg = dy.ptr<float>();
        float* pd = dx.ptr<float>();
        cv::parallel_for_(Range(0, (int)(outer * inner)), [&](const Range& r) {
            for (int oi = r.start; oi < r.end; oi++)
            {
                const size_t o = oi / inner, i = oi % inner;
                const size_t base = o * channels * inner + i;
                double acc = 0;
                for (size_t c = 0; c < channels; c++)
                {
                    const size_t k = base + c * inner;
                    acc += logSoftmax ? (double)pg[k] : (double)pg[k] * py[k];
                }
                for (size_t c = 0; c < channels; c++)
                {
                    const size_t k = base + c * inner;
                    pd[k] = logSoftmax ? (float)(pg[k] - std::exp((double)py[k]) * acc)
                                       : (float)(py[k] * (pg[k] - acc));
                }
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> softmaxRule(const LayerContext& ctx)
{
    Ptr<dnn::SoftmaxLayer> l = layerAs<dnn::SoftmaxLayer>(ctx);
    Ptr<SoftmaxBackward> b = makePtr<SoftmaxBackward>();
    b->logSoftmax = l->logSoftMax;
    const MatShape& in = ctx.inputShapes.at(0);
    if (ctx.info->paramsCaptured)
        b->axis = ctx.info->params.get<int>("axis", 1);
    else
    {
        // The axis is not a public field; it is unambiguous when only axis 1 is longer than one.
        bool onlyChannels = in.size() >= 2;
        for (size_t i = 2; i < in.size(); i++)
            onlyChannels = onlyChannels && in[i] == 1;
        if (!onlyChannels)
            ctx.info->requireCaptured("the softmax axis");
        b->axis = 1;
    }
    b->axis = checkedAxis(ctx, b->axis, (int)in.size());
    return b;
}

}  // namespace

void registerSoftmaxRules(const RuleRegistrar& add)
{
    add("Softmax", BACKWARD_STANDARD, softmaxRule);
    add("SoftMax", BACKWARD_STANDARD, softmaxRule);
}

}  // namespace interp
}  // namespace cv
