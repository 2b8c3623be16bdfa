// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_ENGINE_IMPL_HPP
#define OPENCV_INTERP_ENGINE_IMPL_HPP

#include "../precomp.hpp"
#include "graph_impl.hpp"

namespace cv {
namespace interp {

//! Shape-specific state: layer shapes and the prepared backward rules of every variant.
struct Plan
{
    MatShape inputShape;
    uint64 registryVersion = 0;                          // layerRegistryVersion() it was prepared with
    std::vector<std::vector<MatShape> > inputShapes;   // per layer, per input slot
    std::vector<std::vector<MatShape> > outputShapes;  // per layer, per output
    // ops[variant][layer]; null when no rule exists or preparing failed (see errors)
    std::vector<std::vector<Ptr<LayerBackward> > > ops;
    std::vector<std::vector<String> > errors;          // why ops[variant][layer] is null
};

struct Tape::Impl
{
    Mat input;
    std::vector<std::vector<Mat> > outputs;  // per graph layer
    Ptr<Plan> plan;
    const Graph::Impl* graph = nullptr;
};

/** The outputs (pin 0) of some layers only, for a blob: one cv::dnn forward pass under the explainer's lock, without
recording a tape (patch mining needs a few layers' values, not every layer's copy). */
void forwardLayers(const Explainer& explainer, const Mat& blob, const std::vector<int>& layers, std::vector<Mat>& outs);

//! The targets acting on sample n of a batch of N (see Target: one per sample, or each on its `sample`).
std::vector<const Target*> targetsOf(const std::vector<Target>& targets, int N, int n);
//! Checks the number of targets for a batch of N and their samples and weights; raises for an empty list.
void checkTargets(const std::vector<Target>& targets, int N);

//! Looks up the rule factory for (type, variant) in the layer registry, falling back to the standard rule.
bool findBackwardRule(const String& type, int variant, BackwardRuleFactory& factory);
//! True when (type, variant) has a rule registered for exactly that variant.
bool hasOwnBackwardRule(const String& type, int variant);

/** Checks a target against the network for an input of `inputShape` without running it: the layer exists and depends
on the input, the sample, class, channel and position are in range. Raises what makeSeeds() would raise. */
void checkTarget(const Explainer& explainer, const Target& target, const MatShape& inputShape);

}  // namespace interp
}  // namespace cv

#endif
