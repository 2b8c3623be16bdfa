// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Faithfulness metrics on hand-made maps with known answers.
#include "test_precomp.hpp"
#include "opencv2/interp/evaluation.hpp"

#include <numeric>

namespace opencv_test {
namespace {

using cv::interp::PerturbationParams;

TEST(Interp_Evaluation, mass_in_mask_by_hand)
{
    cv::Mat mask = cv::Mat::zeros(4, 4, CV_8U);
    mask(cv::Rect(0, 0, 2, 2)).setTo(255);
    cv::Mat perfect;
    mask.convertTo(perfect, CV_32F, 1 / 255.0);
    EXPECT_DOUBLE_EQ(cv::interp::saliencyMassInMask(perfect, mask), 1.0);
    EXPECT_DOUBLE_EQ(cv::interp::saliencyMassInMask(1.0 - perfect, mask), 0.0);
    EXPECT_DOUBLE_EQ(cv::interp::saliencyMassInMask(cv::Mat::ones(4, 4, CV_32F), mask), 4.0 / 16.0);
    cv::Mat m = (cv::Mat_<float>(4, 4) << 3, 1, 0, 0,
                                          0, 0, -5, 2,   // negative values count as zero
                                          0, 0, 0, 0,
                                          0, 4, 0, 0);
    EXPECT_DOUBLE_EQ(cv::interp::saliencyMassInMask(m, mask), 4.0 / 10.0);
    EXPECT_DOUBLE_EQ(cv::interp::saliencyMassInMask(cv::Mat::zeros(4, 4, CV_32F), mask), 0.0);
    // a map at half resolution is compared at the mask's size
    cv::Mat small = (cv::Mat_<float>(2, 2) << 1, 0, 0, 0);
    EXPECT_GT(cv::interp::saliencyMassInMask(small, mask), 0.5);
    EXPECT_THROW(cv::interp::saliencyMassInMask(m, cv::Mat()), cv::Exception);
}

//! input 1 x 1 x 4 x 4 -> InnerProduct (2 classes: w . x and 0) : the class-0 logit is w . x.
struct LinearNet : interp_test::NetBuilder
{
    cv::Mat w;
    LinearNet()
    {
        w = (cv::Mat_<float>(1, 16) << 1, -2, 3, 0.5f, 4, 0, -1, 2, 0.25f, 5, -3, 1, 2, 0, 1.5f, -0.5f);
        cv::dnn::LayerParams fc;
        fc.set("num_output", 2);
        fc.set("bias_term", false);
        cv::Mat W = cv::Mat::zeros(2, 16, CV_32F);
        w.copyTo(W.row(0));
        fc.blobs.push_back(W);
        add("fc", "InnerProduct", fc);
    }
};

TEST(Interp_Evaluation, deletion_follows_the_removed_contributions)
{
    LinearNet L;
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(L.net, L.params);
    cv::Mat x(std::vector<int>{ 1, 1, 4, 4 }, CV_32F);
    for (int i = 0; i < 16; i++)
        x.ptr<float>()[i] = 1.f + 0.1f * i;
    // contribution of each pixel to the logit: w_i x_i; deleting (zero baseline) removes it
    std::vector<double> contrib(16);
    for (int i = 0; i < 16; i++)
        contrib[i] = (double)L.w.at<float>(i) * x.ptr<float>()[i];
    cv::Mat map(4, 4, CV_32F);
    for (int i = 0; i < 16; i++)
        map.ptr<float>()[i] = (float)contrib[i];
    PerturbationParams p;
    p.steps = 16;
    p.probability = false;
    p.deletionBaseline = cv::interp::PERTURB_ZERO;
    cv::interp::PerturbationCurve c = cv::interp::deletionCurve(ex, x, map, 0, p);
    ASSERT_EQ(c.scores.size(), 17u);
    // expected: after k deletions (largest contribution first) the logit is the sum of the rest
    std::vector<double> sorted = contrib;
    std::sort(sorted.begin(), sorted.end(), std::greater<double>());
    double remaining = std::accumulate(contrib.begin(), contrib.end(), 0.0);
    double auc = 0, prev = remaining;
    for (int k = 0; k <= 16; k++)
    {
        EXPECT_NEAR(c.scores[k], remaining, 1e-4) << "step " << k;
        if (k > 0)
            auc += 0.5 * (prev + remaining) / 16;
        prev = remaining;
        if (k < 16)
            remaining -= sorted[k];
    }
    EXPECT_NEAR(c.auc, auc, 1e-4);
    // insertion into a zero image is the mirror image
    p.insertionBaseline = cv::interp::PERTURB_ZERO;
    cv::interp::PerturbationCurve ins = cv::interp::insertionCurve(ex, x, map, 0, p);
    EXPECT_NEAR(ins.scores[0], 0.0, 1e-5);
    EXPECT_NEAR(ins.scores[1], sorted[0], 1e-4);
    EXPECT_NEAR(ins.scores[16], std::accumulate(contrib.begin(), contrib.end(), 0.0), 1e-4);
    // a faithful map deletes faster and inserts faster than its inverse
    cv::interp::PerturbationCurve cInv = cv::interp::deletionCurve(ex, x, -map, 0, p);
    cv::interp::PerturbationCurve iInv = cv::interp::insertionCurve(ex, x, -map, 0, p);
    EXPECT_LT(c.auc, cInv.auc);
    EXPECT_GT(ins.auc, iInv.auc);
}

TEST(Interp_Evaluation, batched_curves_equal_step_by_step)
{
    LinearNet L;
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(L.net, L.params);
    cv::Mat x = interp_test::randomBlob({ 1, 1, 4, 4 }, -1, 1, 3);
    cv::Mat map = interp_test::randomBlob({ 4, 4 }, 0, 1, 4);
    PerturbationParams one, many;
    one.steps = many.steps = 10;
    one.batchSize = 1;
    many.batchSize = 7;
    for (bool prob : { true, false })
    {
        one.probability = many.probability = prob;
        for (int base : { cv::interp::PERTURB_ZERO, cv::interp::PERTURB_BLUR, cv::interp::PERTURB_MEAN })
        {
            one.deletionBaseline = many.deletionBaseline = one.insertionBaseline = many.insertionBaseline = base;
            cv::interp::PerturbationCurve a = cv::interp::deletionCurve(ex, x, map, 0, one);
            cv::interp::PerturbationCurve b = cv::interp::deletionCurve(ex, x, map, 0, many);
            cv::interp::PerturbationCurve c = cv::interp::insertionCurve(ex, x, map, 0, one);
            cv::interp::PerturbationCurve d = cv::interp::insertionCurve(ex, x, map, 0, many);
            for (int k = 0; k <= 10; k++)
            {
                EXPECT_EQ(a.scores[k], b.scores[k]) << "deletion step " << k;
                EXPECT_EQ(c.scores[k], d.scores[k]) << "insertion step " << k;
            }
            EXPECT_EQ(a.auc, b.auc);
            EXPECT_EQ(c.auc, d.auc);
        }
    }
}

TEST(Interp_Evaluation, curves_bad_inputs)
{
    LinearNet L;
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(L.net, L.params);
    cv::Mat x = interp_test::randomBlob({ 1, 1, 4, 4 }, -1, 1, 3);
    cv::Mat two = interp_test::randomBlob({ 2, 1, 4, 4 }, -1, 1, 3);
    cv::Mat map = cv::Mat::ones(4, 4, CV_32F);
    EXPECT_THROW(cv::interp::deletionCurve(ex, two, map, 0), cv::Exception);
    EXPECT_THROW(cv::interp::deletionCurve(ex, x, cv::Mat(), 0), cv::Exception);
    EXPECT_THROW(cv::interp::deletionCurve(ex, x, map, 5), cv::Exception);
    PerturbationParams p;
    p.steps = 0;
    EXPECT_THROW(cv::interp::insertionCurve(ex, x, map, 0, p), cv::Exception);
    p = PerturbationParams();
    p.deletionBaseline = 9;
    EXPECT_THROW(cv::interp::deletionCurve(ex, x, map, 0, p), cv::Exception);
}

}  // namespace
}  // namespace opencv_test
