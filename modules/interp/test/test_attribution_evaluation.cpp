// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Evaluating attributions: Spearman correlation and the pointing game by hand; the pointing game on the embedded
// test scenes (Grad-CAM and gradient saliency well above a random point); the cascading randomisation sanity check
// of Adebayo et al. 2018 on the trained AlexNet.
#include "test_precomp.hpp"

#include <fstream>
#include <sstream>

namespace opencv_test {
namespace {

namespace ci = cv::interp;
using cv::interp::Target;

TEST(Interp_AttributionEvaluation, spearman_matches_hand_computation)
{
    // ranks (1,2,3,4) vs (1,3,2,4): d^2 = 2, rho = 1 - 6 * 2 / (4 * 15) = 0.8
    cv::Mat a = (cv::Mat_<float>(2, 2) << 10, 20, 30, 40), b = (cv::Mat_<float>(2, 2) << 1, 3, 2, 9);
    EXPECT_NEAR(ci::spearmanCorrelation(a, b), 0.8, 1e-12);
    EXPECT_NEAR(ci::spearmanCorrelation(a, -a), -1.0, 1e-12);
    EXPECT_NEAR(ci::spearmanCorrelation(a, a.mul(a)), 1.0, 1e-12);  // monotone transform
    // ties get average ranks: x = (0, 0, 1, 2) -> (1.5, 1.5, 3, 4); y = (1, 2, 3, 4)
    // Pearson of ranks: x - 2.5 = (-1, -1, 0.5, 1.5), y - 2.5 = (-1.5, -0.5, 0.5, 1.5):
    // sxy = 1.5 + 0.5 + 0.25 + 2.25 = 4.5, sxx = 4.5, syy = 5 -> 4.5 / sqrt(22.5)
    cv::Mat x = (cv::Mat_<double>(1, 4) << 0, 0, 1, 2), y = (cv::Mat_<double>(1, 4) << 1, 2, 3, 4);
    EXPECT_NEAR(ci::spearmanCorrelation(x, y), 4.5 / std::sqrt(22.5), 1e-12);
    EXPECT_EQ(ci::spearmanCorrelation(cv::Mat::zeros(2, 2, CV_32F), a), 0.0);
    EXPECT_THROW(ci::spearmanCorrelation(a, cv::Mat::zeros(3, 3, CV_32F)), cv::Exception);
}

TEST(Interp_AttributionEvaluation, pointing_game_by_hand)
{
    cv::Mat mask(10, 10, CV_8U, cv::Scalar(0));
    mask(cv::Rect(2, 2, 3, 3)).setTo(255);
    cv::Mat map(10, 10, CV_32F, cv::Scalar(0));
    map.at<float>(3, 3) = 1;
    EXPECT_TRUE(ci::pointingGameHit(map, mask));
    map.at<float>(8, 8) = 2;  // now the maximum is outside, 4.2 px from the mask corner (4, 4)... (8-4, 8-4)
    EXPECT_FALSE(ci::pointingGameHit(map, mask));
    EXPECT_FALSE(ci::pointingGameHit(map, mask, 5));  // distance sqrt(32) = 5.66
    EXPECT_TRUE(ci::pointingGameHit(map, mask, 6));
    EXPECT_FALSE(ci::pointingGameHit(cv::Mat::zeros(10, 10, CV_32F), mask));  // a constant map does not point
    // a smaller map is compared at the mask's size: 2 x 2 with the bottom-right hot -> the maximum is in the
    // bottom-right 3 x 3 corner of the upsampled map (first maximum in row-major order: (7, 7))
    cv::Mat small = (cv::Mat_<float>(2, 2) << 0, 0, 0, 1);
    cv::Mat corner(10, 10, CV_8U, cv::Scalar(0));
    corner(cv::Rect(7, 7, 1, 1)).setTo(255);
    EXPECT_TRUE(ci::pointingGameHit(small, corner));
    EXPECT_FALSE(ci::pointingGameHit(small, mask));
    EXPECT_THROW(ci::pointingGameHit(map, cv::Mat(10, 10, CV_32F)), cv::Exception);
    EXPECT_THROW(ci::pointingGameHit(map, mask, -1), cv::Exception);
}

//! Test scenes (every `step`-th) with labels and masks.
struct Scenes
{
    std::vector<cv::Mat> images, masks;
    std::vector<int> labels;
    std::vector<std::string> files;
    Scenes(int step)
    {
        const std::string dir = interp_test::dataPath("scenes/test");
        std::ifstream f(dir + "/labels.csv");
        std::string line;
        std::getline(f, line);  // header: file,label,class_name,x,y,w,h
        for (int i = 0; std::getline(f, line); i++)
        {
            if (i % step)
                continue;
            std::stringstream ss(line);
            std::string file, label;
            std::getline(ss, file, ',');
            std::getline(ss, label, ',');
            files.push_back(file);
            labels.push_back(std::stoi(label));
            images.push_back(cv::imread(dir + "/" + file, cv::IMREAD_COLOR));
            masks.push_back(cv::imread(dir + "/masks/" + file, cv::IMREAD_GRAYSCALE));
            CV_Assert(!images.back().empty() && !masks.back().empty());
        }
    }
    //! Mean fraction of pixels inside the masks: the hit rate of a uniformly random point.
    double randomRate() const
    {
        double s = 0;
        for (const cv::Mat& m : masks)
            s += (double)cv::countNonZero(m) / m.total();
        return s / masks.size();
    }
};

//! Pointing-game hit rate of each method on the scenes (targets: the true labels).
std::vector<double> pointingRates(const Scenes& scenes, const std::vector<int>& methods,
                                  const std::string& model = "alexnet_fmnist")
{
    const ci::ModelInfo info = ci::embeddedModel(model);
    cv::Ptr<ci::Explainer> ex = ci::readNet(info.model);
    const cv::Mat blob = info.preprocessing.toBlob(scenes.images);
    std::vector<Target> targets;
    for (int l : scenes.labels)
        targets.push_back(Target::classScore(l));
    std::vector<double> rates;
    for (int m : methods)
    {
        ci::AttributionParams p;
        p.method = m;
        p.smoothGrad.samples = 16;
        p.smoothGrad.batchSize = 64;
        p.integratedGradients.steps = 16;
        p.integratedGradients.batchSize = 68;
        const ci::Attribution a = ci::attribute(ex, blob, targets, p);
        int hits = 0;
        for (size_t n = 0; n < scenes.masks.size(); n++)
            hits += ci::pointingGameHit(info.preprocessing.mapToImage(a.maps[n], scenes.masks[n].size()),
                                        scenes.masks[n]) ? 1 : 0;
        rates.push_back((double)hits / scenes.masks.size());
    }
    return rates;
}

TEST(Interp_AttributionEvaluation, pointing_game_well_above_random_point)
{
    const Scenes scenes(4);  // 50 of the 200 test scenes: 5 per class
    ASSERT_EQ(scenes.images.size(), 50u);
    const double random = scenes.randomRate();
    const std::vector<int> methods = { ci::ATTRIBUTION_GRADIENT, ci::ATTRIBUTION_GRADCAM };
    for (const char* model : { "alexnet_fmnist", "resnet_fmnist" })
    {
        const std::vector<double> rates = pointingRates(scenes, methods, model);
        for (size_t i = 0; i < methods.size(); i++)
        {
            std::cout << "pointing game, " << model << ", " << ci::attributionMethodName(methods[i]) << ": "
                      << rates[i] << " (random point: " << random << ")" << std::endl;
            EXPECT_GE(rates[i], 2 * random) << model << ", " << ci::attributionMethodName(methods[i]);
            EXPECT_GE(rates[i], random + 0.3) << model << ", " << ci::attributionMethodName(methods[i]);
        }
    }
}

TEST(Interp_AttributionEvaluation, cascading_randomization_changes_gradient_and_gradcam_maps)
{
    const ci::ModelInfo info = ci::embeddedModel("alexnet_fmnist");
    const std::vector<cv::String> demo = ci::demoImages();
    ASSERT_GE(demo.size(), 2u);
    const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ cv::imread(demo[0]), cv::imread(demo[1]) });
    cv::Ptr<ci::Explainer> ex = ci::readNet(info.model);
    cv::Ptr<ci::Tape> tape = ex->forward(blob);
    const cv::Mat scores = tape->outputs(ex->graph().scoreLayer())[0].reshape(1, 2);
    std::vector<Target> targets;
    for (int n = 0; n < 2; n++)
    {
        cv::Point best;
        cv::minMaxLoc(scores.row(n), nullptr, nullptr, nullptr, &best);
        targets.push_back(Target::classScore(best.x));
    }
    for (int method : { (int)ci::ATTRIBUTION_GRADIENT, (int)ci::ATTRIBUTION_GRADCAM })
    {
        ci::AttributionParams p;
        p.method = method;
        ci::RandomizationResult r = ci::cascadingRandomization(ex, blob, targets, p, 1);
        const std::string name = ci::attributionMethodName(method);
        // AlexNet: fc8, fc7, fc6, conv5 ... conv1 all have weights the forward pass reads after loading
        ASSERT_EQ(r.layers.size(), 8u) << name;
        EXPECT_TRUE(r.skippedLayers.empty()) << name;
        ASSERT_EQ(r.correlations.rows, 9) << name;
        ASSERT_EQ(r.maps.size(), 9u) << name;
        EXPECT_NEAR(r.meanCorrelation[0], 1.0, 1e-12) << name;
        // Once the convolutional layers are randomised (the last level: the cascade ends at the first layer), the
        // map no longer ranks pixels like the trained one. Intermediate levels are reported in doc/saliency.md.
        const int last = r.correlations.rows - 1;
        for (int n = 0; n < 2; n++)
            EXPECT_LT(r.correlations.at<double>(last, n), 0.5) << name << ": image " << n << " with all layers randomised";
        std::cout << name << " cascading randomisation, mean Spearman per level:";
        for (double c : r.meanCorrelation)
            std::cout << " " << cv::format("%.3f", c);
        std::cout << std::endl;
    }
}

}  // namespace
}  // namespace opencv_test
