// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// One harness checks every backward rule against central finite differences: each case builds a small
// cv::dnn network around the layer under test, seeds the output with a random tensor R, and compares the
// engine's d sum(R * out) / d input with (f(x + h e_i) - f(x - h e_i)) / 2h over every input coordinate,
// f computed by plain cv::dnn forward passes.
#include "test_precomp.hpp"

#include <opencv2/dnn/all_layers.hpp>

#include <set>

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>

namespace opencv_test {
namespace {

using cv::dnn::LayerParams;
using cv::dnn::Net;

using interp_test::NetBuilder;

cv::Mat randn(const std::vector<int>& shape, float sigma, uint64 seed)
{
    cv::Mat m((int)shape.size(), shape.data(), CV_32F);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::NORMAL, 0, sigma);
    return m;
}

LayerParams convParams(int out, int k, int stride, int pad, int group, int inC, uint64 seed, int dilation = 1)
{
    LayerParams lp;
    lp.set("num_output", out);
    lp.set("kernel_size", k);
    lp.set("stride", stride);
    lp.set("pad", pad);
    lp.set("group", group);
    lp.set("dilation", dilation);
    lp.set("bias_term", true);
    lp.blobs.push_back(randn({ out, inC / group, k, k }, 0.5f, seed));
    lp.blobs.push_back(randn({ out }, 0.1f, seed + 1));
    return lp;
}

//! LayerParams builder: P().set("kernel_size", 3).set("pool", "max")
struct P
{
    LayerParams lp;
    template<typename T> P& set(const char* key, const T& v) { lp.set(key, v); return *this; }
    P& set(const char* key, const char* v) { lp.set(key, cv::String(v)); return *this; }
    operator LayerParams() const { return lp; }
};

struct RuleCase
{
    std::string name;
    std::vector<int> inputShape;
    std::function<void(NetBuilder&)> build;
    float inputScale;  // input ~ U(-inputScale, inputScale)
    bool dnnLayers = false;  // computed with cv::dnn's layers (setUseOneDNN(false)) instead of oneDNN
};

std::ostream& operator<<(std::ostream& os, const RuleCase& c) { return os << c.name; }

std::vector<RuleCase> ruleCases()
{
    std::vector<RuleCase> cases;
    auto single = [&](const std::string& name, std::vector<int> shape, const std::string& type, LayerParams lp, float scale = 1.f) {
        cases.push_back({ name, shape, [type, lp](NetBuilder& b) { b.add("layer", type, lp); }, scale });
    };
    // Convolution
    single("conv_3x3", { 2, 3, 6, 6 }, "Convolution", convParams(4, 3, 1, 1, 1, 3, 1));
    single("conv_grouped_strided_padded", { 1, 4, 7, 7 }, "Convolution", convParams(6, 3, 2, 1, 2, 4, 2));
    single("conv_depthwise_multiplier", { 1, 3, 7, 6 }, "Convolution", convParams(6, 3, 2, 1, 3, 3, 3));
    single("conv_depthwise_5x5", { 1, 4, 8, 8 }, "Convolution", convParams(4, 5, 1, 2, 4, 4, 4));
    single("conv_dilated", { 1, 2, 9, 9 }, "Convolution", convParams(3, 3, 1, 2, 1, 2, 5, 2));
    single("conv_1x1", { 2, 5, 3, 3 }, "Convolution", convParams(3, 1, 1, 0, 1, 5, 6));
    // oneDNN computes the input gradient of convolutions of fewer than 8 input channels (all cases above but the
    // grouped ones) with its GEMM kernel, and of wider ones with its direct kernel
    single("conv_3x3_strided_nine_channels", { 1, 9, 7, 7 }, "Convolution", convParams(4, 3, 2, 1, 1, 9, 61));
    {
        // cv::dnn convolutions reject asymmetric pads: the ONNX importer inserts a Padding layer instead
        int pads[] = { 0, 0, 0, 0, 0, 2, 1, 0 };
        LayerParams pad = P().set("paddings", cv::dnn::DictValue::arrayInt(pads, 8));
        LayerParams conv = convParams(3, 3, 2, 0, 1, 2, 7);
        cases.push_back({ "conv_asymmetric_padding", { 1, 2, 7, 8 }, [pad, conv](NetBuilder& b) {
            b.add("pad", "Padding", pad);
            b.add("layer", "Convolution", conv);
        }, 1.f });
        // SAME padding of an even input with stride 2 pads only at the end
        LayerParams same = convParams(3, 3, 2, 0, 1, 2, 28);
        same.erase("pad");
        same.set("pad_mode", "SAME");
        single("conv_same_padding_stride2", { 1, 2, 8, 6 }, "Convolution", same);
    }
    // Deconvolution
    {
        LayerParams lp;
        lp.set("num_output", 4); lp.set("kernel_size", 3); lp.set("stride", 2); lp.set("pad", 1); lp.set("adj", 1);
        lp.set("bias_term", true);
        lp.blobs.push_back(randn({ 3, 4, 3, 3 }, 0.5f, 8));
        lp.blobs.push_back(randn({ 4 }, 0.1f, 9));
        single("deconv_strided", { 1, 3, 4, 4 }, "Deconvolution", lp);
        LayerParams g;
        g.set("num_output", 4); g.set("kernel_size", 2); g.set("stride", 2); g.set("group", 2); g.set("bias_term", false);
        g.blobs.push_back(randn({ 4, 2, 2, 2 }, 0.5f, 10));
        single("deconv_grouped", { 1, 4, 3, 3 }, "Deconvolution", g);
    }
    // The convolution rules have two implementations: oneDNN (the default when built with it) and cv::dnn's layers.
    const size_t convCases = cases.size();
    for (size_t i = 0; i < convCases; i++)
    {
        RuleCase c = cases[i];
        c.name += "_cv_dnn";
        c.dnnLayers = true;
        cases.push_back(c);
    }
    // InnerProduct
    {
        LayerParams lp;
        lp.set("num_output", 5); lp.set("bias_term", true); lp.set("axis", 1);
        lp.blobs.push_back(randn({ 5, 18 }, 0.5f, 11));
        lp.blobs.push_back(randn({ 1, 5 }, 0.1f, 12));
        single("inner_product", { 2, 2, 3, 3 }, "InnerProduct", lp);
        // a ReLU after it zeroes the output gradient of some units for one sample, of some for both (rows skipped)
        LayerParams wide;
        wide.set("num_output", 12); wide.set("bias_term", true); wide.set("axis", 1);
        wide.blobs.push_back(randn({ 12, 18 }, 0.5f, 62));
        wide.blobs.push_back(randn({ 1, 12 }, 0.1f, 63));
        cases.push_back({ "inner_product_relu", { 2, 2, 3, 3 }, [wide](NetBuilder& b) {
            b.add("fc", "InnerProduct", wide);
            b.add("layer", "ReLU", LayerParams());
        }, 1.f });
    }
    // Pooling
    single("maxpool_overlapping_ceil", { 1, 2, 7, 7 }, "Pooling",
           P().set("pool", "max").set("kernel_size", 3).set("stride", 2).set("ceil_mode", true));
    single("maxpool_padded_floor", { 1, 2, 6, 7 }, "Pooling",
           P().set("pool", "max").set("kernel_size", 2).set("stride", 2).set("pad", 1).set("ceil_mode", false));
    // rows wide enough for the vectorised scan of several windows at once (strides 1 and 2) and its scalar tail
    single("maxpool_stride1_padded_wide", { 1, 2, 5, 19 }, "Pooling",
           P().set("pool", "max").set("kernel_size", 3).set("stride", 1).set("pad", 1));
    single("maxpool_stride2_wide_ceil", { 1, 2, 5, 24 }, "Pooling",
           P().set("pool", "max").set("kernel_size", 3).set("stride", 2).set("ceil_mode", true));
    single("maxpool_stride3_wide", { 1, 2, 6, 23 }, "Pooling",
           P().set("pool", "max").set("kernel_size", 3).set("stride", 3).set("pad", 1));
    single("avepool_padded_area", { 1, 2, 6, 6 }, "Pooling",
           P().set("pool", "ave").set("kernel_size", 3).set("stride", 2).set("pad", 1).set("ceil_mode", false));
    single("avepool_exclude_padding", { 1, 2, 6, 6 }, "Pooling",
           P().set("pool", "ave").set("kernel_size", 3).set("stride", 2).set("pad", 1).set("ceil_mode", false).set("ave_pool_padded_area", false));
    single("avepool_ceil", { 1, 2, 7, 7 }, "Pooling",
           P().set("pool", "ave").set("kernel_size", 3).set("stride", 2).set("ceil_mode", true));
    single("global_avepool", { 2, 3, 4, 5 }, "Pooling", P().set("pool", "ave").set("global_pooling", true));
    single("global_maxpool", { 2, 3, 4, 5 }, "Pooling", P().set("pool", "max").set("global_pooling", true));
    // Activations
    const std::vector<int> act = { 2, 3, 4, 4 };
    single("relu", act, "ReLU", LayerParams());
    single("leaky_relu", act, "ReLU", P().set("negative_slope", 0.1f));
    single("relu6", act, "ReLU6", P().set("min_value", 0.f).set("max_value", 6.f), 8.f);
    single("clip", act, "ReLU6", P().set("min_value", -1.f).set("max_value", 1.f), 2.f);
    {
        LayerParams lp;
        lp.blobs.push_back(randn({ 3 }, 0.3f, 13));
        single("prelu", act, "PReLU", lp);
        single("channels_prelu", act, "ChannelsPReLU", lp);
    }
    single("softmax_caffe_name", act, "SoftMax", P().set("axis", 1), 2.f);
    single("interp_caffe_resize", act, "Interp", P().set("height", 7).set("width", 6));
    single("elu", act, "ELU", P().set("alpha", 0.7f), 2.f);
    single("sigmoid", act, "Sigmoid", LayerParams(), 3.f);
    single("tanh", act, "TanH", LayerParams(), 2.f);
    single("swish", act, "Swish", LayerParams(), 3.f);
    single("hardswish", act, "HardSwish", LayerParams(), 5.f);
    single("mish", act, "Mish", LayerParams(), 3.f);
    single("softplus", act, "Softplus", LayerParams(), 3.f);
    single("absval", act, "AbsVal", LayerParams());
    single("power", act, "Power", P().set("power", 2.f).set("scale", 0.5f).set("shift", 2.f));
    auto lower = [](std::string t) {
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return (char)std::tolower(ch); });
        return t;
    };
    // inputs where the functions are smooth enough for central differences (asin, acos, atanh need |x| < 1)
    for (const char* t : { "Sinh", "Cosh", "Atan", "Asinh" })
        single(lower(t), act, t, LayerParams(), 1.5f);
    for (const char* t : { "Tan", "Asin", "Acos", "Atanh" })
        single(lower(t), act, t, LayerParams(), 0.7f);
    cases.push_back({ "acosh", act, [](NetBuilder& b) {
        b.add("above_one", "Power", P().set("power", 1.f).set("shift", 2.5f));
        b.add("layer", "Acosh", LayerParams());
    }, 1.f });
    single("celu", act, "Celu", P().set("alpha", 0.8f), 2.f);
    single("selu", act, "Selu", P().set("alpha", 1.6733f).set("gamma", 1.0507f), 2.f);
    single("hard_sigmoid", act, "HardSigmoid", P().set("alpha", 0.2f).set("beta", 0.5f), 4.f);
    single("exp", act, "Exp", P().set("base", -1.f).set("scale", 0.7f).set("shift", 0.1f), 1.5f);
    single("bnll", act, "BNLL", LayerParams(), 3.f);
    for (const char* t : { "Sin", "Cos", "Erf" })
        single(lower(t), act, t, LayerParams(), 2.f);
    for (const char* t : { "Log", "Sqrt", "Reciprocal", "Softsign" })
    {
        // defined (and smooth) for positive inputs: shifted to [1.5, 3.5] first (softsign's |x| has a kink at 0)
        const std::string type = t;
        cases.push_back({ lower(t), act, [type](NetBuilder& b) {
            b.add("positive", "Power", P().set("power", 1.f).set("shift", 2.5f));
            b.add("layer", type, LayerParams());
        }, 1.f });
    }
    cases.push_back({ "softsign_negative", act, [](NetBuilder& b) {
        b.add("negative", "Power", P().set("power", 1.f).set("shift", -2.5f));
        b.add("layer", "Softsign", LayerParams());
    }, 1.f });
    {
        LayerParams lp;
        // cv::dnn's Shift is a Scale with bias only and axis 0: the bias spans the blob from the batch axis on
        lp.blobs.push_back(randn({ 2, 3, 4, 4 }, 0.5f, 41));
        single("shift", act, "Shift", lp);
    }
    single("shrink", act, "Shrink", P().set("bias", 0.3f).set("lambd", 0.5f), 2.f);
    single("thresholded_relu", act, "ThresholdedRelu", P().set("alpha", 0.4f), 2.f);
    for (const char* t : { "Floor", "Ceil", "Round", "Sign" })
    {
        // piecewise constant: zero gradient, checked beside an identity path so that the case is not degenerate
        const std::string type = t;
        cases.push_back({ "identity_plus_" + lower(t), act, [type](NetBuilder& b) {
            int f = b.add("step", type, LayerParams());
            b.add("layer", "Eltwise", P().set("operation", "sum"), { { 0, 0 }, { f, 0 } });
        }, 2.f });
    }
    // Normalisation
    {
        LayerParams lp;
        lp.set("has_weight", true); lp.set("has_bias", true); lp.set("eps", 1e-5f);
        lp.blobs.push_back(randn({ 3 }, 0.3f, 14));
        cv::Mat var = randn({ 3 }, 0.2f, 15);
        var = cv::abs(var) + 0.5;
        lp.blobs.push_back(var);
        lp.blobs.push_back(randn({ 3 }, 0.5f, 16) + 1.0);
        lp.blobs.push_back(randn({ 3 }, 0.2f, 17));
        single("batchnorm", act, "BatchNorm", lp);
    }
    {
        LayerParams lp;
        lp.set("bias_term", true); lp.set("axis", 1);
        lp.blobs.push_back(randn({ 3 }, 0.5f, 18) + 1.0);
        lp.blobs.push_back(randn({ 3 }, 0.2f, 19));
        single("scale_constant", act, "Scale", lp);
    }
    single("lrn_across", { 1, 7, 3, 3 }, "LRN",
           P().set("local_size", 5).set("alpha", 0.5f).set("beta", 0.75f).set("bias", 1.5f), 2.f);
    // planes of 99 pixels, batch 2: the rule's blocks of 64 pixels, a partial block, the second sample
    single("lrn_across_blocks", { 2, 6, 9, 11 }, "LRN",
           P().set("local_size", 3).set("alpha", 0.3f).set("beta", 0.6f).set("bias", 1.f), 2.f);
    single("lrn_within", { 1, 2, 5, 5 }, "LRN",
           P().set("local_size", 3).set("alpha", 0.8f).set("beta", 0.75f).set("bias", 1.f).set("norm_region", "WITHIN_CHANNEL"), 2.f);
    // Softmax
    {
        LayerParams ip;
        ip.set("num_output", 6); ip.set("bias_term", false);
        ip.blobs.push_back(randn({ 6, 12 }, 0.5f, 20));
        cases.push_back({ "softmax", { 2, 3, 2, 2 }, [ip](NetBuilder& b) {
            b.add("fc", "InnerProduct", ip);
            b.add("layer", "Softmax", LayerParams());
        }, 2.f });
        cases.push_back({ "log_softmax", { 2, 3, 2, 2 }, [ip](NetBuilder& b) {
            b.add("fc", "InnerProduct", ip);
            b.add("layer", "Softmax", P().set("log_softmax", true));
        }, 2.f });
    }
    single("softmax_channels_4d", { 1, 4, 2, 3 }, "Softmax", P().set("axis", 1), 2.f);
    // Routing: Concat, Slice (several outputs, used out of order), Split
    // Concat's gradient parts are views of its output gradient when contiguous (batch 1, along channels), then
    // the ReLUs below it compute in place on those views; with batch 2 they are copies
    for (int batch : { 1, 2 })
        cases.push_back({ batch == 1 ? "concat_views_relu" : "concat_copies_relu", { batch, 2, 5, 5 }, [](NetBuilder& b) {
            int a = b.add("a", "Convolution", convParams(3, 3, 1, 1, 1, 2, 41));
            int ra = b.add("ra", "ReLU", LayerParams(), { { a, 0 } });
            int c = b.add("c", "Convolution", convParams(2, 1, 1, 0, 1, 2, 42), { { 0, 0 } });
            int rc = b.add("rc", "ReLU", LayerParams(), { { c, 0 } });
            b.add("layer", "Concat", P().set("axis", 1), { { ra, 0 }, { rc, 0 }, { ra, 0 } });
        }, 1.f });
    cases.push_back({ "concat", { 1, 2, 5, 5 }, [](NetBuilder& b) {
        int a = b.add("a", "Convolution", convParams(3, 3, 1, 1, 1, 2, 21));
        int c = b.add("c", "Convolution", convParams(2, 1, 1, 0, 1, 2, 22), { { 0, 0 } });
        b.add("layer", "Concat", P().set("axis", 1), { { c, 0 }, { a, 0 } });
    }, 1.f });
    cases.push_back({ "slice_pins", { 1, 6, 3, 3 }, [](NetBuilder& b) {
        int s = b.add("slice", "Slice", P().set("axis", 1).set("slice_point", cv::dnn::DictValue::arrayInt(std::vector<int>{ 1, 3 }.data(), 2)));
        int t = b.add("tanh", "TanH", LayerParams(), { { s, 2 } });
        int u = b.add("sig", "Sigmoid", LayerParams(), { { s, 0 } });
        b.add("layer", "Concat", P().set("axis", 1), { { t, 0 }, { s, 1 }, { u, 0 } });
    }, 2.f });
    cases.push_back({ "slice_equal_parts", { 1, 4, 3, 3 }, [](NetBuilder& b) {
        // two outputs of identical shape: pins resolved by running the consumers
        int s = b.add("slice", "Slice", P().set("axis", 1).set("num_split", 2));
        b.last = s;
        int e = b.add("exp", "Sigmoid", LayerParams(), { { s, 1 } });
        int c = b.add("conv", "Convolution", convParams(2, 1, 1, 0, 1, 2, 23), { { s, 0 } });
        b.add("layer", "Concat", P().set("axis", 1), { { e, 0 }, { c, 0 } });
    }, 2.f });
    // Caffe's Crop: the first input cut to the shape of the second from `axis` on, at the offsets
    cases.push_back({ "crop", { 1, 2, 6, 7 }, [](NetBuilder& b) {
        int small = b.add("small", "Convolution", convParams(3, 3, 2, 0, 1, 2, 37));
        int big = b.add("big", "Convolution", convParams(3, 1, 1, 0, 1, 2, 38), { { 0, 0 } });
        int offsets[] = { 1, 2 };
        b.add("layer", "Crop", P().set("axis", 2).set("offset", cv::dnn::DictValue::arrayInt(offsets, 2)),
              { { big, 0 }, { small, 0 } });
    }, 1.f });
    // Identity with two inputs and two outputs, as the ONNX importer builds broadcasts ("<name>/copy_k")
    cases.push_back({ "identity_two_inputs", { 1, 2, 3, 3 }, [](NetBuilder& b) {
        int t = b.add("tanh", "TanH", LayerParams());
        int s = b.add("sig", "Sigmoid", LayerParams(), { { 0, 0 } });
        int id = b.add("copy", "Identity", LayerParams(), { { t, 0 }, { s, 0 } });
        b.add("layer", "Concat", P().set("axis", 1), { { id, 1 }, { id, 0 } });
    }, 2.f });
    cases.push_back({ "split", { 1, 2, 4, 4 }, [](NetBuilder& b) {
        int s = b.add("split", "Split", LayerParams());
        int a = b.add("a", "Convolution", convParams(2, 3, 1, 1, 1, 2, 24), { { s, 0 } });
        int c = b.add("c", "TanH", LayerParams(), { { s, 1 } });
        b.add("layer", "Eltwise", P().set("operation", "sum"), { { a, 0 }, { c, 0 } });
    }, 1.f });
    // Eltwise variants on two branches of the input
    auto eltwise = [&](const std::string& name, LayerParams lp, bool positiveSecond) {
        cases.push_back({ name, { 2, 2, 3, 3 }, [lp, positiveSecond](NetBuilder& b) {
            int a = b.add("a", "Convolution", convParams(2, 1, 1, 0, 1, 2, 25));
            int c = b.add("c", "Convolution", convParams(2, 3, 1, 1, 1, 2, 26), { { 0, 0 } });
            if (positiveSecond)
                c = b.add("pos", "Power", P().set("power", 2.f).set("shift", 0.f), { { c, 0 } }),
                c = b.add("shift", "Power", P().set("power", 1.f).set("shift", 1.f), { { c, 0 } });
            b.add("layer", "Eltwise", lp, { { a, 0 }, { c, 0 } });
        }, 1.f });
    };
    eltwise("eltwise_sum_coeffs", P().set("operation", "sum").set("coeff", cv::dnn::DictValue::arrayReal(std::vector<double>{ 1.0, -0.5 }.data(), 2)), false);
    eltwise("eltwise_prod", P().set("operation", "prod"), false);
    eltwise("eltwise_max", P().set("operation", "max"), false);
    eltwise("eltwise_min", P().set("operation", "min"), false);
    eltwise("eltwise_div", P().set("operation", "div"), true);
    // three factors of one shape, one of them the network input: each gradient is dy times the two others
    cases.push_back({ "eltwise_prod_three", { 2, 2, 3, 3 }, [](NetBuilder& b) {
        int a = b.add("a", "Convolution", convParams(2, 1, 1, 0, 1, 2, 25));
        int c = b.add("c", "Convolution", convParams(2, 3, 1, 1, 1, 2, 26), { { 0, 0 } });
        b.add("layer", "Eltwise", P().set("operation", "prod"), { { a, 0 }, { 0, 0 }, { c, 0 } });
    }, 1.f });
    // Squeeze-and-excitation: x * sigmoid(fc(gap(x))) broadcast over space (Scale with two inputs)
    cases.push_back({ "scale_broadcast_input", { 2, 3, 4, 4 }, [](NetBuilder& b) {
        int gap = b.add("gap", "Pooling", P().set("pool", "ave").set("global_pooling", true));
        int fc = b.add("se", "Convolution", convParams(3, 1, 1, 0, 1, 3, 27), { { gap, 0 } });
        int sg = b.add("sg", "Sigmoid", LayerParams(), { { fc, 0 } });
        b.add("layer", "Scale", P().set("axis", 0), { { 0, 0 }, { sg, 0 } });
    }, 1.f });
    cases.push_back({ "eltwise_broadcast_prod", { 2, 3, 4, 4 }, [](NetBuilder& b) {
        int gap = b.add("gap", "Pooling", P().set("pool", "ave").set("global_pooling", true));
        int sg = b.add("sg", "Sigmoid", LayerParams(), { { gap, 0 } });
        b.add("layer", "Eltwise", P().set("operation", "prod"), { { 0, 0 }, { sg, 0 } });
    }, 1.f });
    // Shapes
    cases.push_back({ "flatten_reshape_identity", { 2, 2, 3, 2 }, [](NetBuilder& b) {
        b.add("t", "TanH", LayerParams());
        b.add("flat", "Flatten", LayerParams());
        b.add("id", "Identity", LayerParams());
        b.add("drop", "Dropout", LayerParams());
        int shape[] = { 0, 3, 4 };
        b.add("layer", "Reshape", P().set("dim", cv::dnn::DictValue::arrayInt(shape, 3)));
    }, 2.f });
    {
        int order[] = { 0, 2, 3, 1 };
        single("permute", { 2, 3, 2, 4 }, "Permute", P().set("order", cv::dnn::DictValue::arrayInt(order, 4)));
    }
    single("shuffle_channel", { 1, 6, 2, 2 }, "ShuffleChannel", P().set("group", 2));
    {
        int pads[] = { 0, 0, 0, 0, 1, 2, 2, 0 };
        single("padding_constant", { 1, 2, 3, 4 }, "Padding", P().set("paddings", cv::dnn::DictValue::arrayInt(pads, 8)));
        int rp[] = { 0, 0, 0, 0, 2, 1, 1, 2 };
        single("padding_reflect", { 1, 2, 4, 4 }, "Padding",
               P().set("paddings", cv::dnn::DictValue::arrayInt(rp, 8)).set("type", "reflect"));
    }
    // Resize
    single("resize_nearest", { 1, 2, 3, 4 }, "Resize",
           P().set("interpolation", "nearest").set("zoom_factor", 2));
    single("resize_bilinear_half_pixel", { 1, 2, 3, 4 }, "Resize",
           P().set("interpolation", "bilinear").set("height", 7).set("width", 5).set("half_pixel_centers", true));
    single("resize_bilinear_align_corners", { 1, 2, 3, 4 }, "Resize",
           P().set("interpolation", "bilinear").set("height", 5).set("width", 7).set("align_corners", true));
    single("resize_opencv_linear_down", { 1, 2, 8, 8 }, "Resize",
           P().set("interpolation", "opencv_linear").set("height", 3).set("width", 5));
    // Reduce (blocks of the trailing axes)
    {
        int dims[] = { 3, 4 };
        single("reduce_mean", { 2, 2, 3, 4 }, "Reduce",
               P().set("reduce", "ave").set("deleted_dims", cv::dnn::DictValue::arrayInt(dims, 2)));
        single("reduce_sum", { 2, 2, 3, 4 }, "Reduce",
               P().set("reduce", "sum").set("deleted_dims", cv::dnn::DictValue::arrayInt(dims, 2)));
        single("reduce_max", { 2, 2, 3, 4 }, "Reduce",
               P().set("reduce", "max").set("deleted_dims", cv::dnn::DictValue::arrayInt(dims, 2)));
    }
    // MVN (ONNX InstanceNormalization is MVN per sample and channel followed by a per-channel affine layer)
    auto mvn = [](bool normVariance, bool acrossChannels, float eps) {
        return P().set("normalize_variance", normVariance).set("across_channels", acrossChannels).set("eps", eps);
    };
    single("mvn_instance", { 2, 3, 4, 5 }, "MVN", mvn(true, false, 1e-5f), 2.f);
    single("mvn_across_channels", { 2, 3, 3, 4 }, "MVN", mvn(true, true, 1e-3f), 2.f);
    single("mvn_large_eps", { 2, 2, 3, 3 }, "MVN", mvn(true, false, 0.5f), 2.f);
    single("mvn_mean_only", { 2, 3, 4, 5 }, "MVN", mvn(false, false, 1e-9f), 2.f);
    single("mvn_mean_only_across_channels", { 2, 3, 2, 3 }, "MVN", mvn(false, true, 1e-9f), 2.f);
    // Normalize: Lp normalisation of each pixel's channel vector, or of each whole sample (across_spatial)
    {
        auto norm = [](float p, bool acrossSpatial, int scales, uint64 seed) {
            LayerParams lp = P().set("p", p).set("across_spatial", acrossSpatial).set("eps", 1e-6f);
            if (scales > 0)
                lp.blobs.push_back(randn({ scales }, 0.5f, seed) + 1.0);  // one column, as the Caffe importer makes it
            return lp;
        };
        single("normalize_l2_channels", { 2, 3, 3, 4 }, "Normalize", norm(2.f, false, 0, 0));
        single("normalize_l2_channel_scales", { 2, 3, 3, 4 }, "Normalize", norm(2.f, false, 3, 30));
        single("normalize_l2_across_spatial_shared_scale", { 2, 3, 3, 3 }, "Normalize", norm(2.f, true, 1, 31));
        single("normalize_l2_across_spatial", { 2, 2, 3, 3 }, "Normalize", norm(2.f, true, 0, 0));
        single("normalize_l1_channels", { 2, 3, 3, 4 }, "Normalize", norm(1.f, false, 0, 0));
        single("normalize_l1_across_spatial_shared_scale", { 2, 2, 3, 3 }, "Normalize", norm(1.f, true, 1, 32));
        single("normalize_l3_channels", { 1, 4, 3, 3 }, "Normalize", norm(3.f, false, 0, 0));
        // what the ONNX importer makes of ReduceL2 + Div over the last axis: start_axis = end_axis = -1
        single("normalize_l2_last_axis_negative", { 2, 3, 3, 4 }, "Normalize",
               P().set("p", 2.f).set("start_axis", -1).set("end_axis", -1).set("eps", 1e-6f));
    }
    // Pooling over one spatial axis (MaxPool1d / AvgPool1d on N x C x L: a Reshape in front, as the ONNX
    // importer makes of torch's flatten) and over three (N x C x D x H x W)
    {
        auto ints = [](std::vector<int> v) { return cv::dnn::DictValue::arrayInt(v.data(), (int)v.size()); };
        auto pooled = [&](const std::string& name, std::vector<int> inShape, std::vector<int> view, LayerParams pool) {
            LayerParams reshape = P().set("dim", ints(view));
            cases.push_back({ name, inShape, [reshape, pool](NetBuilder& b) {
                b.add("view", "Reshape", reshape);
                b.add("layer", "Pooling", pool);
            }, 1.f });
        };
        auto pool = [&](const char* type, std::vector<int> k, std::vector<int> s, std::vector<int> pads) {
            return P().set("pool", type).set("kernel_size", ints(k)).set("strides", ints(s)).set("pads_begin", ints(pads))
                      .set("pads_end", ints(pads)).lp;
        };
        pooled("maxpool1d_padded", { 2, 3, 1, 11 }, { 2, 3, 11 }, pool("max", { 3 }, { 2 }, { 1 }));
        pooled("avepool1d_padded_area", { 2, 3, 1, 11 }, { 2, 3, 11 }, pool("ave", { 3 }, { 2 }, { 1 }));
        LayerParams excl = pool("ave", { 4 }, { 3 }, { 2 });
        excl.set("ave_pool_padded_area", false);
        pooled("avepool1d_exclude_padding", { 1, 2, 2, 7 }, { 1, 2, 14 }, excl);
        LayerParams ceil = pool("max", { 3 }, { 2 }, { 0 });
        ceil.set("ceil_mode", true);
        pooled("maxpool1d_ceil", { 1, 2, 2, 5 }, { 1, 2, 10 }, ceil);
        pooled("maxpool3d", { 1, 4, 4, 5 }, { 1, 2, 2, 4, 5 }, pool("max", { 2, 3, 2 }, { 1, 2, 2 }, { 0, 1, 1 }));
        pooled("avepool3d_padded", { 1, 4, 4, 5 }, { 1, 2, 2, 4, 5 }, pool("ave", { 2, 3, 3 }, { 1, 2, 1 }, { 1, 1, 0 }));
        // torch's LocalResponseNorm export: x / (k + alpha * avgpool3d(pad(x^2 over channels)))^beta on an
        // N x 1 x C x H x W view
        int pads[] = { 0, 0, 0, 0, 2, 1, 0, 0, 0, 0 };
        LayerParams padding = P().set("paddings", cv::dnn::DictValue::arrayInt(pads, 10));
        LayerParams avg = pool("ave", { 4, 1, 1 }, { 1, 1, 1 }, { 0, 0, 0 });
        cases.push_back({ "lrn_as_torch_exports_it", { 1, 5, 3, 3 }, [ints, padding, avg](NetBuilder& b) {
            int sq = b.add("square", "Eltwise", P().set("operation", "prod"), { { 0, 0 }, { 0, 0 } });
            b.add("view5d", "Reshape", P().set("dim", ints({ 1, 1, 5, 3, 3 })), { { sq, 0 } });
            b.add("pad", "Padding", padding);
            b.add("pool", "Pooling", avg);
            b.add("view4d", "Reshape", P().set("dim", ints({ 1, 5, 3, 3 })));
            int den = b.add("den", "Power", P().set("power", 0.75f).set("scale", 0.5f).set("shift", 2.f));
            b.add("layer", "Eltwise", P().set("operation", "div"), { { 0, 0 }, { den, 0 } });
        }, 2.f });
    }
    // Negative axes (normalised once, before the first forward pass)
    {
        auto ints = [](std::vector<int> v) { return cv::dnn::DictValue::arrayInt(v.data(), (int)v.size()); };
        // ONNX Split(axis=-1) + Concat(axis=-1): cv::dnn's own shape inference broke after the first forward
        cases.push_back({ "split_negative_axis_then_concat", { 1, 2, 3, 5 }, [ints](NetBuilder& b) {
            int s = b.add("split", "Slice", P().set("axis", -1).set("slice_point", ints({ 2 })));
            int t = b.add("tanh", "TanH", LayerParams(), { { s, 1 } });
            b.add("layer", "Concat", P().set("axis", -1), { { t, 0 }, { s, 0 } });
        }, 2.f });
        cases.push_back({ "split_channels_negative_axis_then_concat", { 1, 4, 2, 3 }, [ints](NetBuilder& b) {
            int s = b.add("split", "Slice", P().set("axis", -3).set("slice_point", ints({ 1 })));
            int t = b.add("sig", "Sigmoid", LayerParams(), { { s, 0 } });
            b.add("layer", "Concat", P().set("axis", -3), { { s, 1 }, { t, 0 } });
        }, 2.f });
        cases.push_back({ "slice_negative_axis_begin_end", { 1, 2, 5, 4 }, [ints](NetBuilder& b) {
            b.add("layer", "Slice", P().set("axis", -2).set("begin", ints({ 1 })).set("end", ints({ -1 })));
        }, 1.f });
        cases.push_back({ "concat_negative_axis", { 1, 2, 3, 3 }, [](NetBuilder& b) {
            int a = b.add("a", "Convolution", convParams(2, 3, 1, 1, 1, 2, 33));
            b.add("layer", "Concat", P().set("axis", -2), { { a, 0 }, { 0, 0 } });
        }, 1.f });
        single("softmax_negative_axis", { 2, 3, 2, 4 }, "Softmax", P().set("axis", -1), 2.f);
        single("log_softmax_negative_axis", { 2, 3, 2, 4 }, "Softmax", P().set("axis", -3).set("log_softmax", true), 2.f);
        cases.push_back({ "flatten_negative_axes", { 2, 3, 2, 4 }, [](NetBuilder& b) {
            b.add("flat", "Flatten", P().set("axis", -3).set("end_axis", -2));
            b.add("layer", "Softmax", P().set("axis", -2));
        }, 2.f });
        LayerParams fc;
        fc.set("num_output", 3); fc.set("bias_term", true); fc.set("axis", -1);
        fc.blobs.push_back(randn({ 3, 4 }, 0.5f, 34));
        fc.blobs.push_back(randn({ 1, 3 }, 0.1f, 35));
        single("inner_product_negative_axis", { 2, 2, 3, 4 }, "InnerProduct", fc);
        LayerParams scale = P().set("axis", -3).set("bias_term", false);
        scale.blobs.push_back(randn({ 3 }, 0.5f, 36) + 1.0);
        single("scale_negative_axis", { 2, 3, 2, 2 }, "Scale", scale);
    }
    return cases;
}

