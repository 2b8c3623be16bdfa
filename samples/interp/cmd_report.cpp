// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp report: the browsable HTML page with everything the module shows for a model (the README's main job).
#include "cli.hpp"

#include <chrono>
#include <iostream>

namespace {

namespace ci = cv::interp;

int runReport(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    std::string images, out, evalImages, evalMasks, methods = "all", layers, patches;
    int threads = 0;
    bool noSynthesis = false, noShortcut = false;
    ci::ReportParams rp;
    cli::po::options_description d("report options");
    model.add(d);
    d.add_options()
        ("images", cli::po::value(&images), "folder or list file of the images to explain (default: the embedded "
                                            "demo images)")
        ("out", cli::po::value(&out)->required(), "output directory (index.html and img/; replaced whole)")
        ("eval-images", cli::po::value(&evalImages), "folder of images with object masks (in EVAL_IMAGES/masks/) for "
                                                      "the evaluation table and GrabCut IoU (default: the model's "
                                                      "own evaluation set, the embedded scenes for the embedded "
                                                      "models; without one those sections are skipped)")
        ("eval-masks", cli::po::value(&evalMasks), "their masks (default: EVAL_IMAGES/masks)")
        ("eval-count", cli::po::value(&rp.evaluationCount)->default_value(rp.evaluationCount),
         "images of the evaluation folder used (0: all)")
        ("sanity-images", cli::po::value(&rp.sanityImages)->default_value(rp.sanityImages),
         "images of the model-randomisation check (0: skip it)")
        ("patch-images", cli::po::value(&patches), "folder or list file mined for top patches (default: the "
                                                   "evaluation images, else the explained images)")
        ("layers", cli::po::value(&layers), "comma-separated layers for activations and patches (default: the "
                                            "convolutional blocks)")
        ("methods", cli::po::value(&methods)->default_value("all"), "comma-separated saliency methods or 'all'")
        ("segmentation-method", cli::po::value(&rp.segmentationMethod),
         "method seeding GrabCut (default: the best IoU of the evaluation, else gradcam)")
        ("synthesis-iterations", cli::po::value(&rp.synthesisIterations)->default_value(rp.synthesisIterations),
         "Adam steps per octave of the class images")
        ("synthesis-classes", cli::po::value(&rp.synthesisClasses)->default_value(rp.synthesisClasses),
         "at most this many class images: every class of a model with no more classes, else the predicted ones")
        ("no-synthesis", cli::po::bool_switch(&noSynthesis), "skip the synthesised class images")
        ("no-shortcut", cli::po::bool_switch(&noShortcut), "skip the shortcut-learning section")
        ("title", cli::po::value(&rp.title), "page title")
        ("threads", cli::po::value(&threads)->default_value(0), "OpenCV threads (0: OpenCV's default)");
    cli::po::variables_map vm;
    if (!cli::parse("report", args, d, vm, "[MODEL] [--images DIR|LIST] [--eval-images DIR] --out DIR"))
        return 0;
    cli::applyThreads(threads);
    // Everything that can be wrong is found before the long work: the flags, the images, the model (one forward
    // pass), the class names; writeReport then checks the methods, layers and evaluation folder.
    if (!images.empty())
        rp.images = cli::listImageFiles(images, "images");
    if (!patches.empty())
        cli::listImageFiles(patches, "patch-images");
    if (methods != "all")
        rp.methods = cli::splitList(methods);
    rp.layers = cli::splitList(layers);
    rp.evaluationImages = evalImages;
    rp.evaluationMasks = evalMasks;
    rp.patchImages = patches;
    rp.synthesis = !noSynthesis;
    rp.shortcut = !noShortcut;
    const cli::Model m = model.open();
    const auto start = std::chrono::steady_clock::now();
    const cv::String index = ci::writeReport(m.explainer, m.info, out, rp, [&](const cv::String& section, int done,
                                                                              int total) {
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cerr << cv::format("report [%2d/%d] %6.1f s  %s", done, total, t, section.c_str()) << std::endl;
    });
    std::cout << "report written: " << index << "\nopen it in a browser, e.g. xdg-open " << index << std::endl;
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(report, "report", "browsable HTML report of every technique for a model (the main job)",
                   runReport);
