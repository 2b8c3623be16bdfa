// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of Resize / Interp (nearest and bilinear, every alignment mode cv::dnn implements).
//
// cv::dnn resizes each plane separably: out = Ry * in * Rx^T, with interpolation matrices whose rows sum to
// one. Rather than re-deriving each mode's rounding (lroundf for nearest, clamped half-pixel centres,
// cv::resize's substitution of area averaging for exact 2x shrinking, ...), the rule measures Rx and Ry once
// from the layer itself: a probe whose plane j is 1 on column j and 0 elsewhere comes out as column j of
// Rx in every row, and likewise for rows. The backward pass is then dx = Ry^T dy Rx with sparse matrices.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

// Sparse interpolation matrix: for each output index, (input index, weight) pairs.
typedef std::vector<std::vector<std::pair<int, float> > > SparseRows;

class ResizeBackward : public LayerBackward
{
public:
    SparseRows ry, rx;  // outH rows over inH, outW rows over inW
    int inH = 0, inW = 0;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        const Mat& dy = outputGrads[0];
        const int planes = x.size[0] * x.size[1];
        const int outH = (int)ry.size(), outW = (int)rx.size();
        Mat dx = zeroBlob(dnn::shape(x));
        cv::parallel_for_(Range(0, planes), [&](const Range& r) {
            std::vector<float> tmp((size_t)outH * inW);
            for (int p = r.start; p < r.end; p++)
            {
                const float* g = dy.ptr<float>() + (size_t)p * outH * outW;
                float* d = dx.ptr<float>() + (size_t)p * inH * inW;
                std::fill(tmp.begin(), tmp.end(), 0.f);
                for (int oy = 0; oy < outH; oy++)       // tmp = dy * Rx   (outH x inW)
                    for (int ox = 0; ox < outW; ox++)
                    {
                        const float gv = g[oy * outW + ox];
                        for (const auto& e : rx[ox])
                            tmp[(size_t)oy * inW + e.first] += gv * e.second;
                    }
                for (int oy = 0; oy < outH; oy++)       // dx = Ry^T * tmp (inH x inW)
                    for (const auto& e : ry[oy])
                    {
                        float* drow = d + (size_t)e.first * inW;
                        const float* trow = &tmp[(size_t)oy * inW];
                        for (int ix = 0; ix < inW; ix++)
                            drow[ix] += e.second * trow[ix];
                    }
            }
        });
        inputGrads[0] = dx;
    }
};

}  // namespace

Mat rules::resizeProbeResponse(const Ptr<dnn::Layer>& layer, int inH, int inW, int outH, int outW, bool columns,
                               bool extraInput, bool finalize)
{
    const int n = columns ? inW : inH;
    Mat probe = zeroBlob(MatShape{ 1, n, inH, inW });
    for (int k = 0; k < n; k++)
    {
        Mat plane(inH, inW, CV_32F, probe.ptr<float>(0, k));
        if (columns)
            plane.col(k).setTo(1.f);
        else
            plane.row(k).setTo(1.f);
    }
    std::vector<Mat> ins(1, probe), outs(1, zeroBlob(MatShape{ 1, n, outH, outW })), internals;
    if (extraInput)
        ins.push_back(zeroBlob(MatShape{ 1, 1, outH, outW }));
    if (finalize)
        layer->finalize(_InputArray(ins), _OutputArray(outs));
    layer->forward(ins, outs, internals);
    return outs[0];
}

namespace {

//! The interpolation matrix of the (finalized) layer along one axis.
SparseRows measureAxis(const LayerContext& ctx, int inH, int inW, int outH, int outW, bool columns)
{
    const int n = columns ? inW : inH;
    const Mat out = resizeProbeResponse(ctx.info->layer, inH, inW, outH, outW, columns, false, false);
    const int m = columns ? outW : outH;
    SparseRows rows(m);
    for (int k = 0; k < n; k++)
    {
        const float* plane = out.ptr<float>(0, k);
        for (int o = 0; o < m; o++)
        {
            const float w = columns ? plane[o] : plane[(size_t)o * outW];
            if (w != 0.f)
                rows[o].push_back(std::make_pair(k, w));
        }
    }
    return rows;
}

Ptr<LayerBackward> resizeRule(const LayerContext& ctx)
{
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    if (in.size() != 4 || out.size() != 4 || in[0] != out[0] || in[1] != out[1])
        unsupported(ctx, "only spatial resizing of N x C x H x W blobs has a backward rule");
    Ptr<ResizeBackward> b = makePtr<ResizeBackward>();
    b->inH = in[2];
    b->inW = in[3];
    b->rx = measureAxis(ctx, in[2], in[3], out[2], out[3], true);
    b->ry = measureAxis(ctx, in[2], in[3], out[2], out[3], false);
    // The probe relies on separability with rows summing to one: verify on a random plane.
    Mat test(in[2], in[3], CV_32F);
    cv::RNG rng(0x5eed);
    rng.fill(test, RNG::UNIFORM, -1.f, 1.f);
    Mat blob = newBlob(MatShape{ 1, 1, in[2], in[3] });
    test.copyTo(Mat(in[2], in[3], CV_32F, blob.ptr<float>()));
    Mat res = zeroBlob(MatShape{ 1, 1, out[2], out[3] });
    std::vector<Mat> ins(1, blob), outs(1, res), internals;
    ctx.info->layer->forward(ins, outs, internals);
    double maxErr = 0;
    for (int oy = 0; oy < out[2]; oy++)
        for (int ox = 0; ox < out[3]; ox++)
        {
            double v = 0;
            for (const auto& ey : b->ry[oy])
                for (const auto& ex : b->rx[ox])
                    v += ey.second * ex.second * test.at<float>(ey.first, ex.first);
            maxErr = std::max(maxErr, std::abs(v - res.ptr<float>()[oy * out[3] + ox]));
        }
    if (maxErr > 1e-4)
        unsupported(ctx, cv::format("the resize is not a separable linear interpolation (probe error %g)", maxErr));
    return b;
}

}  // namespace

void registerResizeRules(const RuleRegistrar& add)
{
    add("Resize", BACKWARD_STANDARD, resizeRule);
    add("Interp", BACKWARD_STANDARD, resizeRule);
}

}  // namespace interp
}  // namespace cv
