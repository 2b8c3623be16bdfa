// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The report's sections that need ground truth: the evaluation table on images with masks, and the shortcut twin.
#include "../precomp.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgcodecs.hpp>

#include "report_impl.hpp"

namespace cv {
namespace interp {
namespace report {

void computeEvaluation(Context& c)
{
    if (c.evaluationSet.images.empty())
        return;
    EvaluationParams ep;
    ep.attribution = c.settings;
    ep.methods = c.methods;
    ep.sanityImages = c.params.sanityImages;
    ep.perturbation.steps = 16;  // deletion / insertion curves of 17 points: enough for a table, half the cost
    if (c.params.sanityImages == 0)
        ep.metrics = { "iou", "pointing", "mass", "deletion", "insertion" };
    // explaining the predicted classes
    c.evaluation = evaluateSaliency(c.explainer, c.model, c.evaluationSet, std::vector<Target>(), ep);
}

void sectionEvaluation(Context& c)
{
    html::Page& page = *c.page;
    if (c.evaluation.methods.empty())
    {
        page.section("evaluation", "How faithful is each map?",
                     html::escape("Not measured: the metrics (GrabCut IoU, pointing game, mass in mask, deletion / "
                                  "insertion) need images with object masks. Give them with --eval-images DIR "
                                  "(object masks in DIR/masks/, same file names)."));
        return;
    }
    page.section("evaluation", "How faithful is each map?",
                 html::escape(cv::format(
                     "Every method on %d scenes with ground-truth object masks, explaining the predicted class "
                     "(model accuracy on them: %s). GrabCut IoU: the segmentation above against the true mask. "
                     "Pointing game: the map's maximum lies on the object. Mass in mask: share of the saliency on "
                     "the object. Deletion / insertion AUC (Petsiuk et al. 2018): the class probability while the "
                     "most salient pixels are removed (low is good) or inserted into a blurred image (high is good). "
                     "Sanity: rank correlation with the maps of the same network with random weights (Adebayo et "
                     "al. 2018; high means the map does not depend on what the network learned). The (chance) row is "
                     "a random point and a uniform map. Also saved as evaluation.csv and evaluation.md.",
                     (int)c.evaluation.images.size(),
                     c.evaluation.accuracy >= 0 ? cv::format("%.1f%%", 100 * c.evaluation.accuracy).c_str() : "n/a")));
    const String csv = c.evaluation.table("csv");
    writeFileAtomic(c.dir + "/evaluation.csv", csv);
    writeFileAtomic(c.dir + "/evaluation.md", c.evaluation.table("markdown"));
    std::vector<std::vector<String> > rows;
    std::stringstream ss(csv);
    String line;
    std::vector<String> header;
    while (std::getline(ss, line))
    {
        std::vector<String> cells;
        std::stringstream ls(line);
        String cell;
        while (std::getline(ls, cell, ','))
            cells.push_back(cell.empty() ? String("-") : cell);
        while (cells.size() < 9)
            cells.push_back("-");
        if (header.empty())
            header = cells;
        else
            rows.push_back(cells);
    }
    page.table({ "method", "images", "GrabCut IoU (high)", "pointing game (high)", "mass in mask (high)",
                 "deletion AUC (low)", "insertion AUC (high)", "sanity rho (low)", "seconds" },
               rows);
}

void sectionShortcut(Context& c)
{
    if (!c.params.shortcut)
        return;
    const std::vector<String> models = embeddedModels();
    if (std::find(models.begin(), models.end(), "resnet_shortcut") == models.end() ||
        std::find(models.begin(), models.end(), "resnet_fmnist") == models.end())
        return;
    html::Page& page = *c.page;
    // The comparison is made with the embedded Fashion-MNIST models on their scenes: it belongs to their reports.
    const String embeddedDir = utils::fs::canonical(dataDirectory() + "/models") + "/";
    if (utils::fs::canonical(c.model.model).compare(0, embeddedDir.size(), embeddedDir) != 0)
    {
        page.section("shortcut", "Shortcut learning made visible",
                     html::escape("This comparison of the embedded resnet_fmnist and resnet_shortcut models is part of "
                                  "the reports of the embedded models (interp report --model resnet_fmnist); see "
                                  "doc/evaluation.md."));
        return;
    }
    page.section("shortcut", "Shortcut learning made visible",
                 html::escape("resnet_shortcut was trained on scenes whose background colour gives the class away "
                              "(like a boat classifier that learned to detect water). On scenes where the background "
                              "carries no information it fails, and its saliency shows why: it looks at the "
                              "background, while resnet_fmnist, the same network trained on unbiased scenes, looks "
                              "at the object."));
    const String unbiased = dataDirectory() + "/scenes/shortcut/unbiased";
    const String biased = dataDirectory() + "/scenes/shortcut/biased";
    const GroundTruthSet ub = readGroundTruth(unbiased, String(), c.params.shortcutCount);
    const GroundTruthSet bs = readGroundTruth(biased, String(), c.params.shortcutCount);
    std::vector<std::vector<String> > rows;
    std::vector<Mat> figureRows;
    for (const String name : { "resnet_fmnist", "resnet_shortcut" })
    {
        const ModelInfo info = embeddedModel(name);
        EvaluationParams ep;
        ep.methods = { "gradient", "gradcam" };
        ep.metrics = { "pointing", "mass" };
        const Ptr<Explainer> ex = readNet(info.model, info.config);
        const EvaluationReport onUnbiased = evaluateSaliency(ex, info, ub, std::vector<Target>(), ep);
        ep.methods = { "gradient" };
        ep.metrics = { "mass" };
        const EvaluationReport onBiased = evaluateSaliency(ex, info, bs, std::vector<Target>(), ep);
        const MethodEvaluation g = onUnbiased.method("gradient"), gc = onUnbiased.method("gradcam");
        rows.push_back({ name, fmt(100 * onBiased.accuracy, 1) + "%", fmt(100 * onUnbiased.accuracy, 1) + "%",
                         fmt(g.meanMass), fmt(g.pointingRate), fmt(gc.meanMass), fmt(gc.pointingRate) });
        // Gradient maps of the first scenes.
        std::vector<Mat> imgs;
        for (int i = 0; i < std::min(6, (int)ub.images.size()); i++)
            imgs.push_back(imread(ub.images[i], IMREAD_COLOR));
        const Mat blob = info.preprocessing.toBlob(imgs);
        const std::vector<Mat> maps = gradientSaliency(ex, blob, std::vector<Target>()).maps;  // predicted classes
        std::vector<Mat> tiles;
        for (size_t n = 0; n < imgs.size(); n++)
            tiles.push_back(overlayOnOriginal(imgs[n], maps[n], info.preprocessing));
        figureRows.push_back(tileImages(tiles, 0, 4));
    }
    page.table({ "model", "accuracy, biased scenes", "accuracy, unbiased scenes", "gradient: mass in mask",
                 "gradient: pointing game", "Grad-CAM: mass in mask", "Grad-CAM: pointing game" },
               rows);
    page.paragraph(cv::format("Saliency metrics on %d unbiased scenes, explaining each model's predicted class; "
                              "accuracies on %d scenes of each kind.", (int)ub.images.size(), (int)bs.images.size()));
    const int scale = std::max(1, 128 / std::max(1, figureRows[0].rows));
    page.figureRow({ "shortcut_resnet_fmnist", "shortcut_resnet_shortcut" }, figureRows,
                   { "resnet_fmnist: gradient saliency on unbiased scenes (on the objects)",
                     "resnet_shortcut: the same scenes (on the background)" },
                   std::min(1000, figureRows[0].cols * scale));
}

}  // namespace report
}  // namespace interp
}  // namespace cv
