// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The HTML report: every section present, every image it refers to written, whole-or-nothing output.
// (Opening the page in headless Chromium is test/report_browser.sh, run by CTest in the standalone build.)
#include "test_precomp.hpp"

#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace opencv_test {
namespace {

using namespace cv::interp;

bool exists(const std::string& p)
{
    struct stat st;
    return ::stat(p.c_str(), &st) == 0;
}

std::string slurp(const std::string& p)
{
    std::ifstream f(p.c_str());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

ReportParams smallReport()
{
    ReportParams p;
    const std::vector<cv::String> demo = demoImages();
    p.images = { demo[0], demo[1] };
    p.evaluationCount = 4;
    p.sanityImages = 1;
    p.patchChannels = 2;
    p.patchTop = 3;
    p.synthesisIterations = 3;
    p.shortcutCount = 4;
    return p;
}

TEST(Interp_Report, writes_every_section_and_image)
{
    const std::string out = "/tmp/interp_test_report_" + std::to_string((long)::getpid());
    const ModelInfo info = embeddedModel("resnet_fmnist");
    const std::string index = writeReport(info, out, smallReport());
    EXPECT_EQ(index, out + "/index.html");
    const std::string html = slurp(index);
    for (const char* id : { "model", "layers", "activations", "patches", "occlusion", "saliency", "segmentation",
                            "synthesis", "evaluation", "shortcut" })
        EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
    for (const cv::String& m : attributionMethodNames())
        EXPECT_NE(html.find("img/saliency_" + m + ".png"), std::string::npos) << m;
    // Every referenced image exists and decodes; no external assets.
    const std::regex src("src=\"([^\"]+)\"");
    int images = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), src); it != std::sregex_iterator(); ++it)
    {
        const std::string rel = (*it)[1];
        EXPECT_EQ(rel.find("://"), std::string::npos) << rel;
        EXPECT_FALSE(cv::imread(out + "/" + rel).empty()) << rel;
        images++;
    }
    EXPECT_GE(images, 30);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    // The evaluation table is also written as files.
    const std::string csv = slurp(out + "/evaluation.csv");
    EXPECT_EQ(csv.find("method,images,grabcut_iou"), 0u);
    EXPECT_NE(csv.find("\ngradcam,4,"), std::string::npos) << csv;
    EXPECT_TRUE(exists(out + "/evaluation.md"));

    // A failing run leaves the previous report as it was, and no partial directory behind.
    ReportParams bad = smallReport();
    bad.images.push_back(out + "/does_not_exist.png");
    EXPECT_THROW(writeReport(info, out, bad), cv::Exception);
    EXPECT_EQ(slurp(index), html);
    const std::string partial = out + ".partial-" + std::to_string((long)::getpid());
    EXPECT_FALSE(exists(partial));
    bad = smallReport();
    bad.methods = { "gradient", "saliency++" };
    EXPECT_THROW(writeReport(info, out, bad), cv::Exception);
    bad = smallReport();
    bad.layers = { "no_such_layer" };
    EXPECT_THROW(writeReport(info, out, bad), cv::Exception);
    EXPECT_EQ(slurp(index), html);
    EXPECT_THROW(writeReport(info, index, smallReport()), cv::Exception);  // a file, not a directory
    std::system(("rm -rf '" + out + "'").c_str());
}

}  // namespace
}  // namespace opencv_test
