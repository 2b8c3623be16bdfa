// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Helpers shared by the attribution methods (attribution_*.cpp): argument checks, blob views, batched gradients.
#ifndef OPENCV_INTERP_ATTRIBUTION_INTERNAL_HPP
#define OPENCV_INTERP_ATTRIBUTION_INTERNAL_HPP

#include "../precomp.hpp"

#include <functional>

namespace cv {
namespace interp {
namespace attribution_detail {

/** Checks the explainer, the blob (N x C x H x W float32) and the number of targets (1 or N), with messages
naming `method`; an empty `targets` becomes the predicted class of each image. Returns the blob as a Mat. */
Mat checkArguments(const char* method, const Ptr<Explainer>& explainer, InputArray blob, std::vector<Target>& targets);

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

/** Bytes of recorded tensors one batch row costs a tape (its input and every layer output, divided by the batch). */
size_t tapeBytesPerRow(const Explainer& explainer, const Tape& tape);

/** The most a tape of batched rows may hold: larger batches leave the reused gradient buffers (256 MB, which also
hold the gradients) and pay a page fault per fresh page, which costs more than batching saves (measured on
ResNet-18, MobileNetV2 and VGG-11 at 224 x 224, doc/performance.md). */
const size_t kBatchTapeBytes = (size_t)96 << 20;

/** Gradients for `rows` inputs that are made on the fly, at most `batchSize` per forward/backward pass: the first
pass takes one row, the next ones as many as keep the tape under kBatchTapeBytes. When the network fails on a batch
of several rows (an imported graph with the batch size fixed at 1), the rows go one at a time. The results do not
depend on how the rows are batched.
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
