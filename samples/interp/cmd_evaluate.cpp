// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp evaluate: methods x metrics table of saliency faithfulness on images with object masks (whole, or one shard
// of it); interp evaluate-merge: combines shard results into the single-run table.
#include "cli.hpp"
#include "shards.hpp"

#include <iostream>

namespace {

namespace ci = cv::interp;

//! `what`, the accuracy and `tail` on one line, then the table on stdout, and into the --csv / --markdown files.
void printTable(const ci::EvaluationReport& r, const std::string& what, const std::string& tail,
                const std::string& csv, const std::string& markdown)
{
    std::cout << what;
    if (r.accuracy >= 0)
        std::cout << cv::format(", accuracy %.1f%%", 100 * r.accuracy);
    std::cout << tail << "\n\n" << r.table("text") << std::flush;
    if (!csv.empty())
        ci::writeFileAtomic(csv, r.table("csv"));
    if (!markdown.empty())
        ci::writeFileAtomic(markdown, r.table("markdown"));
}

int runEvaluate(const std::vector<std::string>& args)
{
    cli::ModelOptions model;
    std::string images, masks, methods = "all", metrics = "all", csv, markdown;
    int limit = 0, threads = 0;
    bool explainLabels = false;
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
        ("explain-labels", cli::po::bool_switch(&explainLabels),
         "explain the ground-truth label instead of the predicted class (images without a label: their predicted "
         "class)")
        ("tolerance", cli::po::value(&ep.pointingTolerance)->default_value(0), "pointing game tolerance in pixels")
        ("steps", cli::po::value(&ep.perturbation.steps)->default_value(ep.perturbation.steps),
         "deletion / insertion: pixel chunks (steps + 1 points per curve)")
        ("sanity-images", cli::po::value(&ep.sanityImages)->default_value(ep.sanityImages),
         "images used by the model-randomisation check")
        ("batch", cli::po::value(&ep.batchSize)->default_value(ep.batchSize), "images per batch")
        ("csv", cli::po::value(&csv), "also write the table as CSV")
        ("markdown", cli::po::value(&markdown), "also write the table as Markdown")
        ("threads", cli::po::value(&threads)->default_value(0), "OpenCV threads (0: OpenCV's default)");
    std::string shard, json;
    d.add_options()
        ("shard", cli::po::value(&shard), "i/N: evaluate the batches (--batch consecutive images) whose index modulo "
                                          "N is i (0 <= i < N); combine the N --json results with "
                                          "'interp evaluate-merge'")
        ("json", cli::po::value(&json), "write the result (per-image values, means, settings, shard) as JSON");
    cli::po::variables_map vm;
    if (!cli::parse("evaluate", args, d, vm, "[--model M] [--images DIR] [--masks DIR] [--methods all] "
                                             "[--csv FILE] [--markdown FILE] [--shard i/N --json OUT.json]"))
        return 0;
    if (!shard.empty())
        cli::parseShard(shard, ep.shardIndex, ep.shardCount);
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
    size_t shardImages = 0;  // the images of the batches of this shard
    for (size_t begin = 0, b = 0; begin < data.images.size(); begin += (size_t)ep.batchSize, b++)
        if ((int)(b % (size_t)ep.shardCount) == ep.shardIndex)
            shardImages += std::min(data.images.size() - begin, (size_t)ep.batchSize);
    // --explain-labels: a class target per image, from labels.csv (every shard makes the whole list)
    std::vector<ci::Target> targets;
    int unlabelled = 0;
    if (explainLabels)
    {
        targets = ci::targetsFromLabels(m.explainer, info, data, ep.batchSize);
        for (size_t i = 0; i < data.images.size(); i++)
            unlabelled += data.labels.empty() || data.labels[i] < 0;
    }
    cli::Progress progress("evaluate", nMethods * shardImages, "maps");
    size_t done = 0;
    const ci::EvaluationProgress onBatch = [&](const cv::String& method, int upTo, int) {
        // Each call reports one method on the images of one batch (batches start at multiples of the batch size).
        if (method.find("(sanity)") == cv::String::npos)
        {
            done += (size_t)(upTo - (upTo - 1) / ep.batchSize * ep.batchSize);
            progress.update(std::min(done, nMethods * shardImages));
        }
        return true;
    };
    const ci::EvaluationReport r = ci::evaluateSaliency(m.explainer, info, data, targets, ep, onBatch);
    progress.finish();
    std::string what = "model " + info.name + " (" + info.model + "), " + std::to_string(r.images.size()) +
                       " images from " + dir;
    if (ep.shardCount > 1)
        what += cv::format(" (shard %d/%d of %d images)", ep.shardIndex, ep.shardCount, (int)data.images.size());
    std::string explained = ", explaining the predicted class";
    if (explainLabels && unlabelled == 0)
        explained = ", explaining the ground-truth label";
    else if (explainLabels)
        explained = cv::format(", explaining the ground-truth label (the predicted class of the %d of %d images "
                               "without a label)", unlabelled, (int)data.images.size());
    printTable(r, what, explained, csv, markdown);
    if (!json.empty())
    {
        ci::writeEvaluationResult(json, r);
        std::cout << "wrote " << json << std::endl;
    }
    return 0;
}

int runMerge(const std::vector<std::string>& args)
{
    std::string json, csv, markdown;
    std::vector<std::string> inputs;
    cli::po::options_description d("evaluate-merge options");
    d.add_options()
        ("json", cli::po::value(&json), "write the merged result")
        ("csv", cli::po::value(&csv), "also write the table as CSV")
        ("markdown", cli::po::value(&markdown), "also write the table as Markdown");
    if (!cli::parseMerge("evaluate-merge", args, d, inputs, "A.json B.json ... (results of 'interp evaluate --shard i/N "
                         "--json') [--json OUT.json] [--csv FILE] [--markdown FILE]"))
        return 0;
    std::vector<ci::EvaluationReport> parts;
    for (const std::string& f : inputs)
        parts.push_back(ci::readEvaluationResult(f));
    const ci::EvaluationReport r = ci::mergeEvaluationResults(parts);
    std::string what = "merged " + std::to_string(parts.size()) + " result(s) of " + r.model + ": ";
    if (r.complete())
        what += "every shard (the single-run table)";
    else
    {
        what += "shards";
        for (int s : r.shards)
            what += " " + std::to_string(s);
        what += " of " + std::to_string(r.shardCount);
    }
    printTable(r, what + ", " + std::to_string(r.images.size()) + " of " + std::to_string(r.datasetSize) + " images",
               "", csv, markdown);
    if (!r.complete())
        std::cerr << "interp evaluate-merge: warning: " << r.shardCount - (int)r.shards.size()
                  << " shard(s) missing: the table covers part of the images" << std::endl;
    if (!json.empty())
    {
        ci::writeEvaluationResult(json, r);
        std::cout << "wrote " << json << std::endl;
    }
    return 0;
}

}  // namespace

INTERP_CLI_COMMAND(evaluate, "evaluate", "faithfulness of saliency methods on images with object masks (table)",
                   runEvaluate);
INTERP_CLI_COMMAND(evaluate_merge, "evaluate-merge", "combine 'interp evaluate --shard i/N --json' results into the "
                   "single-run table", runMerge);