class BackwardRuleFD : public ::testing::TestWithParam<RuleCase> {};

TEST_P(BackwardRuleFD, matches_central_differences)
{
    const RuleCase& c = GetParam();
    interp_test::OneDnnScope implementation(!c.dnnLayers && cv::interp::haveOneDNN());
    NetBuilder b;
    b.net.setInputsNames(std::vector<cv::String>(1, "data"));
    c.build(b);
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(b.net, b.params);
    Net net = ex->getNet();
    cv::Mat x = interp_test::randomBlob(c.inputShape, -c.inputScale, c.inputScale, 1234);

    cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
    const int target = ex->graph().require("layer");
    const cv::Mat out = tape->outputs(target)[0];
    cv::Mat seed = interp_test::randomBlob(cv::interp::MatShape(out.size.p, out.size.p + out.dims), -1, 1, 99);
    cv::interp::Seeds seeds;
    seeds[target] = seed;
    cv::Mat grad;
    ex->backward(tape, seeds, cv::interp::BACKWARD_STANDARD, grad);
    ASSERT_EQ(cv::interp::MatShape(grad.size.p, grad.size.p + grad.dims), c.inputShape);

    // The engine's forward agrees with plain cv::dnn.
    cv::Mat plain = interp_test::dnnForward(net, x, "layer");
    ASSERT_LE(cv::norm(plain.reshape(1, 1), out.reshape(1, 1), cv::NORM_INF), 1e-5);

    auto objective = [&](const cv::Mat& input) {
        cv::Mat o = interp_test::dnnForward(net, input, "layer");
        return seed.reshape(1, 1).dot(o.reshape(1, 1));
    };
    // Central differences. A coordinate whose objective is not smooth around x (ReLU at 0, a max-pooling
    // tie, an ELU or hard-swish knee) is left out: there the slopes left and right of x differ, which shows
    // as a large second difference or as disagreement between two step sizes. At least 90% must remain.
    const double f0 = objective(x);
    auto differences = [&](double h, cv::Mat& slope, cv::Mat& curvature) {
        slope.create(x.dims, x.size.p, CV_64F);
        curvature.create(x.dims, x.size.p, CV_64F);
        for (size_t i = 0; i < x.total(); i++)
        {
            cv::Mat xp = x.clone(), xm = x.clone();
            xp.ptr<float>()[i] += (float)h;
            xm.ptr<float>()[i] -= (float)h;
            const double hp = (double)xp.ptr<float>()[i] - x.ptr<float>()[i];
            const double hm = (double)x.ptr<float>()[i] - xm.ptr<float>()[i];
            const double fp = objective(xp), fm = objective(xm);
            slope.ptr<double>()[i] = (fp - fm) / (hp + hm);
            curvature.ptr<double>()[i] = std::abs(fp + fm - 2 * f0) / h;  // ~ h |f''| when smooth
        }
    };
    const double h = 4e-3 * c.inputScale;
    cv::Mat fd1, fd2, curv1, curv2;
    differences(h, fd1, curv1);
    differences(h / 2, fd2, curv2);
    std::vector<double> got, want;
    for (size_t i = 0; i < x.total(); i++)
    {
        const double a = fd1.ptr<double>()[i], b2 = fd2.ptr<double>()[i];
        const bool agree = std::abs(a - b2) <= 1e-2 * (std::abs(a) + std::abs(b2)) + 2e-3;
        const bool smooth = curv1.ptr<double>()[i] <= 0.02 + 2 * h && curv2.ptr<double>()[i] <= 0.02 + h;
        if (agree && smooth)
        {
            got.push_back(grad.ptr<float>()[i]);
            want.push_back(a);
        }
    }
    ASSERT_GE(got.size(), (size_t)(0.9 * x.total())) << c.name << ": too many non-smooth coordinates";
    if (std::getenv("INTERP_TEST_VERBOSE"))
        for (size_t i = 0; i < got.size(); i++)
            if (std::abs(got[i] - want[i]) > 1e-3)
                std::cout << c.name << " #" << i << " engine " << got[i] << " fd " << want[i] << std::endl;
    cv::Mat g1(got, false), w1(want, false);
    const double err = cv::norm(g1, w1, cv::NORM_L2) / std::max(cv::norm(w1, cv::NORM_L2), 1e-12);
    EXPECT_LT(err, 3e-3) << c.name << ": relative L2 error vs finite differences";
    EXPECT_GT(cv::norm(w1), 1e-3) << c.name << ": degenerate case, the gradient is zero";
}

