// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Plans: per input shape, every layer's shapes and its prepared backward rules, cached (most recent kMaxPlans) and
// prepared again when the layer registry changed.
#include "explainer_impl.hpp"

namespace cv {
namespace interp {

static const size_t kMaxPlans = 8;

Ptr<Plan> Explainer::Impl::planFor(const Mat& input, const std::vector<std::vector<Mat> >& outs) const
{
    const MatShape shape = dnn::shape(input);
    // A plan prepared before a rule was (un)registered may hold a missing or replaced rule: prepared again.
    const uint64 version = layerRegistryVersion();
    for (size_t i = 0; i < plans.size(); i++)
        if (plans[i].first == shape && plans[i].second->registryVersion == version)
        {
            Ptr<Plan> p = plans[i].second;
            plans.erase(plans.begin() + i);
            plans.push_back(std::make_pair(shape, p));
            return p;
        }
    const Graph::Impl& G = g();
    Ptr<Plan> plan = makePtr<Plan>();
    plan->inputShape = shape;
    plan->registryVersion = version;
    const size_t L = G.layers.size();
    plan->inputShapes.resize(L);
    plan->outputShapes.resize(L);
    for (size_t i = 0; i < L; i++)
    {
        for (const Mat& m : outs[i])
            plan->outputShapes[i].push_back(dnn::shape(m));
        for (const LayerPin& p : G.layers[i].inputs)
            plan->inputShapes[i].push_back(p.layer < 0 ? shape : dnn::shape(outs[p.layer][p.pin]));
    }
    plan->ops.assign(kVariants, std::vector<Ptr<LayerBackward> >(L));
    plan->errors.assign(kVariants, std::vector<String>(L));
    for (int v = 0; v < kVariants; v++)
        for (size_t i = 0; i < L; i++)
        {
            const LayerInfo& info = G.layers[i];
            if (!G.fromInput[i])
                continue;
            BackwardRuleFactory factory;
            if (!findBackwardRule(info.type, v, factory))
            {
                plan->errors[v][i] = cv::format("layer '%s' of type %s has no backward rule (supported types: "
                                                "see cv::interp::supportedLayerTypes(); register one with "
                                                "cv::interp::registerBackwardRule)", info.name.c_str(), info.type.c_str());
                continue;
            }
            // Share the standard op when the variant has no rule of its own.
            if (v != BACKWARD_STANDARD && !hasOwnBackwardRule(info.type, v))
            {
                plan->ops[v][i] = plan->ops[BACKWARD_STANDARD][i];
                plan->errors[v][i] = plan->errors[BACKWARD_STANDARD][i];
                continue;
            }
            LayerContext ctx;
            ctx.info = &info;
            ctx.inputShapes = plan->inputShapes[i];
            ctx.outputShapes = plan->outputShapes[i];
            ctx.variant = v;
            try
            {
                plan->ops[v][i] = factory(ctx);
                if (!plan->ops[v][i])
                    plan->errors[v][i] = "the backward rule of layer '" + info.name + "' (" + info.type + ") returned nothing";
            }
            catch (const cv::Exception& e)
            {
                plan->errors[v][i] = e.err;
            }
        }
    plans.erase(std::remove_if(plans.begin(), plans.end(),
                               [&](const std::pair<MatShape, Ptr<Plan> >& p) { return p.first == shape; }),
                plans.end());
    plans.push_back(std::make_pair(shape, plan));
    if (plans.size() > kMaxPlans)
        plans.erase(plans.begin());
    return plan;
}

}  // namespace interp
}  // namespace cv
