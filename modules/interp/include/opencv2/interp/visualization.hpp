// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_VISUALIZATION_HPP
#define OPENCV_INTERP_VISUALIZATION_HPP

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/interp/model.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_attribution
//! @{

/** @brief Scales a map to [0, 1] after clipping it to two of its percentiles.

Values at or below the `lowPercentile`-th percentile become 0, at or above the `highPercentile`-th become 1, the
rest are scaled linearly (0 and 100 give min-max scaling; SmoothGrad figures use 99 as the high percentile).
A constant map gives zeros.
@param map a single-channel map (any depth)
@param lowPercentile 0..100
@param highPercentile 0..100, above lowPercentile
@return float32 map of the same size
*/
CV_EXPORTS_W Mat normalizeMap(InputArray map, double lowPercentile = 0, double highPercentile = 100);

//! The map as an 8-bit grayscale image: 255 * normalizeMap(map, lowPercentile, highPercentile).
CV_EXPORTS_W Mat mapToGray(InputArray map, double lowPercentile = 0, double highPercentile = 100);

/** @brief The map as an 8-bit BGR heatmap: cv::applyColorMap of mapToGray(map, 0, highPercentile).
@param map a single-channel map
@param colormap one of cv::ColormapTypes
@param highPercentile see normalizeMap()
*/
CV_EXPORTS_W Mat heatmap(InputArray map, int colormap = COLORMAP_JET, double highPercentile = 100);

/** @brief The heatmap of a map over an image, in one call, as pytorch-grad-cam's `show_cam_on_image`:
out = alpha * heat + (1 - alpha) * image (both in [0, 1]), divided by its maximum, as 8-bit BGR.

The map is min-max normalised (after clipping at `highPercentile`) and resized bilinearly to the image when the
sizes differ.
@param image 8-bit BGR or grayscale image
@param map a single-channel map
@param alpha weight of the heatmap, 0..1 (pytorch-grad-cam's image_weight is 1 - alpha)
@param colormap one of cv::ColormapTypes
@param highPercentile see normalizeMap()
*/
CV_EXPORTS_W Mat overlayHeatmap(InputArray image, InputArray map, double alpha = 0.5, int colormap = COLORMAP_JET,
                                double highPercentile = 100);

/** @brief overlayHeatmap() on the original image a blob was made from: the map (network input size) is first
placed back onto the image with Preprocessing::mapToImage(), undoing the resize and the centre crop; the parts the
network did not see get the map's minimum.
@param original the image before preprocessing (8-bit BGR or grayscale)
@param map a map at the network's input size
@param preprocessing how the blob was made from `original`
@param alpha weight of the heatmap, 0..1
@param colormap one of cv::ColormapTypes
@param highPercentile see normalizeMap()
*/
CV_EXPORTS_W Mat overlayOnOriginal(InputArray original, InputArray map, const Preprocessing& preprocessing,
                                   double alpha = 0.5, int colormap = COLORMAP_JET, double highPercentile = 100);

/** @brief The normalisation used for guided-backpropagation figures: per image, centre the attribution on its
mean, divide by its standard deviation, multiply by `k`, add 0.5, clip to [0, 1] and scale to 0..255. Zero
attribution shows as mid-gray.
@param attribution N x C x H x W float32 (C = 1 or 3), e.g. Attribution::attribution
@param index which image of the batch
@param k multiple of the standard deviation (0.1 is the customary value)
@param swapRB swap the first and third channel (RGB networks: gives a BGR image)
@return 8-bit image, 3 channels when C = 3, else 1
*/
CV_EXPORTS_W Mat gradientImage(const Mat& attribution, int index = 0, double k = 0.1, bool swapRB = false);

/** @brief Places images side by side (or in rows of `columns`), with `gap` pixels of `background` between them.
Images are converted to 8-bit BGR; one of another height than the first is scaled to that height, keeping its aspect
ratio (photos of different shapes), and each row is as wide as its images. */
CV_EXPORTS_W Mat tileImages(const std::vector<Mat>& images, int columns = 0, int gap = 2,
                            const Scalar& background = Scalar::all(255));

//! @}

}  // namespace interp
}  // namespace cv

#endif
