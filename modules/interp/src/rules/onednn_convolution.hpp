// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// oneDNN convolutions for the backward rules (internal header): the input gradient of a convolution
// (backward data) and a plain convolution forward (the input gradient of a deconvolution), each with its primitive
// descriptor, primitive and reordered weights prepared once. Without oneDNN (HAVE_INTERP_ONEDNN undefined)
// haveOneDNN() is false and the constructors raise.
#ifndef OPENCV_INTERP_ONEDNN_CONVOLUTION_HPP
#define OPENCV_INTERP_ONEDNN_CONVOLUTION_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {
namespace onednn {

//! A 2-D convolution on N x C x H x W float32 blobs, output N x O x Ho x Wo; pt, pl are the pads at the top and left
//! (the pads at the bottom and right follow from the sizes, so SAME padding needs nothing special).
struct ConvGeometry
{
    int N = 1, C = 1, H = 1, W = 1, O = 1, Ho = 1, Wo = 1, groups = 1;
    int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
};

//! y = conv(x, weights) + bias; weights O x C/groups x kh x kw, bias O values or empty.
class ConvolutionForward
{
public:
    ConvolutionForward(const ConvGeometry& g, const Mat& weights, const Mat& bias = Mat());
    ~ConvolutionForward();
    //! src N x C x H x W and dst N x O x Ho x Wo (allocated by the caller), both continuous; thread-safe.
    void run(const Mat& src, Mat& dst) const;
    //! oneDNN's implementation name (for logs and tests).
    String implementation() const;

    struct Impl;
private:
    Ptr<Impl> impl;
};

//! dX = the input gradient of the convolution y = conv(x, weights) for dY; weights O x C/groups x kh x kw.
class ConvolutionBackwardData
{
public:
    ConvolutionBackwardData(const ConvGeometry& g, const Mat& weights);
    ~ConvolutionBackwardData();
    //! diffDst N x O x Ho x Wo and diffSrc N x C x H x W (allocated by the caller), both continuous; thread-safe.
    void run(const Mat& diffDst, Mat& diffSrc) const;
    String implementation() const;

    struct Impl;
private:
    Ptr<Impl> impl;
};

}  // namespace onednn
}  // namespace interp
}  // namespace cv

#endif
