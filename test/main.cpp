// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// main() of the standalone GoogleTest build (the in-tree build uses modules/interp/test/test_main.cpp).
#include <gtest/gtest.h>
#include <opencv2/core/utils/logger.hpp>

int main(int argc, char** argv)
{
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_WARNING);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
