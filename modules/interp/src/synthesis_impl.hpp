// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Internal pieces of feature visualisation (synthesis*.cpp): the objective on a tape, the random
// transformations and their adjoint, the image parameterisations and the regularisers.
#ifndef OPENCV_INTERP_SYNTHESIS_IMPL_HPP
#define OPENCV_INTERP_SYNTHESIS_IMPL_HPP

#include "precomp.hpp"

namespace cv {
namespace interp {
namespace synthesis {

//! Valid blob values per channel: the blob values of pixel 0 and 255.
struct BlobRange
{
    std::vector<float> lo, hi;  // per blob channel
    std::vector<float> mean;    // per blob channel: the pixel value of blob 0
    std::vector<float> scale;   // per blob channel: blob = (pixel - mean) * scale (Preprocessing::channelScale)
    /* per blob channel: blob units of one "standard unit" of 64 grey levels (64 * scale). The pixel parameters, the
       learning rate and the L2 / TV penalties are in standard units, so that the same settings work for a network fed
       0..255 pixels (Caffe) and one fed standardised pixels (PyTorch): the 0..255 range always spans about 4. */
    std::vector<float> unit;
    //! True when every channel's unit is exactly 1 (the blob is already in standard units).
    bool unitIsOne() const;
    //! blob / unit per channel, and back.
    Mat toStandard(const Mat& blob) const;
    Mat fromStandard(const Mat& standard) const;
    static BlobRange of(const Preprocessing& prep, int channels);
    //! Clamps an N x C x H x W blob to the range in place.
    void clamp(Mat& blob) const;
};

// ------------------------------------------------------------------------------------------------- objective

//! The objective f: a weighted sum of targets, evaluated on a tape together with its seeds.
class Objective
{
public:
    /** Checks the targets for a batch of `inputShape` (raises on unknown layers, positions outside a layer's shape,
    classes out of range, samples outside the batch). */
    Objective(const Explainer& explainer, const std::vector<Target>& terms, const MatShape& inputShape);

    //! f per sample and, when `seeds` is given, the seeds of its gradient (summed per layer).
    std::vector<double> evaluate(const Tape& tape, Seeds* seeds) const;

private:
    const Explainer& ex;
    std::vector<Target> terms;
};

// ------------------------------------------------------------------------------------------------- transforms

/** The random transformation of one step for one sample: an affine map from network-input pixel
coordinates (u, v) to image coordinates, x = A * (u, v, 1). */
typedef Matx23d Affine;

/** Transformations of a step: jitter, random scale and rotation, and the placement of the network window
in the image (random crop when the image is larger than the input, upscaling when it is smaller).
Deterministic in (seed, octave, iteration). */
std::vector<Affine> stepTransforms(const SynthesisParams& params, int batch, Size image, Size input, int octave,
                                   int iteration);

//! True when every transform is the identity and the sizes agree.
bool isIdentity(const std::vector<Affine>& transforms, Size image, Size input);

/** The random transformations of one step as bilinear sampling of the image on the network-input grid:
dst(n, c, v, u) = src(n, c, A_n (u, v)), positions outside the image read 0 (the mean colour). forward()
records the sampling taps that adjoint() scatters with. */
class Warp
{
public:
    Warp(const std::vector<Affine>& transforms, Size image, Size input);
    //! True when every transform is the identity and the sizes agree (forward and adjoint are copies).
    bool identity() const { return isIdentity_; }
    //! N x C x image -> N x C x input (dst is reused when it has that shape).
    void forward(const Mat& src, Mat& dst);
    //! The exact adjoint of forward() (called before): scatters input-grid gradients back onto the image grid.
    void adjoint(const Mat& gradDst, Mat& gradSrc) const;

    struct Taps
    {
        int count = 0;
        int offset[4];
        float weight[4];
    };

private:
    std::vector<Affine> A;
    Size image, input;
    bool isIdentity_, sampled = false;
    std::vector<Point> shift;                // per sample: integer shift, or (INT_MIN, 0) when bilinear
    std::vector<std::vector<Taps> > taps;    // per sample (bilinear only): taps of every input pixel
};

// ------------------------------------------------------------------------------------------------- parameterisations

//! How the optimised parameters become the image blob.
class Parameterization
{
public:
    virtual ~Parameterization() {}
    //! The N x C x H x W blob of the parameters (`blob` is reused when it has that shape).
    virtual void render(const Mat& params, Mat& blob) const = 0;
    /** Gradient w.r.t. the parameters from the gradient w.r.t. the blob (`blob` is the render of the parameters);
    `gradParams` may share memory with `gradBlob`. */
    virtual void backward(const Mat& blob, const Mat& gradBlob, Mat& gradParams) const = 0;
    //! Parameters whose render is `blob` (clamped to the valid range).
    virtual Mat encode(const Mat& blob) const = 0;
    //! Projects the parameters after an update (the pixels: clamping to the valid range).
    virtual void project(Mat& params) const = 0;
    //! Convenience: the render as a new Mat.
    Mat render(const Mat& params) const
    {
        Mat b;
        render(params, b);
        return b;
    }
};

//! The pixels themselves (the blob), clamped to the valid range.
Ptr<Parameterization> makePixelParameterization(const BlobRange& range);

/** Fourier coefficients (the real DFT's H x W numbers in OpenCV's CCS layout) scaled by 1/f^decay, then a colour
mixing by the normalised square root of a colour correlation matrix (identity when empty), then a sigmoid to the
valid range (Olah et al. 2017). `size` is the image size. */
Ptr<Parameterization> makeFourierParameterization(const BlobRange& range, Size size, int channels, double decay,
                                                  const Mat& colorMatrix);

//! The default colour correlation square root (Lucid, ImageNet, RGB), permuted to BGR when !rgb.
Mat defaultColorCorrelation(bool rgb);

// ------------------------------------------------------------------------------------------------- regularisers

//! Adds the gradient of -w * sum(x^2) to grad; returns w * sum(x^2) per sample.
std::vector<double> l2Penalty(const Mat& blob, double w, Mat& grad);
/** Adds the gradient of -w * TV(x) to grad, TV = sum over channels and pixels of (dx^2 + dy^2)^(beta/2)
(smoothed for beta < 2); returns w * TV per sample. */
std::vector<double> tvPenalty(const Mat& blob, double w, double beta, Mat& grad);
//! Gaussian blur of every plane of the blob in place.
void blurBlob(Mat& blob, double sigma);
//! Resets (to 0, the mean colour) the pixels whose colour norm is below the given percentile, per sample.
void clipSmallNorm(Mat& blob, double percentile);
//! Resets the pixels whose contribution sum_c |x * grad| is below the given percentile, per sample.
void clipSmallContribution(Mat& blob, const Mat& grad, double percentile);

}  // namespace synthesis
}  // namespace interp
}  // namespace cv

#endif
