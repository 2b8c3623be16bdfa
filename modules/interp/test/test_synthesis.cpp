// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Feature visualisation by gradient ascent: the objective rises for every objective type (measured independently
// with a plain cv::dnn forward pass on the 8-bit results); images synthesised for each class of the embedded
// classifiers are classified as that class with p >= 0.9 by cv::dnn; blur and TV remove high frequencies; the
// gradient of a step (transformations, Fourier parameterisation, penalties) matches finite differences; clipping,
// octaves, early stopping, determinism; bad targets and settings raise clear errors.
#include "test_precomp.hpp"

#include <thread>

namespace opencv_test {
namespace {

using cv::interp::Target;
using cv::interp::SynthesisParams;
using cv::interp::SynthesisResult;
using cv::interp::Synthesizer;

cv::interp::ModelInfo embedded(const std::string& name)
{
    const std::string json = interp_test::dataPath("models/" + name + ".json");
    if (!interp_test::fileExists(json))
        CV_Error(cv::Error::StsError, "missing " + json + ": run /usr/bin/python3 data/train_models.py");
    return cv::interp::readModelInfo(json);
}

//! The reference EfficientNet-style net: smooth (SiLU, sigmoid), so finite differences are exact to O(eps^2).
std::string smoothNet() { return interp_test::dataPath("reference/efficientnet/model.onnx"); }

//! Preprocessing of the 31x31 reference nets: pixels 0..255 map to about -2..2, as their N(0,1) inputs.
cv::interp::Preprocessing referencePrep()
{
    cv::interp::Preprocessing p;
    p.size = cv::Size(31, 31);
    p.scale = 1.0 / 64;
    p.mean = cv::Scalar::all(127.5);
    p.swapRB = true;
    return p;
}

cv::dnn::Net plainNet(const std::string& model)
{
    cv::dnn::Net net = cv::dnn::readNet(model);
    net.enableFusion(false);
    return net;
}

/* The objective term of sample n computed from scratch with a plain cv::dnn forward pass (no interp code):
   class score, neuron, channel mean or sum of squares of the layer's output. */
double independentObjective(cv::dnn::Net& net, const cv::Mat& blob, int n, int kind, const std::string& layer,
                            int index, int y = 0, int x = 0)
{
    const cv::Mat out = interp_test::dnnForward(net, blob, layer);
    const size_t per = out.total() / out.size[0];
    const float* p = out.ptr<float>() + n * per;
    switch (kind)
    {
    case Target::CLASS: return p[index];
    case Target::CLASS_LOG_PROBABILITY:
    {
        double z = 0;
        for (size_t i = 0; i < per; i++)
            z += std::exp((double)p[i]);
        return p[index] - std::log(z);
    }
    case Target::NEURON: return p[(size_t)index * out.size[2] * out.size[3] + (size_t)y * out.size[3] + x];
    case Target::CHANNEL_MEAN:
    {
        const size_t plane = (size_t)out.size[2] * out.size[3];
        double s = 0;
        for (size_t i = 0; i < plane; i++)
            s += p[(size_t)index * plane + i];
        return s / plane;
    }
    default:
    {
        double s = 0;
        for (size_t i = 0; i < per; i++)
            s += (double)p[i] * p[i];
        return s;
    }
    }
}

TEST(Interp_Synthesis, objective_rises_for_every_objective_type)
{
    const cv::interp::ModelInfo info = embedded("resnet_fmnist");
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    cv::dnn::Net net = plainNet(info.model);
    const cv::Mat scene = cv::imread(interp_test::dataPath("scenes/test/scene_000.png"));
    ASSERT_FALSE(scene.empty());

    struct Case
    {
        Target term;
        std::string dnnLayer;  // cv::dnn name of the layer the independent check reads
        int y, x;              // neuron position the independent check reads
    };
    Target norm = Target::layerNorm("layer2_relu2");
    std::vector<Case> cases = {
        { Target::classScore(3), "onnx_node!fc", 0, 0 },
        { Target::classLogProbability(6), "onnx_node!fc", 0, 0 },
        { Target::neuron("layer2_add", 4), "onnx_node!layer2_add", 7, 7 },  // centre of 14 x 14, before the ReLU
        { Target::neuron("onnx_node!layer1_relu2", 0, 5, 9), "onnx_node!layer1_relu2", 5, 9 },
        { Target::channelMean("layer3_relu2", 7), "onnx_node!layer3_relu2", 0, 0 },
        { norm, "onnx_node!layer2_relu2", 0, 0 },
    };
    for (const Case& c : cases)
    {
        SCOPED_TRACE(c.term.describe());
        SynthesisParams p;
        p.iterations = 24;
        p.jitter = 1;
        p.seed = 5;
        p.init = cv::interp::SYNTHESIS_INIT_GAUSSIAN;
        p.initNoise = 10;
        if (c.term.kind == Target::LAYER_NORM)
        {
            // DeepDream: from a real image.
            p.init = cv::interp::SYNTHESIS_INIT_IMAGE;
            p.initImage = scene;
            p.learningRate = 0.02;
        }
        cv::Ptr<Synthesizer> s = Synthesizer::create(ex, { c.term }, info.preprocessing, p);
        const cv::Mat start = s->render();
        SynthesisResult r = s->run();
        ASSERT_EQ(r.images.size(), 1u);
        ASSERT_EQ(r.images[0].type(), CV_8UC3);
        ASSERT_EQ(r.images[0].size(), cv::Size(112, 112));
        ASSERT_EQ(r.history.rows, 24);
        ASSERT_EQ(r.iterations, 24);
        const cv::Mat result = info.preprocessing.toBlob(r.images);  // the 8-bit image, as a user reads it back
        const double before = independentObjective(net, start, 0, c.term.kind, c.dnnLayer, c.term.index, c.y, c.x);
        const double after = independentObjective(net, result, 0, c.term.kind, c.dnnLayer, c.term.index, c.y, c.x);
        std::cout << "    " << c.term.describe() << ": " << before << " -> " << after << std::endl;
        // A wide margin: more than max(1, |before|); the log-probability is at most 0, so there: 1.5 (p: 0.11 -> 0.99).
        const double margin = c.term.kind == Target::CLASS_LOG_PROBABILITY ? 1.5 : std::max(1.0, std::abs(before));
        EXPECT_GT(after, before + margin) << "before " << before << ", after " << after;
        // The engine-side values agree with the independent ones (the float result vs its 8-bit version).
        EXPECT_NEAR(r.initialObjective[0], before, 1e-3 * std::max(1.0, std::abs(before)));
        EXPECT_NEAR(r.finalObjective[0], after, 0.05 * std::max(1.0, std::abs(after)));
    }

    // A weighted sum with per-sample terms: sample 0 maximises class 5 + 0.5 x a channel mean, sample 1 class 1.
    Target a = Target::classScore(5), b = Target::channelMean("layer3_relu2", 1),
                  c = Target::classScore(1);
    a.sample = 0;
    b.sample = 0;
    b.weight = 0.5;
    c.sample = 1;
    SynthesisParams p;
    p.iterations = 24;
    p.batch = 2;
    p.jitter = 1;
    cv::Ptr<Synthesizer> s = Synthesizer::create(ex, { a, b, c }, info.preprocessing, p);
    const cv::Mat start = s->render();
    SynthesisResult r = s->run();
    const cv::Mat result = info.preprocessing.toBlob(r.images);
    auto sum0 = [&](const cv::Mat& blob) {
        return independentObjective(net, blob, 0, Target::CLASS, "onnx_node!fc", 5) +
               0.5 * independentObjective(net, blob, 0, Target::CHANNEL_MEAN, "onnx_node!layer3_relu2", 1);
    };
    const double s0 = sum0(start), s1 = sum0(result);
    const double c0 = independentObjective(net, start, 1, Target::CLASS, "onnx_node!fc", 1);
    const double c1 = independentObjective(net, result, 1, Target::CLASS, "onnx_node!fc", 1);
    EXPECT_GT(s1, s0 + std::max(1.0, std::abs(s0))) << s0 << " -> " << s1;
    EXPECT_GT(c1, c0 + std::max(1.0, std::abs(c0))) << c0 << " -> " << c1;
    EXPECT_NEAR(r.finalObjective[0], s1, 0.05 * std::abs(s1));
    EXPECT_NEAR(r.finalObjective[1], c1, 0.05 * std::abs(c1));
}


//! The class probabilities (softmax output) of 8-bit images through a plain cv::dnn forward pass.
cv::Mat classify(const cv::interp::ModelInfo& info, const std::vector<cv::Mat>& images)
{
    cv::dnn::Net net = cv::dnn::readNet(info.model);
    net.setInput(info.preprocessing.toBlob(images));
    cv::Mat prob = net.forward(info.probLayer);
    return prob.reshape(1, (int)images.size()).clone();
}

class Interp_Synthesis_Classes : public ::testing::TestWithParam<std::string> {};

TEST_P(Interp_Synthesis_Classes, every_class_image_is_classified_with_p09)
{
    const cv::interp::ModelInfo info = embedded(GetParam());
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    const int K = (int)info.classNames.size();
    ASSERT_EQ(K, 10);
    /* The report's class images, default settings: one batch, sample k maximises the log-probability of class k,
       coarse to fine (3 octaves: 28, 56, 112 pixels, 40 Adam steps each), from seeded Gaussian noise of 20 grey
       levels. With the raw pre-softmax score and this short schedule a Shirt image can end up classified as Pullover
       or Coat (their scores rise faster than Shirt's); the log-probability pushes the competitors down. */
    std::vector<int> classes;
    for (int k = 0; k < K; k++)
        classes.push_back(k);
    SynthesisResult r = cv::interp::synthesizeClasses(ex, classes, info.preprocessing);
    ASSERT_EQ((int)r.images.size(), K);
    ASSERT_EQ(r.images[0].size(), cv::Size(112, 112));
    EXPECT_TRUE(r.warning().empty()) << r.warning();
    // Classified by plain cv::dnn, as read back from PNG files.
    std::vector<cv::Mat> readBack;
    for (const cv::Mat& img : r.images)
    {
        std::vector<uchar> png;
        ASSERT_TRUE(cv::imencode(".png", img, png));
        readBack.push_back(cv::imdecode(png, cv::IMREAD_COLOR));
    }
    const cv::Mat prob = classify(info, readBack);
    for (int k = 0; k < K; k++)
    {
        cv::Point best;
        cv::minMaxLoc(prob.row(k), nullptr, nullptr, nullptr, &best);
        EXPECT_EQ(best.x, k) << info.classNames[k];
        EXPECT_GE(prob.at<float>(k, k), 0.9f) << info.classNames[k];
        EXPECT_EQ(r.stalled[k], 0) << info.classNames[k];
        // The start image (noise around the mean colour) is not already that class: log p rose from about log(0.1).
        EXPECT_LT(r.initialObjective[k], std::log(0.5)) << info.classNames[k];
        cv::Scalar mean, sd;
        cv::meanStdDev(readBack[k], mean, sd);
        EXPECT_GT(sd[0] + sd[1] + sd[2], 30) << info.classNames[k] << ": a nearly flat picture";
    }
}

TEST(Interp_Synthesis, a_flat_start_without_gradient_is_reported_as_stalled)
{
    /* For the flat mean-colour image every first-layer ReLU of alexnet_fmnist is off: the gradient of every class
       score is exactly zero and the ascent cannot move. synthesize() must say so instead of returning the start
       image as a result; the default start (seeded noise) moves. */
    const cv::interp::ModelInfo info = embedded("alexnet_fmnist");
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    SynthesisParams p = SynthesisParams::classImages(4);
    p.init = cv::interp::SYNTHESIS_INIT_ZEROS;
    const SynthesisResult flat = cv::interp::synthesizeClasses(ex, { 3, 7 }, info.preprocessing, p);
    EXPECT_EQ(flat.stalled, (std::vector<int>{ 1, 1 }));
    EXPECT_EQ(flat.finalObjective[0], flat.initialObjective[0]);
    EXPECT_NE(flat.warning().find("samples 0, 1"), std::string::npos) << flat.warning();
    EXPECT_NE(flat.warning().find("noise"), std::string::npos) << flat.warning();
    const SynthesisResult noisy = cv::interp::synthesizeClasses(ex, { 3, 7 }, info.preprocessing,
                                                                SynthesisParams::classImages(4));
    EXPECT_EQ(noisy.stalled, (std::vector<int>{ 0, 0 }));
    EXPECT_TRUE(noisy.warning().empty());
    EXPECT_GT(noisy.finalObjective[0], noisy.initialObjective[0]);
}

INSTANTIATE_TEST_CASE_P(/**/, Interp_Synthesis_Classes, ::testing::Values("alexnet_fmnist", "resnet_fmnist"));

/* Energy above half the Nyquist frequency (radially), in grey levels^2 per pixel (mean over the channels of
   the 8-bit image): by Parseval, sum |F|^2 over those frequencies / (H W)^2. Computed with cv::dft. */
double highFrequencyEnergy(const cv::Mat& image)
{
    std::vector<cv::Mat> planes;
    cv::split(image, planes);
    double high = 0;
    for (const cv::Mat& p8 : planes)
    {
        cv::Mat p, F;
        p8.convertTo(p, CV_64F);
        cv::dft(p, F, cv::DFT_COMPLEX_OUTPUT);
        for (int y = 0; y < F.rows; y++)
            for (int x = 0; x < F.cols; x++)
            {
                const double fy = (double)std::min(y, F.rows - y) / F.rows, fx = (double)std::min(x, F.cols - x) / F.cols;
                const cv::Vec2d v = F.at<cv::Vec2d>(y, x);
                if (std::sqrt(fx * fx + fy * fy) > 0.25)
                    high += v[0] * v[0] + v[1] * v[1];
            }
    }
    const double n = (double)image.total();
    return high / (n * n) / planes.size();
}

TEST(Interp_Synthesis, blur_and_tv_reduce_high_frequency_energy)
{
    const cv::interp::ModelInfo info = embedded("resnet_fmnist");
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    SynthesisParams p;
    p.iterations = 32;
    p.seed = 2;
    p.batch = 2;
    std::vector<Target> terms = { Target::classScore(7), Target::classScore(1) };
    terms[0].sample = 0;
    terms[1].sample = 1;
    struct Outcome
    {
        double energy, gain;
    };
    auto run = [&](const SynthesisParams& q) {
        SynthesisResult r = cv::interp::synthesize(ex, terms, info.preprocessing, q);
        Outcome o{ 0, 1e9 };
        for (size_t n = 0; n < r.images.size(); n++)
        {
            o.energy += highFrequencyEnergy(r.images[n]) / r.images.size();
            o.gain = std::min(o.gain, r.finalObjective[n] - r.initialObjective[n]);
        }
        return o;
    };
    const Outcome none = run(p);
    SynthesisParams blur = p;
    blur.blurEvery = 2;
    blur.blurSigma = 0.7;
    SynthesisParams tv = p;
    tv.tv = 0.003;  // squared differences (tvBeta = 2)
    SynthesisParams tv1 = p;
    tv1.tv = 0.001;
    tv1.tvBeta = 1;  // classic TV
    const Outcome b = run(blur), t = run(tv), t1 = run(tv1);
    std::cout << "    energy above half Nyquist (grey levels^2 per pixel) / smallest class-score gain: none " << none.energy
              << " / " << none.gain << ", blur " << b.energy << " / " << b.gain << ", tv " << t.energy << " / " << t.gain
              << ", tv (beta 1) " << t1.energy << " / " << t1.gain << std::endl;
    EXPECT_LT(b.energy, 0.25 * none.energy);
    EXPECT_LT(t.energy, 0.25 * none.energy);
    EXPECT_LT(t1.energy, 0.25 * none.energy);
    // The regularised runs still maximise the class scores (the images did not just go flat).
    EXPECT_GT(b.gain, 5.0);
    EXPECT_GT(t.gain, 5.0);
    EXPECT_GT(t1.gain, 5.0);
}

/* The gradient that a step ascends (engine backward + adjoint of the random transformation + parameterisation
   backward + penalties) against central finite differences along random directions, on a smooth network. */
TEST(Interp_Synthesis, step_gradient_matches_finite_differences)
{
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(smoothNet());
    struct Case
    {
        const char* what;
        SynthesisParams p;
    };
    std::vector<Case> cases(5);
    cases[0].what = "pixels";
    cases[1].what = "pixels, jitter + scale + rotation";
    cases[1].p.jitter = 2;
    cases[1].p.scaleJitter = 0.1;
    cases[1].p.rotation = 10;
    cases[2].what = "pixels, transformations, L2 and TV (beta 2)";
    cases[2].p = cases[1].p;
    cases[2].p.l2 = 0.01;
    cases[2].p.tv = 0.05;
    cases[3].what = "pixels, TV (beta 1), image larger than the input (random crop)";
    cases[3].p.tv = 0.05;
    cases[3].p.tvBeta = 1;
    cases[3].p.imageSize = cv::Size(40, 36);
    cases[4].what = "decorrelated Fourier, transformations, image smaller than the input (upscaling)";
    cases[4].p = SynthesisParams::strong();
    cases[4].p.imageSize = cv::Size(24, 27);
    Target cls = Target::classScore(3), chan = Target::channelMean("mul5", 7),
                  neuron = Target::neuron("mul10", 12, 3, 2), logp = Target::classLogProbability(8);
    chan.weight = 0.5;
    chan.sample = 1;
    neuron.sample = 0;
    logp.weight = 2;
    cv::RNG rng(11);
    for (Case& c : cases)
    {
        SCOPED_TRACE(c.what);
        c.p.batch = 2;
        c.p.init = cv::interp::SYNTHESIS_INIT_GAUSSIAN;
        c.p.initNoise = 40;
        c.p.seed = 3;
        cv::Ptr<Synthesizer> s = Synthesizer::create(ex, { cls, chan, neuron, logp }, referencePrep(), c.p);
        const cv::Mat x = s->parameters();
        cv::Mat g;
        s->objectiveGradient(x, 5, g);
        ASSERT_TRUE(g.size == x.size);
        for (int trial = 0; trial < 2; trial++)
        {
            cv::Mat d(x.dims, x.size.p, CV_32F);
            rng.fill(d, cv::RNG::NORMAL, 0, 1);
            const double eps = 3e-3;
            cv::Mat gp, gm;
            std::vector<double> fp = s->objectiveGradient(x + eps * d, 5, gp), fm = s->objectiveGradient(x - eps * d, 5, gm);
            double numeric = 0;
            for (size_t n = 0; n < fp.size(); n++)
                numeric += (fp[n] - fm[n]) / (2 * eps);
            const double analytic = g.reshape(1, 1).dot(d.reshape(1, 1));
            EXPECT_NEAR(analytic, numeric, 1e-2 * std::abs(numeric) + 1e-4) << "trial " << trial;
        }
    }
}

TEST(Interp_Synthesis, bad_targets_and_settings_raise_clear_errors)
{
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(smoothNet());
    const cv::interp::Preprocessing prep = referencePrep();
    auto message = [&](const std::vector<Target>& terms, const SynthesisParams& p) -> std::string {
        try
        {
            Synthesizer::create(ex, terms, prep, p);
        }
        catch (const cv::Exception& e)
        {
            return e.err;
        }
        return "no exception";
    };
    const SynthesisParams p;
    auto expectError = [&](const std::vector<Target>& terms, const SynthesisParams& q,
                           const std::vector<std::string>& words) {
        const std::string m = message(terms, q);
        for (const std::string& w : words)
            EXPECT_NE(m.find(w), std::string::npos) << "'" << w << "' not in: " << m;
    };
    // mul10 is 48 x 8 x 8 for a 31 x 31 input.
    expectError({ Target::neuron("mul10", 48, 0, 0) }, p, { "channel 48", "48 channels" });
    expectError({ Target::neuron("mul10", 3, 8, 0) }, p, { "outside", "8 x 8", "mul10" });
    expectError({ Target::neuron("mul10", 3, 2, -5) }, p, { "position" });
    expectError({ Target::channelMean("mul10", -1) }, p, { "channel -1" });
    expectError({ Target::neuron("mul99", 3) }, p, { "unknown layer 'mul99'", "mul10" });
    expectError({ Target::classScore(10) }, p, { "class 10", "0..9" });
    expectError({ Target::channelMean("", 1) }, p, { "needs a layer" });
    expectError({}, p, { "no term" });
    Target onSample = Target::classScore(1);
    onSample.sample = 2;
    expectError({ onSample }, p, { "sample 2", "batch has 1" });
    const std::vector<Target> ok = { Target::classScore(1) };
    SynthesisParams q = p;
    q.iterations = -1;
    expectError(ok, q, { "iterations" });
    q = p;
    q.init = cv::interp::SYNTHESIS_INIT_IMAGE;
    expectError(ok, q, { "initImage is empty" });
    q = p;
    q.learningRate = 0;
    expectError(ok, q, { "learning rate" });
    q = p;
    q.blurEvery = 2;
    q.blurSigma = 0;
    expectError(ok, q, { "blurSigma" });
    q = p;
    q.octaves = 3;
    q.octaveScale = 4;
    expectError(ok, q, { "octave 0 would be" });
    q = p;
    q.fourier = true;
    q.colorCorrelation = cv::Mat::ones(3, 3, CV_64F);
    expectError(ok, q, { "singular" });
    q = p;
    q.clipNormPercentile = 100;
    expectError(ok, q, { "percentiles" });
    q = p;
    q.channels = 1;
    expectError(ok, q, { "cannot take an input" });
    cv::interp::Preprocessing noSize;
    EXPECT_THROW(Synthesizer::create(ex, ok, noSize, p), cv::Exception);
    EXPECT_THROW(Synthesizer::create(cv::Ptr<cv::interp::Explainer>(), ok, prep, p), cv::Exception);
    expectError({ cv::interp::Target::fromSeed("mul10", cv::Mat()) }, p, { "explicit-seed" });
    // A finished synthesis cannot step further.
    q = p;
    q.iterations = 1;
    cv::Ptr<Synthesizer> s = Synthesizer::create(ex, ok, prep, q);
    s->step();
    EXPECT_TRUE(s->done());
    EXPECT_THROW(s->step(), cv::Exception);
}

TEST(Interp_Synthesis, parameterisations_render_the_start_image)
{
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(smoothNet());
    const cv::interp::Preprocessing prep = referencePrep();
    cv::Mat img = cv::imread(interp_test::dataPath("scenes/test/scene_001.png"));
    ASSERT_FALSE(img.empty());
    const cv::Mat expected = prep.toBlob(std::vector<cv::Mat>(1, img));
    for (bool fourier : { false, true })
        for (bool decorrelate : { false, true })
        {
            SCOPED_TRACE(fourier ? (decorrelate ? "Fourier, decorrelated" : "Fourier") : "pixels");
            SynthesisParams p;
            p.init = cv::interp::SYNTHESIS_INIT_IMAGE;
            p.initImage = img;
            p.fourier = fourier;
            p.decorrelate = decorrelate;
            cv::Ptr<Synthesizer> s = Synthesizer::create(ex, { Target::classScore(0) }, prep, p);
            const cv::Mat blob = s->render();
            // Fourier: pixels 0 and 255 are kept half a grey level inside the range (the sigmoid never reaches it).
            EXPECT_LE(cv::norm(blob.reshape(1, 1), expected.reshape(1, 1), cv::NORM_INF),
                      fourier ? 0.51 * prep.scale : 1e-6);
            // Back to 8 bits: the (resized) start image.
            EXPECT_LE(cv::norm(s->images()[0], prep.toImage(expected), cv::NORM_INF), fourier ? 1.0 : 0.0);
            if (fourier && decorrelate)
                continue;
            // The zero start is the mean colour.
            SynthesisParams z = p;
            z.init = cv::interp::SYNTHESIS_INIT_ZEROS;
            cv::Ptr<Synthesizer> s0 = Synthesizer::create(ex, { Target::classScore(0) }, prep, z);
            EXPECT_LE(cv::norm(s0->render().reshape(1, 1), cv::NORM_INF), 1e-5);
        }
}

TEST(Interp_Synthesis, runs_are_deterministic_and_the_callback_stops_early)
{
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(smoothNet());
    SynthesisParams p = SynthesisParams::strong();
    p.iterations = 6;
    p.init = cv::interp::SYNTHESIS_INIT_UNIFORM;
    p.seed = 9;
    const std::vector<Target> t = { Target::classScore(2) };
    SynthesisResult a = cv::interp::synthesize(ex, t, referencePrep(), p);
    SynthesisResult b = cv::interp::synthesize(ex, t, referencePrep(), p);
    EXPECT_EQ(cv::norm(a.images[0], b.images[0], cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(a.history, b.history, cv::NORM_INF), 0.0);
    p.seed = 10;
    SynthesisResult c = cv::interp::synthesize(ex, t, referencePrep(), p);
    EXPECT_GT(cv::norm(a.images[0], c.images[0], cv::NORM_INF), 0.0);

    std::vector<int> seen;
    SynthesisResult d = cv::interp::synthesize(ex, t, referencePrep(), p, [&](int it, const std::vector<double>& f) {
        seen.push_back(it);
        EXPECT_EQ(f.size(), 1u);
        return it < 3;
    });
    EXPECT_TRUE(d.stoppedEarly);
    EXPECT_EQ(d.iterations, 4);
    EXPECT_EQ(d.history.rows, 4);
    EXPECT_EQ(seen, (std::vector<int>{ 0, 1, 2, 3 }));
    EXPECT_EQ(d.history.cols, 1);

    // Two syntheses at once on one Explainer give what they give alone.
    p.seed = 9;
    SynthesisResult t1, t2;
    std::thread th([&]() { t1 = cv::interp::synthesize(ex, t, referencePrep(), p); });
    t2 = cv::interp::synthesize(ex, { Target::classScore(5) }, referencePrep(), p);
    th.join();
    EXPECT_EQ(cv::norm(t1.images[0], a.images[0], cv::NORM_INF), 0.0);
    SynthesisResult alone = cv::interp::synthesize(ex, { Target::classScore(5) }, referencePrep(), p);
    EXPECT_EQ(cv::norm(t2.images[0], alone.images[0], cv::NORM_INF), 0.0);
}

TEST(Interp_Synthesis, octaves_crops_clipping_and_the_valid_range)
{
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(smoothNet());
    const cv::interp::Preprocessing prep = referencePrep();
    const std::vector<Target> t = { Target::channelMean("mul5", 7) };
    cv::dnn::Net net = plainNet(smoothNet());

    // Two octaves up to an image larger than the 31 x 31 input: random crops; a large step tests the range.
    SynthesisParams p;
    p.octaves = 2;
    p.iterations = 10;
    p.imageSize = cv::Size(44, 40);
    p.learningRate = 0.5;
    p.jitter = 1;
    for (bool fourier : { false, true })
    {
        SCOPED_TRACE(fourier ? "Fourier" : "pixels");
        p.fourier = fourier;
        cv::Ptr<Synthesizer> s = Synthesizer::create(ex, t, prep, p);
        EXPECT_EQ(s->imageSize(), cv::Size(31, 29));  // 44 / 1.4, 40 / 1.4
        const cv::Mat start = s->render();
        SynthesisResult r = s->run();
        EXPECT_EQ(s->octave(), 1);
        EXPECT_EQ(r.iterations, 20);
        EXPECT_EQ(r.history.rows, 20);
        ASSERT_EQ(r.images[0].size(), cv::Size(44, 40));
        ASSERT_EQ(r.blob.size[2], 40);
        ASSERT_EQ(r.blob.size[3], 44);
        double lo, hi;
        cv::minMaxLoc(r.blob.reshape(1, 1), &lo, &hi);
        EXPECT_GE(lo, -127.5 / 64 - 1e-5);
        EXPECT_LE(hi, 127.5 / 64 + 1e-5);
        // The objective of the start and of the result (8-bit, resized to the input), independently.
        auto objectiveOf = [&](const cv::Mat& image) {
            std::vector<cv::Mat> imgs(1);
            cv::resize(image, imgs[0], cv::Size(31, 31), 0, 0, cv::INTER_AREA);
            return independentObjective(net, prep.toBlob(imgs), 0, Target::CHANNEL_MEAN, "onnx_node!mul5", 7);
        };
        const double before = objectiveOf(prep.toImage(start)), after = objectiveOf(r.images[0]);
        EXPECT_GT(after, before + 0.5) << before << " -> " << after;
    }

    // Clipping: after every step at least the given share of pixels is reset to the mean colour (blob 0).
    for (int mode = 0; mode < 2; mode++)
    {
        SCOPED_TRACE(mode == 0 ? "small norm" : "small contribution");
        SynthesisParams q;
        q.iterations = 8;
        q.init = cv::interp::SYNTHESIS_INIT_GAUSSIAN;
        q.initNoise = 30;
        (mode == 0 ? q.clipNormPercentile : q.clipContributionPercentile) = 40;
        SynthesisResult r = cv::interp::synthesize(ex, t, prep, q);
        const int H = r.blob.size[2], W = r.blob.size[3];
        int zero = 0;
        for (int i = 0; i < H * W; i++)
        {
            bool z = true;
            for (int c = 0; c < 3; c++)
                z = z && r.blob.ptr<float>(0, c)[i] == 0.f;
            zero += z;
        }
        EXPECT_GE(zero, (int)(0.4 * H * W) - 1);
        EXPECT_LT(zero, (int)(0.9 * H * W));
        EXPECT_GT(r.finalObjective[0], r.initialObjective[0]);
    }
}

}  // namespace
}  // namespace opencv_test
