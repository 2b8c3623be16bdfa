// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The cascading model-parameter randomisation test of Adebayo et al. 2018.
//
// Weights are overwritten in place (the Mats the layer instance holds) on a freshly loaded network, before its
// first forward pass. Whether that reaches the forward pass depends on the layer's cv::dnn implementation: a
// convolution reads its blobs when it is finalized (first forward), but an InnerProduct whose rows are not a
// multiple of 8 floats and a BatchNorm copy or fold their blobs when they are built. So every blob of every layer is
// probed first: randomised alone, the layer's output must change; layers that fail the probe stay trained and are
// reported, instead of silently giving a forward pass and backward rules that disagree.
#include "precomp.hpp"
#include "attribution_internal.hpp"

namespace cv {
namespace interp {

namespace {

//! Deterministic random values for blob `k` of graph layer `layer`: the blob's own mean and standard deviation.
bool randomizeBlob(dnn::Net& net, int netId, int k, int layer, int seed)
{
    Mat b = net.getParam(netId, k);
    if (b.empty() || b.depth() != CV_32F || !b.isContinuous())
        return false;
    Mat flat = b.reshape(1, 1);
    Scalar mean, sd;
    cv::meanStdDev(flat, mean, sd);
    if (!(sd[0] > 0))
        return false;  // constant blobs (e.g. zero biases) are left as they are
    RNG rng(((uint64)(uint32_t)seed << 32) ^ ((uint64)(layer + 1) * 0x9E3779B1u) ^ (uint64)(k * 7919 + 1));
    rng.fill(flat, RNG::NORMAL, mean[0], sd[0]);
    return true;
}

void randomizeLayer(const Explainer& ex, int layer, int seed)
{
    dnn::Net net = ex.getNet();
    const LayerInfo& info = ex.graph().layer(layer);
    for (int k = 0; k < (int)info.layer->blobs.size(); k++)
        randomizeBlob(net, info.netId, k, layer, seed);
}

}  // namespace

RandomizationResult cascadingRandomization(const String& model, const String& config, InputArray blob_,
                                           const std::vector<Target>& targets, const AttributionParams& params,
                                           int seed)
{
    Ptr<Explainer> trained = readNet(model, config);
    const Mat blob = attribution_detail::checkArguments("cascading randomisation", trained, blob_, targets);
    const int N = blob.size[0];
    const Graph& graph = trained->graph();

    // Layers with weights that feed a target, from the top of the network down.
    std::vector<bool> feeds(graph.size(), false);
    for (const Target& t : targets)
    {
        const std::vector<bool> a = graph.ancestors(trained->targetLayer(t));
        for (int i = 0; i < graph.size(); i++)
            feeds[i] = feeds[i] || a[i];
    }
    std::vector<int> candidates;
    for (int i = graph.size() - 1; i >= 0; i--)
        if (feeds[i] && graph.dependsOnInput(i) && graph.layer(i).layer && !graph.layer(i).layer->blobs.empty())
            candidates.push_back(i);

    RandomizationResult result;
    Ptr<Tape> reference = trained->forward(blob);
    const Attribution base = attribute(trained, blob, targets, params);
    std::vector<std::vector<double> > corr;
    std::vector<double> ones(N, 1.0);
    corr.push_back(ones);
    for (int n = 0; n < N; n++)
        corr.back()[n] = spearmanCorrelation(base.maps[n], base.maps[n]);
    result.maps.push_back(base.maps[0]);

    std::vector<int> randomized;
    for (int c : candidates)
    {
        // Probe: each blob alone must change the layer's output.
        bool reachable = true, changed = false;
        const int blobs = (int)graph.layer(c).layer->blobs.size();
        for (int k = 0; k < blobs && reachable; k++)
        {
            Ptr<Explainer> probe = readNet(model, config);
            dnn::Net net = probe->getNet();
            if (!randomizeBlob(net, probe->graph().layer(c).netId, k, c, seed))
                continue;
            changed = true;
            Ptr<Tape> t = probe->forward(blob);
            reachable = cv::norm(t->outputs(c).at(0), reference->outputs(c).at(0), NORM_INF) > 0;
        }
        if (!reachable || !changed)
        {
            result.skippedLayers.push_back(graph.layer(c).name);
            continue;
        }
        randomized.push_back(c);
        Ptr<Explainer> ex = readNet(model, config);
        for (int l : randomized)
            randomizeLayer(*ex, l, seed);
        const Attribution a = attribute(ex, blob, targets, params);
        std::vector<double> row(N);
        for (int n = 0; n < N; n++)
            row[n] = spearmanCorrelation(base.maps[n], a.maps[n]);
        corr.push_back(row);
        result.layers.push_back(graph.layer(c).name);
        result.maps.push_back(a.maps[0]);
    }
    result.correlations.create((int)corr.size(), N, CV_64F);
    for (size_t l = 0; l < corr.size(); l++)
    {
        double s = 0;
        for (int n = 0; n < N; n++)
        {
            result.correlations.at<double>((int)l, n) = corr[l][n];
            s += corr[l][n];
        }
        result.meanCorrelation.push_back(s / N);
    }
    return result;
}

}  // namespace interp
}  // namespace cv
