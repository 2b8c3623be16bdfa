// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of InnerProduct (fully connected and MatMul) layers.
//
// With constant weights W (outputs x inputs), dX = dY W, as a sum of the rows of W that dY does not zero. With two
// inputs (batched MatMul A x B), both gradients are GEMMs per slice.
#include "../precomp.hpp"
#include "rules.hpp"

#include <opencv2/core/hal/intrin.hpp>

namespace cv {
namespace interp {

using namespace rules;

namespace {

/* dX = dY W, computed as a sum of the rows of W weighted by dY: W is streamed once, row by row, in its own layout
   (no transposed copy, which for VGG-11's classifier would be another 480 MB), and a row whose gradient is zero for
   every sample is skipped. That is most of them: the gradient at a fully connected layer's output has passed a ReLU
   (about half zeros) or is a class-score seed (one non-zero). The rows are split between threads, each summing
   into a dX of its own; the partial sums are added at the end. */
class InnerProductBackward : public LayerBackward
{
public:
    InnerProductBackward(const Mat& weights, int axis_) : axis(axis_)
    {
        outputs = weights.size[0];
        inputs = (int)(weights.total() / outputs);
        w = weights.isContinuous() ? weights.reshape(1, outputs) : weights.clone().reshape(1, outputs);
        CV_Assert(w.type() == CV_32F);
    }

    void backward(const std::vector<Mat>& ins, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = ins[0];
        const int outer = (int)x.total(0, axis);
        CV_Assert((int)x.total(axis) == inputs && outputGrads[0].isContinuous());
        const Mat dy = outputGrads[0].reshape(1, MatShape{ outer, outputs });
        Mat dx = newBlob(MatShape{ outer, inputs });
        // the rows of W that matter: non-zero dY for at least one sample
        std::vector<int> rows;
        for (int i = 0; i < outputs; i++)
            for (int n = 0; n < outer; n++)
                if (dy.at<float>(n, i) != 0.f)
                {
                    rows.push_back(i);
                    break;
                }
        // each thread streams a contiguous range of rows into its own partial sum (whole rows: the hardware
        // prefetcher follows them across pages, where column slices of rows would break at every page)
        const int parts = std::max(1, std::min(cv::getNumThreads(), (int)rows.size() / 64));
        std::vector<Mat> partial(parts);
        partial[0] = dx;
        for (int p = 1; p < parts; p++)
            partial[p] = newBlob(MatShape{ outer, inputs });
        cv::parallel_for_(Range(0, parts), [&](const Range& r) {
            for (int p = r.start; p < r.end; p++)
            {
                Mat& acc = partial[p];
                acc.setTo(Scalar::all(0));
                const size_t lo = rows.size() * p / parts, hi = rows.size() * (p + 1) / parts;
                for (size_t k = lo; k < hi; k += kRowsPerPass)
                {
                    const int count = (int)std::min<size_t>(kRowsPerPass, hi - k);
                    const float* wr[kRowsPerPass];
                    float a[kRowsPerPass];
                    for (int q = 0; q < count; q++)
                        wr[q] = w.ptr<float>(rows[k + q]);
                    for (int n = 0; n < outer; n++)
                    {
                        bool any = false;
                        for (int q = 0; q < count; q++)
                        {
                            a[q] = dy.at<float>(n, rows[k + q]);
                            any = any || a[q] != 0.f;
                        }
                        if (!any)
                            continue;
                        if (count == kRowsPerPass)
                            addRows(wr, a, acc.ptr<float>(n), inputs);
                        else
                            for (int q = 0; q < count; q++)
                                addRows(wr + q, a + q, acc.ptr<float>(n), inputs, 1);
                    }
                }
            }
        }, parts);
        for (int p = 1; p < parts; p++)
            dx += partial[p];
        inputGrads[0] = dx.reshape(1, dnn::shape(x));
    }

private:
    //! Rows of W added to one sample's dX in one pass over it (a pass per row was limited by the loads and stores
    //! of dX, at half the memory bandwidth: 4.0 against 1.9 ms for AlexNet's first fully connected layer)
    static const int kRowsPerPass = 8;

    //! y += a[0] x[0] + ... + a[count - 1] x[count - 1] over n floats
    static void addRows(const float* const* x, const float* a, float* y, int n, int count = kRowsPerPass)
    {
        int j = 0;
#if CV_SIMD
        const int W = v_float32::nlanes;
        if (count == kRowsPerPass)
        {
            v_float32 va[kRowsPerPass];
            for (int q = 0; q < kRowsPerPass; q++)
                va[q] = vx_setall_f32(a[q]);
            for (; j + W <= n; j += W)
            {
                v_float32 sum = vx_load(y + j);
                for (int q = 0; q < kRowsPerPass; q++)
                    sum = v_fma(va[q], vx_load(x[q] + j), sum);
                v_store(y + j, sum);
            }
        }
#endif
        for (; j < n; j++)
        {
            float sum = y[j];
            for (int q = 0; q < count; q++)
                sum += a[q] * x[q][j];
            y[j] = sum;
        }
    }

    int axis, inputs, outputs;
    Mat w;  // outputs x inputs
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
        return makePtr<InnerProductBackward>(l->blobs[0], checkedAxis(ctx, l->axis, (int)ctx.inputShapes[0].size()));
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
