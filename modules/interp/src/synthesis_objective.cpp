// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The objective of feature visualisation: a weighted sum of targets (class scores or log-probabilities, neurons,
// channel means, layer norms), checked against the network once, and its value and seeds on each tape.
#include "precomp.hpp"
#include "synthesis_impl.hpp"
#include "engine_impl.hpp"

namespace cv {
namespace interp {
namespace synthesis {

Objective::Objective(const Explainer& explainer, const std::vector<Target>& input, const MatShape& inputShape)
    : ex(explainer), terms(input)
{
    if (input.empty())
        CV_Error(Error::StsBadArg, "the objective has no term: give at least one (e.g. Target::classLogProbability(k))");
    for (const Target& t : terms)
    {
        if (t.kind == Target::SEED)
            CV_Error(Error::StsBadArg, "an explicit-seed target cannot be maximised by synthesis: use a class, neuron, "
                                       "channel or layer-norm target");
        checkTarget(ex, t, inputShape);  // raises with the layer, range or sample that is wrong
    }
}

std::vector<double> Objective::evaluate(const Tape& tape, Seeds* seeds) const
{
    // Term by term: a one-target list acts on every sample (or the term's own sample), whatever the batch size.
    std::vector<double> values(tape.batchSize(), 0.0);
    for (const Target& t : terms)
    {
        std::vector<double> v;
        const Seeds s = ex.makeSeeds(tape, std::vector<Target>(1, t), &v);
        for (size_t n = 0; n < v.size(); n++)
            values[n] += v[n];
        if (seeds)
            for (const auto& kv : s)
            {
                Mat& dst = (*seeds)[kv.first];
                if (dst.empty())
                    dst = kv.second;
                else
                    dst += kv.second;
            }
    }
    return values;
}

}  // namespace synthesis
}  // namespace interp
}  // namespace cv
