// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#ifndef OPENCV_INTERP_REPORT_HPP
#define OPENCV_INTERP_REPORT_HPP

#include <functional>

#include <opencv2/core.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/model.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_report
//! @{

/** @brief What writeReport() puts on the page. */
struct CV_EXPORTS_W_SIMPLE ReportParams
{
    CV_WRAP ReportParams()
        : evaluationCount(40), sanityImages(2), patchLayers(2), patchChannels(8), patchTop(6), synthesis(true),
          synthesisIterations(40), synthesisClasses(10), shortcut(true), shortcutCount(24), segmentationMethod() {}
    CV_PROP_RW std::vector<String> images;  //!< images to explain; empty: demoImages()
    /** Folder of images with object masks for the sections that need ground truth (the evaluation table, the
    GrabCut IoU); empty: the model's own evaluation set (ModelInfo::evaluationImages; the embedded models: their test
    scenes), and without one those sections say that they need it. */
    CV_PROP_RW String evaluationImages;
    CV_PROP_RW String evaluationMasks;      //!< their masks; empty: `<evaluationImages>/masks`
    CV_PROP_RW int evaluationCount;         //!< images of that folder used (0: all)
    CV_PROP_RW int sanityImages;            //!< images of the randomisation check (0: no check)
    /** Folder or list file mined for top patches; empty: the evaluation images when there are some, else the
    explained images. */
    CV_PROP_RW String patchImages;
    CV_PROP_RW std::vector<String> layers;  //!< layers shown (activations, patches); empty: chosen from the graph
    CV_PROP_RW int patchLayers;             //!< with automatic layers: how many layers get top-patch grids
    CV_PROP_RW int patchChannels;           //!< channels (rows) per top-patch grid
    CV_PROP_RW int patchTop;                //!< patches per channel
    CV_PROP_RW std::vector<String> methods; //!< saliency methods (saliencyMethodNames()); empty: all
    CV_PROP_RW bool synthesis;              //!< synthesise one image per class
    CV_PROP_RW int synthesisIterations;     //!< Adam steps per octave of that synthesis (3 octaves)
    /** At most this many class images: every class when the model has no more classes, else the classes predicted
    for the explained images (each once, in image order). */
    CV_PROP_RW int synthesisClasses;
    /** Add the shortcut-learning section (the embedded `resnet_fmnist` vs `resnet_shortcut` on the unbiased
    shortcut scenes) to the reports of the embedded models. */
    CV_PROP_RW bool shortcut;
    CV_PROP_RW int shortcutCount;           //!< unbiased scenes used in that section
    CV_PROP_RW String segmentationMethod;   //!< method whose map seeds GrabCut; empty: the best IoU of the evaluation
    CV_PROP_RW String title;                //!< page title; empty: "interp report: <model name>"
};

/** @brief Progress of writeReport(): the section being built, and sections done out of the total. */
typedef std::function<void(const String& section, int done, int total)> ReportProgress;

/** @brief Writes a self-contained static HTML report for a model: the model card, the layer table with receptive
fields, activation grids, top patches with their guided backpropagation, occlusion, every saliency method as
overlays, saliency -> GrabCut segmentations, synthesised class images, the evaluation table (also written as
evaluation.csv and evaluation.md; only with images that have object masks) and, for the embedded models, the
shortcut-learning comparison. Each image is captioned `<file stem>: <class name> (p = 0.87)`.

Everything is checked before any long work (describeModel(), every image read, methods, layers, the evaluation
folder), so a bad parameter fails in seconds.

The page is `<outDir>/index.html` with its images in `<outDir>/img/`; it uses no external assets. The directory is
built beside `outDir` and moved into place at the end, so `outDir` holds either the previous report or the complete
new one, never a partial one.
@param model the model (e.g. embeddedModel())
@param outDir output directory (created; replaced if it exists)
@param params content of the page
@return the path of index.html
*/
CV_EXPORTS_W String writeReport(const ModelInfo& model, const String& outDir,
                                const ReportParams& params = ReportParams());
/** @overload */
CV_EXPORTS String writeReport(const ModelInfo& model, const String& outDir, const ReportParams& params,
                              const ReportProgress& progress);
/** @overload
@param explainer the model, already loaded (cv::interp::readNet(model.model, model.config))
@param model its description: preprocessing, class names; completed and checked with describeModel() before any
long work
@param outDir output directory
@param params content of the page
@param progress called before each section
*/
CV_EXPORTS String writeReport(const Ptr<Explainer>& explainer, const ModelInfo& model, const String& outDir,
                              const ReportParams& params, const ReportProgress& progress = ReportProgress());

//! @}

}  // namespace interp
}  // namespace cv

#endif
