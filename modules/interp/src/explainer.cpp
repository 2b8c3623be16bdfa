// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The Explainer: the recording forward pass (tape), shape plans with prepared backward rules, and the
// backward driver that runs the rules in reverse topological order.
#include "precomp.hpp"
#include "engine_impl.hpp"

#include <sstream>

namespace cv {
namespace interp {

static const int kVariants = 3;
static const size_t kMaxPlans = 8;
static const char* kKeepPrefix = "__interp_keep/";

struct Explainer::Impl
{
    Graph graph;
    std::shared_ptr<std::mutex> netMutex = std::make_shared<std::mutex>();
    std::vector<String> forwardNames;               // fixed list: keeps cv::dnn from re-planning
    std::vector<int> graphIndexOfForwardName;       // -1 for helper layers
    mutable std::vector<std::pair<MatShape, Ptr<Plan> > > plans;  // most recent last
    mutable bool pinsResolved = false;
    mutable bool keepLayersAdded = false;

    Graph::Impl& g() const { return *graph.impl; }
    dnn::Net& net() const { return graph.impl->net; }

    void init(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured)
    {
        graph.impl->netMutex = netMutex;
        graph.impl->build(net, captured);
        dnn::Net n = graph.impl->net;
        n.setPreferableBackend(dnn::DNN_BACKEND_OPENCV);
        n.setPreferableTarget(dnn::DNN_TARGET_CPU);
        n.enableFusion(false);
        refreshForwardNames();
    }

    void refreshForwardNames()
    {
        forwardNames.clear();
        graphIndexOfForwardName.clear();
        for (const String& name : net().getLayerNames())
        {
            forwardNames.push_back(name);
            graphIndexOfForwardName.push_back(graph.find(name) >= 0 && name.compare(0, strlen(kKeepPrefix), kKeepPrefix) != 0
                                              ? graph.impl->byName.at(name) : -1);
        }
    }

