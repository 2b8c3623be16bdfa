// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The embedded models (data/models, trained by data/train_models.py): they load from every shipped format,
// reproduce PyTorch's logits, reach the accuracy stated on their cards through cv::dnn, and the shortcut twin
// really learned the shortcut. Also: the defaults are found, and a missing data directory is reported clearly.
#include "test_precomp.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace opencv_test {
namespace {

struct Scene
{
    std::string file;
    int label;
};

std::vector<Scene> readLabels(const std::string& dir)
{
    std::vector<Scene> scenes;
    std::ifstream f((dir + "/labels.csv").c_str());
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line))
    {
        std::stringstream ss(line);
        std::string file, label;
        std::getline(ss, file, ',');
        std::getline(ss, label, ',');
        if (!file.empty())
            scenes.push_back({ dir + "/" + file, std::atoi(label.c_str()) });
    }
    return scenes;
}

//! Accuracy of a model on a scene directory through cv::dnn (plain inference, batches of 50).
double accuracy(const cv::interp::ModelInfo& info, const std::string& dir)
{
    const std::vector<Scene> scenes = readLabels(dir);
    CV_Assert(!scenes.empty());
    cv::dnn::Net net = cv::dnn::readNet(info.model, info.config);
    int correct = 0;
    for (size_t b = 0; b < scenes.size(); b += 50)
    {
        std::vector<cv::Mat> imgs;
        for (size_t i = b; i < std::min(scenes.size(), b + 50); i++)
            imgs.push_back(cv::imread(scenes[i].file));
        net.setInput(info.preprocessing.toBlob(imgs));
        cv::Mat out = net.forward();
        out = out.reshape(1, (int)imgs.size());
        for (int i = 0; i < out.rows; i++)
        {
            cv::Point mx;
            cv::minMaxLoc(out.row(i), nullptr, nullptr, nullptr, &mx);
            correct += mx.x == scenes[b + i].label;
        }
    }
    return (double)correct / scenes.size();
}

std::vector<std::pair<std::string, std::string> > modelsAndFormats()
{
    return { { "alexnet_fmnist", "onnx" }, { "alexnet_fmnist", "caffe" }, { "resnet_fmnist", "onnx" },
             { "resnet_shortcut", "onnx" } };
}

class Interp_Models : public ::testing::TestWithParam<std::pair<std::string, std::string> > {};
// The shortcut twin's card states biased/unbiased accuracies instead (Interp_Models_Shortcut).
class Interp_ModelAccuracy : public ::testing::TestWithParam<std::pair<std::string, std::string> > {};

TEST_P(Interp_Models, reproduce_pytorch_logits)
{
    const std::string name = GetParam().first, format = GetParam().second;
    const std::string json = interp_test::dataPath("models/" + name + ".json");
    cv::interp::ModelInfo info = cv::interp::readModelInfo(json, format);
    cv::FileStorage fs(json, cv::FileStorage::READ);
    cv::FileNode check = fs["logits_check"];
    ASSERT_FALSE(check.empty());
    // The check batch is the first test scenes through our preprocessing: this also proves the C++
    // preprocessing equals the training pipeline's.
    std::vector<std::string> files;
    check["scenes"] >> files;
    ASSERT_FALSE(files.empty());
    std::vector<cv::Mat> imgs;
    const std::string source = (std::string)check["source"];
    for (const std::string& f : files)
        imgs.push_back(cv::imread(interp_test::dataPath(source + "/" + f)));
    cv::Mat blob = info.preprocessing.toBlob(imgs);
    const cv::Mat logits = cv::interp::readNpy(interp_test::dataPath("models/" + (std::string)check["logits"]));
    const cv::Mat probs = cv::interp::readNpy(interp_test::dataPath("models/" + (std::string)check["probs"]));
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model, info.config);
    cv::Ptr<cv::interp::Tape> tape = ex->forward(blob);
    const cv::Mat& s = tape->outputs(ex->graph().scoreLayer())[0];
    const cv::Mat& p = tape->outputs(ex->graph().outputLayer())[0];
    EXPECT_LE(cv::norm(s.reshape(1, 1), logits.reshape(1, 1), cv::NORM_INF), 1e-4) << name << " (" << format << ") logits";
    EXPECT_LE(cv::norm(p.reshape(1, 1), probs.reshape(1, 1), cv::NORM_INF), 1e-4) << name << " (" << format << ") probabilities";
    // the named layers exist
    for (const std::string& l : { info.lastConvLayer, info.logitsLayer, info.probLayer })
        EXPECT_GE(ex->graph().find(format == "caffe" ? l.substr(l.find('!') + 1) : l), 0) << l;
}

