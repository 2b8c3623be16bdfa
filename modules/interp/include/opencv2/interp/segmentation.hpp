// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_SEGMENTATION_HPP
#define OPENCV_INTERP_SEGMENTATION_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_segmentation
//! @{

/** @brief How a saliency map seeds GrabCut (Rother et al. 2004).

The map (after smoothing) is cut by percentiles of its values: pixels above `fgPercentile` are sure foreground
(GC_FGD), between `probableFgPercentile` and `fgPercentile` probable foreground (GC_PR_FGD), below `bgPercentile`
sure background (GC_BGD), the rest probable background (GC_PR_BGD). Defaults follow the lecture's recipe of
trusting only the strongest and weakest saliency.
*/
struct CV_EXPORTS_W_SIMPLE SegmentationParams
{
    CV_WRAP SegmentationParams()
        : fgPercentile(95), probableFgPercentile(70), bgPercentile(30), smoothSigma(0.02), iterations(5) {}

    CV_PROP_RW double fgPercentile;          //!< values above this percentile of the map -> GC_FGD
    CV_PROP_RW double probableFgPercentile;  //!< values above this percentile -> GC_PR_FGD
    CV_PROP_RW double bgPercentile;          //!< values below this percentile -> GC_BGD
    /** Gaussian smoothing of the map before thresholding, sigma as a fraction of the image diagonal
    (gradient maps are speckled; 0 disables). */
    CV_PROP_RW double smoothSigma;
    CV_PROP_RW int iterations;               //!< GrabCut iterations
};

/** @brief Object segmentation without supervision: a saliency map seeds cv::grabCut on the image.
@param image 8-bit 3-channel image (the original, at any size)
@param saliency H x W map of any size and type (resized to the image bilinearly); larger = more salient
@param mask out: CV_8U, 255 on the object, 0 elsewhere
@param params thresholds, smoothing and iterations
@param cutout out (optional): the image with the background set to black
@param seeds out (optional): the initial GrabCut mask (GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD values)
@cite rother2004grabcut @cite simonyan2014deep
*/
CV_EXPORTS_W void segmentFromSaliency(InputArray image, InputArray saliency, OutputArray mask,
                                      const SegmentationParams& params = SegmentationParams(),
                                      OutputArray cutout = noArray(), OutputArray seeds = noArray());

/** @brief The GrabCut seed mask alone (what segmentFromSaliency() starts from), at the size of `imageSize`. */
CV_EXPORTS_W Mat saliencySeeds(InputArray saliency, Size imageSize, const SegmentationParams& params = SegmentationParams());

//! Intersection over union of two binary masks (non-zero = inside); 1 when both are empty.
CV_EXPORTS_W double maskIoU(InputArray a, InputArray b);

//! @}

}  // namespace interp
}  // namespace cv

#endif