INSTANTIATE_TEST_CASE_P(Interp, BackwardRuleFD, ::testing::ValuesIn(ruleCases()),
                        [](const ::testing::TestParamInfo<RuleCase>& info) { return info.param.name; });

TEST(Interp_BackwardRuleFD, every_rule_has_a_finite_difference_case)
{
    // What the README claims: each layer type with a backward rule is checked by this harness. The types the cases
    // build (their layer "layer" and every layer feeding it), against the registry.
    std::set<std::string> covered;
    for (const RuleCase& c : ruleCases())
    {
        NetBuilder b;
        c.build(b);
        for (const auto& kv : b.params)
            covered.insert(kv.second.type);
    }
    // Types whose standard rule is another type's (the same registry entry), and types only the ONNX / Caffe importers
    // create that the references of test_reference.cpp and the coverage test check through PyTorch instead.
    const std::set<std::string> elsewhere = { "NormalizeBBox", "Const", "Identity", "Dropout", "Split", "Silence" };
    for (const cv::String& t : cv::interp::supportedLayerTypes())
    {
        if (!elsewhere.count(t))
        {
            EXPECT_TRUE(covered.count(t)) << t << " has a backward rule but no finite-difference case";
        }
    }
}

/* Max pooling where finite differences say nothing: tied maxima (inputs drawn from {0, 1, 2}) and NaNs. The gradient
   of an output goes to the first of the tied maxima of its window in memory order. Reference for finite inputs:
   cv::dnn's own argmax (the mask a standalone max-pooling layer with two outputs returns, plane-local y * W + x);
   for NaNs, which that mask skips, a window-by-window scan written here: start at the window's first input element
   and move on a strict >, so a NaN wins only as the first element. Widths from 1 to 37 cover every position of a
   window against the vector lanes of the rule (borders, whole vectors, tails). */
