// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// writeReport(): loads the model and images, runs the sections in order, and moves the finished page into place.
#include "precomp.hpp"

#include <opencv2/core/utils/filesystem.hpp>
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

String writeReport(const ModelInfo& model, const String& outDir, const ReportParams& params,
                   const ReportProgress& progress)
{
    return writeReport(readNet(model.model, model.config), model, outDir, params, progress);
}

String writeReport(const Ptr<Explainer>& explainer, const ModelInfo& model, const String& outDir_,
                   const ReportParams& params, const ReportProgress& progress)
{
    // Everything is checked before any long work: the parameters, the model (it runs on one blob and has as many
    // class names as scores), the images, the methods, the layers and the evaluation set.
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
    CV_CheckGT(params.synthesisClasses, 0, "ReportParams::synthesisClasses must be positive");
    CV_CheckGT(params.shortcutCount, 0, "ReportParams::shortcutCount must be positive");

    report::Context c;
    c.explainer = explainer;
    c.model = describeModel(explainer, model);
    c.params = params;
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
    c.blob = c.model.preprocessing.toBlob(c.images);
    const Ptr<Tape> tape = c.explainer->forward(c.blob);
    c.predicted = predictClasses(*c.explainer, *tape);
    c.probabilities = softmaxRows(tape->output(c.model.logitsLayer).reshape(1, c.blob.size[0]));
    for (int k : c.predicted)
        c.targets.push_back(Target::classScore(k));
    c.methods = params.methods.empty() ? saliencyMethodNames() : params.methods;
    const std::vector<String> known = saliencyMethodNames();
    for (const String& m : c.methods)
        if (std::find(known.begin(), known.end(), m) == known.end())
            saliencyMaps(c.explainer, c.blob, c.targets, m);  // raises the "unknown method" error with the list
    if (!params.segmentationMethod.empty() &&
        std::find(known.begin(), known.end(), params.segmentationMethod) == known.end())
        saliencyMaps(c.explainer, c.blob, c.targets, params.segmentationMethod);
    // The occlusion square covers the same share of any input: 16 px with stride 8 at 112 px, 32 / 16 at 224.
    const int side = std::min(c.blob.size[2], c.blob.size[3]);
    c.saliency.occlusion.window = std::max(4, cvRound(side / 7.0));
    c.saliency.occlusion.stride = std::max(1, c.saliency.occlusion.window / 2);
    // A square of the image's own mean colour: on textured scenes a grey square is itself a strong pattern and moves
    // the prediction wherever it lands (the maximum then misses the object on 6 of the 8 demo scenes).
    c.saliency.occlusion.fill = OCCLUSION_FILL_MEAN;
    const MatShape inputShape = { 1, c.blob.size[1], c.blob.size[2], c.blob.size[3] };
    if (params.layers.empty())
        c.layers = report::blockOutputs(*c.explainer, inputShape);
    else
        for (const String& l : params.layers)
            c.layers.push_back(c.explainer->graph().layer(c.explainer->graph().require(l)).name);
    // Ground truth only where it exists: the images given with masks, else the model's own evaluation set.
    const String evalDir = params.evaluationImages.empty() ? c.model.evaluationImages : params.evaluationImages;
    if (!evalDir.empty())
    {
        c.evaluationDir = evalDir;
        c.evaluationSet = readGroundTruth(evalDir, params.evaluationMasks, params.evaluationCount);
        if (c.evaluationSet.images.empty())
            CV_Error(Error::StsObjectNotFound, "no image with a mask in '" + evalDir + "': the evaluation needs images "
                                               "with object masks (DIR/masks/<same file name>)");
    }
    else if (!params.evaluationMasks.empty())
        CV_Error(Error::StsBadArg, "evaluation masks were given without the images they belong to: give the images "
                                   "with masks too (--eval-images DIR)");
    c.patchFiles = !params.patchImages.empty() ? listImages(params.patchImages)
                   : !c.evaluationSet.images.empty() ? c.evaluationSet.images
                                                     : c.files;
    if (c.patchFiles.empty())
        CV_Error(Error::StsObjectNotFound, "no images to mine patches from in '" + params.patchImages + "'");

    const String tmp = outDir + ".partial-" + std::to_string((long)::getpid());
    utils::fs::remove_all(tmp);
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
        utils::fs::remove_all(tmp);
        throw;
    }
    return outDir + "/index.html";
}

}  // namespace interp
}  // namespace cv
