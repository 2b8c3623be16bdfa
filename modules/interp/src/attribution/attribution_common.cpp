// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// What every attribution method shares: method and baseline names, channel reduction, argument checks, batched
// gradients, and attribute(), which runs any method by its enum.
#include "../precomp.hpp"
#include "attribution_internal.hpp"

namespace cv {
namespace interp {

namespace {

struct NamedValue
{
    const char* name;
    int value;
};

const NamedValue kMethods[] = {
    { "gradient", ATTRIBUTION_GRADIENT },
    { "input-x-gradient", ATTRIBUTION_INPUT_X_GRADIENT },
    { "guided", ATTRIBUTION_GUIDED_BACKPROP },
    { "deconvnet", ATTRIBUTION_DECONVNET },
    { "gradcam", ATTRIBUTION_GRADCAM },
    { "guided-gradcam", ATTRIBUTION_GUIDED_GRADCAM },
    { "smoothgrad", ATTRIBUTION_SMOOTHGRAD },
    { "ig", ATTRIBUTION_INTEGRATED_GRADIENTS },
    { "occlusion", ATTRIBUTION_OCCLUSION }
};

const NamedValue kBaselines[] = {
    { "zero", BASELINE_ZERO },
    { "constant", BASELINE_CONSTANT },
    { "mean", BASELINE_MEAN },
    { "blur", BASELINE_BLUR },
    { "custom", BASELINE_CUSTOM }
};

template<size_t K>
String nameOf(const NamedValue (&table)[K], int value, const char* what)
{
    for (const NamedValue& v : table)
        if (v.value == value)
            return v.name;
    CV_Error(Error::StsOutOfRange, cv::format("unknown %s %d", what, value));
}

template<size_t K>
int valueOf(const NamedValue (&table)[K], const String& name, const char* what)
{
    String list;
    for (const NamedValue& v : table)
    {
        if (name == v.name)
            return v.value;
        list += (list.empty() ? "" : ", ") + String(v.name);
    }
    CV_Error(Error::StsBadArg, cv::format("unknown %s '%s': use one of %s", what, name.c_str(), list.c_str()));
}

}  // namespace

String attributionMethodName(int method) { return nameOf(kMethods, method, "attribution method"); }

std::vector<String> attributionMethodNames()
{
    std::vector<String> names;
    for (const NamedValue& v : kMethods)
        names.push_back(v.name);
    return names;
}
int parseAttributionMethod(const String& name) { return valueOf(kMethods, name, "attribution method"); }
String baselineName(int baseline) { return nameOf(kBaselines, baseline, "Integrated Gradients baseline"); }
int parseBaseline(const String& name) { return valueOf(kBaselines, name, "Integrated Gradients baseline"); }

int defaultReduction(int method)
{
    attributionMethodName(method);  // validates
    switch (method)
    {
    case ATTRIBUTION_INPUT_X_GRADIENT:
    case ATTRIBUTION_SMOOTHGRAD:
    case ATTRIBUTION_INTEGRATED_GRADIENTS:
        return CHANNELS_SUM_ABS;
    default:
        return CHANNELS_MAX_ABS;
    }
}

void reduceChannels(const Mat& attribution, int reduction, std::vector<Mat>& maps)
{
    if (attribution.dims != 4 || attribution.type() != CV_32F || !attribution.isContinuous())
        CV_Error(Error::StsBadArg, "reduceChannels needs a continuous N x C x H x W float32 attribution");
    if (reduction < CHANNELS_MAX_ABS || reduction > CHANNELS_L2)
        CV_Error(Error::StsOutOfRange, cv::format("unknown channel reduction %d: use cv::interp::CHANNELS_MAX_ABS, "
                                                  "CHANNELS_SUM_ABS, CHANNELS_SUM or CHANNELS_L2 (not cv::REDUCE_*)",
                                                  reduction));
    const int N = attribution.size[0], C = attribution.size[1], H = attribution.size[2], W = attribution.size[3];
    const size_t plane = (size_t)H * W;
    std::vector<Mat> out(N);
    for (int n = 0; n < N; n++)
        out[n].create(H, W, CV_32F);
    cv::parallel_for_(Range(0, N * H), [&](const Range& r) {
        for (int row = r.start; row < r.end; row++)
        {
            const int n = row / H, y = row % H;
            const float* src = attribution.ptr<float>(n) + (size_t)y * W;
            float* dst = out[n].ptr<float>(y);
            for (int x = 0; x < W; x++)
            {
                float acc = 0.f;
                for (int c = 0; c < C; c++)
                {
                    const float v = src[c * plane + x];
                    switch (reduction)
                    {
                    case CHANNELS_MAX_ABS: acc = std::max(acc, std::abs(v)); break;
                    case CHANNELS_SUM_ABS: acc += std::abs(v); break;
                    case CHANNELS_SUM: acc += v; break;
                    default: acc += v * v; break;
                    }
                }
                dst[x] = reduction == CHANNELS_L2 ? std::sqrt(acc) : acc;
            }
        }
    });
    maps.swap(out);
}

// ---------------------------------------------------------------------------------------------------------

namespace attribution_detail {

Mat checkArguments(const char* method, const Ptr<Explainer>& explainer, InputArray blob_, std::vector<Target>& targets)
{
    if (!explainer || explainer->empty())
        CV_Error(Error::StsNullPtr, cv::format("%s: the explainer is empty: load the model with cv::interp::readNet()",
                                               method));
    Mat blob = blob_.getMat();
    if (blob.empty())
        CV_Error(Error::StsBadArg, cv::format("%s: the input blob is empty: make one with cv::dnn::blobFromImage(s)",
                                              method));
    if (blob.dims != 4 || blob.type() != CV_32F)
        CV_Error(Error::StsBadSize, cv::format("%s: the input blob must be N x C x H x W float32 (as "
                                               "cv::dnn::blobFromImages makes it), got %d-D of type %s", method,
                                               blob.dims, typeToString(blob.type()).c_str()));
    const int N = blob.size[0];
    if (targets.empty())
        for (int k : predictClasses(explainer, blob))
            targets.push_back(Target::classScore(k));
    if (targets.size() != 1 && (int)targets.size() != N)
        CV_Error(Error::StsBadSize, cv::format("%s: %d targets for %d images: give one target for all images or one "
                                               "per image", method, (int)targets.size(), N));
    return blob.isContinuous() ? blob : blob.clone();
}

Mat sampleView(const Mat& blob, int n)
{
    CV_Assert(blob.dims == 4 && blob.isContinuous() && n >= 0 && n < blob.size[0]);
    const int sz[] = { 1, blob.size[1], blob.size[2], blob.size[3] };
    return Mat(4, sz, blob.type(), (void*)blob.ptr(n));
}

Mat planeView(const Mat& blob, int n, int c)
{
    CV_Assert(blob.dims == 4 && blob.isContinuous());
    return Mat(blob.size[2], blob.size[3], blob.type(), (void*)blob.ptr(n, c));
}

int resolveReduction(int method, int reduction)
{
    if (reduction == CHANNELS_DEFAULT)
        return defaultReduction(method);
    if (reduction < CHANNELS_MAX_ABS || reduction > CHANNELS_L2)
        CV_Error(Error::StsOutOfRange, cv::format("unknown channel reduction %d: use CHANNELS_DEFAULT, CHANNELS_MAX_ABS, "
                                                  "CHANNELS_SUM_ABS, CHANNELS_SUM or CHANNELS_L2", reduction));
    return reduction;
}

size_t tapeBytesPerRow(const Explainer& explainer, const Tape& tape)
{
    size_t bytes = tape.input().total() * tape.input().elemSize();
    for (int l = 0; l < explainer.graph().size(); l++)
        for (const Mat& m : tape.outputs(l))
            bytes += m.total() * m.elemSize();
    return bytes / std::max(1, tape.batchSize());
}

void batchedGradients(const Explainer& explainer, const MatShape& rowShape, int rows, int batchSize, int variant,
                      const std::function<void(int, Mat&)>& makeRow,
                      const std::function<const Target&(int)>& targetOfRow,
                      const std::function<void(int, const Mat&, double)>& consume)
{
    CV_Assert(rowShape.size() == 4 && rowShape[0] == 1);
    if (batchSize < 1)
        CV_Error(Error::StsOutOfRange, cv::format("the batch size must be at least 1, got %d", batchSize));
    // rows [start, start + batch rows) of the recorded tape: gradients, then consume() in row order
    auto gradients = [&](const Ptr<Tape>& tape, int start, const std::vector<Target>& targets) {
        const std::vector<double> values = explainer.evaluate(tape, targets);
        Mat grad;
        explainer.backward(tape, explainer.makeSeeds(tape, targets), variant, grad);
        for (int i = 0; i < (int)targets.size(); i++)
            consume(start + i, sampleView(grad, i), values[i]);
    };
    // The first pass takes one row and tells how much a row's tape holds; the next passes take as many rows as fit
    // kBatchTapeBytes (at most batchSize). Rows are made once each, in order (SmoothGrad's noise depends on it).
    int chunk = 1;
    for (int start = 0; start < rows;)
    {
        const int b = std::min(chunk, rows - start);
        MatShape shape = rowShape;
        shape[0] = b;
        Mat batch(shape, CV_32F);
        std::vector<Target> targets;
        for (int i = 0; i < b; i++)
        {
            Mat row = sampleView(batch, i);
            makeRow(start + i, row);
            targets.push_back(targetOfRow(start + i));
        }
        Ptr<Tape> tape;
        try
        {
            tape = explainer.forward(batch);
        }
        catch (const cv::Exception&)
        {
            // Some imported graphs take one image at a time (cv::dnn fails on more, see the header); this batch
            // and the next ones go row by row then, which gives the same result. The first pass has one row.
            if (b == 1)
                throw;
            chunk = 1;
        }
        if (tape)
            gradients(tape, start, targets);
        else
            for (int i = 0; i < b; i++)
                gradients(explainer.forward(sampleView(batch, i)), start + i, std::vector<Target>(1, targets[i]));
        if (start == 0)
        {
            const size_t perRow = std::max<size_t>(1, tapeBytesPerRow(explainer, *tape));
            chunk = (int)std::max<size_t>(1, std::min<size_t>(batchSize, kBatchTapeBytes / perRow));
        }
        start += b;
    }
}

}  // namespace attribution_detail

}  // namespace interp
}  // namespace cv
