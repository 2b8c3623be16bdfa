// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Targets: what to explain (class score, neuron, channel, explicit seed) and their seeds on a tape.
#include "precomp.hpp"
#include "engine_impl.hpp"

#include <sstream>

namespace cv {
namespace interp {

Target Target::classScore(int k, const String& layer)
{
    Target t;
    t.kind = CLASS;
    t.index = k;
    t.layer = layer;
    return t;
}

Target Target::neuron(const String& layer, int channel, int y, int x)
{
    Target t;
    t.kind = NEURON;
    t.layer = layer;
    t.index = channel;
    t.y = y;
    t.x = x;
    return t;
}

Target Target::channel(const String& layer, int channel)
{
    Target t;
    t.kind = CHANNEL;
    t.layer = layer;
    t.index = channel;
    return t;
}

Target Target::fromSeed(const String& layer, const Mat& seed)
{
    Target t;
    t.kind = SEED;
    t.layer = layer;
    t.seed = seed;
    return t;
}

String Target::describe() const
{
    std::ostringstream s;
    const String where = layer.empty() ? String("the class scores") : "'" + layer + "'";
    switch (kind)
    {
    case CLASS: s << "class " << index << " of " << where; break;
    case NEURON: s << "neuron (channel " << index << ", y " << y << ", x " << x << ") of " << where; break;
    case CHANNEL: s << "channel " << index << " of " << where; break;
    case SEED: s << "a seed on " << where; break;
    default: s << "an invalid target"; break;
    }
    if (weight != 1.0)
        s << " x " << weight;
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
    if (t.kind < Target::CLASS || t.kind > Target::SEED)
        CV_Error(Error::StsBadArg, cv::format("unknown target kind %d", t.kind));
    if (t.layer.empty())
    {
        if (t.kind != Target::CLASS)
            CV_Error(Error::StsBadArg, "the target " + t.describe() + " needs a layer name");
        return graph().scoreLayer();
    }
    return graph().require(t.layer);
}

Seeds Explainer::makeSeeds(const Tape& tape, const std::vector<Target>& targets) const
{
    const int N = tape.batchSize();
    if (targets.empty())
        CV_Error(Error::StsBadArg, "no target given");
    if (targets.size() != 1 && (int)targets.size() != N)
        CV_Error(Error::StsBadArg, cv::format("got %d targets for a batch of %d: give one target for all samples or "
                                              "one per sample", (int)targets.size(), N));
    Seeds seeds;
    for (int n = 0; n < N; n++)
    {
        const Target& t = targets[targets.size() == 1 ? 0 : n];
        const int l = targetLayer(t);
        const LayerInfo& info = graph().layer(l);
        if (!graph().dependsOnInput(l))
            CV_Error(Error::StsBadArg, "layer '" + info.name + "' does not depend on the input");
        const Mat& out = tape.outputs(l).at(0);
        Mat& seed = seeds[l];
        if (seed.empty())
            seed = Mat::zeros(out.dims, out.size.p, CV_32F);
        const size_t per = out.total() / out.size[0];
        float* s = seed.ptr<float>() + (size_t)n * per;
        const float w = (float)t.weight;
        const int C = out.dims > 1 ? out.size[1] : 1;
        const size_t plane = out.dims > 1 ? per / C : 1;
        switch (t.kind)
        {
        case Target::CLASS:
            if (t.index < 0 || (size_t)t.index >= per)
                CV_Error(Error::StsOutOfRange, cv::format("class %d is out of range: layer '%s' has %d scores per sample "
                                                          "(classes 0..%d)", t.index, info.name.c_str(), (int)per, (int)per - 1));
            s[t.index] += w;
            break;
        case Target::NEURON:
        {
            if (t.index < 0 || t.index >= C)
                CV_Error(Error::StsOutOfRange, cv::format("channel %d is out of range: layer '%s' has %d channels (0..%d)",
                                                          t.index, info.name.c_str(), C, C - 1));
            const int H = out.dims > 2 ? out.size[2] : 1;
            const int W = out.dims > 3 ? out.size[3] : 1;
            if (out.dims > 4)
                CV_Error(Error::StsNotImplemented, "neuron targets on layers with more than 4-D outputs are not supported");
            if (t.y < 0 || t.y >= H || t.x < 0 || t.x >= W)
                CV_Error(Error::StsOutOfRange, cv::format("position (y %d, x %d) is outside the %d x %d output of layer '%s'",
                                                          t.y, t.x, H, W, info.name.c_str()));
            s[(size_t)t.index * plane + (size_t)t.y * W + t.x] += w;
            break;
        }
        case Target::CHANNEL:
            if (t.index < 0 || t.index >= C)
                CV_Error(Error::StsOutOfRange, cv::format("channel %d is out of range: layer '%s' has %d channels (0..%d)",
                                                          t.index, info.name.c_str(), C, C - 1));
            for (size_t i = 0; i < plane; i++)
                s[(size_t)t.index * plane + i] += w;
            break;
        case Target::SEED:
        {
            if (t.seed.type() != CV_32F || t.seed.total() != per)
                CV_Error(Error::StsBadSize, cv::format("the seed for layer '%s' must be float32 with %d elements (one "
                                                       "sample's output), got %d", info.name.c_str(), (int)per,
                                                       (int)t.seed.total()));
            Mat src = t.seed.isContinuous() ? t.seed : t.seed.clone();
            const float* p = src.ptr<float>();
            for (size_t i = 0; i < per; i++)
                s[i] += w * p[i];
            break;
        }
        }
    }
    return seeds;
}

std::vector<double> Explainer::evaluate(const Ptr<Tape>& tape, const std::vector<Target>& targets) const
{
    CV_Assert(tape);
    Seeds seeds = makeSeeds(*tape, targets);
    const int N = tape->batchSize();
    std::vector<double> values(N, 0.0);
    for (const auto& kv : seeds)
    {
        const Mat& out = tape->outputs(kv.first).at(0);
        const size_t per = out.total() / N;
        for (int n = 0; n < N; n++)
        {
            const float* a = out.ptr<float>() + (size_t)n * per;
            const float* b = kv.second.ptr<float>() + (size_t)n * per;
            double acc = 0;
            for (size_t i = 0; i < per; i++)
                acc += (double)a[i] * b[i];
            values[n] += acc;
        }
    }
    return values;
}

}  // namespace interp
}  // namespace cv
