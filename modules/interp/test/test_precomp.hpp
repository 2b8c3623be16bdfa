// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_TEST_PRECOMP_HPP
#define OPENCV_INTERP_TEST_PRECOMP_HPP

// The same test sources build two ways: inside OpenCV with opencv_ts (CV_TEST_MAIN in test_main.cpp), and
// standalone with plain GoogleTest (INTERP_STANDALONE_TESTS, see the top-level test/CMakeLists.txt).
#ifdef INTERP_STANDALONE_TESTS
#include <gtest/gtest.h>
#else
#include "opencv2/ts.hpp"
#endif

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/imgcodecs.hpp>
#include "opencv2/interp.hpp"

#include "test_common.hpp"

#endif
