// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// main() of the in-tree opencv_ts build (the standalone build uses the repository's test/main.cpp).
#include "test_precomp.hpp"

CV_TEST_MAIN("interp")
