// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Attribution methods on small networks built in code, against hand computations: gradient-based methods and
// channel reductions, Grad-CAM and its default layer, SmoothGrad, Integrated Gradients on a linear model; batches
// against single images; argument errors.
#include "test_precomp.hpp"

namespace opencv_test {
namespace {

using cv::dnn::LayerParams;
using cv::interp::Attribution;
using cv::interp::Explainer;
using cv::interp::Target;
namespace ci = cv::interp;

//! A network built in code, with the LayerParams of every layer (so the explainer knows all parameters).
using CodeNet = interp_test::NetBuilder;
using ReluLinear = interp_test::ReluLinearNet;

cv::Mat blob4(const std::vector<int>& shape, const std::vector<float>& v)
{
    cv::Mat m((int)shape.size(), shape.data(), CV_32F);
    CV_Assert(m.total() == v.size());
    std::copy(v.begin(), v.end(), m.ptr<float>());
    return m;
}

cv::Mat slice(const cv::Mat& blob, int n)
{
    std::vector<cv::Range> r(blob.dims, cv::Range::all());
    r[0] = cv::Range(n, n + 1);
    return blob(r).clone();
}

TEST(Interp_Attribution, gradient_methods_match_hand_computation)
{
    ReluLinear t;
    cv::Ptr<Explainer> ex = t.explainer();
    const std::vector<float> xv = { 1.f, -2.f, 0.5f, 3.f, -0.1f, 2.f };
    cv::Mat x = blob4({ 1, 6, 1, 1 }, xv);
    for (int k = 0; k < 3; k++)
    {
        std::vector<Target> target(1, Target::classScore(k));
        Attribution g = ci::gradientSaliency(ex, x, target);
        Attribution ixg = ci::inputXGradient(ex, x, target);
        Attribution gb = ci::guidedBackprop(ex, x, target);
        Attribution dc = ci::deconvnet(ex, x, target);
        float maxAbs = 0, sumAbsIxg = 0, score = 0;
        for (int i = 0; i < 6; i++)
        {
            const float w = t.W.at<float>(k, i);
            const bool on = xv[i] > 0;
            EXPECT_FLOAT_EQ(g.attribution.ptr<float>()[i], on ? w : 0.f) << "class " << k << " input " << i;
            EXPECT_FLOAT_EQ(ixg.attribution.ptr<float>()[i], on ? w * xv[i] : 0.f) << "class " << k << " input " << i;
            EXPECT_FLOAT_EQ(gb.attribution.ptr<float>()[i], on && w > 0 ? w : 0.f) << "class " << k << " input " << i;
            EXPECT_FLOAT_EQ(dc.attribution.ptr<float>()[i], w > 0 ? w : 0.f) << "class " << k << " input " << i;
            maxAbs = std::max(maxAbs, on ? std::abs(w) : 0.f);
            sumAbsIxg += on ? std::abs(w * xv[i]) : 0.f;
            score += on ? w * xv[i] : 0.f;
        }
        // default maps: max |.| over channels (Simonyan), sum |.| for input x gradient
        ASSERT_EQ(g.maps.size(), 1u);
        EXPECT_EQ(g.maps[0].size(), cv::Size(1, 1));
        EXPECT_FLOAT_EQ(g.maps[0].at<float>(0, 0), maxAbs);
        EXPECT_FLOAT_EQ(ixg.maps[0].at<float>(0, 0), sumAbsIxg);
        EXPECT_EQ(g.reduction, ci::CHANNELS_MAX_ABS);
        EXPECT_EQ(ixg.reduction, ci::CHANNELS_SUM_ABS);
        EXPECT_EQ(g.method, ci::ATTRIBUTION_GRADIENT);
        EXPECT_EQ(dc.method, ci::ATTRIBUTION_DECONVNET);
        ASSERT_EQ(g.scores.size(), 1u);
        EXPECT_NEAR(g.scores[0], score, 1e-5);
    }
}

TEST(Interp_Attribution, channel_reductions_match_hand_computation)
{
    // 1 x 3 x 1 x 2: pixel 0 has channels (1, -4, 2), pixel 1 has (-3, 0, 0)
    cv::Mat a = blob4({ 1, 3, 1, 2 }, { 1.f, -3.f, -4.f, 0.f, 2.f, 0.f });
    struct Case { int reduction; float p0, p1; };
    const Case cases[] = { { ci::CHANNELS_MAX_ABS, 4.f, 3.f }, { ci::CHANNELS_SUM_ABS, 7.f, 3.f },
                           { ci::CHANNELS_SUM, -1.f, -3.f }, { ci::CHANNELS_L2, std::sqrt(21.f), 3.f } };
    for (const Case& c : cases)
    {
        std::vector<cv::Mat> maps;
        ci::reduceChannels(a, c.reduction, maps);
        ASSERT_EQ(maps.size(), 1u);
        EXPECT_FLOAT_EQ(maps[0].at<float>(0, 0), c.p0) << "reduction " << c.reduction;
        EXPECT_FLOAT_EQ(maps[0].at<float>(0, 1), c.p1) << "reduction " << c.reduction;
    }
    std::vector<cv::Mat> maps;
    EXPECT_THROW(ci::reduceChannels(a, 7, maps), cv::Exception);
    // With both namespaces in use, OpenCV's own REDUCE_* constants are refused instead of meaning something else.
    for (int opencvReduce : { cv::REDUCE_SUM, cv::REDUCE_AVG, cv::REDUCE_MAX, cv::REDUCE_MIN })
        EXPECT_THROW(ci::reduceChannels(a, opencvReduce, maps), cv::Exception) << opencvReduce;
    EXPECT_THROW(ci::reduceChannels(cv::Mat::zeros(3, 3, CV_32F), ci::CHANNELS_SUM, maps), cv::Exception);
}

//! input 1 x 2 x 6 x 6 -> conv 3x3 (3 maps) -> ReLU "act" -> max pool 2x2 "pool" -> global average pool -> FC (4).
struct CamNet : CodeNet
{
    cv::Mat Wfc;
    CamNet()
    {
        cv::RNG rng(11);
        LayerParams conv;
        conv.set("num_output", 3); conv.set("kernel_size", 3); conv.set("pad", 1); conv.set("bias_term", true);
        cv::Mat w(std::vector<int>{ 3, 2, 3, 3 }, CV_32F), b(1, 3, CV_32F);
        rng.fill(w, cv::RNG::NORMAL, 0, 0.5);
        rng.fill(b, cv::RNG::NORMAL, 0.2, 0.1);
        conv.blobs = { w, b };
        add("conv", "Convolution", conv);
        add("act", "ReLU");
        LayerParams pool;
        pool.set("pool", "max"); pool.set("kernel_size", 2); pool.set("stride", 2);
        add("pool", "Pooling", pool);
        LayerParams gap;
        gap.set("pool", "ave"); gap.set("global_pooling", true);
        add("gap", "Pooling", gap);
        LayerParams fc;
        fc.set("num_output", 4); fc.set("bias_term", false);
        Wfc = cv::Mat(4, 3, CV_32F);
        rng.fill(Wfc, cv::RNG::NORMAL, 0, 1);
        fc.blobs = { Wfc };
        add("fc", "InnerProduct", fc);
    }
};

TEST(Interp_Attribution, gradcam_matches_hand_computation)
{
    // Score_k = sum_c Wfc[k,c] * mean(pool_c) so d score / d pool_c = Wfc[k,c] / 9 everywhere (pool is 3 x 3):
    // alpha_c = Wfc[k,c] / 9 and cam = ReLU(sum_c alpha_c pool_c).
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 2, 2, 6, 6 }, -1, 1, 3);
    cv::Mat pool = interp_test::dnnForward(t.net, x, "pool");
    ci::GradCamParams p;
    p.layer = "pool";
    for (int k = 0; k < 4; k++)
    {
        Attribution a = ci::gradCam(ex, x, std::vector<Target>(1, Target::classScore(k)), p);
        EXPECT_EQ(a.layer, "pool");
        ASSERT_EQ(a.layerMaps.size(), 2u);
        ASSERT_EQ(a.maps.size(), 2u);
        ASSERT_EQ(a.layerWeights.size(), cv::Size(3, 2));
        EXPECT_EQ(std::vector<int>(a.attribution.size.p, a.attribution.size.p + 4), (std::vector<int>{ 2, 1, 6, 6 }));
        for (int n = 0; n < 2; n++)
        {
            cv::Mat expected(3, 3, CV_32F, cv::Scalar(0));
            for (int c = 0; c < 3; c++)
            {
                const float alpha = t.Wfc.at<float>(k, c) / 9.f;
                EXPECT_NEAR(a.layerWeights.at<float>(n, c), alpha, 1e-6) << "class " << k << " sample " << n;
                expected += alpha * cv::Mat(3, 3, CV_32F, pool.ptr<float>(n, c));
            }
            expected = cv::max(expected, 0.f);
            EXPECT_LE(cv::norm(a.layerMaps[n], expected, cv::NORM_INF), 1e-5) << "class " << k << " sample " << n;
            cv::Mat up;
            cv::resize(expected, up, cv::Size(6, 6), 0, 0, cv::INTER_LINEAR);
            EXPECT_LE(cv::norm(a.maps[n], up, cv::NORM_INF), 1e-5) << "class " << k << " sample " << n;
            EXPECT_LE(cv::norm(cv::Mat(6, 6, CV_32F, a.attribution.ptr<float>(n)), up, cv::NORM_INF), 1e-5);
        }
    }
    // Without the ReLU the negative evidence stays.
    p.relu = false;
    Attribution neg = ci::gradCam(ex, x, std::vector<Target>(1, Target::classScore(0)), p);
    double lo;
    cv::minMaxLoc(neg.layerMaps[0], &lo);
    cv::Mat expected(3, 3, CV_32F, cv::Scalar(0));
    for (int c = 0; c < 3; c++)
        expected += t.Wfc.at<float>(0, c) / 9.f * cv::Mat(3, 3, CV_32F, pool.ptr<float>(0, c));
    EXPECT_LE(cv::norm(neg.layerMaps[0], expected, cv::NORM_INF), 1e-5);
}

