// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of InnerProduct (fully connected and MatMul) layers.
//
// With constant weights W (outputs x inputs), dX = dY W: a standalone cv::dnn InnerProduct layer holding W^T
// computes it with OpenCV's vectorised kernel. With two inputs (batched MatMul A x B), both gradients are
// GEMMs per slice.
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

class InnerProductBackward : public LayerBackward
{
public:
    InnerProductBackward(const LayerContext& ctx, const Mat& weights, int axis_) : axis(axis_)
    {
        outputs = weights.size[0];
        inputs = (int)(weights.total() / outputs);
        dnn::LayerParams lp;
        lp.name = ctx.info->name + "/interp_backward";
        lp.type = "InnerProduct";
        lp.set("num_output", inputs);
        lp.set("bias_term", false);
        lp.set("axis", 1);
        Mat wt;
        cv::transpose(weights.reshape(1, outputs), wt);  // inputs x outputs
        lp.blobs.push_back(wt);
        fc = dnn::InnerProductLayer::create(lp);
        Mat a = newBlob(MatShape{ 1, outputs }), b = newBlob(MatShape{ 1, inputs });
        std::vector<Mat> va(1, a), vb(1, b);
        fc->finalize(InputArrayOfArrays(va), OutputArrayOfArrays(vb));
    }

    void backward(const std::vector<Mat>& ins, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = ins[0];
        const int outer = (int)x.total(0, axis);
        CV_Assert((int)x.total(axis) == inputs);
        Mat dy = outputGrads[0].reshape(1, MatShape{ outer, outputs });
        Mat dx = newBlob(MatShape{ outer, inputs });
        std::vector<Mat> vin(1, dy), vout(1, dx), internals;
        fc->forward(vin, vout, internals);
        inputGrads[0] = dx.reshape(1, dnn::shape(x));
    }

private:
    int axis, inputs, outputs;
    Ptr<dnn::Layer> fc;
};

// Y[s] = A[s] (m x n) * B[s] (n x k) over the leading slices.
class MatMulBackward : public LayerBackward
{
public:
    void backward(const std::vector<Mat>& ins, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        const Mat& a = ins[0];
        const Mat& b = ins[1];
        const Mat& dy = outputGrads[0];
        const int dims = dy.dims;
        const int m = a.size[dims - 2], n = a.size[dims - 1], k = b.size[dims - 1];
        const int slices = (int)(dy.total() / dy.total(dims - 2));
        Mat da = needed[0] ? newBlobLike(a) : Mat();
        Mat db = needed[1] ? newBlobLike(b) : Mat();
        for (int s = 0; s < slices; s++)
        {
            Mat as(m, n, CV_32F, (void*)(a.ptr<float>() + (size_t)s * m * n));
            Mat bs(n, k, CV_32F, (void*)(b.ptr<float>() + (size_t)s * n * k));
            Mat gs(m, k, CV_32F, (void*)(dy.ptr<float>() + (size_t)s * m * k));
            if (needed[0])
            {
                Mat das(m, n, CV_32F, da.ptr<float>() + (size_t)s * m * n);
                cv::gemm(gs, bs, 1.0, noArray(), 0.0, das, GEMM_2_T);
            }
            if (needed[1])
            {
                Mat dbs(n, k, CV_32F, db.ptr<float>() + (size_t)s * n * k);
                cv::gemm(as, gs, 1.0, noArray(), 0.0, dbs, GEMM_1_T);
            }
        }
        inputGrads[0] = da;
        inputGrads[1] = db;
    }
};

Ptr<LayerBackward> innerProductRule(const LayerContext& ctx)
{
    Ptr<dnn::InnerProductLayer> l = layerAs<dnn::InnerProductLayer>(ctx);
    if (!l->blobs.empty())
    {
        if (ctx.inputShapes.size() != 1)
            unsupported(ctx, "several inputs with constant weights");
        return makePtr<InnerProductBackward>(ctx, l->blobs[0], checkedAxis(ctx, l->axis, (int)ctx.inputShapes[0].size()));
    }
    if (ctx.inputShapes.size() != 2)
        unsupported(ctx, "an InnerProduct without weights must have two inputs (MatMul)");
    const MatShape& a = ctx.inputShapes[0];
    const MatShape& b = ctx.inputShapes[1];
    if (a.size() != b.size() || a.size() < 2 || totalOf(a) / (a[a.size() - 2] * a.back()) != totalOf(b) / (b[b.size() - 2] * b.back()))
        unsupported(ctx, "MatMul with broadcasting has no backward rule");
    return makePtr<MatMulBackward>();
}

}  // namespace

void registerInnerProductRules(const RuleRegistrar& add)
{
    add("InnerProduct", BACKWARD_STANDARD, innerProductRule);
}

}  // namespace interp
}  // namespace cv