TEST_P(Interp_ModelAccuracy, matches_card)
{
    const std::string name = GetParam().first, format = GetParam().second;
    cv::interp::ModelInfo info = cv::interp::embeddedModel(name, format);
    ASSERT_GT(info.accuracy, 0);
    const double acc = accuracy(info, interp_test::dataPath("scenes/test"));
    EXPECT_NEAR(acc, info.accuracy, 0.01) << name << " (" << format << ")";
    EXPECT_GE(acc, 0.85) << name << ": the issue asks for >= 85% on the unbiased test scenes";
}

static std::string paramName(const ::testing::TestParamInfo<std::pair<std::string, std::string> >& i)
{
    return i.param.first + "_" + i.param.second;
}

INSTANTIATE_TEST_CASE_P(Interp, Interp_Models, ::testing::ValuesIn(modelsAndFormats()), paramName);


INSTANTIATE_TEST_CASE_P(Interp, Interp_ModelAccuracy,
                        ::testing::Values(std::make_pair(std::string("alexnet_fmnist"), std::string("onnx")),
                                          std::make_pair(std::string("alexnet_fmnist"), std::string("caffe")),
                                          std::make_pair(std::string("resnet_fmnist"), std::string("onnx"))),
                        paramName);

TEST(Interp_Models_Shortcut, twin_relies_on_the_background)
{
    cv::interp::ModelInfo twin = cv::interp::embeddedModel("resnet_shortcut");
    const double biased = accuracy(twin, interp_test::dataPath("scenes/shortcut/biased"));
    const double unbiased = accuracy(twin, interp_test::dataPath("scenes/shortcut/unbiased"));
    cv::FileStorage fs(interp_test::dataPath("models/resnet_shortcut.json"), cv::FileStorage::READ);
    EXPECT_NEAR(biased, (double)fs["accuracy"]["shortcut_biased"], 0.01);
    EXPECT_NEAR(unbiased, (double)fs["accuracy"]["shortcut_unbiased"], 0.01);
    EXPECT_GE(biased - unbiased, 0.30) << "biased " << biased << ", unbiased " << unbiased;
    // the clean model does not care about the background colour
    cv::interp::ModelInfo clean = cv::interp::embeddedModel("resnet_fmnist");
    const double cb = accuracy(clean, interp_test::dataPath("scenes/shortcut/biased"));
    const double cu = accuracy(clean, interp_test::dataPath("scenes/shortcut/unbiased"));
    EXPECT_LT(std::abs(cb - cu), 0.10) << "clean model: biased " << cb << ", unbiased " << cu;
}

TEST(Interp_Models_Defaults, found_without_flags_and_missing_data_reported)
{
    std::vector<cv::String> models = cv::interp::embeddedModels();
    for (const char* m : { "alexnet_fmnist", "resnet_fmnist", "resnet_shortcut" })
        EXPECT_NE(std::find(models.begin(), models.end(), m), models.end()) << m;
    EXPECT_FALSE(cv::interp::demoImages().empty());
    cv::interp::ModelInfo def = cv::interp::embeddedModel();
    EXPECT_EQ(def.name, "alexnet_fmnist");
    EXPECT_EQ(def.classNames.size(), 10u);
    EXPECT_EQ(def.preprocessing.size, cv::Size(112, 112));
    // An explicit INTERP_DATA_DIR that does not hold the data is an error naming it.
    const char* old = std::getenv("INTERP_DATA_DIR");
    const std::string saved = old ? old : "";
    setenv("INTERP_DATA_DIR", "/nonexistent/interp-data", 1);
    std::string msg;
    try
    {
        cv::interp::embeddedModel();
    }
    catch (const cv::Exception& e)
    {
        msg = e.err;
    }
    if (old)
        setenv("INTERP_DATA_DIR", saved.c_str(), 1);
    else
        unsetenv("INTERP_DATA_DIR");
    EXPECT_NE(msg.find("INTERP_DATA_DIR is set to '/nonexistent/interp-data'"), std::string::npos) << msg;
    // and pointing it at the data works
    setenv("INTERP_DATA_DIR", interp_test::dataPath("").c_str(), 1);
    EXPECT_EQ(cv::interp::embeddedModel().name, "alexnet_fmnist");
    if (old)
        setenv("INTERP_DATA_DIR", saved.c_str(), 1);
    else
        unsetenv("INTERP_DATA_DIR");
}

}  // namespace
}  // namespace opencv_test
