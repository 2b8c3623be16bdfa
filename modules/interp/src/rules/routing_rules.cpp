// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward of layers that route tensors: Concat (split the gradient), Slice (scatter it back, strided slices
// included), Crop (pad it back) and Split (copies: sum the gradients of all outputs).
#include "../precomp.hpp"
#include "rules.hpp"

namespace cv {
namespace interp {

using namespace rules;

namespace {

class ConcatBackward : public LayerBackward
{
public:
    int axis;
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        const Mat& dy = outputGrads[0];
        std::vector<Range> ranges(dy.dims, Range::all());
        int offset = 0;
        for (size_t i = 0; i < inputs.size(); i++)
        {
            const int len = inputs[i].size[axis];
            if (needed[i])
            {
                ranges[axis] = Range(offset, offset + len);
                const Mat part = dy(ranges);
                // a contiguous part (batch 1 along channels: DenseNet, Inception) is passed on as a view of dy
                inputGrads[i] = part.isContinuous() ? part : reusedCopy(part);
            }
            offset += len;
        }
    }
};

Ptr<LayerBackward> concatRule(const LayerContext& ctx)
{
    Ptr<dnn::ConcatLayer> l = layerAs<dnn::ConcatLayer>(ctx);
    const MatShape& out = ctx.outputShapes.at(0);
    const int axis = checkedAxis(ctx, l->axis, (int)out.size());
    int sum = 0;
    for (const MatShape& in : ctx.inputShapes)
    {
        if (in.size() != out.size())
            unsupported(ctx, "inputs of different ranks");
        for (size_t a = 0; a < in.size(); a++)
            if ((int)a != axis && in[a] != out[a])
                unsupported(ctx, "concatenation with padding of smaller inputs has no backward rule");
        sum += in[axis];
    }
    if (sum != out[axis])
        unsupported(ctx, "input sizes do not add up to the output size");
    Ptr<ConcatBackward> b = makePtr<ConcatBackward>();
    b->axis = axis;
    return b;
}

// Reproduces cv::dnn's Range normalisation of slice bounds.
Range normalizeRange(Range r, int n)
{
    r.start = std::min(std::max(r.start, -n), n - 1);
    if (r.start < 0)
        r.start += n;
    r.end = std::min(std::max(r.end, -n), n);
    if (r.end < 0)
        r.end += n;
    return r;
}

class SliceBackward : public LayerBackward
{
public:
    std::vector<std::vector<Range> > ranges;  // per output, per axis
    std::vector<std::vector<int> > steps;     // per output, per axis (1 = contiguous)

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        const Mat& x = inputs[0];
        Mat dx = zeroBlob(dnn::shape(x));
        for (size_t k = 0; k < outputGrads.size() && k < ranges.size(); k++)
        {
            const Mat& g = outputGrads[k];
            bool strided = false;
            for (int s : steps[k])
                strided = strided || s > 1;
            if (!strided)
            {
                Mat roi = dx(ranges[k]);
                Mat src = g.reshape(1, roi.dims, roi.size.p);
                roi += src;
                continue;
            }
            // strided: walk the output elements
            const int d = x.dims;
            std::vector<size_t> inStride(d);
            inStride[d - 1] = 1;
            for (int a = d - 2; a >= 0; a--)
                inStride[a] = inStride[a + 1] * x.size[a + 1];
            const float* pg = g.ptr<float>();
            float* pd = dx.ptr<float>();
            std::vector<int> idx(d, 0);
            for (size_t e = 0; e < g.total(); e++)
            {
                size_t ofs = 0;
                for (int a = 0; a < d; a++)
                    ofs += (size_t)(ranges[k][a].start + idx[a] * steps[k][a]) * inStride[a];
                pd[ofs] += pg[e];
                for (int a = d - 1; a >= 0; a--)
                {
                    if (++idx[a] < g.size[a])
                        break;
                    idx[a] = 0;
                }
            }
        }
        inputGrads[0] = dx;
    }
};

Ptr<LayerBackward> sliceRule(const LayerContext& ctx)
{
    Ptr<dnn::SliceLayer> l = layerAs<dnn::SliceLayer>(ctx);
    const MatShape& in = ctx.inputShapes.at(0);
    const int dims = (int)in.size();
    const size_t numOut = ctx.outputShapes.size();
    Ptr<SliceBackward> b = makePtr<SliceBackward>();
    const int axis = checkedAxis(ctx, l->axis, dims);
    if (l->sliceRanges.empty())
    {
        // equal parts along the axis
        const int part = in[axis] / (int)numOut;
        for (size_t k = 0; k < numOut; k++)
        {
            std::vector<Range> r(dims, Range::all());
            r[axis] = Range((int)k * part, (int)(k + 1) * part);
            b->ranges.push_back(r);
        }
    }
    else
    {
        if (l->sliceRanges.size() != numOut)
            unsupported(ctx, "slice ranges do not match the number of outputs");
        for (size_t k = 0; k < numOut; k++)
        {
            std::vector<Range> r = l->sliceRanges[k];
            if ((int)r.size() > dims)
                unsupported(ctx, cv::format("output %d has slice ranges for more axes than the input has", (int)k));
            while ((int)r.size() < dims)
                r.push_back(Range::all());
            b->ranges.push_back(r);
        }
    }
    for (size_t k = 0; k < numOut; k++)
    {
        std::vector<int> st(dims, 1);
        if (k < l->sliceSteps.size())
            for (int a = 0; a < dims && a < (int)l->sliceSteps[k].size(); a++)
                st[a] = std::max(1, l->sliceSteps[k][a]);
        for (int a = 0; a < dims; a++)
        {
            b->ranges[k][a] = normalizeRange(b->ranges[k][a], in[a]);
            const int len = (b->ranges[k][a].size() + st[a] - 1) / st[a];
            if (len != ctx.outputShapes[k][a])
                unsupported(ctx, cv::format("cannot reproduce the slice geometry of output %d", (int)k));
        }
        b->steps.push_back(st);
    }
    return b;
}

/* Crop (Caffe's, used by FCN-style networks): the first input cut to the shape of the second from `axis` on,
   at the given offsets (one for all cropped axes, or one per axis). The second input only gives a shape. */
class CropBackward : public LayerBackward
{
public:
    std::vector<Range> ranges;

    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (needed[0])
        {
            Mat dx = zeroBlob(dnn::shape(inputs[0]));
            outputGrads[0].copyTo(dx(ranges));
            inputGrads[0] = dx;
        }
        if (inputs.size() > 1 && needed[1])
            inputGrads[1] = zeroBlob(dnn::shape(inputs[1]));
    }
};

