// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_PERF_PRECOMP_HPP
#define OPENCV_INTERP_PERF_PRECOMP_HPP

#include "opencv2/ts.hpp"
#include "opencv2/interp.hpp"

#endif
