// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Gradient buffers that are reused instead of returned to the system (internal header).
#ifndef OPENCV_INTERP_GRADIENT_BUFFERS_HPP
#define OPENCV_INTERP_GRADIENT_BUFFERS_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {

/** @brief A float32 Mat of the given shape, uninitialised, whose memory comes back to a process-wide cache when the
last Mat referring to it goes, for the next gradient of the same byte size.

A backward pass allocates one gradient per layer and frees it a few layers later; large blocks are mmap'ed by malloc
and every first touch of a fresh page is a page fault, which made element-wise backward rules cost ten times their
arithmetic. Buffers from the cache are already mapped. The cache holds at most 256 MB, and the least recently cached
blocks make room for new ones (so the sizes of an earlier network or batch size do not keep out the current ones);
blocks under 64 KB go to malloc as usual. Thread-safe. Under AddressSanitizer cached blocks are poisoned, so a gradient used
after its release is still reported. */
Mat newGradient(int dims, const int* sizes);
//! newGradient() filled with zeros.
Mat zeroGradient(int dims, const int* sizes);
//! A copy of `m` (any type, made continuous) in a buffer of the same cache: the tape's copies of layer outputs.
Mat reusedCopy(const Mat& m);
//! A byte buffer of at least `bytes` bytes (a continuous 1-row CV_8U Mat) from the same cache: scratch memory of a rule.
Mat newScratch(size_t bytes);

/** @brief A backward rule that can compute its input gradient in the memory of its output gradient (one input, one
output, element-wise: dx[i] depends on x[i], y[i] and dy[i] only).

The backward driver calls backwardInPlace() instead of LayerBackward::backward() when it holds the only reference to
the output gradient and no caller asked to keep it; the rule overwrites `grad` (dy on entry) with dx. That saves a
buffer and one pass over memory per ReLU-like layer. Used by the built-in element-wise rules; the driver finds it with
dynamic_cast, so rules that do not implement it are unaffected. */
class InPlaceGradient
{
public:
    virtual ~InPlaceGradient() {}
    virtual void backwardInPlace(const Mat& x, const Mat& y, Mat& grad) const = 0;
};

}  // namespace interp
}  // namespace cv

#endif
