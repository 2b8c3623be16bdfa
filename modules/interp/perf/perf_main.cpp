// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// main() of the in-tree opencv_perf_interp (OpenCV's perf framework). The standalone build's Google Benchmark
// programs, with the PyTorch comparison, are in the repository's perf/ directory.
#include "perf_precomp.hpp"

CV_PERF_TEST_MAIN(interp)
