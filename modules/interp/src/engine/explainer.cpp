// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The Explainer: construction, the recording forward pass and the tape it returns. The workarounds for cv::dnn's
// in-place outputs are in dnn_workarounds.cpp, the plan cache in plan_cache.cpp, the backward driver in backward_driver.cpp.
#include "explainer_impl.hpp"
#include "gradient_buffers.hpp"

#include <sstream>

namespace cv {
namespace interp {

const char* const kKeepPrefix = "__interp_keep/";

//! Builds explainers (the constructor and the implementation are private to Explainer).
struct ExplainerAccess
{
    static void forwardLayers(const Explainer& ex, const Mat& blob, const std::vector<int>& layers, std::vector<Mat>& outs)
    {
        ex.impl->checkInput(blob);
        std::vector<String> names;
        for (int l : layers)
            names.push_back(ex.graph().layer(l).name);
        std::lock_guard<std::mutex> lock(*ex.impl->netMutex);
        ex.impl->g().normalizeAxes(dnn::shape(blob));
        ex.impl->net().setInput(blob);
        std::vector<std::vector<Mat> > all;
        ex.impl->net().forward(all, names);
        outs.clear();
        for (const std::vector<Mat>& o : all)
            outs.push_back(o.at(0).clone());  // the net's buffers are reused by the next pass
    }

    static Ptr<Explainer> make(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured,
                               const String& model, const String& config)
    {
        Ptr<Explainer> e(new Explainer());
        e->impl->init(net, captured);
        e->impl->modelFile = model;
        e->impl->configFile = config;
        return e;
    }
};

void forwardLayers(const Explainer& explainer, const Mat& blob, const std::vector<int>& layers, std::vector<Mat>& outs)
{
    ExplainerAccess::forwardLayers(explainer, blob, layers, outs);
}

Ptr<Explainer> makeExplainer(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured,
                             const String& model, const String& config)
{
    return ExplainerAccess::make(net, captured, model, config);
}

Explainer::Explainer() : impl(makePtr<Impl>()) {}
Explainer::~Explainer() {}

Ptr<Explainer> Explainer::create(const dnn::Net& net)
{
    if (net.empty())
        CV_Error(Error::StsBadArg, "the network is empty: load a model (cv::dnn::readNet) before explaining it");
    return makeExplainer(net, std::map<const dnn::Layer*, dnn::LayerParams>(), String(), String());
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
    return makeExplainer(net, captured, String(), String());
}

const Graph& Explainer::graph() const { return impl->graph; }
std::vector<String> Explainer::layerNames() const { return impl->graph.layerNames(); }
dnn::Net Explainer::getNet() const { return impl->net(); }
bool Explainer::empty() const { return !impl || impl->graph.size() == 0; }

Ptr<Explainer> Explainer::reload() const
{
    if (impl->modelFile.empty())
        CV_Error(Error::StsBadArg, "this explainer was made from an already-loaded cv::dnn::Net, so there are no files "
                                   "to load a fresh copy from: load the model with cv::interp::readNet()");
    return readNet(impl->modelFile, impl->configFile);
}

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
            t.outputs[gi].push_back(reusedCopy(m));
    }
    if (impl->profiling)
    {
        std::vector<double> ticks;  // per layer id 1.. of the last forward pass
        impl->net().getPerfProfile(ticks);
        for (size_t k = 0; k < ticks.size(); k++)
            impl->addTiming(impl->net().getLayer((int)k + 1)->type, ticks[k] * 1000.0 / getTickFrequency(), true);
    }
    if (!impl->pinsResolved)
    {
        impl->resolvePins(blob, t.outputs);
        impl->pinsResolved = true;
    }
    t.plan = impl->planFor(blob, t.outputs);
    return tape;
}

void Explainer::setProfiling(bool enable) { impl->profiling = enable; }

std::vector<LayerTypeTiming> Explainer::profile() const
{
    std::vector<LayerTypeTiming> r;
    {
        std::lock_guard<std::mutex> lock(impl->profileMutex);
        for (const auto& kv : impl->timings)
            r.push_back(kv.second);
    }
    std::stable_sort(r.begin(), r.end(), [](const LayerTypeTiming& a, const LayerTypeTiming& b) {
        return a.forwardMs + a.backwardMs > b.forwardMs + b.backwardMs;
    });
    return r;
}

void Explainer::resetProfile()
{
    std::lock_guard<std::mutex> lock(impl->profileMutex);
    impl->timings.clear();
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

}  // namespace interp
}  // namespace cv
