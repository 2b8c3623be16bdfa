// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Activation grids: each normalisation against hand-computed gray levels, the tiled layout, labels and colour maps,
// statistics, and the parsers.
#include "test_precomp.hpp"

namespace opencv_test {
namespace {

using cv::interp::ActivationGridParams;

/* 3 channels of 2 x 3:
   ch0 = 0 17 34 / 51 68 85, ch1 = all 0 (a dead channel), ch2 = -85 0 85 / 170 0 0.
   All 18 values sorted: -85, 0 x 10, 17, 34, 51, 68, 85, 85, 170. */
cv::Mat handMaps()
{
    const float v[] = { 0, 17, 34, 51, 68, 85, 0, 0, 0, 0, 0, 0, -85, 0, 85, 170, 0, 0 };
    return cv::Mat(std::vector<int>{ 3, 2, 3 }, CV_32F, (void*)v).clone();
}

std::vector<int> planeValues(const cv::Mat& planes, int k)
{
    const uchar* p = planes.ptr<uchar>(k);
    return std::vector<int>(p, p + planes.size[1] * planes.size[2]);
}

TEST(Interp_Activations, normalizations_match_hand_computation)
{
    const cv::Mat maps = handMaps();
    ActivationGridParams p;
    // per channel: ch0 [0, 85] -> x3; ch1 constant -> black; ch2 [-85, 170] -> +85
    p.normalization = cv::interp::NORMALIZE_CHANNEL;
    cv::Mat n = cv::interp::normalizeActivations(maps, p);
    ASSERT_EQ(n.dims, 3);
    EXPECT_EQ(planeValues(n, 0), std::vector<int>({ 0, 51, 102, 153, 204, 255 }));
    EXPECT_EQ(planeValues(n, 1), std::vector<int>({ 0, 0, 0, 0, 0, 0 }));
    EXPECT_EQ(planeValues(n, 2), std::vector<int>({ 0, 85, 170, 255, 85, 85 }));
    // global: one range [-85, 170] -> v + 85: the weaker channel 0 becomes darker than under per-channel scaling
    p.normalization = cv::interp::NORMALIZE_GLOBAL;
    n = cv::interp::normalizeActivations(maps, p);
    EXPECT_EQ(planeValues(n, 0), std::vector<int>({ 85, 102, 119, 136, 153, 170 }));
    EXPECT_EQ(planeValues(n, 1), std::vector<int>({ 85, 85, 85, 85, 85, 85 }));
    EXPECT_EQ(planeValues(n, 2), std::vector<int>({ 0, 85, 170, 255, 85, 85 }));
    // fixed [0, 85]: x3, clipped
    p = cv::interp::parseActivationNormalization("fixed:0,85");
    n = cv::interp::normalizeActivations(maps, p);
    EXPECT_EQ(planeValues(n, 0), std::vector<int>({ 0, 51, 102, 153, 204, 255 }));
    EXPECT_EQ(planeValues(n, 2), std::vector<int>({ 0, 0, 255, 255, 0, 0 }));
    // percentile P = 16/17: the P-th percentile is sorted[16] = 85, the (100-P)-th is sorted[1] = 0 -> as fixed:0,85
    p = cv::interp::parseActivationNormalization(cv::format("percentile:%.15f", 1600.0 / 17));
    n = cv::interp::normalizeActivations(maps, p);
    const std::vector<int> expected0 = { 0, 51, 102, 153, 204, 255 }, expected2 = { 0, 0, 255, 255, 0, 0 };
    for (int i = 0; i < 6; i++)
    {
        EXPECT_NEAR(planeValues(n, 0)[i], expected0[i], 1) << i;
        EXPECT_NEAR(planeValues(n, 2)[i], expected2[i], 1) << i;
    }
    // channel selection keeps the order
    p = ActivationGridParams();
    p.channels = { 2, 0 };
    n = cv::interp::normalizeActivations(maps, p);
    ASSERT_EQ(n.size[0], 2);
    EXPECT_EQ(planeValues(n, 0), std::vector<int>({ 0, 85, 170, 255, 85, 85 }));
    p.channels = { 3 };
    EXPECT_THROW(cv::interp::normalizeActivations(maps, p), cv::Exception);
    // the same sample as 1 x C x H x W
    cv::Mat four = maps.reshape(1, std::vector<int>{ 1, 3, 2, 3 });
    EXPECT_EQ(cv::norm(cv::interp::normalizeActivations(four).reshape(1, 1),
                       cv::interp::normalizeActivations(maps).reshape(1, 1), cv::NORM_INF), 0);
    // two samples are refused with a message saying what to pass
    cv::Mat two(std::vector<int>{ 2, 3, 2, 3 }, CV_32F, cv::Scalar(0));
    EXPECT_THROW(cv::interp::normalizeActivations(two), cv::Exception);
}

TEST(Interp_Activations, grid_layout_labels_and_colormap)
{
    const cv::Mat maps = handMaps();
    ActivationGridParams p;
    p.scale = 4;
    p.gap = 2;
    p.columns = 2;
    p.labels = false;
    const cv::Mat grid = cv::interp::renderActivationGrid(maps, p);
    // 3 tiles of 8 x 12 in 2 columns: 2 rows
    ASSERT_EQ(grid.type(), CV_8UC1);
    ASSERT_EQ(grid.size(), cv::Size(2 * 12 + 3 * 2, 2 * 8 + 3 * 2));
    const cv::Mat planes = cv::interp::normalizeActivations(maps, p);
    for (int k = 0; k < 3; k++)
    {
        const cv::Rect tile(2 + (k % 2) * 14, 2 + (k / 2) * 10, 12, 8);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 12; x++)
                ASSERT_EQ(grid.at<uchar>(tile.y + y, tile.x + x), planes.ptr<uchar>(k)[(y / 4) * 3 + x / 4])
                    << "tile " << k << " is the nearest-neighbour enlargement of its map";
    }
    EXPECT_EQ(grid.at<uchar>(0, 0), 160) << "gaps have the background level";
    EXPECT_EQ(grid.at<uchar>(12, 20), 160) << "the unused last cell is background";