cv::interp::MatShape shapeOf(const cv::Mat& m) { return cv::interp::MatShape(m.size.p, m.size.p + m.dims); }

struct TiePoolCase
{
    int kernel, stride, pad;
    bool ceil;
};

void scanReference(const cv::Mat& x, const cv::Mat& dy, const TiePoolCase& c, cv::Mat& dx)
{
    const int H = x.size[2], W = x.size[3], OH = dy.size[2], OW = dy.size[3];
    dx = cv::Mat::zeros(x.dims, x.size.p, CV_32F);
    for (int n = 0; n < x.size[0] * x.size[1]; n++)
    {
        const float* src = x.ptr<float>() + (size_t)n * H * W;
        const float* g = dy.ptr<float>() + (size_t)n * OH * OW;
        float* dst = dx.ptr<float>() + (size_t)n * H * W;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
            {
                const int y0 = std::max(oy * c.stride - c.pad, 0), y1 = std::min(oy * c.stride - c.pad + c.kernel, H);
                const int x0 = std::max(ox * c.stride - c.pad, 0), x1 = std::min(ox * c.stride - c.pad + c.kernel, W);
                if (y0 >= y1 || x0 >= x1)
                    continue;
                int best = y0 * W + x0;
                for (int y = y0; y < y1; y++)
                    for (int xx = x0; xx < x1; xx++)
                        if (src[y * W + xx] > src[best])
                            best = y * W + xx;
                dst[best] += g[oy * OW + ox];
            }
    }
}

