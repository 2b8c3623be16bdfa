// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Visualisation helpers against hand computations: percentile normalisation, heatmaps, overlays (also onto the
// original pre-crop image), the gradient-image normalisation, tiling, and their argument errors.
#include "test_precomp.hpp"

namespace opencv_test {
namespace {

namespace ci = cv::interp;

TEST(Interp_Visualization, normalize_map_min_max_and_percentiles)
{
    cv::Mat m = (cv::Mat_<float>(2, 2) << 0, 1, 2, 3);
    cv::Mat n = ci::normalizeMap(m);
    EXPECT_FLOAT_EQ(n.at<float>(0, 1), 1.f / 3);
    EXPECT_FLOAT_EQ(n.at<float>(1, 0), 2.f / 3);
    EXPECT_FLOAT_EQ(n.at<float>(1, 1), 1.f);
    EXPECT_EQ(n.type(), CV_32F);
    // 0..99: numpy.percentile(v, 10) = 9.9, numpy.percentile(v, 90) = 89.1 (linear interpolation)
    cv::Mat v(10, 10, CV_64F);
    for (int i = 0; i < 100; i++)
        v.at<double>(i / 10, i % 10) = i;
    cv::Mat p = ci::normalizeMap(v, 10, 90);
    EXPECT_FLOAT_EQ(p.at<float>(0, 5), 0.f);                         // 5 < 9.9
    EXPECT_NEAR(p.at<float>(5, 0), (50 - 9.9) / (89.1 - 9.9), 1e-6);  // 50
    EXPECT_FLOAT_EQ(p.at<float>(9, 5), 1.f);                         // 95 > 89.1
    // constant map: zeros; clipping value equal to the minimum: only larger values show
    EXPECT_EQ(cv::countNonZero(ci::normalizeMap(cv::Mat(3, 3, CV_32F, cv::Scalar(4)))), 0);
    cv::Mat sparse(4, 4, CV_32F, cv::Scalar(0));
    sparse.at<float>(2, 1) = 5;
    cv::Mat s = ci::normalizeMap(sparse, 0, 50);
    EXPECT_EQ(cv::countNonZero(s), 1);
    EXPECT_FLOAT_EQ(s.at<float>(2, 1), 1.f);
    // 8-bit gray: 255 * normalised
    cv::Mat g = ci::mapToGray(m);
    EXPECT_EQ(g.type(), CV_8U);
    EXPECT_EQ(g.at<uchar>(0, 0), 0);
    EXPECT_EQ(g.at<uchar>(0, 1), 85);
    EXPECT_EQ(g.at<uchar>(1, 0), 170);
    EXPECT_EQ(g.at<uchar>(1, 1), 255);
}

TEST(Interp_Visualization, heatmap_is_colormap_of_normalised_map)
{
    cv::Mat m = (cv::Mat_<float>(2, 2) << -1, 0, 1, 3);
    cv::Mat gray = (cv::Mat_<uchar>(2, 2) << 0, 64, 128, 255);  // (m + 1) / 4 * 255, rounded
    for (int cmap : { (int)cv::COLORMAP_JET, (int)cv::COLORMAP_VIRIDIS, (int)cv::COLORMAP_INFERNO })
    {
        cv::Mat expected;
        cv::applyColorMap(gray, expected, cmap);
        cv::Mat h = ci::heatmap(m, cmap);
        ASSERT_EQ(h.type(), CV_8UC3);
        EXPECT_EQ(cv::norm(h, expected, cv::NORM_INF), 0) << "colormap " << cmap;
    }
    // JET: minimum dark blue, maximum dark red (BGR)
    cv::Mat h = ci::heatmap(m);
    EXPECT_GT(h.at<cv::Vec3b>(0, 0)[0], 100);
    EXPECT_EQ(h.at<cv::Vec3b>(0, 0)[2], 0);
    EXPECT_GT(h.at<cv::Vec3b>(1, 1)[2], 100);
    EXPECT_EQ(h.at<cv::Vec3b>(1, 1)[0], 0);
}

//! show_cam_on_image by hand: alpha * heat + (1 - alpha) * image in [0, 1], divided by the maximum, times 255.
cv::Mat overlayByHand(const cv::Mat& image, const cv::Mat& heat, double alpha)
{
    cv::Mat cam(image.size(), CV_64FC3);
    double mx = 0;
    for (int y = 0; y < image.rows; y++)
        for (int x = 0; x < image.cols; x++)
            for (int c = 0; c < 3; c++)
            {
                const double v = alpha * heat.at<cv::Vec3b>(y, x)[c] / 255.0 + (1 - alpha) * image.at<cv::Vec3b>(y, x)[c] / 255.0;
                cam.at<cv::Vec3d>(y, x)[c] = v;
                mx = std::max(mx, v);
            }
    cv::Mat out(image.size(), CV_8UC3);
    for (int y = 0; y < image.rows; y++)
        for (int x = 0; x < image.cols; x++)
            for (int c = 0; c < 3; c++)
                out.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(255.0 * cam.at<cv::Vec3d>(y, x)[c] / mx);
    return out;
}

TEST(Interp_Visualization, overlay_matches_show_cam_on_image)
{
    cv::Mat image(2, 2, CV_8UC3);
    cv::randu(image, 0, 200);
    cv::Mat m = (cv::Mat_<float>(2, 2) << 0, 1, 2, 3);
    cv::Mat gray = (cv::Mat_<uchar>(2, 2) << 0, 85, 170, 255);
    cv::Mat heat;
    cv::applyColorMap(gray, heat, cv::COLORMAP_JET);
    for (double alpha : { 0.0, 0.3, 0.5, 1.0 })
    {
        cv::Mat o = ci::overlayHeatmap(image, m, alpha);
        EXPECT_LE(cv::norm(o, overlayByHand(image, heat, alpha), cv::NORM_INF), 1) << "alpha " << alpha;
    }
    // grayscale image: treated as BGR gray
    cv::Mat g8(2, 2, CV_8U, cv::Scalar(100)), g3(2, 2, CV_8UC3, cv::Scalar::all(100));
    EXPECT_EQ(cv::norm(ci::overlayHeatmap(g8, m), ci::overlayHeatmap(g3, m), cv::NORM_INF), 0);
    // a smaller map is resized onto the image: the hot side stays on the right
    cv::Mat big(20, 40, CV_8UC3, cv::Scalar::all(128));
    cv::Mat lr = (cv::Mat_<float>(1, 2) << 0, 1);
    cv::Mat o = ci::overlayHeatmap(big, lr, 1.0);
    ASSERT_EQ(o.size(), big.size());
    EXPECT_GT(o.at<cv::Vec3b>(10, 39)[2], o.at<cv::Vec3b>(10, 0)[2]);
    EXPECT_GT(o.at<cv::Vec3b>(10, 0)[0], o.at<cv::Vec3b>(10, 39)[0]);
}

TEST(Interp_Visualization, overlay_on_original_undoes_resize_and_crop)
{
    // An 8 x 4 (W x H) image, network input 4 x 4 with a centre crop: the network sees columns 2..5.
    cv::Mat image(4, 8, CV_8UC3);
    cv::randu(image, 0, 255);
    ci::Preprocessing prep;
    prep.size = cv::Size(4, 4);
    prep.crop = true;
    cv::Mat map(4, 4, CV_32F);
    for (int i = 0; i < 16; i++)
        map.at<float>(i / 4, i % 4) = (float)(i % 5);
    // by hand: normalise (min 0, max 4), place at columns 2..5 (scale 1), 0 elsewhere
    cv::Mat placed(4, 8, CV_32F, cv::Scalar(0));
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            placed.at<float>(y, x + 2) = map.at<float>(y, x) / 4.f;
    cv::Mat gray;
    placed.convertTo(gray, CV_8U, 255);
    cv::Mat heat;
    cv::applyColorMap(gray, heat, cv::COLORMAP_JET);
    cv::Mat o = ci::overlayOnOriginal(image, map, prep, 0.4);
    ASSERT_EQ(o.size(), image.size());
    EXPECT_LE(cv::norm(o, overlayByHand(image, heat, 0.4), cv::NORM_INF), 1);
    // without crop the map is stretched over the whole image
    prep.crop = false;
    cv::Mat stretched;
    cv::resize(ci::normalizeMap(map), stretched, image.size(), 0, 0, cv::INTER_LINEAR);
    EXPECT_LE(cv::norm(ci::overlayOnOriginal(image, map, prep, 0.4), ci::overlayHeatmap(image, stretched, 0.4),
                       cv::NORM_INF), 1);
}

TEST(Interp_Visualization, gradient_image_centres_and_scales_by_std)
{
    // one image, 3 channels, 1 x 2 pixels: values 1, 3, -2, 0, 5, 5 (mean 2, population std sqrt(34/6))
    float v[] = { 1, 3, -2, 0, 5, 5 };
    cv::Mat a(std::vector<int>{ 1, 3, 1, 2 }, CV_32F, v);
    const double mean = 2, sd = std::sqrt((1 + 1 + 16 + 4 + 9 + 9) / 6.0), k = 0.3;
    cv::Mat img = ci::gradientImage(a, 0, k);
    ASSERT_EQ(img.type(), CV_8UC3);
    for (int c = 0; c < 3; c++)
        for (int x = 0; x < 2; x++)
        {
            const double e = 255 * std::min(1.0, std::max(0.0, 0.5 + k * (v[c * 2 + x] - mean) / (sd + 1e-5)));
            EXPECT_NEAR(img.at<cv::Vec3b>(0, x)[c], e, 0.51) << "channel " << c << " x " << x;
        }
    cv::Mat swapped = ci::gradientImage(a, 0, k, true);
    EXPECT_EQ(swapped.at<cv::Vec3b>(0, 1)[0], img.at<cv::Vec3b>(0, 1)[2]);
    EXPECT_EQ(swapped.at<cv::Vec3b>(0, 1)[2], img.at<cv::Vec3b>(0, 1)[0]);
    // zero attribution: mid-gray
    cv::Mat z = ci::gradientImage(cv::Mat(std::vector<int>{ 2, 1, 3, 3 }, CV_32F, cv::Scalar(0)), 1);
    EXPECT_EQ(z.type(), CV_8UC1);
    EXPECT_EQ(cv::countNonZero(z != 128), 0);
}

TEST(Interp_Visualization, tile_images_with_gap)
{
    cv::Mat a(2, 3, CV_8UC3, cv::Scalar(10, 20, 30)), b(2, 3, CV_8U, cv::Scalar(50)), c(2, 3, CV_8UC3, cv::Scalar::all(90));
    cv::Mat row = ci::tileImages({ a, b, c }, 0, 1, cv::Scalar(255, 0, 255));
    ASSERT_EQ(row.size(), cv::Size(3 * 3 + 2, 2));
    EXPECT_EQ(row.at<cv::Vec3b>(1, 2), cv::Vec3b(10, 20, 30));
    EXPECT_EQ(row.at<cv::Vec3b>(0, 3), cv::Vec3b(255, 0, 255));
    EXPECT_EQ(row.at<cv::Vec3b>(0, 4), cv::Vec3b(50, 50, 50));
    cv::Mat grid = ci::tileImages({ a, b, c }, 2, 0);
    ASSERT_EQ(grid.size(), cv::Size(6, 4));
    EXPECT_EQ(grid.at<cv::Vec3b>(3, 0), cv::Vec3b(90, 90, 90));
    EXPECT_EQ(grid.at<cv::Vec3b>(3, 5), cv::Vec3b(255, 255, 255));
    EXPECT_THROW(ci::tileImages({ a, cv::Mat(3, 3, CV_8UC2) }), cv::Exception);
}

TEST(Interp_Visualization, tile_images_of_different_shapes_keep_their_aspect_ratio)
{
    // Photos of other shapes are scaled to the first one's height: a 4 x 8 image next to a 2 x 3 one becomes 2 x 4.
    cv::Mat a(2, 3, CV_8UC3, cv::Scalar::all(10)), wide(4, 8, CV_8UC3, cv::Scalar::all(200));
    cv::Mat row = ci::tileImages({ a, wide, a }, 0, 1);
    ASSERT_EQ(row.size(), cv::Size(3 + 1 + 4 + 1 + 3, 2));
    EXPECT_EQ(row.at<cv::Vec3b>(1, 4), cv::Vec3b::all(200));
    EXPECT_EQ(row.at<cv::Vec3b>(1, 7), cv::Vec3b::all(200));
    EXPECT_EQ(row.at<cv::Vec3b>(1, 9), cv::Vec3b::all(10));
    // Rows of different widths: the canvas is as wide as the widest, the rest is background.
    cv::Mat grid = ci::tileImages({ a, wide, a }, 2, 0);
    ASSERT_EQ(grid.size(), cv::Size(7, 4));
    EXPECT_EQ(grid.at<cv::Vec3b>(3, 2), cv::Vec3b::all(10));
    EXPECT_EQ(grid.at<cv::Vec3b>(3, 3), cv::Vec3b::all(255));
}

TEST(Interp_Visualization, bad_arguments_raise)
{
    cv::Mat m(4, 4, CV_32F, cv::Scalar(1)), img(4, 4, CV_8UC3, cv::Scalar::all(0));
    EXPECT_THROW(ci::normalizeMap(m, 50, 40), cv::Exception);
    EXPECT_THROW(ci::normalizeMap(m, -1, 100), cv::Exception);
    EXPECT_THROW(ci::normalizeMap(cv::Mat(4, 4, CV_32FC3)), cv::Exception);
    EXPECT_THROW(ci::normalizeMap(cv::Mat()), cv::Exception);
    cv::Mat nan(2, 2, CV_32F, cv::Scalar(std::numeric_limits<float>::quiet_NaN()));
    EXPECT_THROW(ci::normalizeMap(nan), cv::Exception);
    EXPECT_THROW(ci::heatmap(m, 99), cv::Exception);
    EXPECT_THROW(ci::overlayHeatmap(img, m, 1.5), cv::Exception);
    EXPECT_THROW(ci::overlayHeatmap(cv::Mat(4, 4, CV_32FC3), m), cv::Exception);
    EXPECT_THROW(ci::gradientImage(m), cv::Exception);
    EXPECT_THROW(ci::gradientImage(cv::Mat(std::vector<int>{ 1, 3, 2, 2 }, CV_32F, cv::Scalar(0)), 1), cv::Exception);
    EXPECT_THROW(ci::tileImages(std::vector<cv::Mat>()), cv::Exception);
}

}  // namespace
}  // namespace opencv_test