TEST(Interp_Attribution, gradcam_default_layer_is_last_conv_block_output)
{
    // conv (weights, 6x6) -> act (same shape) -> pool (3x3): the block's output is "act", not the pool.
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    const int layer = ci::defaultGradCamLayer(ex, -1, { 1, 2, 6, 6 });
    EXPECT_EQ(ex->graph().layer(layer).name, "act");
    Attribution a = ci::gradCam(ex, interp_test::randomBlob({ 1, 2, 6, 6 }, -1, 1, 4),
                                std::vector<Target>(1, Target::classScore(1)));
    EXPECT_EQ(a.layer, "act");
    EXPECT_EQ(a.layerMaps[0].size(), cv::Size(6, 6));
    // For a target inside the network, the last block before that target.
    EXPECT_EQ(ex->graph().layer(ci::defaultGradCamLayer(ex, ex->graph().require("conv"), { 1, 2, 6, 6 })).name,
              "conv");
}

TEST(Interp_Attribution, guided_gradcam_is_guided_backprop_times_upsampled_gradcam)
{
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 2, 2, 6, 6 }, -1, 1, 5);
    std::vector<Target> targets = { Target::classScore(2), Target::classScore(3) };
    Attribution cam = ci::gradCam(ex, x, targets);
    Attribution gb = ci::guidedBackprop(ex, x, targets);
    Attribution ggc = ci::guidedGradCam(ex, x, targets);
    EXPECT_EQ(ggc.layer, cam.layer);
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 2; c++)
        {
            cv::Mat expected = cv::Mat(6, 6, CV_32F, gb.attribution.ptr<float>(n, c)).mul(cam.maps[n]);
            EXPECT_LE(cv::norm(cv::Mat(6, 6, CV_32F, ggc.attribution.ptr<float>(n, c)), expected, cv::NORM_INF), 1e-6);
        }
    EXPECT_GT(cv::norm(ggc.attribution), 0);
}

