// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// main() of the standalone GoogleTest build (the in-tree build uses modules/interp/test/test_main.cpp).
#include <gtest/gtest.h>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/interp.hpp>

#include <cstdio>
#include <cstring>

// --onednn-thread-pool: run the tests with OpenCV's loops on oneDNN's OpenMP threads (cv::interp::useOneDNNThreadPool,
// what the interp tool does) instead of OpenCV's own pool.
int main(int argc, char** argv)
{
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_WARNING);
    for (int i = 1; i < argc; i++)
        if (std::strcmp(argv[i], "--onednn-thread-pool") == 0)
        {
            if (!cv::interp::useOneDNNThreadPool())
            {
                std::fprintf(stderr, "--onednn-thread-pool: this build has no oneDNN on OpenMP\n");
                return 1;
            }
            for (int j = i; j + 1 < argc; j++)
                argv[j] = argv[j + 1];
            argc--;
            break;
        }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
