// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Integrated Gradients (Sundararajan et al. 2017): trapezoid rule along the straight path from a baseline, batched,
// with the completeness error of each image.
#include "../precomp.hpp"
#include "attribution_internal.hpp"

namespace cv {
namespace interp {

using namespace attribution_detail;

namespace {

//! The baseline blob (N x C x H x W) for the input blob.
Mat makeBaseline(const Mat& blob, const IntegratedGradientsParams& params)
{
    const int N = blob.size[0], C = blob.size[1], H = blob.size[2], W = blob.size[3];
    Mat base(dnn::shape(blob), CV_32F);
    switch (params.baseline)
    {
    case BASELINE_ZERO:
        base.setTo(Scalar(0));
        break;
    case BASELINE_CONSTANT:
        base.setTo(Scalar(params.baselineValue));
        break;
    case BASELINE_MEAN:
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
                planeView(base, n, c).setTo(cv::mean(planeView(blob, n, c)));
        break;
    case BASELINE_BLUR:
    {
        if (params.blurSigma < 0)
            CV_Error(Error::StsOutOfRange, cv::format("Integrated Gradients: the blur sigma must be >= 0 (0 = automatic)"
                                                      ", got %g", params.blurSigma));
        const double sigma = params.blurSigma > 0 ? params.blurSigma : std::max(H, W) / 10.0;
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
            {
                Mat dst = planeView(base, n, c);
                cv::GaussianBlur(planeView(blob, n, c), dst, Size(0, 0), sigma, sigma, BORDER_REFLECT_101);
            }
        break;
    }
    case BASELINE_CUSTOM:
    {
        const Mat& b = params.baselineBlob;
        const bool ok = !b.empty() && b.dims == 4 && b.type() == CV_32F && (b.size[0] == 1 || b.size[0] == N) &&
                        b.size[1] == C && b.size[2] == H && b.size[3] == W;
        if (!ok)
            CV_Error(Error::StsBadSize, cv::format("Integrated Gradients: the custom baseline must be float32 1 x C x H x "
                                                   "W or N x C x H x W with N x C x H x W = %d x %d x %d x %d (the "
                                                   "input's)", N, C, H, W));
        const Mat bc = b.isContinuous() ? b : b.clone();
        for (int n = 0; n < N; n++)
            sampleView(bc, b.size[0] == 1 ? 0 : n).copyTo(sampleView(base, n));
        break;
    }
    default:
        CV_Error(Error::StsOutOfRange, cv::format("Integrated Gradients: unknown baseline %d: use BASELINE_ZERO, "
                                                  "BASELINE_CONSTANT, BASELINE_MEAN, BASELINE_BLUR or BASELINE_CUSTOM",
                                                  params.baseline));
    }
    return base;
}

}  // namespace

Attribution integratedGradients(const Ptr<Explainer>& explainer, InputArray blob_, const std::vector<Target>& targets_,
                                const IntegratedGradientsParams& params, int reduction)
{
    std::vector<Target> targets = targets_;
    const Mat blob = checkArguments("Integrated Gradients", explainer, blob_, targets);
    const int m = params.steps;
    if (m < 1)
        CV_Error(Error::StsOutOfRange, cv::format("Integrated Gradients: the number of steps must be at least 1, got %d",
                                                  m));
    const int N = blob.size[0];
    const int points = m + 1;
    const MatShape rowShape = { 1, blob.size[1], blob.size[2], blob.size[3] };

    Attribution a;
    a.method = ATTRIBUTION_INTEGRATED_GRADIENTS;
    a.reduction = resolveReduction(a.method, reduction);
    a.baseline = makeBaseline(blob, params);
    Mat diff = blob - a.baseline;
    Mat sum = Mat::zeros(blob.dims, blob.size.p, CV_32F);
    a.scores.assign(N, 0.0);
    a.baselineScores.assign(N, 0.0);

    auto makeRow = [&](int r, Mat& row) {
        const int n = r / points, k = r % points;
        cv::scaleAdd(sampleView(diff, n), (double)k / m, sampleView(a.baseline, n), row);
    };
    auto target = [&](int r) -> const Target& { return targetOf(targets, r / points); };
    auto consume = [&](int r, const Mat& g, double value) {
        const int n = r / points, k = r % points;
        Mat acc = sampleView(sum, n);
        cv::scaleAdd(g, (k == 0 || k == m) ? 0.5 / m : 1.0 / m, acc, acc);
        if (k == 0)
            a.baselineScores[n] = value;
        if (k == m)
            a.scores[n] = value;
    };
    batchedGradients(*explainer, rowShape, N * points, params.batchSize, BACKWARD_STANDARD, makeRow, target, consume);
    cv::multiply(diff, sum, a.attribution);
    a.completenessErrors.resize(N);
    for (int n = 0; n < N; n++)
    {
        const double total = cv::sum(sampleView(a.attribution, n).reshape(1, 1))[0];
        a.completenessErrors[n] = std::abs(total - (a.scores[n] - a.baselineScores[n]));
    }
    reduceChannels(a.attribution, a.reduction, a.maps);
    return a;
}

}  // namespace interp
}  // namespace cv