    // labels change only a corner of each tile (tiles must be at least 16 px high)
    p.scale = 8;
    p.labels = false;
    const cv::Mat plain = cv::interp::renderActivationGrid(maps, p);
    p.labels = true;
    const cv::Mat labelled = cv::interp::renderActivationGrid(maps, p);
    cv::Mat diff = plain != labelled;
    EXPECT_GT(cv::countNonZero(diff), 0);
    const cv::Rect firstTile(2, 2, 24, 16);
    EXPECT_EQ(cv::countNonZero(diff(firstTile).colRange(16, 24)), 0) << "the label stays in the top-left corner";

    // colour maps: the colour-mapped gray tile
    p.labels = false;
    p.colormap = cv::COLORMAP_VIRIDIS;
    const cv::Mat colour = cv::interp::renderActivationGrid(maps, p);
    ASSERT_EQ(colour.type(), CV_8UC3);
    cv::Mat expected;
    cv::applyColorMap(plain(firstTile), expected, cv::COLORMAP_VIRIDIS);
    EXPECT_EQ(cv::norm(colour(firstTile), expected, cv::NORM_INF), 0);
}

TEST(Interp_Activations, statistics_match_hand_computation)
{
    const cv::interp::ActivationStats s = cv::interp::activationStats(handMaps());
    EXPECT_EQ(s.channels, 3);
    EXPECT_EQ(s.height, 2);
    EXPECT_EQ(s.width, 3);
    EXPECT_DOUBLE_EQ(s.zeroFraction, 10.0 / 18);
    EXPECT_DOUBLE_EQ(s.negativeFraction, 1.0 / 18);
    EXPECT_EQ(s.deadChannels, 1);
    EXPECT_EQ(s.minValue, -85);
    EXPECT_EQ(s.maxValue, 170);
    EXPECT_NEAR(s.mean, 425.0 / 18, 1e-9);
    EXPECT_NEAR(s.p99, 85 + (0.99 * 17 - 16) * 85, 1e-9);  // between sorted[16] = 85 and sorted[17] = 170
}

TEST(Interp_Activations, parsers_explain_bad_input)
{
    EXPECT_EQ(cv::interp::parseIndexList("0-3,7,2", 10), std::vector<int>({ 0, 1, 2, 3, 7 }));
    EXPECT_EQ(cv::interp::parseIndexList("9", 10), std::vector<int>({ 9 }));
    try
    {
        cv::interp::parseIndexList("0-15,42", 16);
        ADD_FAILURE() << "expected an exception";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("index 42"), std::string::npos) << e.err;
        EXPECT_NE(e.err.find("0-15"), std::string::npos) << e.err;
    }
    EXPECT_THROW(cv::interp::parseIndexList("5-2", 10), cv::Exception);
    EXPECT_THROW(cv::interp::parseIndexList("a", 10), cv::Exception);
    EXPECT_THROW(cv::interp::parseIndexList("", 10), cv::Exception);
    EXPECT_THROW(cv::interp::parseIndexList("-1", 10), cv::Exception);