TEST(Interp_MaxPoolingBackward, first_of_tied_maxima_and_nans)
{
    const TiePoolCase cases[] = { { 3, 1, 1, false }, { 3, 2, 0, true }, { 2, 2, 0, false }, { 3, 2, 1, false },
                                  { 5, 1, 2, false }, { 3, 3, 1, true }, { 2, 1, 0, false } };
    int compared = 0, nanWindowsFirst = 0;
    for (const TiePoolCase& c : cases)
        for (int width = 1; width <= 37; width += 3)
            for (int withNans = 0; withNans < 2; withNans++)
            {
                const std::string what = cv::format("kernel %d stride %d pad %d%s, width %d%s", c.kernel, c.stride,
                                                    c.pad, c.ceil ? " ceil" : "", width, withNans ? ", NaNs" : "");
                const int H = 6;
                if (width + 2 * c.pad < c.kernel)
                    continue;
                cv::Mat x({ 2, 3, H, width }, CV_32F);
                cv::RNG rng(width * 131 + c.kernel * 7 + c.stride);
                for (size_t i = 0; i < x.total(); i++)
                    x.ptr<float>()[i] = (float)rng.uniform(0, 3);
                if (withNans)
                    for (size_t i = 0; i < x.total(); i += 5)
                        x.ptr<float>()[i] = std::numeric_limits<float>::quiet_NaN();
                LayerParams lp = P().set("pool", "max").set("kernel_size", c.kernel).set("stride", c.stride)
                                    .set("pad", c.pad).set("ceil_mode", c.ceil);
                NetBuilder b;
                b.net.setInputsNames(std::vector<cv::String>(1, "data"));
                b.add("layer", "Pooling", lp);
                cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(b.net, b.params);
                cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
                const int target = ex->graph().require("layer");
                const cv::Mat out = tape->outputs(target)[0];
                cv::interp::Seeds seeds;
                seeds[target] = interp_test::randomBlob(shapeOf(out), -1, 1, 5);
                cv::Mat grad;
                ex->backward(tape, seeds, cv::interp::BACKWARD_STANDARD, grad);

                cv::Mat reference;
                if (!withNans)
                {
                    cv::Ptr<cv::dnn::Layer> pool = cv::dnn::PoolingLayer::create(lp);
                    std::vector<cv::interp::MatShape> inShapes(1, shapeOf(x)), outShapes, internals;
                    pool->getMemoryShapes(inShapes, 2, outShapes, internals);
                    std::vector<cv::Mat> ins(1, x.clone()), outs, scratch;
                    for (const cv::interp::MatShape& sh : outShapes)
                        outs.push_back(cv::Mat((int)sh.size(), sh.data(), CV_32F));
                    pool->finalize(cv::InputArrayOfArrays(ins), cv::OutputArrayOfArrays(outs));
                    pool->forward(cv::InputArrayOfArrays(ins), cv::OutputArrayOfArrays(outs), cv::OutputArrayOfArrays(scratch));
                    ASSERT_EQ(outs.size(), 2u) << what;
                    ASSERT_EQ(shapeOf(outs[0]), shapeOf(out)) << what;
                    reference = cv::Mat::zeros(x.dims, x.size.p, CV_32F);
                    const cv::Mat& seed = seeds[target];
                    const size_t inPlane = (size_t)H * width, outPlane = outs[1].total() / 6;
                    for (size_t i = 0; i < outs[1].total(); i++)
                    {
                        const int at = (int)outs[1].ptr<float>()[i];
                        ASSERT_GE(at, 0) << what;
                        reference.ptr<float>()[i / outPlane * inPlane + at] += seed.ptr<float>()[i];
                    }
                }
                else
                {
                    scanReference(x, seeds[target], c, reference);
                    // windows that start on a NaN (which then takes the gradient) are in the cases
                    for (size_t i = 0; i < x.total(); i++)
                        if (cvIsNaN(x.ptr<float>()[i]) && reference.ptr<float>()[i] != 0.f)
                            nanWindowsFirst++;
                }
                EXPECT_LE(cv::norm(grad.reshape(1, 1), reference.reshape(1, 1), cv::NORM_INF), 1e-6) << what;
                compared++;
            }
    EXPECT_GT(compared, 150);
    EXPECT_GT(nanWindowsFirst, 0);
}

