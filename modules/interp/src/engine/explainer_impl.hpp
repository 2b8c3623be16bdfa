// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The Explainer's state (internal), shared by its parts: explainer.cpp (construction, the recording forward pass,
// the tape), dnn_workarounds.cpp (outputs cv::dnn computes in place, ambiguous input pins), plan_cache.cpp (prepared
// backward rules per input shape) and backward_driver.cpp (the backward driver).
#ifndef OPENCV_INTERP_EXPLAINER_IMPL_HPP
#define OPENCV_INTERP_EXPLAINER_IMPL_HPP

#include "../precomp.hpp"
#include "engine_impl.hpp"

namespace cv {
namespace interp {

//! Backward variants a plan prepares rules for (BackwardVariant values 0..kVariants-1).
const int kVariants = 3;
//! Name prefix of the identity layers added after layers whose outputs cv::dnn overwrites in place.
extern const char* const kKeepPrefix;

struct Explainer::Impl
{
    Graph graph;
    std::shared_ptr<std::mutex> netMutex = std::make_shared<std::mutex>();
    std::vector<String> forwardNames;               // fixed list: keeps cv::dnn from re-planning
    std::vector<int> graphIndexOfForwardName;       // -1 for helper layers
    mutable std::vector<std::pair<MatShape, Ptr<Plan> > > plans;  // most recent last
    mutable bool pinsResolved = false;
    mutable bool keepLayersAdded = false;
    String modelFile, configFile;                   // what readNet() loaded (empty for create())
    std::atomic<bool> profiling{ false };
    mutable std::mutex profileMutex;
    mutable std::map<String, LayerTypeTiming> timings;  // per layer type (profile())

    //! Adds `ms` to the forward or backward time of `type` (when profiling).
    void addTiming(const String& type, double ms, bool forwardPass) const
    {
        std::lock_guard<std::mutex> lock(profileMutex);
        LayerTypeTiming& t = timings[type];
        t.type = type;
        (forwardPass ? t.forwardMs : t.backwardMs) += ms;
        (forwardPass ? t.forwardCalls : t.backwardCalls)++;
    }

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

}  // namespace interp
}  // namespace cv

#endif
