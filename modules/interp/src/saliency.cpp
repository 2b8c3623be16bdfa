// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Saliency maps by method name: the attribution methods and occlusion behind one call.
#include "precomp.hpp"
#include "softmax.hpp"

namespace cv {
namespace interp {

static const char* const kOcclusion = "occlusion";

std::vector<String> saliencyMethodNames()
{
    std::vector<String> names;
    for (int m = ATTRIBUTION_GRADIENT; m <= ATTRIBUTION_INTEGRATED_GRADIENTS; m++)
        names.push_back(attributionMethodName(m));
    names.push_back(kOcclusion);
    return names;
}

std::vector<int> predictClasses(const Ptr<Explainer>& explainer, InputArray blob_, OutputArray scoresOut)
{
    CV_Assert(!explainer.empty());
    const Mat blob = blob_.getMat();
    CV_CheckEQ(blob.dims, 4, "predictClasses needs an N x C x H x W input blob");
    return predictClasses(*explainer, *explainer->forward(blob), scoresOut);
}

std::vector<int> predictClasses(const Explainer& explainer, const Tape& tape, OutputArray scoresOut)
{
    const Mat scores = tape.outputs(explainer.graph().scoreLayer())[0];
    const int N = tape.batchSize();
    const int K = (int)(scores.total() / N);
    std::vector<int> classes(N);
    Mat flat = scores.reshape(1, N);
    for (int n = 0; n < N; n++)
    {
        Point maxLoc;
        minMaxLoc(flat.row(n), nullptr, nullptr, nullptr, &maxLoc);
        classes[n] = maxLoc.x;
    }
    if (scoresOut.needed())
        flat.colRange(0, K).copyTo(scoresOut);
    return classes;
}

Mat softmaxRows(InputArray scores_)
{
    const Mat scores = scores_.getMat();
    CV_CheckEQ(scores.dims, 2, "softmaxRows needs an N x K matrix of class scores");
    Mat s;
    scores.convertTo(s, CV_64F);
    Mat p(s.size(), CV_32F);
    for (int n = 0; n < s.rows; n++)
        softmax(s.ptr<double>(n), (size_t)s.cols, p.ptr<float>(n));
    return p;
}

static std::vector<Mat> occlusionMaps(const Ptr<Explainer>& explainer, const Mat& blob,
                                      const std::vector<Target>& targets, const OcclusionParams& base)
{
    const int N = blob.size[0];
    OcclusionParams params = base;
    params.allClasses = false;
    params.classes.clear();
    std::vector<int> wanted(N);
    for (int n = 0; n < N; n++)
    {
        const Target& t = targets[targets.size() == 1 ? 0 : n];
        if (t.kind != Target::CLASS)
            CV_Error(Error::StsBadArg, "occlusion maps a class score: give a class target (" + t.describe() +
                                       " is not one), or use a gradient method for neurons and channels");
        if (!t.layer.empty())
            params.layer = t.layer;
        wanted[n] = t.index;
        if (std::find(params.classes.begin(), params.classes.end(), t.index) == params.classes.end())
            params.classes.push_back(t.index);
    }
    const std::vector<OcclusionResult> results = Occlusion::create(explainer)->compute(blob, params);
    std::vector<Mat> maps(N);
    for (const OcclusionResult& r : results)
        if (r.sample >= 0 && r.sample < N && r.classIndex == wanted[r.sample])
            maps[r.sample] = r.map;
    for (int n = 0; n < N; n++)
        CV_Assert(!maps[n].empty());
    return maps;
}

std::vector<Mat> saliencyMaps(const Ptr<Explainer>& explainer, InputArray blob_, const std::vector<Target>& targets,
                              const String& method, const SaliencyParams& params)
{
    CV_Assert(!explainer.empty());
    const Mat blob = blob_.getMat();
    if (blob.dims != 4 || blob.type() != CV_32F)
        CV_Error(Error::StsBadArg, "saliencyMaps needs an N x C x H x W float32 blob (see Preprocessing::toBlob)");
    const int N = blob.size[0];
    if (targets.empty() || (targets.size() != 1 && (int)targets.size() != N))
        CV_Error(Error::StsBadArg, cv::format("saliencyMaps got %d targets for %d images: give one target, or one "
                                              "per image", (int)targets.size(), N));
    if (method == kOcclusion)
        return occlusionMaps(explainer, blob, targets, params.occlusion);
    int m = -1;
    try
    {
        m = parseAttributionMethod(method);
    }
    catch (const cv::Exception&)
    {
        String list;
        for (const String& s : saliencyMethodNames())
            list += (list.empty() ? "" : ", ") + s;
        CV_Error(Error::StsBadArg, "unknown saliency method '" + method + "': use one of " + list);
    }
    AttributionParams p = params.attribution;
    p.method = m;
    return attribute(explainer, blob, targets, p).maps;
}

}  // namespace interp
}  // namespace cv
