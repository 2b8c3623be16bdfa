// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The engine beyond single rules: rule variants computed by hand, batches vs single samples, concurrent
// explanations, loading hooks with user-registered layers and rules, targets.
#include "test_precomp.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

namespace opencv_test {
namespace {

using cv::dnn::LayerParams;
using cv::interp::Explainer;
using cv::interp::Target;

using TinyNet = interp_test::ReluLinearNet;

//! A 1 x K x 1 x 1 blob.
cv::Mat row(std::initializer_list<float> v)
{
    cv::Mat m = cv::Mat(std::vector<float>(v), true);
    return m.reshape(1, std::vector<int>{ 1, (int)m.total(), 1, 1 });
}

TEST(Interp_Engine, variants_match_hand_computation)
{
    TinyNet t;
    cv::Ptr<Explainer> ex = Explainer::create(t.net, t.params);
    cv::Mat x = row({ 1.f, -2.f, 0.5f, 3.f, -0.1f, 2.f });
    for (int k = 0; k < 3; k++)
    {
        std::vector<Target> target(1, Target::classScore(k));
        cv::Mat std_ = ex->gradient(x, target, cv::interp::BACKWARD_STANDARD).reshape(1, 1);
        cv::Mat guided = ex->gradient(x, target, cv::interp::BACKWARD_GUIDED).reshape(1, 1);
        cv::Mat deconv = ex->gradient(x, target, cv::interp::BACKWARD_DECONVNET).reshape(1, 1);
        for (int i = 0; i < 6; i++)
        {
            const float w = t.W.at<float>(k, i);
            const bool on = x.ptr<float>()[i] > 0;
            EXPECT_FLOAT_EQ(std_.at<float>(i), on ? w : 0.f) << "standard, class " << k << ", input " << i;
            EXPECT_FLOAT_EQ(guided.at<float>(i), on && w > 0 ? w : 0.f) << "guided, class " << k << ", input " << i;
            EXPECT_FLOAT_EQ(deconv.at<float>(i), w > 0 ? w : 0.f) << "deconvnet, class " << k << ", input " << i;
        }
    }
}

TEST(Interp_Engine, synthesis_targets_match_hand_computation)
{
    // y = W relu(x): the squared norm |y|^2 has gradient 2 W^T y (on the active inputs), the log-probability
    // y_k - log sum exp(y) has gradient W^T (e_k - softmax(y)), a channel mean of a 1 x 3 output is the score.
    TinyNet t;
    cv::Ptr<Explainer> ex = Explainer::create(t.net, t.params);
    const cv::Mat x = row({ 1.f, -2.f, 0.5f, 3.f, -0.1f, 2.f });
    cv::Mat r = cv::max(x.reshape(1, 6), 0.f), mask = (x.reshape(1, 6) > 0) / 255;
    mask.convertTo(mask, CV_32F);
    const cv::Mat y = t.W * r;  // 3 x 1
    const cv::Mat normGrad = (2 * t.W.t() * y).mul(mask);
    cv::Mat e;
    cv::exp(y - cv::Scalar::all(y.at<float>(0)), e);
    const double lse = y.at<float>(0) + std::log(cv::sum(e)[0]);
    cv::Mat soft = e / cv::sum(e)[0];
    cv::Mat onehot = cv::Mat::zeros(3, 1, CV_32F);
    onehot.at<float>(2) = 1;
    const cv::Mat logpGrad = (t.W.t() * (onehot - soft)).mul(mask);
    const cv::Mat g1 = ex->gradient(x, { Target::layerNorm("fc") }).reshape(1, 6);
    const cv::Mat g2 = ex->gradient(x, { Target::classLogProbability(2) }).reshape(1, 6);
    const cv::Mat g3 = ex->gradient(x, { Target::channelMean("fc", 1) }).reshape(1, 6);
    EXPECT_LE(cv::norm(g1, normGrad, cv::NORM_INF), 1e-5);
    EXPECT_LE(cv::norm(g2, logpGrad, cv::NORM_INF), 1e-6);
    EXPECT_LE(cv::norm(g3, t.W.row(1).t().mul(mask), cv::NORM_INF), 1e-6);
    const cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
    EXPECT_NEAR(ex->evaluate(tape, { Target::layerNorm("fc") })[0], y.dot(y), 1e-4);
    EXPECT_NEAR(ex->evaluate(tape, { Target::classLogProbability(2) })[0], y.at<float>(2) - lse, 1e-5);
    EXPECT_NEAR(ex->evaluate(tape, { Target::neuron("fc", 1) })[0], y.at<float>(1), 1e-5);  // the centre of 1 x 1
}

TEST(Interp_Engine, targets_act_on_their_sample)
{
    TinyNet t;
    cv::Ptr<Explainer> ex = Explainer::create(t.net, t.params);
    cv::Mat x(std::vector<int>{ 2, 6, 1, 1 }, CV_32F);
    const float v[] = { 1.f, -2.f, 0.5f, 3.f, -0.1f, 2.f, -1.f, 2.f, 1.5f, -3.f, 0.4f, 1.f };
    std::copy(v, v + 12, x.ptr<float>());
    // Class 0 on sample 1 only, plus class 2 on both: sample 0 gets row 2 of W, sample 1 rows 0 + 2 (active inputs).
    const cv::Mat g = ex->gradient(x, { Target::classScore(0).forSample(1), Target::classScore(2) }).reshape(1, 2);
    for (int i = 0; i < 6; i++)
    {
        EXPECT_FLOAT_EQ(g.at<float>(0, i), v[i] > 0 ? t.W.at<float>(2, i) : 0.f);
        EXPECT_FLOAT_EQ(g.at<float>(1, i), v[6 + i] > 0 ? t.W.at<float>(0, i) + t.W.at<float>(2, i) : 0.f);
    }
    EXPECT_THROW(ex->gradient(x, { Target::classScore(0).forSample(2) }), cv::Exception);
    EXPECT_THROW(ex->gradient(x, { Target::classScore(0), Target::classScore(1), Target::classScore(2) }),
                 cv::Exception);
}

TEST(Interp_Engine, class_target_defaults_to_pre_softmax_scores)
{
    TinyNet t;
    LayerParams sm;
    sm.name = "prob";
    sm.type = "Softmax";
    t.params["prob"] = sm;
    LayerParams s2 = sm;
    t.net.addLayerToPrev("prob", "Softmax", s2);
    cv::Ptr<Explainer> ex = Explainer::create(t.net, t.params);
    EXPECT_EQ(ex->graph().layer(ex->graph().scoreLayer()).name, "fc");
    EXPECT_EQ(ex->graph().layer(ex->graph().outputLayer()).name, "prob");
    cv::Mat x = row({ 1.f, 2.f, 0.5f, 3.f, 0.1f, 2.f });
    cv::Mat g = ex->gradient(x, std::vector<Target>(1, Target::classScore(1)));
    EXPECT_LT(cv::norm(g.reshape(1, 1), t.W.row(1), cv::NORM_INF), 1e-6);
    // explicitly on the softmax: d p1 / dx = p1 * (W1 - sum_j p_j W_j)
    cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
    cv::Mat p = tape->output("prob").reshape(1, 1);
    cv::Mat expected = t.W.row(1) - p * t.W;
    expected *= p.at<float>(1);
    cv::Mat gp = ex->gradient(x, std::vector<Target>(1, Target::classScore(1, "prob")));
    EXPECT_LT(cv::norm(gp.reshape(1, 1), expected, cv::NORM_INF), 1e-6);
    // evaluate() gives the target values
    std::vector<double> v = ex->evaluate(tape, std::vector<Target>(1, Target::classScore(1, "prob")));
    ASSERT_EQ(v.size(), 1u);
    EXPECT_NEAR(v[0], p.at<float>(1), 1e-7);
}

TEST(Interp_Engine, targets_parse)
{
    Target a = cv::interp::parseTarget("conv2:3:4:5");
    EXPECT_EQ(a.kind, Target::NEURON);
    EXPECT_EQ(a.layer, "conv2");
    EXPECT_EQ(a.index, 3);
    EXPECT_EQ(a.y, 4);
    EXPECT_EQ(a.x, 5);
    Target b = cv::interp::parseTarget("onnx_node!relu3:7");
    EXPECT_EQ(b.kind, Target::CHANNEL);
    EXPECT_EQ(b.layer, "onnx_node!relu3");
    EXPECT_EQ(b.index, 7);
    Target c = cv::interp::parseTarget("class:4@fc8");
    EXPECT_EQ(c.kind, Target::CLASS);
    EXPECT_EQ(c.index, 4);
    EXPECT_EQ(c.layer, "fc8");
    EXPECT_THROW(cv::interp::parseTarget("conv2:3:4"), cv::Exception);
    EXPECT_THROW(cv::interp::parseTarget("conv2"), cv::Exception);
    EXPECT_THROW(cv::interp::parseTarget("class:x"), cv::Exception);
}

//! A conv net with pooling, BN-like scale and a classifier, built in code.
struct SmallConvNet : interp_test::NetBuilder
{
    SmallConvNet()
    {
        cv::RNG rng(7);
        LayerParams conv;
        conv.set("num_output", 8); conv.set("kernel_size", 3); conv.set("pad", 1); conv.set("bias_term", true);
        cv::Mat w(std::vector<int>{ 8, 3, 3, 3 }, CV_32F), b(1, 8, CV_32F);
        rng.fill(w, cv::RNG::NORMAL, 0, 0.4);
        rng.fill(b, cv::RNG::NORMAL, 0, 0.1);
        conv.blobs = { w, b };
        add("conv1", "Convolution", conv);
        add("relu1", "ReLU", LayerParams());
        LayerParams pool;
        pool.set("pool", "max"); pool.set("kernel_size", 3); pool.set("stride", 2);
        add("pool1", "Pooling", pool);
        LayerParams conv2 = conv;
        cv::Mat w2(std::vector<int>{ 8, 8, 3, 3 }, CV_32F);
        rng.fill(w2, cv::RNG::NORMAL, 0, 0.3);
        conv2.blobs = { w2, b.clone() };
        add("conv2", "Convolution", conv2);
        add("relu2", "ReLU", LayerParams());
        LayerParams fc;
        fc.set("num_output", 5); fc.set("bias_term", false);
        cv::Mat wf(5, 8 * 7 * 7, CV_32F);
        rng.fill(wf, cv::RNG::NORMAL, 0, 0.05);
        fc.blobs = { wf };
        add("fc", "InnerProduct", fc);
        add("prob", "Softmax", LayerParams());
    }
};

TEST(Interp_Engine, batch_equals_samples_one_by_one)
{
    SmallConvNet s;
    cv::Ptr<Explainer> ex = Explainer::create(s.net, s.params);
    cv::Mat batch = interp_test::randomBlob({ 3, 3, 15, 15 }, -1, 1, 5);
    std::vector<Target> targets = { Target::classScore(1), Target::neuron("relu2", 3, 2, 4), Target::channel("conv1", 5) };
    for (int variant = 0; variant < 3; variant++)
    {
        cv::Mat g = ex->gradient(batch, targets, variant);
        for (int n = 0; n < 3; n++)
        {
            cv::Mat one = batch(std::vector<cv::Range>{ cv::Range(n, n + 1), cv::Range::all(), cv::Range::all(), cv::Range::all() }).clone();
            cv::Mat gn = ex->gradient(one, std::vector<Target>(1, targets[n]), variant);
            cv::Mat slice = g(std::vector<cv::Range>{ cv::Range(n, n + 1), cv::Range::all(), cv::Range::all(), cv::Range::all() }).clone();
            EXPECT_LE(interp_test::relL2(slice, gn), 1e-6) << "variant " << variant << " sample " << n;
            EXPECT_GT(cv::norm(gn), 0) << "variant " << variant << " sample " << n;
        }
    }
}

TEST(Interp_Engine, gradients_held_by_the_caller_survive_later_passes)
{
    // Backward passes reuse released gradient buffers, and residual additions share one gradient between their inputs:
    // a gradient the caller holds must never be written by a later pass, and repeating a pass gives the same bits.
    cv::Ptr<Explainer> ex = cv::interp::readNet(interp_test::dataPath("models/resnet_fmnist.onnx"));
    cv::Mat x = interp_test::randomBlob({ 2, 3, 112, 112 }, -1, 1, 9);
    cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
    std::vector<cv::Mat> held, copies;
    for (int k = 0; k < 4; k++)
    {
        cv::Mat g;
        std::vector<cv::Mat> layerGrads;
        ex->backward(tape, std::vector<Target>(1, Target::classScore(k)), cv::interp::BACKWARD_STANDARD,
                     { "layer2_add" }, g, layerGrads);
        ASSERT_EQ(layerGrads.size(), 1u);
        held.push_back(g);
        held.push_back(layerGrads[0]);
    }
    for (const cv::Mat& m : held)
    {
        ASSERT_GT(cv::norm(m, cv::NORM_INF), 0);
        copies.push_back(m.clone());
    }
    for (int k = 0; k < 4; k++)
        for (int variant = 0; variant < 3; variant++)
            ex->gradient(x, std::vector<Target>(1, Target::classScore(9 - k)), variant);
    for (size_t i = 0; i < held.size(); i++)
        EXPECT_EQ(cv::norm(held[i], copies[i], cv::NORM_INF), 0) << "gradient " << i << " was overwritten";
    for (int k = 0; k < 4; k++)
    {
        cv::Mat g = ex->gradient(x, std::vector<Target>(1, Target::classScore(k)));
        EXPECT_EQ(cv::norm(g, copies[2 * k], cv::NORM_INF), 0) << "class " << k << ": a repeated pass differs";
    }
}

TEST(Interp_Engine, layer_gradients_on_request)
{
    SmallConvNet s;
    cv::Ptr<Explainer> ex = Explainer::create(s.net, s.params);
    cv::Mat x = interp_test::randomBlob({ 2, 3, 15, 15 }, -1, 1, 6);
    cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
    cv::Mat gin;
    std::vector<cv::Mat> lg;
    ex->backward(tape, std::vector<Target>(1, Target::classScore(2)), 0, { "relu2", "fc", "conv1" }, gin, lg);
    ASSERT_EQ(lg.size(), 3u);
    // d fc_k / d relu2 = W_k reshaped
    cv::Mat w = s.params["fc"].blobs[0].row(2);
    for (int n = 0; n < 2; n++)
    {
        cv::Mat got(1, 8 * 7 * 7, CV_32F, lg[0].ptr<float>(n));
        EXPECT_LT(cv::norm(got, w, cv::NORM_INF), 1e-6);
    }
    // the seed itself at the class layer
    EXPECT_FLOAT_EQ(lg[1].at<float>(0, 2), 1.f);
    EXPECT_FLOAT_EQ((float)cv::sum(lg[1])[0], 2.f);
    // the requested conv1 gradient is what the input gradient is computed from: gradient of sum(g1 * conv1) == gin
    cv::interp::Seeds seeds;
    seeds[ex->graph().require("conv1")] = lg[2];
    cv::Mat gin2;
    ex->backward(tape, seeds, 0, gin2);
    EXPECT_LE(interp_test::relL2(gin2, gin), 1e-6);

    // Stopping at the requested layers (no input gradient) gives the same layer gradients.
    const cv::interp::Seeds classSeeds = ex->makeSeeds(tape, std::vector<Target>(1, Target::classScore(2)));
    const std::vector<int> idx{ ex->graph().require("relu2"), ex->graph().require("conv1") };
    std::vector<cv::Mat> stopped;
    cv::Mat none = cv::Mat::ones(2, 2, CV_32F);
    ex->backward(tape, classSeeds, 0, idx, false, none, stopped);
    EXPECT_TRUE(none.empty());
    ASSERT_EQ(stopped.size(), 2u);
    EXPECT_EQ(cv::norm(stopped[0], lg[0], cv::NORM_INF), 0);
    EXPECT_EQ(cv::norm(stopped[1], lg[2], cv::NORM_INF), 0);
    EXPECT_THROW(ex->backward(tape, classSeeds, 0, std::vector<int>(), false, none, stopped), cv::Exception);
    EXPECT_THROW(ex->backward(cv::Ptr<cv::interp::Tape>(), classSeeds, 0, none), cv::Exception);
}

TEST(Interp_Engine, concurrent_explanations_match_serial)
{
    SmallConvNet s;
    cv::Ptr<Explainer> ex = Explainer::create(s.net, s.params);
    const int jobs = 24;
    std::vector<cv::Mat> inputs, serial(jobs), parallel(jobs);
    std::vector<std::vector<Target> > targets(jobs);
    for (int j = 0; j < jobs; j++)
    {
        // different batch sizes exercise re-planning under concurrency
        const int n = 1 + j % 3;
        inputs.push_back(interp_test::randomBlob({ n, 3, 15, 15 }, -1, 1, 100 + j));
        targets[j].push_back(j % 2 ? Target::classScore(j % 5) : Target::neuron("relu2", j % 8, 1, 2));
    }
    for (int j = 0; j < jobs; j++)
        serial[j] = ex->gradient(inputs[j], targets[j], j % 3);
    std::atomic<int> next(0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++)
        threads.emplace_back([&]() {
            for (int j = next++; j < jobs; j = next++)
                parallel[j] = ex->gradient(inputs[j], targets[j], j % 3);
        });
    for (std::thread& t : threads)
        t.join();
    for (int j = 0; j < jobs; j++)
        EXPECT_EQ(cv::norm(serial[j], parallel[j], cv::NORM_INF), 0.0) << "job " << j;
}

/* Every way a (de)convolution's input gradient is computed: stride 1 (flipped convolution), strided (standalone
   deconvolution, SAME padding cropped), depthwise strided (direct loop) and a deconvolution (standalone
   convolution). The standalone cv::dnn layers are not reentrant; the rules keep a pool of them. */
struct ConvDeconvNet : interp_test::NetBuilder
{
    ConvDeconvNet()
    {
        cv::RNG rng(11);
        auto weights = [&](std::vector<int> shape) {
            cv::Mat w(shape, CV_32F);
            rng.fill(w, cv::RNG::NORMAL, 0, 0.3);
            return w;
        };
        auto conv = [&](int out, int in, int k, int stride, int pad, int group) {
            LayerParams lp;
            lp.set("num_output", out); lp.set("kernel_size", k); lp.set("stride", stride); lp.set("pad", pad);
            lp.set("group", group); lp.set("bias_term", false);
            lp.blobs = { weights({ out, in / group, k, k }) };
            return lp;
        };
        add("conv_s1", "Convolution", conv(8, 3, 3, 1, 1, 1));           // 8 x 17 x 17
        add("relu1", "ReLU");
        add("conv_s2", "Convolution", conv(8, 8, 3, 2, 0, 1));           // 8 x 8 x 8
        add("relu2", "ReLU");
        LayerParams deconv;
        deconv.set("num_output", 6); deconv.set("kernel_size", 3); deconv.set("stride", 2); deconv.set("pad", 1);
        deconv.set("adj", 1); deconv.set("bias_term", false);
        deconv.blobs = { weights({ 8, 6, 3, 3 }) };
        add("deconv", "Deconvolution", deconv);                         // 6 x 16 x 16
        add("relu3", "ReLU");
        add("conv_dw", "Convolution", conv(6, 6, 3, 2, 1, 6));           // 6 x 8 x 8
        LayerParams same = conv(4, 6, 3, 2, 0, 1);
        same.erase("pad");
        same.set("pad_mode", "SAME");
        add("conv_same", "Convolution", same);                          // 4 x 4 x 4
        LayerParams fc;
        fc.set("num_output", 5); fc.set("bias_term", false);
        fc.blobs = { weights({ 5, 4 * 4 * 4 }) };
        add("fc", "InnerProduct", fc);
    }
};

TEST(Interp_Engine, concurrent_conv_deconv_backward_matches_serial)
{
    ConvDeconvNet s;
    cv::Ptr<Explainer> ex = Explainer::create(s.net, s.params);
    const int jobs = 16;
    const char* layers[] = { "fc", "conv_same", "conv_dw", "relu3", "relu2" };
    std::vector<cv::Ptr<cv::interp::Tape> > tapes;
    std::vector<cv::interp::Seeds> seeds;
    std::vector<cv::Mat> serial(jobs), parallel(jobs);
    for (int j = 0; j < jobs; j++)
    {
        // two batch sizes, so that standalone layers run on blobs of other shapes than they were finalized for
        tapes.push_back(ex->forward(interp_test::randomBlob({ 1 + j % 2, 3, 17, 17 }, -1, 1, 300 + j)));
        seeds.push_back(ex->makeSeeds(tapes[j], std::vector<Target>(1, Target::channel(layers[j % 5], j % 4))));
        ex->backward(tapes[j], seeds[j], cv::interp::BACKWARD_STANDARD, serial[j]);
        ASSERT_GT(cv::norm(serial[j]), 0) << "job " << j;
    }
    // backward passes only (forward passes through the cv::dnn::Net are serialised), from 4 threads, 3 rounds
    for (int round = 0; round < 3; round++)
    {
        std::atomic<int> next(0);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; t++)
            threads.emplace_back([&]() {
                for (int j = next++; j < jobs; j = next++)
                    ex->backward(tapes[j], seeds[j], cv::interp::BACKWARD_STANDARD, parallel[j]);
            });
        for (std::thread& t : threads)
            t.join();
        for (int j = 0; j < jobs; j++)
            EXPECT_EQ(cv::norm(serial[j], parallel[j], cv::NORM_INF), 0.0) << "round " << round << ", job " << j;
    }
}

/* The two implementations of the convolution rules (oneDNN primitives, cv::dnn's layers) give the same gradients on
   every geometry of ConvDeconvNet, batch 1 and 2, from the same explainer: switching prepares the rules again. */
TEST(Interp_Engine, onednn_and_dnn_layers_give_the_same_convolution_gradients)
{
    if (!cv::interp::haveOneDNN())
    {
        EXPECT_FALSE(cv::interp::useOneDNN());
        EXPECT_THROW(cv::interp::setUseOneDNN(true), cv::Exception);
        INTERP_TEST_SKIP("built without oneDNN");
    }
    EXPECT_TRUE(cv::interp::useOneDNN()) << "oneDNN is the default when the module is built with it";
    ConvDeconvNet s;
    cv::Ptr<Explainer> ex = Explainer::create(s.net, s.params);
    for (int n = 1; n <= 2; n++)
    {
        const cv::Mat x = interp_test::randomBlob({ n, 3, 17, 17 }, -1, 1, 40 + n);
        cv::Mat grads[2];
        for (int use = 0; use < 2; use++)
        {
            const uint64 before = cv::interp::layerRegistryVersion();
            interp_test::OneDnnScope scope(use == 1);
            if (use == 0)
            {
                EXPECT_NE(cv::interp::layerRegistryVersion(), before) << "switching must re-prepare the rules";
            }
            cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
            cv::interp::Seeds seeds = ex->makeSeeds(tape, std::vector<Target>(n, Target::classScore(1)));
            ex->backward(tape, seeds, cv::interp::BACKWARD_STANDARD, grads[use]);
        }
        ASSERT_GT(cv::norm(grads[0]), 0);
        EXPECT_LT(interp_test::relL2(grads[1], grads[0]), 1e-5) << "batch " << n;
    }
}

// A user layer: y = 2 x, registered in cv::dnn by the application.
typedef interp_test::ScaleLayer<2> DoubleLayer;

class HalveGrad : public cv::interp::LayerBackward
{
public:
    explicit HalveGrad(float k_) : k(k_) {}
    void backward(const std::vector<cv::Mat>&, const std::vector<cv::Mat>&, const std::vector<cv::Mat>& og,
                  const std::vector<bool>& needed, std::vector<cv::Mat>& ig) const CV_OVERRIDE
    {
        if (needed[0])
            ig[0] = og[0] * k;
    }
    float k;
};

std::string writeCaffeModel(const std::string& layerType)
{
    const std::string path = cv::tempfile(".prototxt");
    std::ofstream f(path.c_str());
    f << "name: 'custom'\ninput: 'data'\ninput_dim: 1\ninput_dim: 2\ninput_dim: 3\ninput_dim: 3\n"
         "layer { name: 'twice' type: '" << layerType << "' bottom: 'data' top: 'twice' }\n"
         "layer { name: 'act' type: 'TanH' bottom: 'twice' top: 'act' }\n";
    return path;
}

TEST(Interp_Engine, user_layers_keep_working_and_take_user_rules)
{
    cv::dnn::LayerFactory::registerLayer("InterpTestDouble", DoubleLayer::create);
    const std::string proto = writeCaffeModel("InterpTestDouble");
    cv::Mat x = interp_test::randomBlob({ 1, 2, 3, 3 }, -1, 1, 3);
    {
        cv::Ptr<Explainer> ex = cv::interp::readNet(proto);
        cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
        cv::Mat twice = tape->output("twice");
        EXPECT_LT(cv::norm(twice, x * 2, cv::NORM_INF), 1e-7) << "the user's constructor must still be used";
        // no rule yet: the error names the layer and its type, before any computation
        try
        {
            ex->gradient(x, std::vector<Target>(1, Target::channel("act", 0)));
            ADD_FAILURE() << "expected an exception";
        }
        catch (const cv::Exception& e)
        {
            EXPECT_NE(e.err.find("'twice'"), std::string::npos) << e.err;
            EXPECT_NE(e.err.find("InterpTestDouble"), std::string::npos) << e.err;
        }
        // register a rule: dx = 2 dy
        cv::interp::registerBackwardRule("InterpTestDouble", cv::interp::BACKWARD_STANDARD,
                                         [](const cv::interp::LayerContext&) -> cv::Ptr<cv::interp::LayerBackward> {
                                             return cv::makePtr<HalveGrad>(2.f);
                                         });
        EXPECT_TRUE(cv::interp::hasBackwardRule("InterpTestDouble"));
        // The same explainer, whose plan for this shape was prepared without the rule, now uses it (the plan is
        // prepared again when the registry changed); checkSupported agreed already.
        ex->checkSupported({ ex->graph().find("act") }, cv::interp::BACKWARD_STANDARD);
        cv::Mat g = ex->gradient(x, std::vector<Target>(1, Target::channel("act", 1)));
        cv::Mat act = ex->forward(x)->output("act");
        for (int i = 0; i < 9; i++)
        {
            const float y = act.ptr<float>(0, 1)[i];
            EXPECT_NEAR(g.ptr<float>(0, 1)[i], 2.f * (1.f - y * y), 1e-6);
            EXPECT_EQ(g.ptr<float>(0, 0)[i], 0.f);
        }
        cv::interp::unregisterBackwardRule("InterpTestDouble", cv::interp::BACKWARD_STANDARD);
        EXPECT_FALSE(cv::interp::hasBackwardRule("InterpTestDouble"));
        // and after the rule is removed, the layer is refused again
        EXPECT_THROW(ex->gradient(x, std::vector<Target>(1, Target::channel("act", 1))), cv::Exception);
    }
    // the hooks are gone after loading: cv::dnn still builds the user's layer
    cv::dnn::Net plain = cv::dnn::readNet(proto);
    plain.setInput(x);
    cv::Mat y = plain.forward("twice");
    EXPECT_LT(cv::norm(y, x * 2, cv::NORM_INF), 1e-7);
    cv::dnn::LayerFactory::unregisterLayer("InterpTestDouble");
    std::remove(proto.c_str());
}

TEST(Interp_Engine, readnet_captures_parameters_plain_net_asks_for_them)
{
    // Eltwise coefficients are not public in cv::dnn: loaded through readNet they are captured, and an explainer
    // made from a plain dnn::Net says how to get them.
    const std::string path = cv::tempfile(".prototxt");
    {
        std::ofstream f(path.c_str());
        f << "name: 'e'\ninput: 'data'\ninput_dim: 1\ninput_dim: 2\ninput_dim: 2\ninput_dim: 2\n"
             "layer { name: 'a' type: 'TanH' bottom: 'data' top: 'a' }\n"
             "layer { name: 'sum' type: 'Eltwise' bottom: 'a' bottom: 'data' top: 'sum' "
             "eltwise_param { operation: SUM coeff: 3 coeff: -1 } }\n";
    }
    cv::Mat x = interp_test::randomBlob({ 1, 2, 2, 2 }, -1, 1, 9);
    cv::Ptr<Explainer> ex = cv::interp::readNet(path);
    cv::Mat g = ex->gradient(x, std::vector<Target>(1, Target::channel("sum", 0)));
    cv::Mat a = ex->forward(x)->output("a");
    for (int i = 0; i < 4; i++)
    {
        const float t = a.ptr<float>(0, 0)[i];
        EXPECT_NEAR(g.ptr<float>(0, 0)[i], 3.f * (1.f - t * t) - 1.f, 1e-6);
    }
    cv::dnn::Net plain = cv::dnn::readNet(path);
    cv::Ptr<Explainer> fromNet = Explainer::create(plain);
    try
    {
        fromNet->gradient(x, std::vector<Target>(1, Target::channel("sum", 0)));
        ADD_FAILURE() << "expected an exception";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("cv::interp::readNet"), std::string::npos) << e.err;
        EXPECT_NE(e.err.find("'sum'"), std::string::npos) << e.err;
    }
    // layers whose parameters are public work from a plain net
    cv::Mat ga = fromNet->gradient(x, std::vector<Target>(1, Target::channel("a", 1)));
    for (int i = 0; i < 4; i++)
    {
        const float t = a.ptr<float>(0, 1)[i];
        EXPECT_NEAR(ga.ptr<float>(0, 1)[i], 1.f - t * t, 1e-6);
    }
    std::remove(path.c_str());
}

