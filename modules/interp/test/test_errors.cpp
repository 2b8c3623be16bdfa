// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Bad input raises a cv::Exception that says what is wrong, and the explainer stays usable.
#include "test_precomp.hpp"

#include <cstdio>
#include <fstream>

namespace opencv_test {
namespace {

using cv::dnn::LayerParams;
using cv::interp::Explainer;
using cv::interp::Target;

struct ConvNet : interp_test::NetBuilder
{
    explicit ConvNet(bool withUnsupported = false)
    {
        LayerParams conv;
        conv.set("num_output", 4); conv.set("kernel_size", 3); conv.set("pad", 1); conv.set("bias_term", false);
        cv::Mat w(std::vector<int>{ 4, 3, 3, 3 }, CV_32F);
        cv::randu(w, -1, 1);
        conv.blobs = { w };
        add("conv", "Convolution", conv);
        if (withUnsupported)
            add("not", "Not", LayerParams());  // a boolean operation: no backward rule
        add("relu", "ReLU", LayerParams());
        LayerParams fc;
        fc.set("num_output", 3); fc.set("bias_term", false);
        cv::Mat wf(3, 4 * 5 * 5, CV_32F);
        cv::randu(wf, -1, 1);
        fc.blobs = { wf };
        add("fc", "InnerProduct", fc);
    }
};

//! Runs fn, expects a cv::Exception whose message contains every fragment.
void expectError(const std::function<void()>& fn, const std::vector<std::string>& fragments)
{
    try
    {
        fn();
        ADD_FAILURE() << "expected a cv::Exception mentioning '" << fragments[0] << "'";
    }
    catch (const cv::Exception& e)
    {
        for (const std::string& f : fragments)
            EXPECT_NE(e.err.find(f), std::string::npos) << "message: " << e.err << "\nmissing: " << f;
    }
}

class Interp_Errors : public ::testing::Test
{
protected:
    void SetUp() CV_OVERRIDE
    {
        ex = Explainer::create(net.net, net.params);
        x = interp_test::randomBlob({ 1, 3, 5, 5 }, -1, 1, 1);
        reference = ex->gradient(x, std::vector<Target>(1, Target::classScore(1)));
    }
    //! After an error the explainer still gives the same answer.
    void TearDown() CV_OVERRIDE
    {
        cv::Mat again = ex->gradient(x, std::vector<Target>(1, Target::classScore(1)));
        EXPECT_EQ(cv::norm(again, reference, cv::NORM_INF), 0.0);
    }
    ConvNet net;
    cv::Ptr<Explainer> ex;
    cv::Mat x, reference;
};

TEST_F(Interp_Errors, unknown_layer_lists_close_names)
{
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::neuron("rleu", 0, 0, 0))); },
                { "unknown layer 'rleu'", "'relu'" });
    expectError([&]() { ex->forward(x)->output("nope"); }, { "unknown layer 'nope'" });
}

TEST_F(Interp_Errors, channel_and_position_out_of_range)
{
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::neuron("relu", 4, 0, 0))); },
                { "channel 4 is out of range", "'relu'", "4 channels" });
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::channel("relu", -1))); },
                { "channel -1 is out of range" });
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::neuron("relu", 1, 5, 0))); },
                { "position (y 5, x 0) is outside the 5 x 5 output", "'relu'" });
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::classScore(3))); },
                { "class 3 is out of range", "3 scores per sample" });
    expectError([&]() { ex->gradient(x, std::vector<Target>(2, Target::classScore(0))); },
                { "got 2 targets for a batch of 1" });
    Target bad = Target::fromSeed("relu", cv::Mat::ones(1, 7, CV_32F));
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, bad)); }, { "must be float32 with 100 elements" });
}

TEST_F(Interp_Errors, wrong_blob_rank_type_and_channels)
{
    expectError([&]() { ex->forward(cv::Mat::zeros(5, 5, CV_32F)); }, { "must be 4-D", "blobFromImage" });
    expectError([&]() { ex->forward(cv::Mat(std::vector<int>{ 1, 3, 5, 5 }, CV_8U, cv::Scalar(0))); }, { "float32" });
    expectError([&]() { ex->forward(interp_test::randomBlob({ 1, 1, 5, 5 }, 0, 1, 2)); }, { "1 channels but layer 'conv' expects 3" });
    expectError([&]() { ex->forward(interp_test::randomBlob({ 1, 3, 6, 6 }, 0, 1, 2)); }, { "forward pass failed", "[1 x 3 x 6 x 6]" });
    expectError([&]() { ex->forward(cv::Mat()); }, { "empty" });
}

TEST_F(Interp_Errors, bad_variant_and_foreign_tape)
{
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::classScore(0)), 7); }, { "unknown backward variant 7" });
    ConvNet other;
    cv::Ptr<Explainer> ex2 = Explainer::create(other.net, other.params);
    cv::Ptr<cv::interp::Tape> tape = ex2->forward(x);
    cv::Mat g;
    std::vector<cv::Mat> lg;
    expectError([&]() { ex->backward(tape, std::vector<Target>(1, Target::classScore(0)), 0, g, {}, lg); },
                { "not recorded by this explainer" });
}

TEST(Interp_Errors_Load, unsupported_layer_is_named_before_computing)
{
    ConvNet n(true);
    cv::Ptr<Explainer> ex = Explainer::create(n.net, n.params);
    cv::Mat x = interp_test::randomBlob({ 1, 3, 5, 5 }, -1, 1, 1);
    expectError([&]() { ex->gradient(x, std::vector<Target>(1, Target::classScore(0))); },
                { "'not'", "Not", "no backward rule", "registerBackwardRule" });
    // targets below the unsupported layer still work
    cv::Mat g = ex->gradient(x, std::vector<Target>(1, Target::channel("conv", 1)));
    EXPECT_GT(cv::norm(g), 0);
}

TEST(Interp_Errors_Load, unreadable_and_empty_models)
{
    expectError([]() { cv::interp::readNet("/nonexistent/model.onnx"); }, { "cannot read the model file", "/nonexistent/model.onnx" });
    expectError([]() { cv::interp::readNet(""); }, { "no model file given" });
    const std::string junk = cv::tempfile(".onnx");
    {
        std::ofstream f(junk.c_str());
        f << "this is not a model";
    }
    expectError([&]() { cv::interp::readNet(junk); }, { "cannot load the model", junk });
    std::remove(junk.c_str());
    expectError([]() { Explainer::create(cv::dnn::Net()); }, { "the network is empty" });
    // the loading hooks are gone after a failed load: plain cv::dnn still works
    ConvNet n;
    cv::Mat x = interp_test::randomBlob({ 1, 3, 5, 5 }, -1, 1, 1);
    n.net.setInput(x);
    EXPECT_NO_THROW(n.net.forward());
}

}  // namespace
}  // namespace opencv_test
