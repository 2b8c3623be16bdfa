// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// One-pass gradient attributions: gradient saliency (Simonyan et al. 2014), input x gradient, guided
// backpropagation (Springenberg et al. 2015) and deconvnet (Zeiler and Fergus 2014).
#include "../precomp.hpp"
#include "attribution_internal.hpp"

namespace cv {
namespace interp {

namespace {

using namespace attribution_detail;

Attribution onePass(const char* name, int method, int variant, bool timesInput, const Ptr<Explainer>& explainer,
                    InputArray blob_, const std::vector<Target>& targets_, int reduction)
{
    std::vector<Target> targets = targets_;
    const Mat blob = checkArguments(name, explainer, blob_, targets);
    Attribution a;
    a.method = method;
    a.reduction = resolveReduction(method, reduction);
    Ptr<Tape> tape = explainer->forward(blob);
    a.scores = explainer->evaluate(tape, targets);
    explainer->backward(tape, explainer->makeSeeds(tape, targets), variant, a.attribution);
    if (timesInput)
        cv::multiply(a.attribution, blob, a.attribution);
    reduceChannels(a.attribution, a.reduction, a.maps);
    return a;
}

}  // namespace

Attribution gradientSaliency(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                             int reduction)
{
    return onePass("gradient saliency", ATTRIBUTION_GRADIENT, BACKWARD_STANDARD, false, explainer, blob, targets,
                   reduction);
}

Attribution inputXGradient(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                           int reduction)
{
    return onePass("input x gradient", ATTRIBUTION_INPUT_X_GRADIENT, BACKWARD_STANDARD, true, explainer, blob, targets,
                   reduction);
}

Attribution guidedBackprop(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                           int reduction)
{
    return onePass("guided backpropagation", ATTRIBUTION_GUIDED_BACKPROP, BACKWARD_GUIDED, false, explainer, blob,
                   targets, reduction);
}

Attribution deconvnet(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                      int reduction)
{
    return onePass("deconvnet", ATTRIBUTION_DECONVNET, BACKWARD_DECONVNET, false, explainer, blob, targets, reduction);
}

}  // namespace interp
}  // namespace cv
