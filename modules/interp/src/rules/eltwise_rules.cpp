// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of Eltwise: sum (with coefficients), prod, max, min and div over two or more inputs, including
// inputs broadcast over space (N x C x 1 x 1, as squeeze-and-excitation produces) and, for sums, inputs
// with fewer channels than the output (added to the first channels).
//
// The operation and coefficients are not public fields of cv::dnn's Eltwise layer: they come from the
// parameters captured by cv::interp::readNet().
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

enum EltOp { ELT_SUM, ELT_PROD, ELT_MAX, ELT_MIN, ELT_DIV };

static bool sameShapes(const std::vector<Mat>& inputs, const Mat& y)
{
    for (const Mat& m : inputs)
        if (dnn::shape(m) != dnn::shape(y))
            return false;
    return true;
}

class EltwiseBackward : public LayerBackward
{
public:
    EltOp op = ELT_SUM;
    std::vector<float> coeffs;

    //! dX_i = dY * prod_{j != i} X_j for inputs of the output's shape, vectorised.
    static void productOfSameShapes(const std::vector<Mat>& inputs, const Mat& dy, const std::vector<bool>& needed,
                                    std::vector<Mat>& inputGrads);

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>& outputs,
                  const std::vector<Mat>& outputGrads, const std::vector<bool>& needed,
                  std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        const Mat& y = outputs[0];
        const Mat& dy = outputGrads[0];
        const int K = (int)inputs.size();
        if (op == ELT_SUM && sameShapes(inputs, y))
        {
            // the residual additions: each input's gradient is dy (shared, the driver copies before adding to it)
            // or dy times its coefficient
            for (int i = 0; i < K; i++)
            {
                if (!needed[i])
                    continue;
                const float c = coeffs.empty() ? 1.f : coeffs[i];
                if (c == 1.f)
                    inputGrads[i] = dy;
                else
                {
                    inputGrads[i] = newBlobLike(dy);
                    dy.convertTo(inputGrads[i], CV_32F, c);
                }
            }
            return;
        }
        if (op == ELT_PROD && sameShapes(inputs, y))
        {
            // SiLU / swish (x * sigmoid(x)) and gating: each input's gradient is dy times the other inputs
            productOfSameShapes(inputs, dy, needed, inputGrads);
            return;
        }
        const int N = y.size[0];
        const int C = y.dims > 1 ? y.size[1] : 1;
        const size_t plane = y.total() / ((size_t)N * C);
        std::vector<int> chans(K);
        std::vector<bool> vec(K);
        for (int i = 0; i < K; i++)
        {
            chans[i] = inputs[i].dims > 1 ? inputs[i].size[1] : 1;
            vec[i] = plane > 1 && inputs[i].total() == (size_t)N * chans[i];
            if (needed[i])
                inputGrads[i] = zeroBlob(dnn::shape(inputs[i]));
        }
        cv::parallel_for_(Range(0, N * C), [&](const Range& r) {
            std::vector<const float*> src(K);
            std::vector<float*> dst(K);
            std::vector<double> vecAcc(K);
            for (int nc = r.start; nc < r.end; nc++)
            {
                const int n = nc / C, c = nc % C;
                for (int i = 0; i < K; i++)
                {
                    src[i] = nullptr;
                    dst[i] = nullptr;
                    vecAcc[i] = 0;
                    if (c >= chans[i])
                        continue;
                    const size_t ofs = vec[i] ? (size_t)n * chans[i] + c : ((size_t)n * chans[i] + c) * plane;
                    src[i] = inputs[i].ptr<float>() + ofs;
                    if (needed[i])
                        dst[i] = inputGrads[i].ptr<float>() + ofs;
                }
                const float* g = dy.ptr<float>() + (size_t)nc * plane;
                const float* py = y.ptr<float>() + (size_t)nc * plane;
                for (size_t p = 0; p < plane; p++)
                {
                    auto val = [&](int i) { return vec[i] ? src[i][0] : src[i][p]; };
                    auto add = [&](int i, double v) {
                        if (!dst[i])
                            return;
                        if (vec[i])
                            vecAcc[i] += v;
                        else
                            dst[i][p] += (float)v;
                    };
                    const float gv = g[p];
                    switch (op)
                    {
                    case ELT_SUM:
                        for (int i = 0; i < K; i++)
                            if (src[i])
                                add(i, coeffs.empty() ? gv : gv * coeffs[i]);
                        break;
                    case ELT_PROD:
                        for (int i = 0; i < K; i++)
                        {
                            if (!dst[i])
                                continue;
                            double prod = gv;
                            for (int j = 0; j < K; j++)
                                if (j != i && src[j])
                                    prod *= val(j);
                            add(i, prod);
                        }
                        break;
                    case ELT_MAX:
                    case ELT_MIN:
                    {
                        int best = -1;
                        float bv = 0;
                        for (int i = 0; i < K; i++)
                        {
                            if (!src[i])
                                continue;
                            const float v = val(i);
                            if (best < 0 || (op == ELT_MAX ? v > bv : v < bv))
                            {
                                best = i;
                                bv = v;
                            }
                        }
                        if (best >= 0)
                            add(best, gv);
                        break;
                    }
                    case ELT_DIV:
                    {
                        double denom = 1;
                        for (int j = 1; j < K; j++)
                            denom *= val(j);
                        add(0, gv / denom);
                        for (int i = 1; i < K; i++)
                            add(i, -(double)gv * py[p] / val(i));
                        break;
                    }
                    }
                }
                for (int i = 0; i < K; i++)
                    if (dst[i] && vec[i])
                        dst[i][0] += (float)vecAcc[i];
            }
        });
    }
};

