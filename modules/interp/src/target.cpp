// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Targets: what to explain or maximise (class score or log-probability, neuron, channel sum or mean, layer norm,
// explicit seed), their seeds on a tape and their values.
#include "precomp.hpp"
#include "softmax.hpp"
#include "engine_impl.hpp"

#include <sstream>

namespace cv {
namespace interp {

namespace {

Target make(int kind, const String& layer, int index)
{
    Target t;
    t.kind = kind;
    t.layer = layer;
    t.index = index;
    return t;
}

}  // namespace

Target Target::classScore(int k, const String& layer) { return make(CLASS, layer, k); }
Target Target::channel(const String& layer, int channel) { return make(CHANNEL, layer, channel); }
Target Target::channelMean(const String& layer, int channel) { return make(CHANNEL_MEAN, layer, channel); }
Target Target::layerNorm(const String& layer) { return make(LAYER_NORM, layer, 0); }
Target Target::classLogProbability(int k, const String& layer) { return make(CLASS_LOG_PROBABILITY, layer, k); }

Target Target::neuron(const String& layer, int channel, int y, int x)
{
    Target t = make(NEURON, layer, channel);
    t.y = y;
    t.x = x;
    return t;
}

Target Target::fromSeed(const String& layer, const Mat& seed)
{
    Target t = make(SEED, layer, 0);
    t.seed = seed;
    return t;
}

Target Target::forSample(int n) const
{
    Target t = *this;
    t.sample = n;
    return t;
}

bool Target::isClass() const
{
    return kind == CLASS || kind == CLASS_LOG_PROBABILITY;
}

String Target::describe() const
{
    std::ostringstream s;
    const String where = layer.empty() ? String("the class scores") : "'" + layer + "'";
    switch (kind)
    {
    case CLASS: s << "class " << index << " of " << where; break;
    case NEURON:
        s << "neuron (channel " << index << ", ";
        if (y < 0 && x < 0)
            s << "centre";
        else
            s << "y " << y << ", x " << x;
        s << ") of " << where;
        break;
    case CHANNEL: s << "channel " << index << " of " << where; break;
    case SEED: s << "a seed on " << where; break;
    case CHANNEL_MEAN: s << "mean of channel " << index << " of " << where; break;
    case LAYER_NORM: s << "squared L2 norm of " << where; break;
    case CLASS_LOG_PROBABILITY: s << "log-probability of class " << index << " over " << where; break;
    default: s << "an invalid target"; break;
    }
    if (weight != 1.0)
        s << " x " << weight;
    if (sample >= 0)
        s << " (sample " << sample << ")";
    return s.str();
}

static int parseInt(const String& s, const String& spec)
{
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0')
        CV_Error(Error::StsBadArg, "bad target '" + spec + "': '" + s + "' is not an integer");
    return (int)v;
}

Target parseTarget(const String& spec)
{
    // Split on ':' from the right so layer names may contain ':' themselves.
    std::vector<String> parts;
    String rest = spec;
    String kind;
    if (rest.compare(0, 6, "class:") == 0)
    {
        rest = rest.substr(6);
        String layer;
        size_t at = rest.find('@');
        if (at != String::npos)
        {
            layer = rest.substr(at + 1);
            rest = rest.substr(0, at);
        }
        return Target::classScore(parseInt(rest, spec), layer);
    }
    bool channelOnly = false;
    if (rest.compare(0, 7, "neuron:") == 0)
        rest = rest.substr(7);
    else if (rest.compare(0, 8, "channel:") == 0)
    {
        rest = rest.substr(8);
        channelOnly = true;
    }
    std::vector<String> nums;
    for (int i = 0; i < 3; i++)
    {
        size_t c = rest.rfind(':');
        if (c == String::npos)
            break;
        String tail = rest.substr(c + 1);
        bool numeric = !tail.empty() && tail.find_first_not_of("-0123456789") == String::npos;
        if (!numeric)
            break;
        nums.insert(nums.begin(), tail);
        rest = rest.substr(0, c);
    }
    if (rest.empty() || nums.empty() || nums.size() == 2 || (channelOnly && nums.size() != 1))
        CV_Error(Error::StsBadArg, "bad target '" + spec + "': use LAYER:CHANNEL for a whole channel or "
                                   "LAYER:CHANNEL:Y:X for one neuron (or class:K)");
    if (nums.size() == 1)
        return Target::channel(rest, parseInt(nums[0], spec));
    return Target::neuron(rest, parseInt(nums[0], spec), parseInt(nums[1], spec), parseInt(nums[2], spec));
}

int Explainer::targetLayer(const Target& t) const
{
    if (t.kind < Target::CLASS || t.kind > Target::CLASS_LOG_PROBABILITY)
        CV_Error(Error::StsBadArg, cv::format("unknown target kind %d: use the Target factories", t.kind));
    if (t.layer.empty())
    {
        if (!t.isClass())
            CV_Error(Error::StsBadArg, "the target " + t.describe() + " needs a layer name");
        return graph().scoreLayer();
    }
    return graph().require(t.layer);
}

namespace {

//! The targets acting on sample n (see Target: one per sample, or each on its `sample`).
std::vector<const Target*> targetsOf(const std::vector<Target>& targets, int N, int n)
{
    bool pairwise = (int)targets.size() == N && N > 1;
    for (const Target& t : targets)
        pairwise = pairwise && t.sample < 0;
    std::vector<const Target*> out;
    if (pairwise)
        out.push_back(&targets[n]);
    else
        for (const Target& t : targets)
            if (t.sample < 0 || t.sample == n)
                out.push_back(&t);
    return out;
}

void checkTargets(const std::vector<Target>& targets, int N)
{
    if (targets.empty())
        CV_Error(Error::StsBadArg, "no target given");
    bool anySample = false;
    for (const Target& t : targets)
        anySample = anySample || t.sample >= 0;
    if (!anySample && targets.size() != 1 && (int)targets.size() != N)
        CV_Error(Error::StsBadArg, cv::format("got %d targets for a batch of %d: give one target for all samples, one "
                                              "per sample, or say which sample each acts on (Target::sample)",
                                              (int)targets.size(), N));
    for (const Target& t : targets)
    {
        if (t.sample < -1 || t.sample >= N)
            CV_Error(Error::StsOutOfRange, cv::format("target '%s' acts on sample %d, but the batch has %d images "
                                                      "(samples 0..%d, or -1 for all)", t.describe().c_str(),
                                                      t.sample, N, N - 1));
        if (!std::isfinite(t.weight))
            CV_Error(Error::StsBadArg, "target '" + t.describe() + "' has a non-finite weight");
    }
}

//! One sample's output of a layer, and what a target needs to know about its shape.
struct SampleOutput
{
    const float* a;
    size_t per, plane;
    int C, H, W;
    const LayerInfo* info;
};

SampleOutput sampleOutput(const Mat& out, int n, const LayerInfo& info)
{
    SampleOutput o;
    o.per = out.total() / out.size[0];
    o.a = out.ptr<float>() + (size_t)n * o.per;
    o.C = out.dims > 1 ? out.size[1] : 1;
    o.plane = out.dims > 1 ? o.per / o.C : 1;
    o.H = out.dims > 2 ? out.size[2] : 1;
    o.W = out.dims > 3 ? out.size[3] : 1;
    o.info = &info;
    return o;
}

void checkClass(const Target& t, const SampleOutput& o)
{
    if (t.index < 0 || (size_t)t.index >= o.per)
        CV_Error(Error::StsOutOfRange, cv::format("class %d is out of range: layer '%s' has %d scores per sample "
                                                  "(classes 0..%d)", t.index, o.info->name.c_str(), (int)o.per,
                                                  (int)o.per - 1));
}

void checkChannel(const Target& t, const SampleOutput& o)
{
    if (t.index < 0 || t.index >= o.C)
        CV_Error(Error::StsOutOfRange, cv::format("channel %d is out of range: layer '%s' has %d channels (0..%d)",
                                                  t.index, o.info->name.c_str(), o.C, o.C - 1));
}

/* Adds the seed of one target for one sample to s (one sample's seed) and returns the target's value there:
   sum(seed * a) for the linear kinds, the squared norm, or the log-probability. */
double addSeed(const Target& t, const SampleOutput& o, float* s)
{
    const float w = (float)t.weight;
    const float* a = o.a;
    switch (t.kind)
    {
    case Target::CLASS:
        checkClass(t, o);
        s[t.index] += w;
        return t.weight * a[t.index];
    case Target::NEURON:
    {
        checkChannel(t, o);
        if ((t.y < 0) != (t.x < 0))
            CV_Error(Error::StsBadArg, cv::format("neuron position (y %d, x %d): give both coordinates, or -1 for both to "
                                                  "use the centre", t.y, t.x));
        const int y = t.y < 0 ? o.H / 2 : t.y, x = t.x < 0 ? o.W / 2 : t.x;
        if (y >= o.H || x >= o.W || t.y < -1 || t.x < -1)
            CV_Error(Error::StsOutOfRange, cv::format("position (y %d, x %d) is outside the %d x %d output of layer '%s'",
                                                      t.y, t.x, o.H, o.W, o.info->name.c_str()));
        const size_t i = (size_t)t.index * o.plane + (size_t)y * o.W + x;
        s[i] += w;
        return t.weight * a[i];
    }
    case Target::CHANNEL:
    case Target::CHANNEL_MEAN:
    {
        checkChannel(t, o);
        // mean = sum / (H * W)
        const float k = t.kind == Target::CHANNEL ? w : (float)(t.weight / (double)o.plane);
        double acc = 0;
        for (size_t i = 0; i < o.plane; i++)
        {
            s[(size_t)t.index * o.plane + i] += k;
            acc += a[(size_t)t.index * o.plane + i];
        }
        return acc * k;
    }
    case Target::SEED:
    {
        if (t.seed.type() != CV_32F || t.seed.total() != o.per)
            CV_Error(Error::StsBadSize, cv::format("the seed for layer '%s' must be float32 with %d elements (one "
                                                   "sample's output), got %d", o.info->name.c_str(), (int)o.per,
                                                   (int)t.seed.total()));
        Mat src = t.seed.isContinuous() ? t.seed : t.seed.clone();
        const float* p = src.ptr<float>();
        double acc = 0;
        for (size_t i = 0; i < o.per; i++)
        {
            s[i] += w * p[i];
            acc += (double)w * p[i] * a[i];
        }
        return acc;
    }
    case Target::LAYER_NORM:
    {
        // d |a|^2 / da = 2a: the seed depends on the activations.
        double acc = 0;
        for (size_t i = 0; i < o.per; i++)
        {
            s[i] += 2.f * w * a[i];
            acc += (double)a[i] * a[i];
        }
        return t.weight * acc;
    }
    case Target::CLASS_LOG_PROBABILITY:
    {
        // d (s_k - logsumexp(s)) / ds = e_k - softmax(s)
        checkClass(t, o);
        const double lse = logSumExp(a, o.per);
        for (size_t i = 0; i < o.per; i++)
            s[i] += (float)(t.weight * ((i == (size_t)t.index ? 1.0 : 0.0) - std::exp((double)a[i] - lse)));
        return t.weight * (a[t.index] - lse);
    }
    default:
        CV_Error(Error::StsBadArg, cv::format("unknown target kind %d", t.kind));
    }
}

}  // namespace

void checkTarget(const Explainer& ex, const Target& t, const MatShape& inputShape)
{
    const int N = inputShape.at(0);
    checkTargets(std::vector<Target>(1, t), N);
    const int l = ex.targetLayer(t);
    const LayerInfo& info = ex.graph().layer(l);
    if (!ex.graph().dependsOnInput(l))
        CV_Error(Error::StsBadArg, "layer '" + info.name + "' does not depend on the input");
    std::vector<std::vector<MatShape> > shapes;
    ex.graph().outputShapes(inputShape, shapes);
    if (shapes[l].empty())
        CV_Error(Error::StsInternal, "no output shape known for layer '" + info.name + "'");
    const MatShape& sh = shapes[l][0];
    if (t.kind == Target::NEURON && sh.size() > 4)
        CV_Error(Error::StsNotImplemented, "neuron targets on layers with more than 4-D outputs are not supported");
    const Mat zeros((int)sh.size(), sh.data(), CV_32F, Scalar(0));
    const SampleOutput o = sampleOutput(zeros, 0, info);
    std::vector<float> s(o.per, 0.f);
    addSeed(t, o, s.data());
}

Seeds Explainer::makeSeeds(const Tape& tape, const std::vector<Target>& targets, std::vector<double>* values) const
{
    const int N = tape.batchSize();
    checkTargets(targets, N);
    Seeds seeds;
    if (values)
        values->assign(N, 0.0);
    for (int n = 0; n < N; n++)
        for (const Target* t : targetsOf(targets, N, n))
        {
            const int l = targetLayer(*t);
            const LayerInfo& info = graph().layer(l);
            if (!graph().dependsOnInput(l))
                CV_Error(Error::StsBadArg, "layer '" + info.name + "' does not depend on the input");
            const Mat& out = tape.outputs(l).at(0);
            Mat& seed = seeds[l];
            if (seed.empty())
                seed = Mat::zeros(out.dims, out.size.p, CV_32F);
            if (t->kind == Target::NEURON && out.dims > 4)
                CV_Error(Error::StsNotImplemented, "neuron targets on layers with more than 4-D outputs are not supported");
            const SampleOutput o = sampleOutput(out, n, info);
            const double v = addSeed(*t, o, seed.ptr<float>() + (size_t)n * o.per);
            if (values)
                (*values)[n] += v;
        }
    return seeds;
}

std::vector<double> Explainer::evaluate(const Ptr<Tape>& tape, const std::vector<Target>& targets) const
{
    CV_Assert(tape);
    std::vector<double> values;
    makeSeeds(*tape, targets, &values);
    return values;
}

}  // namespace interp
}  // namespace cv