TEST(Interp_Attribution, smoothgrad_is_the_mean_of_noisy_gradients)
{
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 2, 2, 6, 6 }, -1, 1, 6);
    std::vector<Target> targets = { Target::classScore(1), Target::classScore(2) };
    cv::Mat noise = interp_test::randomBlob({ 3, 2, 6, 6 }, -0.5, 0.5, 7);
    ci::SmoothGradParams p;
    p.noise = noise;
    p.batchSize = 4;  // 6 noisy copies in batches of 4 and 2: images and copies mixed
    Attribution sg = ci::smoothGrad(ex, x, targets, p);
    for (int n = 0; n < 2; n++)
    {
        cv::Mat expected(std::vector<int>{ 1, 2, 6, 6 }, CV_32F, cv::Scalar(0));
        for (int s = 0; s < 3; s++)
            expected += ex->gradient(slice(x, n) + slice(noise, s), std::vector<Target>(1, targets[n])) / 3.0;
        EXPECT_LE(interp_test::relL2(slice(sg.attribution, n), expected), 1e-6) << "image " << n;
    }
    // Random noise: reproducible with a seed, independent of the batch size, and different for another seed.
    ci::SmoothGradParams r;
    r.samples = 5;
    r.seed = 42;
    r.batchSize = 1;
    Attribution a1 = ci::smoothGrad(ex, x, targets, r);
    r.batchSize = 7;
    Attribution a7 = ci::smoothGrad(ex, x, targets, r);
    EXPECT_LE(interp_test::relL2(a7.attribution, a1.attribution), 1e-6);
    r.seed = 43;
    Attribution b = ci::smoothGrad(ex, x, targets, r);
    EXPECT_GT(interp_test::relL2(b.attribution, a1.attribution), 1e-3);
    // No noise: the plain gradient.
    r.noiseLevel = 0;
    Attribution z = ci::smoothGrad(ex, x, targets, r);
    EXPECT_LE(interp_test::relL2(z.attribution, ex->gradient(x, targets)), 1e-6);
}

