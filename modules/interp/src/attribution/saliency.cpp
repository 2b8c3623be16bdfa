// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Any attribution method by its enum (attribute()), and the predicted classes of a batch.
#include "../precomp.hpp"
#include "../softmax.hpp"

namespace cv {
namespace interp {

std::vector<int> predictClasses(const Ptr<Explainer>& explainer, InputArray blob_, OutputArray scoresOut)
{
    if (!explainer || explainer->empty())
        CV_Error(Error::StsNullPtr, "predictClasses: the explainer is empty: load the model with cv::interp::readNet()");
    const Mat blob = blob_.getMat();
    CV_CheckEQ(blob.dims, 4, "predictClasses needs an N x C x H x W input blob");
    return predictClasses(explainer, explainer->forward(blob), scoresOut);
}

std::vector<int> predictClasses(const Ptr<Explainer>& explainer, const Ptr<Tape>& tape, OutputArray scoresOut)
{
    if (!explainer || explainer->empty() || !tape)
        CV_Error(Error::StsNullPtr, "predictClasses needs an explainer and a tape of its forward pass");
    const Mat scores = tape->outputs(explainer->graph().scoreLayer())[0];
    const int N = tape->batchSize();
    const int K = (int)(scores.total() / N);
    std::vector<int> classes(N);
    Mat flat = scores.reshape(1, N);
    for (int n = 0; n < N; n++)
    {
        Point maxLoc;
        minMaxLoc(flat.row(n), nullptr, nullptr, nullptr, &maxLoc);
        classes[n] = maxLoc.x;
    }
    if (scoresOut.needed())
        flat.colRange(0, K).copyTo(scoresOut);
    return classes;
}

Mat softmaxRows(InputArray scores_)
{
    const Mat scores = scores_.getMat();
    CV_CheckEQ(scores.dims, 2, "softmaxRows needs an N x K matrix of class scores");
    Mat s;
    scores.convertTo(s, CV_64F);
    Mat p(s.size(), CV_32F);
    for (int n = 0; n < s.rows; n++)
        softmax(s.ptr<double>(n), (size_t)s.cols, p.ptr<float>(n));
    return p;
}

Attribution attribute(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                      const AttributionParams& params)
{
    switch (params.method)
    {
    case ATTRIBUTION_GRADIENT: return gradientSaliency(explainer, blob, targets, params.reduction);
    case ATTRIBUTION_INPUT_X_GRADIENT: return inputXGradient(explainer, blob, targets, params.reduction);
    case ATTRIBUTION_GUIDED_BACKPROP: return guidedBackprop(explainer, blob, targets, params.reduction);
    case ATTRIBUTION_DECONVNET: return deconvnet(explainer, blob, targets, params.reduction);
    case ATTRIBUTION_GRADCAM: return gradCam(explainer, blob, targets, params.gradCam);
    case ATTRIBUTION_GUIDED_GRADCAM: return guidedGradCam(explainer, blob, targets, params.gradCam, params.reduction);
    case ATTRIBUTION_SMOOTHGRAD: return smoothGrad(explainer, blob, targets, params.smoothGrad, params.reduction);
    case ATTRIBUTION_INTEGRATED_GRADIENTS:
        return integratedGradients(explainer, blob, targets, params.integratedGradients, params.reduction);
    case ATTRIBUTION_OCCLUSION:
        if (!explainer || explainer->empty())
            CV_Error(Error::StsNullPtr, "occlusion: the explainer is empty: load the model with cv::interp::readNet()");
        return occlusion(explainer, blob, targets, params.occlusion);
    default:
        CV_Error(Error::StsOutOfRange, cv::format("unknown attribution method %d: use one of cv::interp::AttributionMethod",
                                                  params.method));
    }
}

}  // namespace interp
}  // namespace cv
