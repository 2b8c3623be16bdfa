// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// SmoothGrad (Smilkov et al. 2017): the mean gradient over noisy copies of the input, batched.
#include "../precomp.hpp"
#include "attribution_internal.hpp"

namespace cv {
namespace interp {

using namespace attribution_detail;

Attribution smoothGrad(const Ptr<Explainer>& explainer, InputArray blob_, const std::vector<Target>& targets_,
                       const SmoothGradParams& params, int reduction)
{
    const char* name = "SmoothGrad";
    std::vector<Target> targets = targets_;
    const Mat blob = checkArguments(name, explainer, blob_, targets);
    const int N = blob.size[0];
    const MatShape rowShape = { 1, blob.size[1], blob.size[2], blob.size[3] };
    variantName(params.variant);  // validates

    Mat noise;
    int copies = params.samples;
    if (!params.noise.empty())
    {
        noise = params.noise.isContinuous() ? params.noise : params.noise.clone();
        if (noise.dims != 4 || noise.type() != CV_32F || noise.size[1] != rowShape[1] || noise.size[2] != rowShape[2] ||
            noise.size[3] != rowShape[3])
            CV_Error(Error::StsBadSize, cv::format("SmoothGrad: the explicit noise must be float32 n x C x H x W with "
                                                   "C x H x W = %d x %d x %d (the input's), got %d-D %s", rowShape[1],
                                                   rowShape[2], rowShape[3], noise.dims,
                                                   typeToString(noise.type()).c_str()));
        copies = noise.size[0];
    }
    else
    {
        if (copies < 1)
            CV_Error(Error::StsOutOfRange, cv::format("SmoothGrad: the number of noisy samples must be at least 1, got "
                                                      "%d", copies));
        if (!(params.noiseLevel >= 0))
            CV_Error(Error::StsOutOfRange, cv::format("SmoothGrad: the noise level must be >= 0 (a fraction of the "
                                                      "input range, e.g. 0.15), got %g", params.noiseLevel));
    }

    std::vector<double> sigma(N);
    for (int n = 0; n < N; n++)
    {
        double lo, hi;
        cv::minMaxIdx(sampleView(blob, n).reshape(1, 1), &lo, &hi);
        sigma[n] = params.noiseLevel * (hi - lo);
    }

    Attribution a;
    a.method = ATTRIBUTION_SMOOTHGRAD;
    a.reduction = resolveReduction(a.method, reduction);
    a.attribution = Mat::zeros(blob.dims, blob.size.p, CV_32F);
    a.scores.assign(N, 0.0);
    // Rows are made in order (image-major), so the random noise does not depend on the batch size.
    RNG rng((uint64)(int64)params.seed);
    auto makeRow = [&](int r, Mat& row) {
        const int n = r / copies, s = r % copies;
        if (noise.empty())
            rng.fill(row, RNG::NORMAL, 0.0, sigma[n]);
        else
            sampleView(noise, s).copyTo(row);
        row += sampleView(blob, n);
    };
    auto target = [&](int r) -> const Target& { return targetOf(targets, r / copies); };
    auto consume = [&](int r, const Mat& g, double) {
        Mat acc = sampleView(a.attribution, r / copies);
        acc += g;
    };
    batchedGradients(*explainer, rowShape, N * copies, params.batchSize, params.variant, makeRow, target, consume);
    a.attribution *= 1.0 / copies;
    Ptr<Tape> tape = explainer->forward(blob);
    a.scores = explainer->evaluate(tape, targets);
    reduceChannels(a.attribution, a.reduction, a.maps);
    return a;
}

}  // namespace interp
}  // namespace cv