//! input 1 x 2 x 5 x 5 -> InnerProduct (3 classes, bias): linear, so IG = (x - x') * W_k exactly.
struct LinearNet : CodeNet
{
    cv::Mat W, b;
    LinearNet()
    {
        cv::RNG rng(12);
        W.create(3, 50, CV_32F);
        b.create(1, 3, CV_32F);
        rng.fill(W, cv::RNG::NORMAL, 0, 1);
        rng.fill(b, cv::RNG::NORMAL, 0, 1);
        LayerParams fc;
        fc.set("num_output", 3);
        fc.set("bias_term", true);
        fc.blobs = { W.clone(), b.clone() };
        add("fc", "InnerProduct", fc);
    }
};

TEST(Interp_Attribution, integrated_gradients_on_a_linear_model_match_hand_computation)
{
    LinearNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 2, 2, 5, 5 }, -2, 2, 8);
    std::vector<Target> targets = { Target::classScore(0), Target::classScore(2) };
    cv::Mat custom = interp_test::randomBlob({ 1, 2, 5, 5 }, -1, 1, 9);
    for (int kind = ci::BASELINE_ZERO; kind <= ci::BASELINE_CUSTOM; kind++)
    {
        ci::IntegratedGradientsParams p;
        p.steps = 3;
        p.batchSize = 5;  // 8 path points in batches of 5 and 3
        p.baseline = kind;
        p.baselineValue = 0.7;
        p.blurSigma = 1.5;
        p.baselineBlob = custom;
        Attribution a = ci::integratedGradients(ex, x, targets, p);
        for (int n = 0; n < 2; n++)
        {
            // the baseline by hand
            cv::Mat base(std::vector<int>{ 1, 2, 5, 5 }, CV_32F);
            for (int c = 0; c < 2; c++)
            {
                cv::Mat src(5, 5, CV_32F, x.ptr<float>(n, c)), dst(5, 5, CV_32F, base.ptr<float>(0, c));
                if (kind == ci::BASELINE_ZERO)
                    dst.setTo(0);
                else if (kind == ci::BASELINE_CONSTANT)
                    dst.setTo(0.7);
                else if (kind == ci::BASELINE_MEAN)
                    dst.setTo(cv::mean(src));
                else if (kind == ci::BASELINE_BLUR)
                    cv::GaussianBlur(src, dst, cv::Size(0, 0), 1.5, 1.5, cv::BORDER_REFLECT_101);
                else
                    cv::Mat(5, 5, CV_32F, custom.ptr<float>(0, c)).copyTo(dst);
            }
            EXPECT_LE(cv::norm(slice(a.baseline, n).reshape(1, 1), base.reshape(1, 1), cv::NORM_INF), 1e-6)
                << ci::baselineName(kind);
            const int k = targets[n].index;
            cv::Mat expected = (slice(x, n).reshape(1, 1) - base.reshape(1, 1)).mul(t.W.row(k));
            EXPECT_LE(cv::norm(slice(a.attribution, n).reshape(1, 1), expected, cv::NORM_INF), 1e-5)
                << ci::baselineName(kind) << " image " << n;
            const double fx = slice(x, n).reshape(1, 1).dot(t.W.row(k)) + t.b.at<float>(k);
            const double fb = base.reshape(1, 1).dot(t.W.row(k)) + t.b.at<float>(k);
            EXPECT_NEAR(a.scores[n], fx, 1e-4);
            EXPECT_NEAR(a.baselineScores[n], fb, 1e-4);
            EXPECT_LE(a.completenessErrors[n], 1e-4);
        }
    }
}

