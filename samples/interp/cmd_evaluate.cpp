// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp evaluate: methods x metrics table of saliency faithfulness on images with object masks.
#include "cli.hpp"

#include <iostream>

namespace {

namespace ci = cv::interp;

int runEvaluate(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    std::string images, masks, methods = "all", metrics = "all", csv, markdown;
    int limit = 0, threads = 0;
    ci::EvaluationParams ep;
    cli::po::options_description d("evaluate options");
    model.add(d);
    d.add_options()
        ("images", cli::po::value(&images), "folder of images with object masks (searched recursively; default: "
                                            "the model's evaluation images, for the embedded models their test "
                                            "scenes); labels from its labels.csv if present")
        ("masks", cli::po::value(&masks), "folder of object masks with the images' file names (default: "
                                          "IMAGES/masks)")
        ("methods", cli::po::value(&methods)->default_value("all"),
         "comma-separated saliency methods or 'all': gradient, input-x-gradient, guided, deconvnet, gradcam, "
         "guided-gradcam, smoothgrad, ig, occlusion")
        ("metrics", cli::po::value(&metrics)->default_value("all"),
         "comma-separated metrics or 'all': iou, pointing, mass, deletion, insertion, sanity")
        ("limit", cli::po::value(&limit)->default_value(0), "use the first N images only (0: all)")
        ("explain-labels", cli::po::bool_switch(&ep.explainLabels),
         "explain the ground-truth label instead of the predicted class")
        ("tolerance", cli::po::value(&ep.pointingTolerance)->default_value(0), "pointing game tolerance in pixels")
        ("steps", cli::po::value(&ep.perturbation.steps)->default_value(ep.perturbation.steps),
         "deletion / insertion: pixel chunks (steps + 1 points per curve)")
        ("sanity-images", cli::po::value(&ep.sanityImages)->default_value(ep.sanityImages),
         "images used by the model-randomisation check")
        ("batch", cli::po::value(&ep.batchSize)->default_value(ep.batchSize), "images per batch")
        ("csv", cli::po::value(&csv), "also write the table as CSV")
        ("markdown", cli::po::value(&markdown), "also write the table as Markdown")
        ("threads", cli::po::value(&threads)->default_value(0), "OpenCV threads (0: OpenCV's default)");
    cli::po::variables_map vm;
    if (!cli::parse("evaluate", args, d, vm, "[--model M] [--images DIR] [--masks DIR] [--methods all] "
                                             "[--csv FILE] [--markdown FILE]"))
        return 0;
    if (limit < 0)
        throw cli::UsageError("--limit must be >= 0");
    cli::applyThreads(threads);
    if (methods != "all")
        ep.methods = cli::splitList(methods);
    if (metrics != "all")
        ep.metrics = cli::splitList(metrics);
    const cli::Model m = model.open();
    const ci::ModelInfo& info = m.info;
    if (images.empty() && info.evaluationImages.empty())
        throw cli::UsageError("the evaluation needs images with object masks: give --images DIR (masks in "
                              "DIR/masks/, same file names)");
    const std::string dir = images.empty() ? info.evaluationImages : images;
    const ci::GroundTruthSet data = ci::readGroundTruth(dir, masks, limit);
    const size_t nMethods = ep.methods.empty() ? ci::attributionMethodNames().size() : ep.methods.size();
    cli::Progress progress("evaluate", nMethods * data.images.size(), "maps");
    size_t done = 0;
    const ci::EvaluationReport r = ci::evaluateSaliency(m.explainer, info, data, ep, [&](const cv::String& m, int upTo, int) {
        // Each call reports one method on the images of one batch (batches start at multiples of the batch size).
        if (m.find("(sanity)") == cv::String::npos)
        {
            done += (size_t)(upTo - (upTo - 1) / ep.batchSize * ep.batchSize);
            progress.update(std::min(done, nMethods * data.images.size()));
        }
        return true;
    });
    progress.finish();
    std::cout << "model " << info.name << " (" << info.model << "), " << r.images.size() << " images from " << dir;
    if (r.accuracy >= 0)
        std::cout << cv::format(", accuracy %.1f%%", 100 * r.accuracy);
    std::cout << ", explaining the " << (ep.explainLabels ? "ground-truth label" : "predicted class") << "\n\n"
              << r.table("text") << std::flush;
    if (!csv.empty())
        ci::writeFileAtomic(csv, r.table("csv"));
    if (!markdown.empty())
        ci::writeFileAtomic(markdown, r.table("markdown"));
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(evaluate, "evaluate", "faithfulness of saliency methods on images with object masks (table)",
                   runEvaluate);