/* Negative axes, per layer type that has one: the network with axis = -k and the same network with
   axis = rank - k give identical outputs and gradients, the captured parameters read non-negative after the
   first forward pass, and cv::dnn's shape inference still agrees with the recorded outputs afterwards (it did
   not for Slice, the layer of ONNX Split: "cannot match input 0 of layer 'Concat' to an output of 'Split'").
   cv::dnn rejects negative Permute orders itself; Reduce gets positive axes from its importer (see the ONNX
   coverage test for ReduceMean over axis -1). */
struct AxisCase
{
    std::string name;
    std::vector<int> inputShape;
    std::function<void(NetBuilder&, int sign)> build;  // sign -1: negative axes, +1: the same axes counted from 0
};

std::ostream& operator<<(std::ostream& os, const AxisCase& c) { return os << c.name; }

std::vector<AxisCase> axisCases()
{
    auto ints = [](std::vector<int> v) { return cv::dnn::DictValue::arrayInt(v.data(), (int)v.size()); };
    auto ax = [](int negative, int sign) { return sign < 0 ? negative : negative + 4; };  // 4-D inputs
    std::vector<AxisCase> c;
    c.push_back({ "split_concat", { 1, 2, 3, 5 }, [=](NetBuilder& b, int sign) {
        int s = b.add("split", "Slice", P().set("axis", ax(-1, sign)).set("slice_point", ints({ 2 })));
        int t = b.add("tanh", "TanH", LayerParams(), { { s, 1 } });
        b.add("layer", "Concat", P().set("axis", ax(-1, sign)), { { t, 0 }, { s, 0 } });
    } });
    c.push_back({ "slice", { 1, 2, 5, 4 }, [=](NetBuilder& b, int sign) {
        // begin/end start at `axis` when it is negative, at axis 0 otherwise
        if (sign < 0)
            b.add("layer", "Slice", P().set("axis", -2).set("begin", ints({ 1 })).set("end", ints({ -1 })));
        else
            b.add("layer", "Slice", P().set("begin", ints({ 0, 0, 1 })).set("end", ints({ 1, 2, -1 })));
    } });
    c.push_back({ "concat", { 1, 2, 3, 3 }, [=](NetBuilder& b, int sign) {
        int a = b.add("a", "TanH", LayerParams());
        b.add("layer", "Concat", P().set("axis", ax(-3, sign)), { { a, 0 }, { 0, 0 } });
    } });
    c.push_back({ "softmax", { 2, 3, 2, 4 }, [=](NetBuilder& b, int sign) {
        b.add("layer", "Softmax", P().set("axis", ax(-1, sign)));
    } });
    c.push_back({ "log_softmax", { 2, 3, 2, 4 }, [=](NetBuilder& b, int sign) {
        b.add("layer", "Softmax", P().set("axis", ax(-2, sign)).set("log_softmax", true));
    } });
    c.push_back({ "flatten", { 2, 3, 2, 4 }, [=](NetBuilder& b, int sign) {
        b.add("flat", "Flatten", P().set("axis", ax(-3, sign)).set("end_axis", ax(-2, sign)));
        b.add("layer", "Softmax", P().set("axis", sign < 0 ? -2 : 1));  // 3-D after Flatten
    } });
    c.push_back({ "inner_product", { 2, 2, 3, 4 }, [=](NetBuilder& b, int sign) {
        LayerParams fc = P().set("num_output", 3).set("bias_term", false).set("axis", ax(-1, sign));
        fc.blobs.push_back(randn({ 3, 4 }, 0.5f, 40));
        b.add("layer", "InnerProduct", fc);
    } });
    c.push_back({ "scale", { 2, 3, 2, 2 }, [=](NetBuilder& b, int sign) {
        LayerParams scale = P().set("axis", ax(-3, sign)).set("bias_term", false);
        scale.blobs.push_back(randn({ 3 }, 0.5f, 41) + 1.0);
        b.add("layer", "Scale", scale);
    } });
    c.push_back({ "normalize", { 2, 3, 3, 4 }, [=](NetBuilder& b, int sign) {
        b.add("layer", "Normalize", P().set("p", 2.f).set("start_axis", ax(-3, sign)).set("end_axis", ax(-3, sign)));
    } });
    return c;
}