TEST(Interp_Attribution, batch_equals_images_one_by_one)
{
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 3, 2, 6, 6 }, -1, 1, 10);
    std::vector<Target> targets = { Target::classScore(0), Target::classScore(3), Target::channel("act", 1) };
    for (int m = ci::ATTRIBUTION_GRADIENT; m <= ci::ATTRIBUTION_INTEGRATED_GRADIENTS; m++)
    {
        ci::AttributionParams p;
        p.method = m;
        p.smoothGrad.samples = 4;
        p.smoothGrad.noise = interp_test::randomBlob({ 4, 2, 6, 6 }, -0.3, 0.3, 11);
        p.integratedGradients.steps = 4;
        p.gradCam.layer = "conv";
        Attribution all = ci::attribute(ex, x, targets, p);
        EXPECT_EQ(all.method, m);
        ASSERT_EQ(all.maps.size(), 3u) << ci::attributionMethodName(m);
        for (int n = 0; n < 3; n++)
        {
            Attribution one = ci::attribute(ex, slice(x, n), std::vector<Target>(1, targets[n]), p);
            EXPECT_LE(interp_test::relL2(slice(all.attribution, n), one.attribution), 1e-5)
                << ci::attributionMethodName(m) << " image " << n;
            EXPECT_LE(interp_test::relL2(all.maps[n], one.maps[0]), 1e-5) << ci::attributionMethodName(m);
            EXPECT_GT(cv::norm(one.maps[0]), 0) << ci::attributionMethodName(m) << " image " << n;
        }
    }
}

/* A graph that takes one image at a time: cv::dnn 4.6's Scale layer with a second input of shape N x C x 1 x 1 and
   its default axis 1 (as its ONNX importer makes of a squeeze-and-excitation multiplication when the model was
   exported at batch 1, e.g. torchvision's EfficientNet) fails on a batch of two. SmoothGrad and IG with batches
   of several copies then go one copy per pass and give the batch-1 result. */
