// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of layers that normalise by statistics of their own input: MVN and Normalize.
//
// MVN (mean-variance normalisation; ONNX InstanceNormalization becomes MVN followed by a per-channel affine
// layer) works on rows: one per sample and channel, or one per sample across channels. With the row's mean mu
// and population variance var, y = (x - mu) * a, a = 1 / sqrt(var + eps) (a = 1 without variance
// normalisation). The gradient of one row of M elements, with xh = (x - mu) * a, is
//     dx = a * (dy - mean(dy) - xh * mean(dy * xh))      (dx = dy - mean(dy) without variance normalisation).
//
// Normalize (cv::dnn's NormalizeBBox: SSD's L2 normalisation, ONNX ReduceL2 + Div, F.normalize) divides each
// vector v (the axes start_axis..end_axis of a sample, at one position of the remaining axes) by its Lp norm
// n = s^(1/p), s = sum |v_i|^p + eps, then optionally multiplies by a scale (one shared factor, or one per
// element of v: per channel). With g = dy * scale,
//     dv_i = g_i / n - (g . v) * |v_i|^(p-1) sign(v_i) / (n * s).
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

class MvnBackward : public LayerBackward
{
public:
    bool normVariance = true;
    bool acrossChannels = false;
    double eps = 1e-9;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const int rows = acrossChannels ? x.size[0] : x.size[0] * x.size[1];
        const size_t len = x.total() / rows;
        Mat dx = newBlobLike(x);
        cv::parallel_for_(Range(0, rows), [&](const Range& r) {
            for (int row = r.start; row < r.end; row++)
            {
                const float* px = x.ptr<float>() + (size_t)row * len;
                const float* pg = dy.ptr<float>() + (size_t)row * len;
                float* pd = dx.ptr<float>() + (size_t)row * len;
                double sx = 0, sg = 0;
                for (size_t i = 0; i < len; i++)
                {
                    sx += px[i];
                    sg += pg[i];
                }
                const double mu = sx / len, mg = sg / len;
                if (!normVariance)
                {
                    for (size_t i = 0; i < len; i++)
                        pd[i] = (float)(pg[i] - mg);
                    continue;
                }
                double var = 0;
                for (size_t i = 0; i < len; i++)
                    var += (px[i] - mu) * (px[i] - mu);
                const double a = 1.0 / std::sqrt(var / len + eps);
                double sgx = 0;
                for (size_t i = 0; i < len; i++)
                    sgx += pg[i] * (px[i] - mu) * a;
                const double mgx = sgx / len;
                for (size_t i = 0; i < len; i++)
                    pd[i] = (float)(a * (pg[i] - mg - (px[i] - mu) * a * mgx));
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> mvnRule(const LayerContext& ctx)
{
    Ptr<dnn::MVNLayer> l = layerAs<dnn::MVNLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    if (ctx.inputShapes.size() != 1)
        unsupported(ctx, "MVN with several inputs has no backward rule");
    if (in.size() < 2 && !l->acrossChannels)
        unsupported(ctx, "MVN per channel needs an input with a channel axis");
    Ptr<MvnBackward> b = makePtr<MvnBackward>();
    b->normVariance = l->normVariance;
    b->acrossChannels = l->acrossChannels;
    b->eps = l->eps;
    return b;
}

class LpNormalizeBackward : public LayerBackward
{
public:
    double p = 2, eps = 1e-10;
    int startAxis = 1, endAxis = 1;
    Mat scale;  // empty, 1 shared factor, or one per normalised element

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const MatShape s = dnn::shape(x);
        const size_t num = (size_t)dnn::total(s, 0, startAxis);
        const size_t len = (size_t)dnn::total(s, startAxis, endAxis + 1);
        const size_t plane = x.total() / (num * len);
        Mat dx = newBlobLike(x);
        const float* ps = scale.empty() ? nullptr : scale.ptr<float>();
        const bool shared = scale.total() == 1;
        // one job per sample and block of positions; the vectors are the columns of a len x plane matrix
        const size_t block = 256, blocks = (plane + block - 1) / block;
        cv::parallel_for_(Range(0, (int)(num * blocks)), [&](const Range& r) {
            std::vector<double> sum(block), dot(block);
            for (int job = r.start; job < r.end; job++)
            {
                const size_t n = job / blocks, j0 = (job % blocks) * block, j1 = std::min(plane, j0 + block);
                const float* px = x.ptr<float>() + n * len * plane;
                const float* pg = dy.ptr<float>() + n * len * plane;
                float* pd = dx.ptr<float>() + n * len * plane;
                std::fill(sum.begin(), sum.end(), 0.0);
                std::fill(dot.begin(), dot.end(), 0.0);
                for (size_t i = 0; i < len; i++)
                {
                    const double k = ps ? ps[shared ? 0 : i] : 1.0;
                    for (size_t j = j0; j < j1; j++)
                    {
                        const double v = px[i * plane + j];
                        sum[j - j0] += p == 2 ? v * v : (p == 1 ? std::abs(v) : std::pow(std::abs(v), p));
                        dot[j - j0] += k * pg[i * plane + j] * v;
                    }
                }
                for (size_t j = j0; j < j1; j++)
                {
                    sum[j - j0] += eps;
                    const double nrm = std::pow(sum[j - j0], 1.0 / p);
                    dot[j - j0] /= nrm * sum[j - j0];
                    sum[j - j0] = nrm;
                }
                for (size_t i = 0; i < len; i++)
                {
                    const double k = ps ? ps[shared ? 0 : i] : 1.0;
                    for (size_t j = j0; j < j1; j++)
                    {
                        const double v = px[i * plane + j];
                        const double dn = p == 2 ? v : (v == 0 ? 0.0 : (v > 0 ? 1.0 : -1.0) *
                                                        (p == 1 ? 1.0 : std::pow(std::abs(v), p - 1)));
                        pd[i * plane + j] = (float)(k * pg[i * plane + j] / sum[j - j0] - dot[j - j0] * dn);
                    }
                }
            }
        });
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> normalizeRule(const LayerContext& ctx)
{
    Ptr<dnn::NormalizeBBoxLayer> l = layerAs<dnn::NormalizeBBoxLayer>(ctx);
    const LayerInfo& info = *ctx.info;
    const MatShape& in = ctx.inputShapes.at(0);
    const int dims = (int)in.size();
    if (ctx.inputShapes.size() != 1 || dims < 2)
        unsupported(ctx, "Normalize needs one input with a channel axis");
    Ptr<LpNormalizeBackward> b = makePtr<LpNormalizeBackward>();
    b->p = l->pnorm;
    b->eps = l->epsilon;
    lpNormalizeAxes(info, dims, b->startAxis, b->endAxis);
    b->startAxis = checkedAxis(ctx, b->startAxis, dims);
    b->endAxis = checkedAxis(ctx, b->endAxis, dims);
    if (b->startAxis > b->endAxis)
        unsupported(ctx, cv::format("the normalised axes %d..%d are empty", b->startAxis, b->endAxis));
    if (b->p <= 0)
        unsupported(ctx, "the norm's p must be positive");
    if (!l->blobs.empty())
    {
        const size_t len = (size_t)dnn::total(in, b->startAxis, b->endAxis + 1);
        b->scale = l->blobs[0].clone().reshape(1, 1);
        if (b->scale.type() != CV_32F || (b->scale.total() != 1 && b->scale.total() != len))
            unsupported(ctx, cv::format("%d scale factors for vectors of %d elements", (int)b->scale.total(), (int)len));
    }
    return b;
}

}  // namespace

void lpNormalizeAxes(const LayerInfo& info, int dims, int& start, int& end)
{
    if (info.paramsCaptured)
    {
        const bool acrossSpatial = info.params.get<bool>("across_spatial", true);
        start = info.params.get<int>("start_axis", 1);
        end = info.params.get<int>("end_axis", acrossSpatial ? dims - 1 : start);
        return;
    }
    // cv::dnn sets the public flag when the layer is finalized: across_spatial means axes 1..last
    Ptr<dnn::NormalizeBBoxLayer> l = info.layer.dynamicCast<dnn::NormalizeBBoxLayer>();
    CV_SUPPRESS_DEPRECATED_START
    const bool acrossSpatial = l && l->acrossSpatial;
    CV_SUPPRESS_DEPRECATED_END
    if (!acrossSpatial)
        info.requireCaptured("the normalised axes of Normalize");
    start = 1;
    end = dims - 1;
}

void registerStatisticsRules(const RuleRegistrar& add)
{
    add("MVN", BACKWARD_STANDARD, mvnRule);
    add("Normalize", BACKWARD_STANDARD, normalizeRule);
    add("NormalizeBBox", BACKWARD_STANDARD, normalizeRule);  // the same cv::dnn class under its other name
}

}  // namespace interp
}  // namespace cv