    EXPECT_EQ(cv::interp::parseActivationNormalization("channel").normalization, cv::interp::NORMALIZE_CHANNEL);
    EXPECT_EQ(cv::interp::parseActivationNormalization("global").normalization, cv::interp::NORMALIZE_GLOBAL);
    const ActivationGridParams f = cv::interp::parseActivationNormalization("fixed:-1.5,2");
    EXPECT_EQ(f.normalization, cv::interp::NORMALIZE_FIXED);
    EXPECT_EQ(f.low, -1.5);
    EXPECT_EQ(f.high, 2);
    const ActivationGridParams q = cv::interp::parseActivationNormalization("percentile:99");
    EXPECT_EQ(q.normalization, cv::interp::NORMALIZE_PERCENTILE);
    EXPECT_EQ(q.percentile, 99);
    for (const char* bad : { "fixed:2,1", "fixed:1", "percentile:40", "percentile:x", "minmax" })
    {
        try
        {
            cv::interp::parseActivationNormalization(bad);
            ADD_FAILURE() << bad << ": expected an exception";
        }
        catch (const cv::Exception& e)
        {
            EXPECT_NE(e.err.find("percentile:P"), std::string::npos) << bad << ": the message lists the valid forms: " << e.err;
        }
    }
}

TEST(Interp_Activations, grid_of_a_network_layer)
{
    const std::string model = interp_test::dataPath("reference/alexnet/model.onnx");
    ASSERT_TRUE(interp_test::fileExists(model)) << model << " is missing (data/reference)";
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(model);
    cv::Mat x = interp_test::randomBlob({ 1, 3, 31, 31 }, -2, 2, 8);
    const cv::Mat act = ex->forward(x)->output("relu2");  // 1 x 12 x 7 x 7
    ActivationGridParams p;
    p.labels = false;
    p.gap = 1;
    const cv::Mat grid = cv::interp::renderActivationGrid(act, p);
    // 12 tiles: 4 columns (ceil(sqrt(12))), 3 rows; 7 px maps enlarged by 7 to 49 px tiles
    EXPECT_EQ(grid.size(), cv::Size(4 * 49 + 5, 3 * 49 + 4));
    // tile of channel 5 is the channel's map scaled by its own maximum (ReLU: minimum 0 unless the map is all positive)
    cv::Mat map(7, 7, CV_32F, (void*)act.ptr<float>(0, 5));
    double lo, hi;
    cv::minMaxLoc(map, &lo, &hi);
    ASSERT_GT(hi, lo);
    const cv::Rect tile(1 + 1 * 50, 1 + 1 * 50, 49, 49);
    for (int y = 0; y < 7; y++)
        for (int x2 = 0; x2 < 7; x2++)
        {
            const double expected = (map.at<float>(y, x2) - lo) * 255.0 / (hi - lo);
            EXPECT_NEAR(grid(tile).at<uchar>(y * 7 + 3, x2 * 7 + 3), expected, 0.5 + 1e-6);
        }
}

}  // namespace
}  // namespace opencv_test
