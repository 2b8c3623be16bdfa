// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Saliency maps as the metrics and the segmentation read them (internal).
#ifndef OPENCV_INTERP_MAP_UTILS_HPP
#define OPENCV_INTERP_MAP_UTILS_HPP

#include "precomp.hpp"

namespace cv {
namespace interp {

//! A single-channel map as float32 of `size` (bilinear), NaN read as 0; raises for an empty or multi-channel map.
inline Mat floatMapAt(InputArray map_, Size size)
{
    const Mat m = map_.getMat();
    if (m.empty() || m.dims != 2 || m.channels() != 1)
        CV_Error(Error::StsBadArg, "the saliency map must be a non-empty single-channel 2-D Mat");
    Mat f;
    m.convertTo(f, CV_32F);
    cv::patchNaNs(f, 0);
    if (f.size() != size)
        cv::resize(f, f, size, 0, 0, INTER_LINEAR);
    return f;
}

}  // namespace interp
}  // namespace cv

#endif