class NegativeAxes : public ::testing::TestWithParam<AxisCase> {};

TEST_P(NegativeAxes, same_as_non_negative)
{
    const AxisCase& c = GetParam();
    const cv::Mat x = interp_test::randomBlob(c.inputShape, -2, 2, 4321);
    cv::Mat out[2], grad[2];
    for (int k = 0; k < 2; k++)
    {
        NetBuilder b;
        b.net.setInputsNames(std::vector<cv::String>(1, "data"));
        c.build(b, k == 0 ? -1 : 1);
        cv::Ptr<cv::interp::Explainer> ex = cv::interp::Explainer::create(b.net, b.params);
        cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
        const cv::interp::Graph& g = ex->graph();
        const int target = g.require("layer");
        out[k] = tape->outputs(target)[0];
        cv::interp::Seeds seeds;
        seeds[target] = interp_test::randomBlob(cv::interp::MatShape(out[k].size.p, out[k].size.p + out[k].dims), -1, 1, 7);
        ex->backward(tape, seeds, cv::interp::BACKWARD_STANDARD, grad[k]);
        for (int i = 0; i < g.size(); i++)
            for (const char* key : { "axis", "start_axis", "end_axis" })
            {
                if (g.layer(i).params.has(key))
                {
                    EXPECT_GE(g.layer(i).params.get<int>(key), 0) << c.name << ": " << g.layer(i).name << " " << key;
                }
            }
        // a layer made afresh from the normalised parameters computes what the network's layer computed
        for (int i = 0; i < g.size(); i++)
        {
            const cv::interp::LayerInfo& info = g.layer(i);
            LayerParams lp = info.params;
            cv::Ptr<cv::dnn::Layer> copy = cv::dnn::LayerFactory::createLayerInstance(info.type, lp);
            ASSERT_FALSE(copy.empty()) << info.type;
            std::vector<cv::Mat> ins, outs, internals;
            std::vector<cv::interp::MatShape> inShapes, outShapes, internalShapes;
            for (const cv::interp::LayerPin& p : info.inputs)
            {
                ins.push_back(tape->output(p).clone());
                inShapes.push_back(shapeOf(ins.back()));
            }
            copy->getMemoryShapes(inShapes, (int)tape->outputs(i).size(), outShapes, internalShapes);
            for (const cv::interp::MatShape& sh : outShapes)
                outs.push_back(cv::Mat((int)sh.size(), sh.data(), CV_32F));
            for (const cv::interp::MatShape& sh : internalShapes)
                internals.push_back(cv::Mat((int)sh.size(), sh.data(), CV_32F));
            copy->finalize(cv::InputArrayOfArrays(ins), cv::OutputArrayOfArrays(outs));
            copy->forward(cv::InputArrayOfArrays(ins), cv::OutputArrayOfArrays(outs), cv::OutputArrayOfArrays(internals));
            ASSERT_EQ(outs.size(), tape->outputs(i).size()) << c.name << ": " << info.name;
            for (size_t p = 0; p < outs.size(); p++)
            {
                ASSERT_EQ(shapeOf(outs[p]), shapeOf(tape->outputs(i)[p])) << c.name << ": " << info.name;
                EXPECT_EQ(cv::norm(outs[p], tape->outputs(i)[p], cv::NORM_INF), 0) << c.name << ": " << info.name;
            }
        }
        // shape inference after the forward pass agrees with the recorded outputs
        std::vector<std::vector<cv::interp::MatShape> > shapes;
        g.outputShapes(cv::interp::MatShape(c.inputShape), shapes);
        for (int i = 0; i < g.size(); i++)
            for (size_t p = 0; p < tape->outputs(i).size(); p++)
                EXPECT_EQ(shapes[i].at(p), shapeOf(tape->outputs(i)[p])) << c.name << ": " << g.layer(i).name;
    }
    ASSERT_EQ(shapeOf(out[0]), shapeOf(out[1]));
    EXPECT_EQ(cv::norm(out[0], out[1], cv::NORM_INF), 0) << c.name;
    EXPECT_EQ(cv::norm(grad[0], grad[1], cv::NORM_INF), 0) << c.name;
    EXPECT_GT(cv::norm(grad[0]), 0) << c.name;
}

INSTANTIATE_TEST_CASE_P(Interp, NegativeAxes, ::testing::ValuesIn(axisCases()),
                        [](const ::testing::TestParamInfo<AxisCase>& info) { return info.param.name; });

}  // namespace
}  // namespace opencv_test
