// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// writeReport(): loads the model and images, runs the sections in order, and moves the finished page into place.
#include "precomp.hpp"
#include "filesystem.hpp"
#include "report_impl.hpp"

#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

namespace cv {
namespace interp {

String writeReport(const ModelInfo& model, const String& outDir, const ReportParams& params)
{
    return writeReport(model, outDir, params, ReportProgress());
}

String writeReport(const ModelInfo& model, const String& outDir_, const ReportParams& params,
                   const ReportProgress& progress)
{
    String outDir = outDir_;
    while (outDir.size() > 1 && outDir.back() == '/')
        outDir.pop_back();
    if (outDir.empty())
        CV_Error(Error::StsBadArg, "writeReport needs an output directory");
    if (fs::isFile(outDir))
        CV_Error(Error::StsBadArg, "'" + outDir + "' is a file: give a directory for the report");
    CV_CheckGE(params.evaluationCount, 0, "ReportParams::evaluationCount must be >= 0 (0 = all images)");
    CV_CheckGE(params.sanityImages, 0, "ReportParams::sanityImages must be >= 0");
    CV_CheckGE(params.patchLayers, 0, "ReportParams::patchLayers must be >= 0");
    CV_CheckGT(params.patchChannels, 0, "ReportParams::patchChannels must be positive");
    CV_CheckGT(params.patchTop, 0, "ReportParams::patchTop must be positive");
    CV_CheckGT(params.synthesisIterations, 0, "ReportParams::synthesisIterations must be positive");
    CV_CheckGT(params.shortcutCount, 0, "ReportParams::shortcutCount must be positive");

    report::Context c;
    c.model = model;
    c.params = params;
    c.explainer = readNet(model.model, model.config);
    c.files = params.images.empty() ? demoImages() : params.images;
    if (c.files.empty())
        CV_Error(Error::StsBadArg, "no images to explain: give at least one image");
    for (const String& f : c.files)
    {
        Mat img = imread(f, IMREAD_COLOR);
        if (img.empty())
            CV_Error(Error::StsError, "cannot read image '" + f + "': check that it exists and is an image "
                                      "cv::imread can decode");
        c.images.push_back(img);
    }
    c.blob = model.preprocessing.toBlob(c.images);
    Mat scores;
    c.predicted = predictClasses(c.explainer, c.blob, scores);
    c.probabilities = report::softmaxRows(scores);
    for (int k : c.predicted)
        c.targets.push_back(Target::classScore(k));
    c.methods = params.methods.empty() ? saliencyMethodNames() : params.methods;
    const std::vector<String> known = saliencyMethodNames();
    for (const String& m : c.methods)
        if (std::find(known.begin(), known.end(), m) == known.end())
            saliencyMaps(c.explainer, c.blob, c.targets, m);  // raises the "unknown method" error with the list
    const MatShape inputShape = { 1, c.blob.size[1], c.blob.size[2], c.blob.size[3] };
    if (params.layers.empty())
        c.layers = report::blockOutputs(*c.explainer, inputShape);
    else
        for (const String& l : params.layers)
            c.layers.push_back(c.explainer->graph().layer(c.explainer->graph().require(l)).name);

    const String tmp = outDir + ".partial-" + std::to_string((long)::getpid());
    fs::removeTree(tmp);
    html::Page page(tmp, params.title.empty() ? "interp report: " + model.name : params.title);
    c.page = &page;
    c.dir = tmp;
    typedef void (*Step)(report::Context&);
    const std::vector<std::pair<String, Step> > steps = {
        { "saliency maps", report::computeSaliency },
        { "evaluation", report::computeEvaluation },
        { "model", report::sectionModel },
        { "layers", report::sectionLayers },
        { "activations", report::sectionActivations },
        { "top patches", report::sectionPatches },
        { "occlusion", report::sectionOcclusion },
        { "saliency", report::sectionSaliency },
        { "segmentation", report::sectionSegmentation },
        { "synthesis", report::sectionSynthesis },
        { "evaluation table", report::sectionEvaluation },
        { "shortcut learning", report::sectionShortcut },
    };
    String index;
    try
    {
        for (size_t s = 0; s < steps.size(); s++)
        {
            if (progress)
                progress(steps[s].first, (int)s, (int)steps.size());
            steps[s].second(c);
        }
        page.write();
        if (progress)
            progress("done", (int)steps.size(), (int)steps.size());
        fs::replaceDirectory(tmp, outDir);
    }
    catch (...)
    {
        fs::removeTree(tmp);
        throw;
    }
    return outDir + "/index.html";
}

}  // namespace interp
}  // namespace cv
