// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Grad-CAM and guided Grad-CAM (Selvaraju et al. 2017), and the generic choice of the Grad-CAM layer.
#include "precomp.hpp"
#include "attribution_internal.hpp"

namespace cv {
namespace interp {

namespace {

using namespace attribution_detail;

String shapeString(const MatShape& s)
{
    String out;
    for (size_t i = 0; i < s.size(); i++)
        out += (i ? " x " : "") + std::to_string(s[i]);
    return out.empty() ? String("(none)") : out;
}

Attribution gradCamImpl(const char* name, bool guided, const Ptr<Explainer>& explainer, InputArray blob_,
                        const std::vector<Target>& targets, const GradCamParams& params, int reduction)
{
    const Mat blob = checkArguments(name, explainer, blob_, targets);
    const Graph& graph = explainer->graph();
    const int N = blob.size[0], H = blob.size[2], W = blob.size[3];

    std::vector<int> targetLayers;
    for (const Target& t : targets)
        targetLayers.push_back(explainer->targetLayer(t));
    const int layer = params.layer.empty() ? defaultGradCamLayer(explainer, targetLayers[0], dnn::shape(blob))
                                           : graph.require(params.layer);
    for (int tl : targetLayers)
        if (!graph.ancestors(tl)[layer])
            CV_Error(Error::StsBadArg, cv::format("%s: layer '%s' does not feed the target's layer '%s', so the "
                                                  "target does not depend on it: name a layer before the target",
                                                  name, graph.layer(layer).name.c_str(),
                                                  graph.layer(tl).name.c_str()));

    Attribution a;
    a.method = guided ? ATTRIBUTION_GUIDED_GRADCAM : ATTRIBUTION_GRADCAM;
    a.reduction = guided ? resolveReduction(a.method, reduction) : CHANNELS_SUM;
    a.layer = graph.layer(layer).name;

    Ptr<Tape> tape = explainer->forward(blob);
    const Mat& act = tape->outputs(layer).at(0);
    if (act.dims != 4 || act.size[2] * act.size[3] < 1)
        CV_Error(Error::StsBadArg, cv::format("%s needs a layer with an N x K x h x w output; '%s' gives %s: name a "
                                              "convolutional layer", name, a.layer.c_str(),
                                              shapeString(dnn::shape(act)).c_str()));
    a.scores = explainer->evaluate(tape, targets);
    const Seeds seeds = explainer->makeSeeds(*tape, targets);
    Mat inputGrad;
    std::vector<Mat> layerGrads;
    // Only d score / d A is needed: the backward pass stops at the layer.
    explainer->backward(*tape, seeds, BACKWARD_STANDARD, inputGrad, std::vector<int>(1, layer), &layerGrads, false);
    const Mat& grad = layerGrads.at(0);
    CV_Assert(grad.isContinuous() && act.isContinuous() && grad.type() == CV_32F);

    const int K = act.size[1], h = act.size[2], w = act.size[3];
    const size_t plane = (size_t)h * w;
    a.layerWeights.create(N, K, CV_32F);
    a.layerMaps.resize(N);
    a.maps.resize(N);
    const int sz[] = { N, 1, H, W };
    a.attribution.create(4, sz, CV_32F);
    cv::parallel_for_(Range(0, N), [&](const Range& r) {
        for (int n = r.start; n < r.end; n++)
        {
            Mat cam(h, w, CV_64F, Scalar(0));
            float* alpha = a.layerWeights.ptr<float>(n);
            for (int k = 0; k < K; k++)
            {
                const float* g = grad.ptr<float>(n, k);
                double s = 0;
                for (size_t i = 0; i < plane; i++)
                    s += g[i];
                alpha[k] = (float)(s / (double)plane);
                const float* A = act.ptr<float>(n, k);
                double* c = cam.ptr<double>();
                for (size_t i = 0; i < plane; i++)
                    c[i] += (double)alpha[k] * A[i];
            }
            if (params.relu)
                cam = cv::max(cam, 0.0);
            cam.convertTo(a.layerMaps[n], CV_32F);
            Mat up = planeView(a.attribution, n, 0);
            cv::resize(a.layerMaps[n], up, Size(W, H), 0, 0, params.interpolation);
            a.maps[n] = up.clone();
        }
    });
    if (!guided)
        return a;

    Mat gb;
    explainer->backward(*tape, seeds, BACKWARD_GUIDED, gb);
    const int C = gb.size[1];
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
        {
            Mat p = planeView(gb, n, c);
            cv::multiply(p, a.maps[n], p);
        }
    a.attribution = gb;
    reduceChannels(a.attribution, a.reduction, a.maps);
    return a;
}

}  // namespace

int defaultGradCamLayer(const Ptr<Explainer>& explainer, int targetLayer, const std::vector<int>& inputShape)
{
    if (!explainer || !explainer->impl)
        CV_Error(Error::StsNullPtr, "defaultGradCamLayer: the explainer is empty");
    const Graph& graph = explainer->graph();
    if (targetLayer < 0)
        targetLayer = graph.scoreLayer();
    if (targetLayer >= graph.size())
        CV_Error(Error::StsOutOfRange, cv::format("defaultGradCamLayer: no layer %d (the network has %d)", targetLayer,
                                                  graph.size()));
    const std::vector<int> blocks = graph.blockOutputs(inputShape, targetLayer);
    if (blocks.empty())
        CV_Error(Error::StsBadArg, "no layer with weights and a spatial output (4-D, larger than 1x1) feeds layer '" +
                                   graph.layer(targetLayer).name + "': name the Grad-CAM layer explicitly");
    return blocks.back();  // the output of the last convolutional block
}

Attribution gradCam(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                    const GradCamParams& params)
{
    return gradCamImpl("Grad-CAM", false, explainer, blob, targets, params, CHANNELS_DEFAULT);
}

Attribution guidedGradCam(const Ptr<Explainer>& explainer, InputArray blob, const std::vector<Target>& targets,
                          const GradCamParams& params, int reduction)
{
    return gradCamImpl("guided Grad-CAM", true, explainer, blob, targets, params, reduction);
}

}  // namespace interp
}  // namespace cv
