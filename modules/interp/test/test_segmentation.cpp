// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Saliency -> GrabCut on hand-made scenes and maps with known answers.
#include "test_precomp.hpp"
#include "opencv2/interp/segmentation.hpp"

namespace opencv_test {
namespace {

//! A textured background with a differently coloured disk; returns the image and the disk's mask.
void makeScene(cv::Mat& image, cv::Mat& mask)
{
    image.create(96, 128, CV_8UC3);
    cv::RNG rng(5);
    for (int y = 0; y < image.rows; y++)
        for (int x = 0; x < image.cols; x++)
            image.at<cv::Vec3b>(y, x) = cv::Vec3b((uchar)(60 + 20 * std::sin(x * 0.3) + rng.uniform(0, 20)),
                                                  (uchar)(120 + rng.uniform(0, 25)), (uchar)(90 + 15 * std::cos(y * 0.2)));
    mask = cv::Mat::zeros(image.size(), CV_8U);
    cv::circle(mask, cv::Point(80, 40), 22, cv::Scalar(255), cv::FILLED);
    for (int y = 0; y < image.rows; y++)
        for (int x = 0; x < image.cols; x++)
            if (mask.at<uchar>(y, x))
                image.at<cv::Vec3b>(y, x) = cv::Vec3b((uchar)(30 + rng.uniform(0, 20)), (uchar)(40 + rng.uniform(0, 20)),
                                                      (uchar)(200 + rng.uniform(0, 30)));
}

TEST(Interp_Segmentation, saliency_on_the_object_recovers_it)
{
    cv::Mat image, truth;
    makeScene(image, truth);
    // a blurry, low-resolution saliency blob centred on the object, as Grad-CAM gives
    cv::Mat sal(12, 16, CV_32F);
    for (int y = 0; y < sal.rows; y++)
        for (int x = 0; x < sal.cols; x++)
            sal.at<float>(y, x) = std::exp(-((x - 10.) * (x - 10.) + (y - 5.) * (y - 5.)) / 6.0);
    cv::Mat mask, cutout, seeds;
    cv::interp::segmentFromSaliency(image, sal, mask, cv::interp::SegmentationParams(), cutout, seeds);
    ASSERT_EQ(mask.size(), image.size());
    EXPECT_GT(cv::interp::maskIoU(mask, truth), 0.9);
    // the cut-out keeps the object's pixels only
    EXPECT_EQ(cv::countNonZero(cutout.reshape(1) != 0) > 0, true);
    cv::Mat outside;
    cutout.copyTo(outside, ~mask);
    EXPECT_EQ(cv::norm(outside, cv::NORM_INF), 0.0);
    // seeds: the strongest 5% are sure foreground and inside the object
    cv::Mat fg = seeds == cv::GC_FGD;
    EXPECT_GT(cv::countNonZero(fg), 0);
    EXPECT_EQ(cv::countNonZero(fg & ~truth), 0);
}

TEST(Interp_Segmentation, inverted_and_constant_maps)
{
    cv::Mat image, truth;
    makeScene(image, truth);
    cv::Mat perfect;
    truth.convertTo(perfect, CV_32F, 1 / 255.0);
    cv::Mat mask;
    cv::interp::segmentFromSaliency(image, perfect, mask);
    const double good = cv::interp::maskIoU(mask, truth);
    EXPECT_GT(good, 0.9);
    cv::interp::segmentFromSaliency(image, 1.0 - perfect, mask);
    EXPECT_LT(cv::interp::maskIoU(mask, truth), 0.2) << "an inverted map segments the background";
    cv::interp::segmentFromSaliency(image, cv::Mat::ones(10, 10, CV_32F), mask);
    EXPECT_EQ(cv::countNonZero(mask), 0) << "a constant map selects nothing";
}

TEST(Interp_Segmentation, iou_by_hand_and_bad_inputs)
{
    cv::Mat a = cv::Mat::zeros(4, 4, CV_8U), b = cv::Mat::zeros(4, 4, CV_8U);
    a(cv::Rect(0, 0, 2, 2)).setTo(255);   // 4 pixels
    b(cv::Rect(1, 1, 2, 2)).setTo(1);     // 4 pixels, 1 shared
    EXPECT_DOUBLE_EQ(cv::interp::maskIoU(a, b), 1.0 / 7.0);
    EXPECT_DOUBLE_EQ(cv::interp::maskIoU(cv::Mat::zeros(3, 3, CV_8U), cv::Mat::zeros(3, 3, CV_8U)), 1.0);
    EXPECT_THROW(cv::interp::maskIoU(a, cv::Mat::zeros(5, 4, CV_8U)), cv::Exception);
    cv::Mat image, truth, mask;
    makeScene(image, truth);
    cv::Mat gray;
    cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
    EXPECT_THROW(cv::interp::segmentFromSaliency(gray, truth, mask), cv::Exception);
    EXPECT_THROW(cv::interp::segmentFromSaliency(image, cv::Mat(), mask), cv::Exception);
    cv::interp::SegmentationParams p;
    p.bgPercentile = 80;  // above the foreground band
    EXPECT_THROW(cv::interp::segmentFromSaliency(image, truth, mask, p), cv::Exception);
    p = cv::interp::SegmentationParams();
    p.iterations = 0;
    EXPECT_THROW(cv::interp::segmentFromSaliency(image, truth, mask, p), cv::Exception);
}

}  // namespace
}  // namespace opencv_test
