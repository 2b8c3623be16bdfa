// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of cv::dnn's Reduce layer. The layer reduces contiguous blocks of the (importer-permuted) input:
// output element o = f(x[o*B .. (o+1)*B)), B = input size / output size; the gradient of each f is local to
// its block.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

// Values of ReduceLayer::reduceType (the enum is private to cv::dnn).
enum { R_MAX, R_MIN, R_AVE, R_SUM, R_L1, R_L2, R_PROD, R_SUM_SQUARE, R_LOG_SUM, R_LOG_SUM_EXP };

class ReduceBackward : public LayerBackward
{
public:
    int type;
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& y = outputs[0];
        const Mat& dy = outputGrads[0];
        const size_t outs = y.total(), block = x.total() / outs;
        Mat dx = zeroBlob(dnn::shape(x));
        const float* px = x.ptr<float>();
        const float* py = y.ptr<float>();
        const float* pg = dy.ptr<float>();
        float* pd = dx.ptr<float>();
        cv::parallel_for_(Range(0, (int)outs), [&](const Range& r) {
            for (int o = r.start; o < r.end; o++)
            {
                const float* a = px + (size_t)o * block;
                float* d = pd + (size_t)o * block;
                const float g = pg[o], v = py[o];
                switch (type)
                {
                case R_MAX:
                case R_MIN:
                {
                    size_t best = 0;
                    for (size_t i = 1; i < block; i++)
                        if (type == R_MAX ? a[i] > a[best] : a[i] < a[best])
                            best = i;
                    d[best] = g;
                    break;
                }
                case R_AVE:
                    for (size_t i = 0; i < block; i++) d[i] = g / (float)block;
                    break;
                case R_SUM:
                    for (size_t i = 0; i < block; i++) d[i] = g;
                    break;
                case R_L1:
                    for (size_t i = 0; i < block; i++) d[i] = a[i] > 0 ? g : (a[i] < 0 ? -g : 0.f);
                    break;
                case R_L2:
                    for (size_t i = 0; i < block; i++) d[i] = v > 0 ? g * a[i] / v : 0.f;
                    break;
                case R_SUM_SQUARE:
                    for (size_t i = 0; i < block; i++) d[i] = 2.f * g * a[i];
                    break;
                case R_PROD:
                    for (size_t i = 0; i < block; i++)
                    {
                        double p = g;
                        for (size_t j = 0; j < block; j++)
                            if (j != i)
                                p *= a[j];
                        d[i] = (float)p;
                    }
                    break;
                case R_LOG_SUM:
                    for (size_t i = 0; i < block; i++) d[i] = g / std::exp(v);
                    break;
                case R_LOG_SUM_EXP:
                    for (size_t i = 0; i < block; i++) d[i] = g * std::exp(a[i] - v);
                    break;
                }
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> reduceRule(const LayerContext& ctx)
{
    Ptr<dnn::ReduceLayer> l = layerAs<dnn::ReduceLayer>(ctx);
    if (ctx.inputShapes.size() != 1)
        unsupported(ctx, "Reduce with two inputs has no backward rule");
    if (l->reduceType < R_MAX || l->reduceType > R_LOG_SUM_EXP)
        unsupported(ctx, "unknown reduction");
    const size_t in = totalOf(ctx.inputShapes[0]), out = totalOf(ctx.outputShapes.at(0));
    if (out == 0 || in % out != 0)
        unsupported(ctx, "the output size does not divide the input size");
    Ptr<ReduceBackward> b = makePtr<ReduceBackward>();
    b->type = l->reduceType;
    return b;
}

}  // namespace

void registerReduceRules(const RuleRegistrar& add)
{
    add("Reduce", BACKWARD_STANDARD, reduceRule);
}

}  // namespace interp
}  // namespace cv
