// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// What cv::dnn 4.6 needs to give every layer's true output: identity layers after outputs it computes in place
// (addKeepLayersIfAliased), and the producer pin of inputs its graph leaves ambiguous (resolvePins).
#include "explainer_impl.hpp"

namespace cv {
namespace interp {

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

}  // namespace interp
}  // namespace cv