TEST(Interp_Attribution, batches_fall_back_to_single_rows_when_the_net_takes_only_one)
{
    CodeNet b;
    cv::RNG rng(5);
    LayerParams conv;
    conv.set("num_output", 2); conv.set("kernel_size", 3); conv.set("pad", 1); conv.set("bias_term", false);
    cv::Mat w(std::vector<int>{ 2, 2, 3, 3 }, CV_32F);
    rng.fill(w, cv::RNG::NORMAL, 0, 0.5);
    conv.blobs = { w };
    const int act = b.add("conv", "Convolution", conv), tanh = b.add("act", "TanH", LayerParams(), { { act, 0 } });
    LayerParams gap;
    gap.set("pool", "ave"); gap.set("global_pooling", true);
    const int pooled = b.add("gap", "Pooling", gap, { { tanh, 0 } });
    b.add("se", "Scale", LayerParams(), { { tanh, 0 }, { pooled, 0 } });
    LayerParams fc;
    fc.set("num_output", 3); fc.set("bias_term", false);
    cv::Mat wfc(3, 18, CV_32F);
    rng.fill(wfc, cv::RNG::NORMAL, 0, 1);
    fc.blobs = { wfc };
    b.add("fc", "InnerProduct", fc);
    cv::Ptr<Explainer> ex = b.explainer();
    const cv::Mat x = interp_test::randomBlob({ 1, 2, 3, 3 }, -1, 1, 6);
    EXPECT_ANY_THROW(ex->forward(interp_test::randomBlob({ 2, 2, 3, 3 }, -1, 1, 7))) << "the net takes batches";
    const std::vector<Target> target(1, Target::classScore(1));
    for (int m : { ci::ATTRIBUTION_SMOOTHGRAD, ci::ATTRIBUTION_INTEGRATED_GRADIENTS })
    {
        ci::AttributionParams batched, single;
        batched.method = single.method = m;
        batched.smoothGrad.samples = single.smoothGrad.samples = 6;
        batched.integratedGradients.steps = single.integratedGradients.steps = 6;
        batched.smoothGrad.batchSize = batched.integratedGradients.batchSize = 4;
        single.smoothGrad.batchSize = single.integratedGradients.batchSize = 1;
        Attribution a, one;
        ASSERT_NO_THROW(a = ci::attribute(ex, x, target, batched)) << ci::attributionMethodName(m);
        one = ci::attribute(ex, x, target, single);
        EXPECT_GT(cv::norm(one.attribution), 0) << ci::attributionMethodName(m);
        EXPECT_LE(interp_test::relL2(a.attribution, one.attribution), 1e-6) << ci::attributionMethodName(m);
    }
}

//! No targets: every method explains the class each image is predicted as.
TEST(Interp_Attribution, empty_targets_mean_the_predicted_classes)
{
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 3, 2, 6, 6 }, -1, 1, 13);
    std::vector<Target> predicted;
    for (int k : ci::predictClasses(ex, x))
        predicted.push_back(Target::classScore(k));
    for (int m = ci::ATTRIBUTION_GRADIENT; m <= ci::ATTRIBUTION_OCCLUSION; m++)
    {
        ci::AttributionParams p;
        p.method = m;
        p.smoothGrad.samples = 2;
        p.integratedGradients.steps = 4;
        p.gradCam.layer = "conv";
        p.occlusion.window = 2;
        p.occlusion.stride = 2;
        const Attribution implicit = ci::attribute(ex, x, std::vector<Target>(), p);
        const Attribution explicitly = ci::attribute(ex, x, predicted, p);
        EXPECT_EQ(cv::norm(implicit.attribution, explicitly.attribution, cv::NORM_INF), 0.0)
            << ci::attributionMethodName(m);
        EXPECT_GT(cv::norm(implicit.attribution, cv::NORM_INF), 0.0) << ci::attributionMethodName(m);
    }
}

TEST(Interp_Attribution, names_round_trip)
{
    const std::vector<cv::String> names = ci::attributionMethodNames();
    ASSERT_EQ(names.size(), (size_t)ci::ATTRIBUTION_OCCLUSION + 1);
    EXPECT_EQ(names.back(), "occlusion");
    for (int m = ci::ATTRIBUTION_GRADIENT; m <= ci::ATTRIBUTION_OCCLUSION; m++)
    {
        EXPECT_EQ(ci::parseAttributionMethod(ci::attributionMethodName(m)), m);
        EXPECT_EQ(names[m], ci::attributionMethodName(m));
    }
    for (int b = ci::BASELINE_ZERO; b <= ci::BASELINE_CUSTOM; b++)
        EXPECT_EQ(ci::parseBaseline(ci::baselineName(b)), b);
    EXPECT_EQ(ci::defaultReduction(ci::ATTRIBUTION_GRADIENT), ci::CHANNELS_MAX_ABS);
    EXPECT_EQ(ci::defaultReduction(ci::ATTRIBUTION_INTEGRATED_GRADIENTS), ci::CHANNELS_SUM_ABS);
}