    void runNet(const Mat& blob, std::vector<std::vector<Mat> >& outs) const;
    void addKeepLayersIfAliased(const std::vector<std::vector<Mat> >& outs, bool& added) const;
    void resolvePins(const Mat& input, const std::vector<std::vector<Mat> >& outs) const;
    Ptr<Plan> planFor(const Mat& input, const std::vector<std::vector<Mat> >& outs) const;
    void checkInput(const Mat& blob) const;
};

Ptr<Explainer> makeExplainer(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured)
{
    Ptr<Explainer> e(new Explainer());
    e->impl->init(net, captured);
    return e;
}

Explainer::Explainer() : impl(makePtr<Impl>()) {}
Explainer::~Explainer() {}

Ptr<Explainer> Explainer::create(const dnn::Net& net)
{
    if (net.empty())
        CV_Error(Error::StsBadArg, "the network is empty: load a model (cv::dnn::readNet) before explaining it");
    return makeExplainer(net, std::map<const dnn::Layer*, dnn::LayerParams>());
}

Ptr<Explainer> Explainer::create(const dnn::Net& net, const std::map<String, dnn::LayerParams>& params)
{
    if (net.empty())
        CV_Error(Error::StsBadArg, "the network is empty: add layers before explaining it");
    std::map<const dnn::Layer*, dnn::LayerParams> captured;
    for (const auto& kv : params)
    {
        const int id = net.getLayerId(kv.first);
        if (id < 0)
            CV_Error(Error::StsObjectNotFound, "parameters given for layer '" + kv.first + "', which the network does not have");
        captured[net.getLayer(id).get()] = kv.second;
    }
    return makeExplainer(net, captured);
}

const Graph& Explainer::graph() const { return impl->graph; }
std::vector<String> Explainer::layerNames() const { return impl->graph.layerNames(); }
dnn::Net Explainer::getNet() const { return impl->net(); }

// ---------------------------------------------------------------------------------------------------------
// Forward

void Explainer::Impl::checkInput(const Mat& blob) const
{
    if (blob.empty())
        CV_Error(Error::StsBadArg, "the input blob is empty: make one with cv::dnn::blobFromImage(s)");
    if (blob.dims != 4)
    {
        std::ostringstream s;
        s << "the input blob must be 4-D (N x C x H x W), got " << blob.dims << "-D";
        if (blob.dims == 2)
            s << " " << blob.rows << " x " << blob.cols << " (an image? convert it with cv::dnn::blobFromImage)";
        CV_Error(Error::StsBadSize, s.str());
    }
    if (blob.type() != CV_32F)
        CV_Error(Error::StsUnsupportedFormat, "the input blob must be float32 (CV_32F), as cv::dnn::blobFromImage makes it");
    if (blob.size[0] < 1 || blob.size[1] < 1 || blob.size[2] < 1 || blob.size[3] < 1)
        CV_Error(Error::StsBadSize, "the input blob has an empty axis: " + shapeToString(dnn::shape(blob)));
    // Channel count expected by a first convolution, when it is known without running the net.
    for (const LayerInfo& l : g().layers)
    {
        if (l.inputs.size() != 1 || l.inputs[0].layer != -1 || l.type != "Convolution" || l.layer->blobs.empty())
            continue;
        if (!l.paramsCaptured)
            continue;
        const int group = l.params.get<int>("group", 1);
        const int expected = l.layer->blobs[0].size[1] * group;
        if (expected != blob.size[1])
            CV_Error(Error::StsBadSize, cv::format("the input blob has %d channels but layer '%s' expects %d: check "
                                                   "the preprocessing (grayscale vs colour images)",
                                                   blob.size[1], l.name.c_str(), expected));
    }
}

void Explainer::Impl::runNet(const Mat& blob, std::vector<std::vector<Mat> >& outs) const
{
    try
    {
        // cv::dnn may compute the first layer in place in the buffer it was given: pass a copy so the
        // recorded input stays intact.
        net().setInput(blob.clone());
        net().forward(outs, forwardNames);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsBadArg, "the forward pass failed for an input of shape " + shapeToString(dnn::shape(blob)) +
                                   " (check the channel count and image size the model expects): cv::dnn says: " + e.err);
    }
}

/* cv::dnn computes a layer in place when it is the only consumer of its input. Requesting every layer's
   output prevents that for output 0, but not for the other outputs of multi-output layers (Slice): an
   in-place consumer would overwrite the value the backward pass needs. Such outputs get a helper Identity
   layer as second consumer. */
void Explainer::Impl::addKeepLayersIfAliased(const std::vector<std::vector<Mat> >& outs, bool& added) const
{
    added = false;
    std::set<const uchar*> extraPins;
    for (size_t k = 0; k < outs.size(); k++)
        for (size_t p = 1; p < outs[k].size(); p++)
            extraPins.insert(outs[k][p].data);
    bool aliased = false;
    for (size_t k = 0; k < outs.size() && !aliased; k++)
        for (size_t p = 0; p < outs[k].size() && !aliased; p++)
            for (size_t j = 0; j < outs.size() && !aliased; j++)
                if (j != k && outs[j].size() > 1)
                    for (size_t q = 1; q < outs[j].size(); q++)
                        if (outs[k][p].data == outs[j][q].data && extraPins.count(outs[k][p].data))
                            aliased = true;
    if (!aliased || keepLayersAdded)
        return;
    for (size_t k = 0; k < outs.size(); k++)
    {
        if (outs[k].size() < 2)
            continue;
        int id = net().getLayerId(forwardNames[k]);
        for (size_t p = 1; p < outs[k].size(); p++)
        {
            dnn::LayerParams lp;
            String name = cv::format("%s%s.%d", kKeepPrefix, forwardNames[k].c_str(), (int)p);
            int keepId = net().addLayer(name, "Identity", lp);
            net().connect(id, (int)p, keepId, 0);
        }
    }
    const_cast<Impl*>(this)->keepLayersAdded = true;
    const_cast<Impl*>(this)->refreshForwardNames();
    added = true;
    CV_LOG_INFO(NULL, "interp: added identity layers to keep the extra outputs of multi-output layers intact");
}

/* Net::getLayerInputs names a producer but not which of its outputs feeds the slot. For producers with
   several outputs the pin is found from shapes, and when shapes tie, by running the consumer on each
   candidate and comparing with its recorded output. Identical candidates (Split copies) are equivalent. */
void Explainer::Impl::resolvePins(const Mat& input, const std::vector<std::vector<Mat> >& outsByGraph) const
{
    Graph::Impl& G = g();
    std::vector<int> ids;
    std::vector<std::vector<MatShape> > inShapes, outShapes;
    net().getLayersShapes(std::vector<MatShape>(1, dnn::shape(input)), ids, inShapes, outShapes);
    std::map<int, size_t> pos;
    for (size_t i = 0; i < ids.size(); i++)
        pos[ids[i]] = i;
    for (size_t li = 0; li < G.layers.size(); li++)
    {
        LayerInfo& info = G.layers[li];
        info.numOutputs = std::max<int>(1, (int)outsByGraph[li].size());
    }
    for (size_t li = 0; li < G.layers.size(); li++)
    {
        LayerInfo& info = G.layers[li];
        std::vector<int> ambiguous;
        for (size_t s = 0; s < info.inputs.size(); s++)
        {
            LayerPin& pin = info.inputs[s];
            if (pin.layer < 0 || outsByGraph[pin.layer].size() < 2)
                continue;
            const std::vector<Mat>& cand = outsByGraph[pin.layer];
            MatShape want = inShapes.at(pos.at(info.netId)).at(s);
            std::vector<int> match;
            for (size_t k = 0; k < cand.size(); k++)
                if (dnn::shape(cand[k]) == want)
                    match.push_back((int)k);
            if (match.empty())
                CV_Error(Error::StsInternal, "cannot match input " + std::to_string(s) + " of layer '" + info.name +
                                             "' to an output of '" + G.layers[pin.layer].name + "'");
            bool allEqual = true;
            for (size_t k = 1; k < match.size(); k++)
                allEqual = allEqual && cv::norm(cand[match[0]], cand[match[k]], NORM_INF) == 0;
            pin.pin = match[0];
            if (!allEqual)
                ambiguous.push_back((int)s);
        }
        if (ambiguous.empty())
            continue;
        // Try the assignments of the ambiguous slots (few in practice) against the recorded output.
        std::vector<std::vector<int> > options;
        for (int s : ambiguous)
        {
            const LayerPin& pin = info.inputs[s];
            std::vector<int> opt;
            MatShape want = inShapes.at(pos.at(info.netId)).at(s);
            for (size_t k = 0; k < outsByGraph[pin.layer].size(); k++)
                if (dnn::shape(outsByGraph[pin.layer][k]) == want)
                    opt.push_back((int)k);
            options.push_back(opt);
        }
        std::vector<size_t> choice(ambiguous.size(), 0);
        double bestErr = DBL_MAX;
        std::vector<int> best;
        for (int iter = 0; iter < 4096; iter++)
        {
            std::vector<Mat> ins;
            for (size_t s = 0; s < info.inputs.size(); s++)
            {
                const LayerPin& pin = info.inputs[s];
                int p = pin.pin;
                auto it = std::find(ambiguous.begin(), ambiguous.end(), (int)s);
                if (it != ambiguous.end())
                    p = options[it - ambiguous.begin()][choice[it - ambiguous.begin()]];
                ins.push_back(pin.layer < 0 ? input : outsByGraph[pin.layer][p].clone());
            }
            std::vector<MatShape> inS, outS, intS;
            for (const Mat& m : ins)
                inS.push_back(dnn::shape(m));
            info.layer->getMemoryShapes(inS, (int)outsByGraph[li].size(), outS, intS);
            std::vector<Mat> o, internals;
            for (const MatShape& sh : outS)
                o.push_back(Mat((int)sh.size(), sh.data(), CV_32F));
            for (const MatShape& sh : intS)
                internals.push_back(Mat((int)sh.size(), sh.data(), CV_32F));
            info.layer->forward(ins, o, internals);
            double err = cv::norm(o[0], outsByGraph[li][0], NORM_INF);
            if (err < bestErr)
            {
                bestErr = err;
                best.clear();
                for (size_t a = 0; a < ambiguous.size(); a++)
                    best.push_back(options[a][choice[a]]);
            }
            size_t a = 0;
            for (; a < choice.size(); a++)
            {
                if (++choice[a] < options[a].size())
                    break;
                choice[a] = 0;
            }
            if (a == choice.size())
                break;
        }
        for (size_t a = 0; a < ambiguous.size(); a++)
            info.inputs[ambiguous[a]].pin = best[a];
    }
}

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

Ptr<Tape> Explainer::forward(InputArray blob_) const
{
    Mat blob = blob_.getMat();
    impl->checkInput(blob);
    blob = blob.clone();
    Ptr<Tape> tape = makePtr<Tape>();
    Tape::Impl& t = *tape->impl;
    t.input = blob;
    t.graph = impl->graph.impl.get();
    const size_t L = impl->g().layers.size();
    std::lock_guard<std::mutex> lock(*impl->netMutex);
    impl->g().normalizeAxes(dnn::shape(blob));
    std::vector<std::vector<Mat> > outs;
    impl->runNet(blob, outs);
    if (!impl->keepLayersAdded)
    {
        bool added = false;
        impl->addKeepLayersIfAliased(outs, added);
        if (added)
            impl->runNet(blob, outs);
    }
    t.outputs.assign(L, std::vector<Mat>());
    for (size_t k = 0; k < outs.size(); k++)
    {
        const int gi = impl->graphIndexOfForwardName[k];
        if (gi < 0)
            continue;
        for (const Mat& m : outs[k])
            t.outputs[gi].push_back(m.clone());
    }
    if (!impl->pinsResolved)
    {
        impl->resolvePins(blob, t.outputs);
        impl->pinsResolved = true;
    }
    t.plan = impl->planFor(blob, t.outputs);
    return tape;
}

// ---------------------------------------------------------------------------------------------------------
// Tape

Tape::Tape() : impl(makePtr<Impl>()) {}
Tape::~Tape() {}
Mat Tape::input() const { return impl->input; }
int Tape::batchSize() const { return impl->input.empty() ? 0 : impl->input.size[0]; }

const std::vector<Mat>& Tape::outputs(int index) const
{
    CV_Assert(index >= 0 && index < (int)impl->outputs.size());
    return impl->outputs[index];
}

const Mat& Tape::output(const LayerPin& pin) const
{
    if (pin.layer < 0)
        return impl->input;
    const std::vector<Mat>& o = outputs(pin.layer);
    CV_Assert(pin.pin >= 0 && pin.pin < (int)o.size());
    return o[pin.pin];
}

Mat Tape::output(const String& layer, int pin) const
{
    CV_Assert(impl->graph);
    const int idx = findLayer(*impl->graph, layer);
    if (idx < 0)
        CV_Error(Error::StsObjectNotFound, "unknown layer '" + layer + "'");
    const std::vector<Mat>& o = outputs(idx);
    if (pin < 0 || pin >= (int)o.size())
        CV_Error(Error::StsOutOfRange, cv::format("layer '%s' has %d outputs, not %d", layer.c_str(), (int)o.size(), pin + 1));
    return o[pin];
}

// ---------------------------------------------------------------------------------------------------------
// Backward

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

void Explainer::backward(const Tape& tape, const Seeds& seeds, int variant, Mat& inputGrad,
                         const std::vector<int>& layers, std::vector<Mat>* layerGrads, bool inputGradient) const
{
    variantName(variant);  // validates
    const Graph::Impl& G = impl->g();
    const Tape::Impl& t = *tape.impl;
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
        if (layers.empty() || !layerGrads)
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
            Mat sum;
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
                outGrads[p] = Mat::zeros(t.outputs[i][p].dims, t.outputs[i][p].size.p, CV_32F);
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
            plan.ops[variant][i]->backward(ins, t.outputs[i], outGrads, needed, inGrads);
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
    if (layerGrads)
    {
        layerGrads->clear();
        for (int l : layers)
        {
            Mat g = grads[l].empty() ? Mat() : grads[l][0];
            if (g.empty())
                g = Mat::zeros(t.outputs[l][0].dims, t.outputs[l][0].size.p, CV_32F);
            layerGrads->push_back(g.clone());
        }
    }
}

void Explainer::backward(const Ptr<Tape>& tape, const std::vector<Target>& targets, int variant, Mat& inputGrad,
                         const std::vector<String>& layers, std::vector<Mat>& layerGrads) const
{
    CV_Assert(tape);
    std::vector<int> idx;
    for (const String& name : layers)
        idx.push_back(impl->graph.require(name));
    Seeds seeds = makeSeeds(*tape, targets);
    backward(*tape, seeds, variant, inputGrad, idx, &layerGrads);
}

Mat Explainer::gradient(InputArray blob, const std::vector<Target>& targets, int variant) const
{
    std::vector<int> targetLayers;
    for (const Target& t : targets)
        targetLayers.push_back(targetLayer(t));
    checkSupported(targetLayers, variant);
    Ptr<Tape> tape = forward(blob);
    Mat g;
    backward(*tape, makeSeeds(*tape, targets), variant, g);
    return g;
}

}  // namespace interp
}  // namespace cv
