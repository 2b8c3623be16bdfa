// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Objectives of feature visualisation: class scores, neurons, channel means and layer norms (DeepDream),
// their weighted sum on a tape and the seeds of its gradient for the engine's backward pass.
#include "precomp.hpp"
#include "synthesis_impl.hpp"
#include "graph_impl.hpp"

#include <sstream>

namespace cv {
namespace interp {

ObjectiveTerm ObjectiveTerm::classScore(int k, const String& layer)
{
    ObjectiveTerm t;
    t.kind = CLASS_SCORE;
    t.index = k;
    t.layer = layer;
    return t;
}

ObjectiveTerm ObjectiveTerm::neuron(const String& layer, int channel, int y, int x)
{
    ObjectiveTerm t;
    t.kind = NEURON;
    t.layer = layer;
    t.index = channel;
    t.y = y;
    t.x = x;
    return t;
}

ObjectiveTerm ObjectiveTerm::channelMean(const String& layer, int channel)
{
    ObjectiveTerm t;
    t.kind = CHANNEL_MEAN;
    t.layer = layer;
    t.index = channel;
    return t;
}

ObjectiveTerm ObjectiveTerm::layerNorm(const String& layer)
{
    ObjectiveTerm t;
    t.kind = LAYER_NORM;
    t.layer = layer;
    return t;
}

ObjectiveTerm ObjectiveTerm::classLogProbability(int k, const String& layer)
{
    ObjectiveTerm t;
    t.kind = CLASS_LOG_PROBABILITY;
    t.index = k;
    t.layer = layer;
    return t;
}

ObjectiveTerm ObjectiveTerm::fromTarget(const Target& target)
{
    ObjectiveTerm t;
    switch (target.kind)
    {
    case Target::CLASS: t = classScore(target.index, target.layer); break;
    case Target::NEURON: t = neuron(target.layer, target.index, target.y, target.x); break;
    case Target::CHANNEL: t = channelMean(target.layer, target.index); break;
    default:
        CV_Error(Error::StsBadArg, "an explicit-seed target cannot be maximised by synthesis: use a class, neuron or "
                                   "channel target");
    }
    t.weight = target.weight;
    return t;
}

String ObjectiveTerm::describe() const
{
    std::ostringstream s;
    const String where = layer.empty() ? String("the class scores") : "'" + layer + "'";
    switch (kind)
    {
    case CLASS_SCORE: s << "class " << index << " of " << where; break;
    case NEURON:
        s << "neuron (channel " << index << ", ";
        if (y < 0 && x < 0)
            s << "centre";
        else
            s << "y " << y << ", x " << x;
        s << ") of " << where;
        break;
    case CHANNEL_MEAN: s << "mean of channel " << index << " of " << where; break;
    case LAYER_NORM: s << "squared L2 norm of " << where; break;
    case CLASS_LOG_PROBABILITY: s << "log-probability of class " << index << " over " << where; break;
    default: s << "an invalid objective term"; break;
    }
    if (weight != 1.0)
        s << " x " << weight;
    if (sample >= 0)
        s << " (sample " << sample << ")";
    return s.str();
}

namespace synthesis {

Objective::Objective(const Explainer& explainer, const std::vector<ObjectiveTerm>& input, const MatShape& inputShape)
    : ex(explainer), batch(inputShape.at(0))
{
    if (input.empty())
        CV_Error(Error::StsBadArg, "the objective has no term: give at least one (e.g. ObjectiveTerm::classScore(k))");
    std::vector<std::vector<MatShape> > shapes;
    ex.graph().outputShapes(inputShape, shapes);
    for (const ObjectiveTerm& t : input)
    {
        if (t.kind < ObjectiveTerm::CLASS_SCORE || t.kind > ObjectiveTerm::CLASS_LOG_PROBABILITY)
            CV_Error(Error::StsBadArg, cv::format("unknown objective term kind %d: use the ObjectiveTerm factories",
                                                  t.kind));
        if (t.sample < -1 || t.sample >= batch)
            CV_Error(Error::StsOutOfRange, cv::format("objective term '%s' acts on sample %d, but the batch has %d "
                                                      "images (samples 0..%d, or -1 for all)", t.describe().c_str(),
                                                      t.sample, batch, batch - 1));
        if (!std::isfinite(t.weight))
            CV_Error(Error::StsBadArg, "objective term '" + t.describe() + "' has a non-finite weight");
        ResolvedTerm r;
        r.term = t;
        const bool isClass = t.kind == ObjectiveTerm::CLASS_SCORE || t.kind == ObjectiveTerm::CLASS_LOG_PROBABILITY;
        if (t.layer.empty())
        {
            if (!isClass)
                CV_Error(Error::StsBadArg, "objective term '" + t.describe() + "' needs a layer name");
            r.layer = ex.graph().scoreLayer();
        }
        else
            r.layer = ex.graph().require(t.layer);  // raises with similar names
        const LayerInfo& info = ex.graph().layer(r.layer);
        if (!ex.graph().dependsOnInput(r.layer))
            CV_Error(Error::StsBadArg, "layer '" + info.name + "' does not depend on the input: nothing to maximise");
        if (shapes[r.layer].empty())
            CV_Error(Error::StsInternal, "no output shape known for layer '" + info.name + "'");
        const MatShape& sh = shapes[r.layer][0];
        const int per = (int)(dnn::total(sh) / std::max(1, sh[0]));
        const int C = sh.size() > 1 ? sh[1] : 1;
        const int H = sh.size() > 2 ? sh[2] : 1;
        const int W = sh.size() > 3 ? sh[3] : 1;
        switch (t.kind)
        {
        case ObjectiveTerm::CLASS_SCORE:
        case ObjectiveTerm::CLASS_LOG_PROBABILITY:
            if (t.index < 0 || t.index >= per)
                CV_Error(Error::StsOutOfRange, cv::format("class %d is out of range: layer '%s' has %d scores per sample "
                                                          "(classes 0..%d)", t.index, info.name.c_str(), per, per - 1));
            break;
        case ObjectiveTerm::NEURON:
        case ObjectiveTerm::CHANNEL_MEAN:
            if (sh.size() > 4)
                CV_Error(Error::StsNotImplemented, "neuron and channel terms need a layer output of at most 4 dimensions; '" +
                                                   info.name + "' has " + shapeToString(sh));
            if (t.index < 0 || t.index >= C)
                CV_Error(Error::StsOutOfRange, cv::format("channel %d is out of range: layer '%s' has %d channels (0..%d) "
                                                          "for a %d x %d input", t.index, info.name.c_str(), C, C - 1,
                                                          inputShape[3], inputShape[2]));
            if (t.kind == ObjectiveTerm::NEURON)
            {
                if ((t.y < 0) != (t.x < 0) || t.y < -1 || t.x < -1)
                    CV_Error(Error::StsBadArg, cv::format("neuron position (y %d, x %d): give both coordinates, or -1 for "
                                                          "both to use the centre", t.y, t.x));
                if (t.y < 0)
                {
                    r.term.y = H / 2;
                    r.term.x = W / 2;
                }
                if (r.term.y >= H || r.term.x >= W)
                    CV_Error(Error::StsOutOfRange, cv::format("position (y %d, x %d) is outside the %d x %d output of layer "
                                                              "'%s' (for a %d x %d input)", t.y, t.x, H, W,
                                                              info.name.c_str(), inputShape[3], inputShape[2]));
            }
            break;
        default:
            break;
        }
        terms.push_back(r);
    }
}

std::vector<double> Objective::evaluate(const Tape& tape, Seeds* seeds) const
{
    CV_Assert(tape.batchSize() == batch);
    std::vector<double> values(batch, 0.0);
    for (const ResolvedTerm& r : terms)
    {
        const ObjectiveTerm& t = r.term;
        const String& name = ex.graph().layer(r.layer).name;
        const Mat& out = tape.outputs(r.layer).at(0);
        const size_t per = out.total() / batch;
        const int C = out.dims > 1 ? out.size[1] : 1;
        const size_t plane = out.dims > 1 ? per / C : 1;
        std::vector<Target> targets;
        std::vector<double> logSumExp(batch, 0.0);
        for (int n = 0; n < batch; n++)
        {
            const bool on = t.sample < 0 || t.sample == n;
            Target tg;
            switch (t.kind)
            {
            case ObjectiveTerm::CLASS_SCORE: tg = Target::classScore(t.index, name); break;
            case ObjectiveTerm::NEURON: tg = Target::neuron(name, t.index, t.y, t.x); break;
            case ObjectiveTerm::CHANNEL_MEAN: tg = Target::channel(name, t.index); break;
            case ObjectiveTerm::LAYER_NORM:
            {
                // d |a|^2 / da = 2a: the seed depends on the activations.
                Mat a(1, (int)per, CV_32F, (void*)(out.ptr<float>() + (size_t)n * per));
                tg = Target::fromSeed(name, a * 2.0);
                break;
            }
            case ObjectiveTerm::CLASS_LOG_PROBABILITY:
            {
                // d (s_k - logsumexp(s)) / ds = e_k - softmax(s).
                const float* a = out.ptr<float>() + (size_t)n * per;
                const float mx = *std::max_element(a, a + per);
                Mat seed(1, (int)per, CV_32F);
                double z = 0;
                for (size_t i = 0; i < per; i++)
                    z += std::exp((double)a[i] - mx);
                for (size_t i = 0; i < per; i++)
                    seed.at<float>((int)i) = (float)((i == (size_t)t.index ? 1.0 : 0.0) - std::exp((double)a[i] - mx) / z);
                logSumExp[n] = mx + std::log(z);
                tg = Target::fromSeed(name, seed);
                break;
            }
            default: CV_Error(Error::StsInternal, "unknown objective term kind");
            }
            double w = on ? t.weight : 0.0;
            if (t.kind == ObjectiveTerm::CHANNEL_MEAN)
                w /= (double)plane;  // mean = sum / (H * W)
            tg.weight = w;
            targets.push_back(tg);
        }
        Seeds s = ex.makeSeeds(tape, targets);
        CV_Assert(s.size() == 1);
        const Mat& seed = s.begin()->second;
        // Value of the term: sum(seed * out) for the linear terms, half of it for the squared norm.
        const double factor = t.kind == ObjectiveTerm::LAYER_NORM ? 0.5 : 1.0;
        for (int n = 0; n < batch; n++)
        {
            if (t.sample >= 0 && t.sample != n)
                continue;
            const float* a = out.ptr<float>() + (size_t)n * per;
            if (t.kind == ObjectiveTerm::CLASS_LOG_PROBABILITY)
            {
                values[n] += t.weight * (a[t.index] - logSumExp[n]);
                continue;
            }
            const float* b = seed.ptr<float>() + (size_t)n * per;
            double acc = 0;
            for (size_t i = 0; i < per; i++)
                acc += (double)a[i] * b[i];
            values[n] += factor * acc;
        }
        if (seeds)
        {
            Mat& dst = (*seeds)[r.layer];
            if (dst.empty())
                dst = seed;
            else
                dst += seed;
        }
    }
    return values;
}

}  // namespace synthesis
}  // namespace interp
}  // namespace cv