//! Runs fn and returns the cv::Exception's message ("" when nothing was thrown).
template<typename F>
std::string errorOf(F fn)
{
    try
    {
        fn();
    }
    catch (const cv::Exception& e)
    {
        return e.err;
    }
    return std::string();
}

TEST(Interp_Attribution, bad_arguments_raise_actionable_errors)
{
    CamNet t;
    cv::Ptr<Explainer> ex = t.explainer();
    cv::Mat x = interp_test::randomBlob({ 2, 2, 6, 6 }, -1, 1, 12);
    std::vector<Target> one(1, Target::classScore(0));
    const std::vector<Target> three(3, Target::classScore(0));
    EXPECT_NE(errorOf([&] { ci::gradientSaliency(ex, x, three); }).find("3 targets for 2 images"), std::string::npos);
    EXPECT_NE(errorOf([&] { ci::gradientSaliency(ex, cv::Mat(), one); }).find("empty"), std::string::npos);
    EXPECT_NE(errorOf([&] { ci::gradientSaliency(ex, cv::Mat::zeros(6, 6, CV_32F), one); }).find("N x C x H x W"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { ci::gradientSaliency(cv::Ptr<Explainer>(), x, one); }).find("readNet"), std::string::npos);
    ci::GradCamParams p;
    p.layer = "fc";
    EXPECT_NE(errorOf([&] { ci::gradCam(ex, x, one, p); }).find("N x K x h x w"), std::string::npos);
    p.layer = "pool";
    EXPECT_NE(errorOf([&] { ci::gradCam(ex, x, std::vector<Target>(1, Target::channel("act", 0)), p); })
                  .find("does not feed"), std::string::npos);
    p.layer = "nosuchlayer";
    EXPECT_THROW(ci::gradCam(ex, x, one, p), cv::Exception);
    ci::SmoothGradParams s;
    s.noise = cv::Mat(std::vector<int>{ 2, 3, 6, 6 }, CV_32F, cv::Scalar(0));
    EXPECT_NE(errorOf([&] { ci::smoothGrad(ex, x, one, s); }).find("explicit noise"), std::string::npos);
    s = ci::SmoothGradParams();
    s.samples = 0;
    EXPECT_NE(errorOf([&] { ci::smoothGrad(ex, x, one, s); }).find("at least 1"), std::string::npos);
    s.samples = 2;
    s.batchSize = 0;
    EXPECT_NE(errorOf([&] { ci::smoothGrad(ex, x, one, s); }).find("batch size"), std::string::npos);
    ci::IntegratedGradientsParams g;
    g.steps = 0;
    EXPECT_NE(errorOf([&] { ci::integratedGradients(ex, x, one, g); }).find("steps"), std::string::npos);
    g.steps = 4;
    g.baseline = ci::BASELINE_CUSTOM;
    g.baselineBlob = cv::Mat(std::vector<int>{ 3, 2, 6, 6 }, CV_32F, cv::Scalar(0));
    EXPECT_NE(errorOf([&] { ci::integratedGradients(ex, x, one, g); }).find("custom baseline"), std::string::npos);
    g.baseline = 17;
    EXPECT_NE(errorOf([&] { ci::integratedGradients(ex, x, one, g); }).find("unknown baseline"), std::string::npos);
    EXPECT_NE(errorOf([&] { ci::parseAttributionMethod("gradcam++"); }).find("smoothgrad"), std::string::npos);
    EXPECT_NE(errorOf([&] { ci::gradientSaliency(ex, x, one, 9); }).find("channel reduction"), std::string::npos);
    ci::AttributionParams a;
    a.method = 99;
    EXPECT_NE(errorOf([&] { ci::attribute(ex, x, one, a); }).find("unknown attribution method"), std::string::npos);
}

}  // namespace
}  // namespace opencv_test