Ptr<LayerBackward> cropRule(const LayerContext& ctx)
{
    const LayerInfo& info = *ctx.info;
    info.requireCaptured("the crop offsets");
    const MatShape& in = ctx.inputShapes.at(0);
    const MatShape& out = ctx.outputShapes.at(0);
    const int dims = (int)in.size();
    if (out.size() != in.size())
        unsupported(ctx, "the output rank differs from the input rank");
    const int axis = checkedAxis(ctx, info.params.get<int>("axis", 2), dims);
    Ptr<CropBackward> b = makePtr<CropBackward>();
    b->ranges.assign(dims, Range::all());
    dnn::DictValue offsets = info.params.has("offset") ? info.params.get("offset") : dnn::DictValue(0);
    for (int a = axis; a < dims; a++)
    {
        const int o = offsets.size() == 1 ? offsets.get<int>(0) : (a - axis < offsets.size() ? offsets.get<int>(a - axis) : 0);
        if (o < 0 || o + out[a] > in[a])
            unsupported(ctx, cv::format("offset %d does not fit an output of %d in an input of %d along axis %d",
                                        o, out[a], in[a], a));
        b->ranges[a] = Range(o, o + out[a]);
    }
    for (int a = 0; a < axis; a++)
        if (out[a] != in[a])
            unsupported(ctx, cv::format("axis %d is cropped although it comes before the crop axis %d", a, axis));
    return b;
}

class SplitBackward : public LayerBackward
{
public:
    void backward(const std::vector<Mat>& inputs, const std::vector<Mat>&, const std::vector<Mat>& outputGrads,
                  const std::vector<bool>& needed, std::vector<Mat>& inputGrads) const CV_OVERRIDE
    {
        if (!needed[0])
            return;
        Mat sum;
        for (const Mat& g : outputGrads)
        {
            if (g.empty())
                continue;
            if (sum.empty())
                sum = g.clone();
            else
                sum += g;
        }
        if (sum.empty())
            sum = zeroBlob(dnn::shape(inputs[0]));
        inputGrads[0] = sum.reshape(1, dnn::shape(inputs[0]));
    }
};

}  // namespace

void registerRoutingRules(const RuleRegistrar& add)
{
    add("Concat", BACKWARD_STANDARD, concatRule);
    add("Slice", BACKWARD_STANDARD, sliceRule);
    add("Crop", BACKWARD_STANDARD, cropRule);
    add("Split", BACKWARD_STANDARD, [](const LayerContext&) -> Ptr<LayerBackward> { return makePtr<SplitBackward>(); });
}

}  // namespace interp
}  // namespace cv
