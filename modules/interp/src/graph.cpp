// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The layer graph of a cv::dnn::Net: topological order, producers, parameters, shapes, printing.
#include "precomp.hpp"
#include "graph_impl.hpp"
#include "names.hpp"

#include <deque>
#include <iomanip>
#include <sstream>

namespace cv {
namespace interp {

String shapeToString(const MatShape& shape)
{
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < shape.size(); i++)
        s << (i ? " x " : "") << shape[i];
    s << "]";
    return s.str();
}

dnn::DictValue LayerInfo::requireParam(const String& key) const
{
    if (!params.has(key))
    {
        requireCaptured("parameter '" + key + "'");
        CV_Error(Error::StsBadArg, cv::format("layer '%s' (type %s) has no parameter '%s'",
                                              name.c_str(), type.c_str(), key.c_str()));
    }
    return params.get(key);
}

void LayerInfo::requireCaptured(const String& what) const
{
    if (!paramsCaptured)
        CV_Error(Error::StsNotImplemented,
                 cv::format("%s of layer '%s' (type %s) is not exposed by cv::dnn once a network is loaded; "
                            "load the model with cv::interp::readNet() instead of cv::dnn::readNet() so the "
                            "engine can capture it", what.c_str(), name.c_str(), type.c_str()));
}

void Graph::Impl::build(const dnn::Net& net_, const std::map<const dnn::Layer*, dnn::LayerParams>& captured)
{
    net = net_;
    CV_Assert(netMutex);
    const std::vector<String> names = net.getLayerNames();
    if (names.empty())
        CV_Error(Error::StsBadArg, "the network has no layers: load a model file before explaining it");

    // Net ids, instances and producers.
    std::map<const dnn::Layer*, int> idOfLayer;
    idOfLayer[net.getLayer(0).get()] = 0;
    std::vector<int> ids;
    for (const String& name : names)
    {
        int id = net.getLayerId(name);
        CV_Assert(id > 0);
        ids.push_back(id);
        idOfLayer[net.getLayer(id).get()] = id;
    }
    std::map<int, std::vector<int> > producersOfId;
    std::map<int, int> indegree;
    std::map<int, std::vector<int> > consumersOfId;
    for (int id : ids)
    {
        std::vector<Ptr<dnn::Layer> > ins = net.getLayerInputs(id);
        std::vector<int> prod;
        for (const Ptr<dnn::Layer>& l : ins)
        {
            auto it = idOfLayer.find(l.get());
            CV_Assert(it != idOfLayer.end());
            prod.push_back(it->second);
        }
        producersOfId[id] = prod;
        indegree[id] = 0;
        std::set<int> uniq(prod.begin(), prod.end());
        for (int p : uniq)
            if (p != 0)
            {
                indegree[id]++;
                consumersOfId[p].push_back(id);
            }
    }
    // Kahn's algorithm, smallest id first (importers add layers in a valid order already).
    std::set<int> ready;
    for (int id : ids)
        if (indegree[id] == 0)
            ready.insert(id);
    std::vector<int> order;
    while (!ready.empty())
    {
        int id = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(id);
        for (int c : consumersOfId[id])
            if (--indegree[c] == 0)
                ready.insert(c);
    }
    CV_CheckEQ(order.size(), ids.size(), "the network graph has a cycle");

    std::map<int, int> indexOfId;
    for (size_t i = 0; i < order.size(); i++)
        indexOfId[order[i]] = (int)i;

    layers.assign(order.size(), LayerInfo());
    consumersOf.assign(order.size(), std::vector<int>());
    for (size_t i = 0; i < order.size(); i++)
    {
        LayerInfo& info = layers[i];
        int id = order[i];
        info.netId = id;
        info.layer = net.getLayer(id);
        info.name = info.layer->name;
        info.type = info.layer->type;
        auto cap = captured.find(info.layer.get());
        if (cap != captured.end())
        {
            info.params = cap->second;
            info.paramsCaptured = true;
        }
        else
        {
            info.paramsCaptured = false;
            info.params.blobs = info.layer->blobs;
        }
        info.params.name = info.name;
        info.params.type = info.type;
        for (int p : producersOfId[id])
            info.inputs.push_back(p == 0 ? LayerPin(-1, 0) : LayerPin(indexOfId[p], 0));
        byName[info.name] = (int)i;
    }
    for (size_t i = 0; i < layers.size(); i++)
        for (const LayerPin& p : layers[i].inputs)
            if (p.layer >= 0)
            {
                std::vector<int>& c = consumersOf[p.layer];
                if (std::find(c.begin(), c.end(), (int)i) == c.end())
                    c.push_back((int)i);
            }

    fromInput.assign(layers.size(), false);
    for (size_t i = 0; i < layers.size(); i++)
        for (const LayerPin& p : layers[i].inputs)
            if (p.layer < 0 || fromInput[p.layer])
                fromInput[i] = true;

    // Default output: the last layer nobody consumes.
    outputLayer = (int)layers.size() - 1;
    std::vector<int> unconnected = net.getUnconnectedOutLayers();
    if (!unconnected.empty())
        outputLayer = indexOfId[unconnected.back()];
    // Class scores: the input of a final (log-)softmax, looking through trailing pass-through layers
    // (the Identity OpenCV adds for ONNX graph outputs, inference-time Dropout).
    scoreLayer = outputLayer;
    int last = outputLayer;
    while ((layers[last].type == "Identity" || layers[last].type == "Dropout") && layers[last].inputs.size() == 1 &&
           layers[last].inputs[0].layer >= 0)
        last = layers[last].inputs[0].layer;
    const LayerInfo& out = layers[last];
    if ((out.type == "Softmax" || out.type == "SoftMax") && out.inputs.size() == 1 && out.inputs[0].layer >= 0)
        scoreLayer = out.inputs[0].layer;
}

Graph::Graph() : impl(makePtr<Impl>()) {}
Graph::~Graph() {}

int Graph::size() const { return (int)impl->layers.size(); }

const LayerInfo& Graph::layer(int index) const
{
    CV_CheckGE(index, 0, "layer index out of range");
    CV_CheckLT(index, size(), "layer index out of range");
    return impl->layers[index];
}

std::vector<String> Graph::layerNames() const
{
    std::vector<String> names;
    for (const LayerInfo& l : impl->layers)
        names.push_back(l.name);
    return names;
}

String Graph::layerType(int index) const { return layer(index).type; }

int findLayer(const Graph::Impl& g, const String& name)
{
    for (const String& candidate : names::candidates(name))
    {
        auto it = g.byName.find(candidate);
        if (it != g.byName.end())
            return it->second;
    }
    return -1;
}

int Graph::find(const String& name) const { return findLayer(*impl, name); }

std::vector<bool> Graph::ancestors(int index) const
{
    const int L = size();
    CV_CheckGE(index, 0, "Graph::ancestors: no such layer");
    CV_CheckLT(index, L, "Graph::ancestors: no such layer");
    std::vector<bool> mark(L, false);
    std::vector<int> stack(1, index);
    mark[index] = true;
    while (!stack.empty())
    {
        const int i = stack.back();
        stack.pop_back();
        for (const LayerPin& p : layer(i).inputs)
            if (p.layer >= 0 && !mark[p.layer])
            {
                mark[p.layer] = true;
                stack.push_back(p.layer);
            }
    }
    return mark;
}

std::vector<int> Graph::blockOutputs(const MatShape& inputShape, int feeding) const
{
    const int L = size();
    std::vector<std::vector<MatShape> > shapes;
    outputShapes(inputShape, shapes);
    const std::vector<bool> feeds = feeding >= 0 ? ancestors(feeding) : std::vector<bool>(L, true);
    const int end = feeding >= 0 ? feeding : L - 1;
    auto shapeOf = [&](int i) { return shapes[i].empty() ? MatShape() : shapes[i][0]; };
    std::vector<int> out;
    for (int i = 0; i <= end; i++)
    {
        const Ptr<dnn::Layer>& l = layer(i).layer;
        const MatShape block = shapeOf(i);
        if (!feeds[i] || !l || l->blobs.empty() || block.size() != 4 || block[2] * block[3] <= 1 || !dependsOnInput(i))
            continue;
        // The last layer fed by i that keeps its output shape.
        std::vector<bool> fed(L, false);
        fed[i] = true;
        int best = i;
        for (int j = i + 1; j <= end; j++)
        {
            for (const LayerPin& p : layer(j).inputs)
                fed[j] = fed[j] || (p.layer >= 0 && fed[p.layer]);
            if (fed[j] && feeds[j] && shapeOf(j) == block)
                best = j;
        }
        if (std::find(out.begin(), out.end(), best) == out.end())
            out.push_back(best);
    }
    return out;
}

int Graph::require(const String& name) const
{
    int idx = find(name);
    if (idx >= 0)
        return idx;
    std::vector<String> known;
    for (const LayerInfo& l : impl->layers)
        known.push_back(l.name);
    names::unknownLayer(name, known, cv::format("(run 'interp layers' to list all %d layers)", (int)known.size()));
}

int Graph::outputLayer() const { return impl->outputLayer; }
int Graph::scoreLayer() const { return impl->scoreLayer; }

std::vector<int> Graph::consumers(const LayerPin& pin) const
{
    std::vector<int> res;
    for (size_t i = 0; i < impl->layers.size(); i++)
        for (const LayerPin& p : impl->layers[i].inputs)
            if (p == pin)
            {
                res.push_back((int)i);
                break;
            }
    return res;
}

bool Graph::dependsOnInput(int index) const
{
    CV_Assert(index >= 0 && index < size());
    return impl->fromInput[index];
}

void Graph::outputShapes(const MatShape& inputShape, std::vector<std::vector<MatShape> >& shapes) const
{
    CV_CheckEQ(inputShape.size(), (size_t)4, "the input shape must be N x C x H x W");
    std::vector<int> ids;
    std::vector<std::vector<MatShape> > ins, outs;
    {
        std::lock_guard<std::mutex> lock(*impl->netMutex);
        impl->normalizeAxes(inputShape);
        try
        {
            impl->net.getLayersShapes(std::vector<MatShape>(1, inputShape), ids, ins, outs);
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsBadSize, "the network cannot take an input of shape " + shapeToString(inputShape) +
                                        ": " + e.err);
        }
    }
    std::map<int, size_t> pos;
    for (size_t i = 0; i < ids.size(); i++)
        pos[ids[i]] = i;
    shapes.assign(impl->layers.size(), std::vector<MatShape>());
    for (size_t i = 0; i < impl->layers.size(); i++)
    {
        auto it = pos.find(impl->layers[i].netId);
        if (it != pos.end())
            shapes[i] = outs[it->second];
    }
}