void EltwiseBackward::productOfSameShapes(const std::vector<Mat>& inputs, const Mat& dy,
                                          const std::vector<bool>& needed, std::vector<Mat>& inputGrads)
{
    const int K = (int)inputs.size();
    std::vector<const float*> src(K);
    std::vector<float*> dst(K, nullptr);
    for (int i = 0; i < K; i++)
    {
        CV_Assert(inputs[i].isContinuous());
        src[i] = inputs[i].ptr<float>();
        if (needed[i])
        {
            inputGrads[i] = newBlobLike(dy);
            dst[i] = inputGrads[i].ptr<float>();
        }
    }
    const float* g = dy.ptr<float>();
    parallelChunks(dy.total(), [&](size_t b, size_t e) {
        for (int i = 0; i < K; i++)
        {
            float* d = dst[i];
            if (!d)
                continue;
            bool first = true;
            for (int j = 0; j < K; j++)
            {
                if (j == i)
                    continue;
                const float* a = src[j];
                const float* f = first ? g : d;
                for (size_t p = b; p < e; p++)
                    d[p] = f[p] * a[p];
                first = false;
            }
            if (first)  // a single input: the product is the identity
                std::copy(g + b, g + e, d + b);
        }
    });
}

Ptr<LayerBackward> eltwiseRule(const LayerContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    info.requireCaptured("the eltwise operation and coefficients");
    Ptr<EltwiseBackward> b = makePtr<EltwiseBackward>();
    String op = info.params.get<String>("operation", "sum");
    std::transform(op.begin(), op.end(), op.begin(), ::tolower);
    if (op == "sum") b->op = ELT_SUM;
    else if (op == "prod") b->op = ELT_PROD;
    else if (op == "max") b->op = ELT_MAX;
    else if (op == "min") b->op = ELT_MIN;
    else if (op == "div") b->op = ELT_DIV;
    else unsupported(ctx, "unknown eltwise operation '" + op + "'");
    if (info.params.has("coeff"))
    {
        dnn::DictValue c = info.params.get("coeff");
        for (int i = 0; i < c.size(); i++)
            b->coeffs.push_back(c.get<float>(i));
        if (b->coeffs.size() != ctx.inputShapes.size())
            unsupported(ctx, "the number of coefficients differs from the number of inputs");
    }
    const MatShape& out = ctx.outputShapes.at(0);
    const size_t plane = out.size() > 2 ? totalOf(out) / ((size_t)out[0] * out[1]) : 1;
    for (const MatShape& in : ctx.inputShapes)
    {
        const int ch = in.size() > 1 ? in[1] : 1;
        const size_t t = totalOf(in);
        const bool full = t == (size_t)out[0] * ch * plane;
        const bool vec = t == (size_t)out[0] * ch;
        if (!full && !vec)
            unsupported(ctx, "inputs broadcast other than over all spatial axes have no backward rule");
        if (ch != (out.size() > 1 ? out[1] : 1) && b->op != ELT_SUM)
            unsupported(ctx, "inputs with different channel counts are only supported for sums");
    }
    return b;
}

}  // namespace

void registerEltwiseRules(const RuleRegistrar& add)
{
    add("Eltwise", BACKWARD_STANDARD, eltwiseRule);
}

}  // namespace interp
}  // namespace cv
