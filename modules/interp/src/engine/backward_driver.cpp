// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The backward driver: checks that every layer between the input and the targets has a rule, then runs the rules in
// reverse topological order from the seeds.
#include "explainer_impl.hpp"
#include "gradient_buffers.hpp"

namespace cv {
namespace interp {

//! Layers on a path from the network input to any of `targets` (in graph order).
static std::vector<bool> activeLayers(const Graph::Impl& G, const std::vector<int>& targets)
{
    const int L = (int)G.layers.size();
    std::vector<bool> active(L, false);
    for (int i = L - 1; i >= 0; i--)
    {
        if (!G.fromInput[i])
            continue;
        bool a = std::find(targets.begin(), targets.end(), i) != targets.end();
        for (int c : G.consumersOf[i])
            a = a || active[c];
        active[i] = a;
    }
    return active;
}

void Explainer::checkSupported(const std::vector<int>& targetLayers, int variant) const
{
    variantName(variant);  // validates
    const Graph::Impl& G = impl->g();
    for (int l : targetLayers)
        if (l < 0 || l >= (int)G.layers.size())
            CV_Error(Error::StsOutOfRange, "unknown layer index " + std::to_string(l));
    std::vector<bool> active = activeLayers(G, targetLayers);
    for (size_t i = 0; i < G.layers.size(); i++)
    {
        BackwardRuleFactory f;
        if (active[i] && !findBackwardRule(G.layers[i].type, variant, f))
            CV_Error(Error::StsNotImplemented,
                     cv::format("cannot backpropagate to the input: layer '%s' of type %s on the path has no backward "
                                "rule (supported types: cv::interp::supportedLayerTypes(); register one with "
                                "cv::interp::registerBackwardRule)", G.layers[i].name.c_str(), G.layers[i].type.c_str()));
    }
}

void Explainer::backward(const Ptr<Tape>& tape, const Seeds& seeds, int variant, Mat& inputGrad) const
{
    std::vector<Mat> none;
    backward(tape, seeds, variant, std::vector<int>(), true, inputGrad, none);
}

void Explainer::backward(const Ptr<Tape>& tape, const Seeds& seeds, int variant, const std::vector<int>& layers,
                         bool inputGradient, Mat& inputGrad, std::vector<Mat>& layerGrads) const
{
    variantName(variant);  // validates
    if (!tape)
        CV_Error(Error::StsNullPtr, "backward needs the tape of a forward pass of this explainer (Explainer::forward)");
    const Graph::Impl& G = impl->g();
    const Tape::Impl& t = *tape->impl;
    if (t.graph != impl->graph.impl.get() || !t.plan)
        CV_Error(Error::StsBadArg, "the tape was not recorded by this explainer");
    const Plan& plan = *t.plan;
    const int L = (int)G.layers.size();
    if (seeds.empty())
        CV_Error(Error::StsBadArg, "no target: give at least one seed");
    for (const auto& kv : seeds)
    {
        if (kv.first < 0 || kv.first >= L)
            CV_Error(Error::StsOutOfRange, "seed on an unknown layer index " + std::to_string(kv.first));
        if (dnn::shape(kv.second) != plan.outputShapes[kv.first].at(0) || kv.second.type() != CV_32F)
            CV_Error(Error::StsBadSize, "the seed of layer '" + G.layers[kv.first].name + "' must be float32 of shape " +
                                        shapeToString(plan.outputShapes[kv.first].at(0)));
        if (!G.fromInput[kv.first])
            CV_Error(Error::StsBadArg, "layer '" + G.layers[kv.first].name + "' does not depend on the input: "
                                       "its gradient w.r.t. the input is zero");
    }
    for (int l : layers)
        if (l < 0 || l >= L)
            CV_Error(Error::StsOutOfRange, "requested gradient of an unknown layer index " + std::to_string(l));

    std::vector<int> seedLayers;
    for (const auto& kv : seeds)
        seedLayers.push_back(kv.first);
    std::vector<bool> active = activeLayers(G, seedLayers);
    if (!inputGradient)
    {
        // Only the gradients of `layers` are wanted: a layer's backward matters only when it depends on one of
        // them (layers are in topological order, producers first).
        if (layers.empty())
            CV_Error(Error::StsBadArg, "backward without the input gradient needs the layers whose gradients are wanted");
        std::vector<bool> requested(L, false), dependsOnRequested(L, false);
        for (int l : layers)
            requested[l] = true;
        for (int i = 0; i < L; i++)
        {
            for (const LayerPin& p : G.layers[i].inputs)
                if (p.layer >= 0 && (requested[p.layer] || dependsOnRequested[p.layer]))
                    dependsOnRequested[i] = true;
            active[i] = active[i] && dependsOnRequested[i];
        }
    }
    // Report unsupported layers before any computation.
    for (int i = 0; i < L; i++)
        if (active[i] && !plan.ops[variant][i])
        {
            String target;
            for (const auto& kv : seeds)
                target += (target.empty() ? "'" : ", '") + G.layers[kv.first].name + "'";
            CV_Error(Error::StsNotImplemented, "cannot backpropagate to the input from " + target + ": " +
                                               plan.errors[variant][i]);
        }

    std::set<int> keep(layers.begin(), layers.end());
    std::vector<std::vector<Mat> > grads(L);
    std::vector<std::vector<bool> > owned(L);
    Mat inGrad;
    bool inOwned = false;
    auto accumulate = [](Mat& buf, bool& own, const Mat& g) {
        if (g.empty())
            return;
        if (buf.empty())
        {
            buf = g;
            own = false;
        }
        else if (own)
            buf += g;
        else
        {
            Mat sum = newGradient(buf.dims, buf.size.p);
            cv::add(buf, g, sum);
            buf = sum;
            own = true;
        }
    };
    for (int i = 0; i < L; i++)
    {
        grads[i].resize(t.outputs[i].size());
        std::vector<bool> o(t.outputs[i].size(), false);
        owned[i] = o;
    }
    for (const auto& kv : seeds)
    {
        bool own = false;
        accumulate(grads[kv.first][0], own, kv.second);
        owned[kv.first][0] = own;
    }

    for (int i = L - 1; i >= 0; i--)
    {
        if (!active[i])
            continue;
        std::vector<Mat>& outGrads = grads[i];
        bool any = false;
        for (const Mat& m : outGrads)
            any = any || !m.empty();
        if (!any)
            continue;
        for (size_t p = 0; p < outGrads.size(); p++)
            if (outGrads[p].empty())
                outGrads[p] = zeroGradient(t.outputs[i][p].dims, t.outputs[i][p].size.p);
        const LayerInfo& info = G.layers[i];
        std::vector<Mat> ins;
        std::vector<bool> needed;
        for (const LayerPin& p : info.inputs)
        {
            ins.push_back(p.layer < 0 ? t.input : t.outputs[p.layer][p.pin]);
            needed.push_back(p.layer < 0 || (G.fromInput[p.layer]));
        }
        std::vector<Mat> inGrads(ins.size());
        try
        {
            const int64 start = impl->profiling ? getTickCount() : 0;
            // In place when this pass holds the only reference to the output gradient and nobody keeps it
            // (a gradient shared by a residual sum, a caller's seed or a requested layer gradient is not)
            const InPlaceGradient* inPlace = dynamic_cast<const InPlaceGradient*>(plan.ops[variant][i].get());
            if (inPlace && ins.size() == 1 && needed[0] && outGrads.size() == 1 && !keep.count(i) &&
                outGrads[0].u && outGrads[0].u->refcount == 1 && outGrads[0].isContinuous())
            {
                inPlace->backwardInPlace(ins[0], t.outputs[i][0], outGrads[0]);
                inGrads[0] = outGrads[0];
            }
            else
                plan.ops[variant][i]->backward(ins, t.outputs[i], outGrads, needed, inGrads);
            if (impl->profiling)
                impl->addTiming(info.type, (getTickCount() - start) * 1000.0 / getTickFrequency(), false);
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsError, "backward of layer '" + info.name + "' (" + info.type + ") failed: " + e.err);
        }
        for (size_t s = 0; s < ins.size(); s++)
        {
            if (!needed[s] || inGrads[s].empty())
                continue;
            if (dnn::shape(inGrads[s]) != dnn::shape(ins[s]) || inGrads[s].type() != CV_32F)
                CV_Error(Error::StsInternal, cv::format("the backward rule of layer '%s' (%s) returned a gradient of "
                                                        "shape %s for input %d of shape %s", info.name.c_str(),
                                                        info.type.c_str(), shapeToString(dnn::shape(inGrads[s])).c_str(),
                                                        (int)s, shapeToString(dnn::shape(ins[s])).c_str()));
            const LayerPin& p = info.inputs[s];
            if (p.layer < 0)
                accumulate(inGrad, inOwned, inGrads[s]);
            else
            {
                bool own = owned[p.layer][p.pin];
                accumulate(grads[p.layer][p.pin], own, inGrads[s]);
                owned[p.layer][p.pin] = own;
            }
        }
        if (!keep.count(i))
            grads[i].clear();
    }
    if (!inputGradient)
        inputGrad.release();
    else
    {
        if (inGrad.empty())
            inGrad = Mat::zeros(t.input.dims, t.input.size.p, CV_32F);
        inputGrad = inOwned ? inGrad : inGrad.clone();
    }
    layerGrads.clear();
    for (int l : layers)
    {
        Mat g = grads[l].empty() ? Mat() : grads[l][0];
        if (g.empty())
            g = Mat::zeros(t.outputs[l][0].dims, t.outputs[l][0].size.p, CV_32F);
        layerGrads.push_back(g.clone());
    }
}

void Explainer::backward(const Ptr<Tape>& tape, const std::vector<Target>& targets, int variant,
                         const std::vector<String>& layers, Mat& inputGrad, std::vector<Mat>& layerGrads) const
{
    std::vector<int> idx;
    for (const String& name : layers)
        idx.push_back(impl->graph.require(name));
    backward(tape, makeSeeds(tape, targets), variant, idx, true, inputGrad, layerGrads);
}

Mat Explainer::gradient(InputArray blob, const std::vector<Target>& targets, int variant) const
{
    std::vector<int> targetLayers;
    for (const Target& t : targets)
        targetLayers.push_back(targetLayer(t));
    checkSupported(targetLayers, variant);
    Ptr<Tape> tape = forward(blob);
    Mat g;
    backward(tape, makeSeeds(tape, targets), variant, g);
    return g;
}

}  // namespace interp
}  // namespace cv