TEST(Interp_Engine, one_layer_spec_per_type)
{
    // A built-in type: its backward rules, geometry, occlusion op and parameter capture in one spec.
    const cv::interp::LayerSpec conv = cv::interp::layerSpec("Convolution");
    EXPECT_EQ(1u, conv.backward.count(cv::interp::BACKWARD_STANDARD));
    EXPECT_TRUE((bool)conv.geometry);
    EXPECT_FALSE(conv.occlusion.empty());
    EXPECT_TRUE(conv.captureParams);
    const cv::interp::LayerSpec unknown = cv::interp::layerSpec("InterpNoSuchType");
    EXPECT_TRUE(unknown.empty());

    const std::vector<cv::String> types = cv::interp::layerSpecTypes();
    EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
    EXPECT_TRUE(std::find(types.begin(), types.end(), "Convolution") != types.end());

    // Registering through either half of the API updates the same spec, and each change bumps the version.
    const uint64 v0 = cv::interp::layerRegistryVersion();
    cv::interp::registerGeometryRule("InterpSpecType", [](const cv::interp::GeometryContext& ctx) {
        return cv::interp::LayerGeometry::uniform((int)ctx.outputShapes.size(), (int)ctx.inputShapes.size(),
                                                  cv::interp::SpatialMap(cv::interp::AxisMap::identity(),
                                                                         cv::interp::AxisMap::identity()));
    });
    const cv::interp::LayerSpec withGeometry = cv::interp::layerSpec("InterpSpecType");
    EXPECT_TRUE((bool)withGeometry.geometry);
    EXPECT_TRUE(withGeometry.backward.empty());
    EXPECT_FALSE(cv::interp::hasBackwardRule("InterpSpecType", cv::interp::BACKWARD_STANDARD));
    cv::interp::registerBackwardRule("InterpSpecType", cv::interp::BACKWARD_STANDARD, conv.backward.at(cv::interp::BACKWARD_STANDARD));
    const cv::interp::LayerSpec both = cv::interp::layerSpec("InterpSpecType");
    EXPECT_TRUE((bool)both.geometry);
    EXPECT_EQ(1u, both.backward.size());
    EXPECT_TRUE(cv::interp::hasGeometryRule("InterpSpecType"));
    EXPECT_GE(cv::interp::layerRegistryVersion(), v0 + 2);

    cv::interp::unregisterLayerSpec("InterpSpecType");
    EXPECT_FALSE(cv::interp::hasGeometryRule("InterpSpecType"));
    EXPECT_FALSE(cv::interp::hasBackwardRule("InterpSpecType", cv::interp::BACKWARD_STANDARD));
    EXPECT_TRUE(cv::interp::layerSpec("InterpSpecType").empty());
}

}  // namespace
}  // namespace opencv_test
