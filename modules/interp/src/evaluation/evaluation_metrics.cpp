// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Faithfulness metrics of saliency maps: mass inside the object, deletion and insertion curves.
#include "../precomp.hpp"
#include "map_utils.hpp"
#include "../softmax.hpp"
#include "../engine/engine_impl.hpp"
#include "opencv2/interp/evaluation.hpp"

#include <numeric>

namespace cv {
namespace interp {

namespace {

Mat baselineBlob(const Mat& blob, int kind, double sigma)
{
    const int C = blob.size[1], H = blob.size[2], W = blob.size[3];
    Mat b(blob.dims, blob.size.p, CV_32F);
    for (int c = 0; c < C; c++)
    {
        Mat src(H, W, CV_32F, (void*)blob.ptr<float>(0, c));
        Mat dst(H, W, CV_32F, b.ptr<float>(0, c));
        switch (kind)
        {
        case PERTURB_ZERO: dst.setTo(0); break;
        case PERTURB_MEAN: dst.setTo(cv::mean(src)[0]); break;
        case PERTURB_BLUR:
        {
            const double s = sigma > 0 ? sigma : std::max(H, W) / 10.0;
            cv::GaussianBlur(src, dst, Size(), s, s, BORDER_REFLECT);
            break;
        }
        default:
            CV_Error(Error::StsBadArg, cv::format("unknown perturbation baseline %d: use PERTURB_ZERO, PERTURB_BLUR or "
                                                  "PERTURB_MEAN", kind));
        }
    }
    return b;
}

/* Pixels ordered by decreasing saliency (stable: ties keep raster order). Step k of `steps` takes the first
   round(k * HW / steps) of them from `from` and the rest from `to`... the curve goes from `start` (k = 0) with
   more and more pixels taken from `end`. */
PerturbationCurve perturbationCurve(const Ptr<Explainer>& ex, InputArray blob_, const Target& target, InputArray map_,
                                    const PerturbationParams& p, bool deletion)
{
    if (!ex || ex->empty())
        CV_Error(Error::StsNullPtr, "deletion/insertion: the explainer is empty: load the model with cv::interp::readNet()");
    if (target.kind != Target::CLASS)
        CV_Error(Error::StsBadArg, "deletion and insertion curves follow a class score: give a class target (" +
                                   target.describe() + " is not one)");
    const int scoreLayer = ex->targetLayer(target);
    const int classIndex = target.index;
    Mat blob = blob_.getMat();
    if (blob.dims != 4 || blob.size[0] != 1 || blob.type() != CV_32F)
        CV_Error(Error::StsBadArg, "deletion/insertion curves take one image: a 1 x C x H x W float32 blob");
    if (p.steps < 1)
        CV_Error(Error::StsBadArg, cv::format("the number of steps must be positive (got %d)", p.steps));
    if (p.batchSize < 1)
        CV_Error(Error::StsBadArg, cv::format("the batch size must be positive (got %d)", p.batchSize));
    const int C = blob.size[1], H = blob.size[2], W = blob.size[3];
    const int HW = H * W;
    Mat map = floatMapAt(map_, Size(W, H));
    std::vector<int> order(HW);
    std::iota(order.begin(), order.end(), 0);
    const float* mp = map.ptr<float>();
    std::stable_sort(order.begin(), order.end(), [mp](int a, int b) { return mp[a] > mp[b]; });

    const Mat base = baselineBlob(blob, deletion ? p.deletionBaseline : p.insertionBaseline, p.blurSigma);
    const Mat& start = deletion ? blob : base;   // k = 0
    const Mat& end = deletion ? base : blob;     // pixels switch to this one
    PerturbationCurve curve;
    curve.scores.assign(p.steps + 1, 0.0);
    // Batches of one size, the last one padded with copies of its last image: cv::dnn sets a network up again,
    // allocating every blob, whenever the input shape changes, which batches of 16 and 1 (17 points) did twice per
    // curve, at the cost of the whole curve on small networks
    const int points = p.steps + 1;
    const int batches = (points + p.batchSize - 1) / p.batchSize;
    const int per = (points + batches - 1) / batches;
    for (int first = 0; first < points; first += per)
    {
        const int n = std::min(per, points - first);
        Mat batch(std::vector<int>{ per, C, H, W }, CV_32F);
        for (int i = 0; i < per; i++)
        {
            const int k = first + std::min(i, n - 1);
            const int count = (int)std::lround((double)k * HW / p.steps);
            for (int c = 0; c < C; c++)
            {
                float* dst = batch.ptr<float>(i, c);
                std::copy(start.ptr<float>(0, c), start.ptr<float>(0, c) + HW, dst);
                const float* e = end.ptr<float>(0, c);
                for (int j = 0; j < count; j++)
                    dst[order[j]] = e[order[j]];
            }
        }
        std::vector<Mat> outs;  // the scores only: no tape of every layer
        forwardLayers(*ex, batch, std::vector<int>(1, scoreLayer), outs);
        const Mat& s = outs[0];
        const int classes = (int)(s.total() / per);
        if (classIndex < 0 || classIndex >= classes)
            CV_Error(Error::StsOutOfRange, cv::format("class %d is out of range: layer '%s' has %d classes", classIndex,
                                                      ex->graph().layer(scoreLayer).name.c_str(), classes));
        for (int i = 0; i < n; i++)
        {
            const float* v = s.ptr<float>() + (size_t)i * classes;
            double score = v[classIndex];
            if (p.probability)
                score = std::exp(score - logSumExp(v, (size_t)classes));
            curve.scores[first + i] = score;
        }
    }
    double auc = 0;
    for (int k = 0; k < p.steps; k++)
        auc += 0.5 * (curve.scores[k] + curve.scores[k + 1]);
    curve.auc = auc / p.steps;
    return curve;
}

}  // namespace

double saliencyMassInMask(InputArray map_, InputArray mask_)
{
    Mat mask = mask_.getMat();
    if (mask.empty() || mask.channels() != 1)
        CV_Error(Error::StsBadArg, "the object mask must be a non-empty single-channel image");
    Mat map = floatMapAt(map_, mask.size());
    map = cv::max(map, 0);
    const double total = cv::sum(map)[0];
    if (total <= 0)
        return 0;
    Mat inside;
    Mat(mask != 0).convertTo(inside, CV_32F, 1.0 / 255);
    return cv::sum(map.mul(inside))[0] / total;
}

PerturbationCurve deletionCurve(const Ptr<Explainer>& explainer, InputArray blob, const Target& target, InputArray map,
                                const PerturbationParams& params)
{
    return perturbationCurve(explainer, blob, target, map, params, true);
}

PerturbationCurve insertionCurve(const Ptr<Explainer>& explainer, InputArray blob, const Target& target, InputArray map,
                                 const PerturbationParams& params)
{
    return perturbationCurve(explainer, blob, target, map, params, false);
}

}  // namespace interp
}  // namespace cv
