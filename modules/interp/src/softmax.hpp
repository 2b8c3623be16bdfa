// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The softmax of class scores, computed stably in double (internal; one definition for every method).
#ifndef OPENCV_INTERP_SOFTMAX_HPP
#define OPENCV_INTERP_SOFTMAX_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace cv {
namespace interp {

//! log(sum_i exp(a_i)), without overflow.
template<typename T>
double logSumExp(const T* a, size_t n)
{
    const double mx = (double)*std::max_element(a, a + n);
    double z = 0;
    for (size_t i = 0; i < n; i++)
        z += std::exp((double)a[i] - mx);
    return mx + std::log(z);
}

//! out[i] = exp(a_i) / sum_j exp(a_j).
template<typename T, typename U>
void softmax(const T* a, size_t n, U* out)
{
    const double lse = logSumExp(a, n);
    for (size_t i = 0; i < n; i++)
        out[i] = (U)std::exp((double)a[i] - lse);
}

}  // namespace interp
}  // namespace cv

#endif
