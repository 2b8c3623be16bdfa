// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Helpers shared by the attribution methods (attribution_*.cpp): argument checks, blob views, batched gradients.
#ifndef OPENCV_INTERP_ATTRIBUTION_INTERNAL_HPP
#define OPENCV_INTERP_ATTRIBUTION_INTERNAL_HPP

#include "precomp.hpp"

#include <functional>

namespace cv {
namespace interp {
namespace attribution_detail {

/** Checks the explainer, the blob (N x C x H x W float32) and the number of targets (1 or N), with messages
naming `method`. Returns the blob as a Mat. */
Mat checkArguments(const char* method, const Ptr<Explainer>& explainer, InputArray blob,
                   const std::vector<Target>& targets);

//! Target of image n (the single target, or the n-th).
inline const Target& targetOf(const std::vector<Target>& targets, int n)
{
    return targets[targets.size() == 1 ? 0 : (size_t)n];
}

//! Image n of an N x C x H x W blob as a 1 x C x H x W view (no copy).
Mat sampleView(const Mat& blob, int n);

//! Plane (n, c) of an N x C x H x W blob as an H x W view (no copy).
Mat planeView(const Mat& blob, int n, int c);

//! CHANNELS_DEFAULT resolved for `method`; validates the value.
int resolveReduction(int method, int reduction);

/** Gradients for `rows` inputs that are made on the fly, `batchSize` per forward/backward pass.
@param makeRow fills input row r (a 1 x C x H x W float32 view)
@param targetOfRow the target of row r
@param consume receives row r's gradient (1 x C x H x W view, valid during the call) and its target value
*/
void batchedGradients(const Explainer& explainer, const MatShape& rowShape, int rows, int batchSize, int variant,
                      const std::function<void(int, Mat&)>& makeRow,
                      const std::function<const Target&(int)>& targetOfRow,
                      const std::function<void(int, const Mat&, double)>& consume);

}  // namespace attribution_detail
}  // namespace interp
}  // namespace cv

#endif