String Graph::describe(const MatShape& inputShape) const
{
    std::vector<std::vector<MatShape> > shapes;
    if (!inputShape.empty())
        outputShapes(inputShape, shapes);
    size_t wName = 4, wType = 4;
    for (const LayerInfo& l : impl->layers)
    {
        wName = std::max(wName, l.name.size());
        wType = std::max(wType, l.type.size());
    }
    std::ostringstream s;
    s << std::left << std::setw((int)wName + 2) << "name" << std::setw((int)wType + 2) << "type"
      << (inputShape.empty() ? "inputs" : "output shape") << "\n";
    for (size_t i = 0; i < impl->layers.size(); i++)
    {
        const LayerInfo& l = impl->layers[i];
        s << std::left << std::setw((int)wName + 2) << l.name << std::setw((int)wType + 2) << l.type;
        if (!inputShape.empty())
        {
            for (size_t k = 0; k < shapes[i].size(); k++)
                s << (k ? " " : "") << shapeToString(shapes[i][k]);
        }
        else
        {
            for (size_t k = 0; k < l.inputs.size(); k++)
                s << (k ? ", " : "") << (l.inputs[k].layer < 0 ? String("<input>") : impl->layers[l.inputs[k].layer].name);
        }
        s << "\n";
    }
    return s.str();
}

}  // namespace interp
}  // namespace cv
