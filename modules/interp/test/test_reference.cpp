// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The engine against PyTorch autograd: every model family of data/reference (made by data/make_reference.py
// with random weights), every rule (standard, guided, deconvnet) and target kind (class per sample, neuron,
// channel), from ONNX and, where shipped, Caffe files.
#include "test_precomp.hpp"

namespace opencv_test {
namespace {

using cv::interp::Target;

struct ReferenceModel
{
    std::string name;
    bool caffe;
};

std::ostream& operator<<(std::ostream& os, const ReferenceModel& m) { return os << m.name << (m.caffe ? "_caffe" : ""); }

std::vector<ReferenceModel> referenceModels()
{
    std::vector<ReferenceModel> out;
    for (const std::string& n : interp_test::referenceModels())
    {
        out.push_back({ n, false });
        cv::FileStorage fs(interp_test::dataPath("reference/" + n + "/reference.json"), cv::FileStorage::READ);
        if (!fs["caffe"].empty())
            out.push_back({ n, true });
    }
    return out;
}

class Interp_Reference : public ::testing::TestWithParam<ReferenceModel> {};

TEST_P(Interp_Reference, gradients_match_pytorch)
{
    const ReferenceModel& m = GetParam();
    const std::string dir = interp_test::dataPath("reference/" + m.name) + "/";
    cv::FileStorage fs(dir + "reference.json", cv::FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    cv::Ptr<cv::interp::Explainer> ex;
    if (m.caffe)
        ex = cv::interp::readNet(dir + (std::string)fs["caffe"]["caffemodel"], dir + (std::string)fs["caffe"]["prototxt"]);
    else
        ex = cv::interp::readNet(dir + (std::string)fs["model"]);
    const cv::Mat input = cv::interp::readNpy(dir + (std::string)fs["input"]);
    const int N = input.size[0];

    // forward: the net output and the pre-softmax scores the class targets use by default
    cv::Ptr<cv::interp::Tape> tape = ex->forward(input);
    const cv::Mat output = cv::interp::readNpy(dir + (std::string)fs["output"]);
    const cv::Mat logits = cv::interp::readNpy(dir + (std::string)fs["logits"]);
    const cv::Mat& out = tape->outputs(ex->graph().outputLayer())[0];
    EXPECT_LT(interp_test::relL2(out, output), 1e-4) << "network output";
    const cv::Mat& scores = tape->outputs(ex->graph().scoreLayer())[0];
    EXPECT_LT(interp_test::relL2(scores, logits), 1e-4) << "class scores (" << ex->graph().layer(ex->graph().scoreLayer()).name << ")";

    int cases = 0;
    for (cv::FileNode c : fs["cases"])
    {
        const std::string rule = (std::string)c["rule"];
        const int variant = cv::interp::parseVariant(rule);
        cv::FileNode t = c["target"];
        const std::string kind = (std::string)t["kind"];
        std::string layer = (std::string)t[m.caffe ? "caffe_layer" : "layer"];
        std::vector<Target> targets;
        if (kind == "class")
        {
            std::vector<int> classes;
            t["classes"] >> classes;
            ASSERT_EQ((int)classes.size(), N);
            for (int k : classes)
                targets.push_back(Target::classScore(k));
        }
        else if (kind == "neuron")
            targets.push_back(Target::neuron(layer, (int)t["channel"], (int)t["y"], (int)t["x"]));
        else if (kind == "channel")
            targets.push_back(Target::channel(layer, (int)t["channel"]));
        else
            FAIL() << "unknown target kind " << kind;
        cv::Mat g = ex->gradient(input, targets, variant);
        const cv::Mat expected = cv::interp::readNpy(dir + (std::string)c["grad"]);
        ASSERT_EQ(g.total(), expected.total());
        const double err = interp_test::relL2(g, expected);
        EXPECT_LT(err, 1e-4) << m << ": rule " << rule << ", target " << targets[0].describe();
        EXPECT_GT(cv::norm(expected), 0) << "degenerate reference";
        cases++;
    }
    EXPECT_GE(cases, 9);
}

INSTANTIATE_TEST_CASE_P(Interp, Interp_Reference, ::testing::ValuesIn(referenceModels()),
                        [](const ::testing::TestParamInfo<ReferenceModel>& info) {
                            return info.param.name + (info.param.caffe ? "_caffe" : "");
                        });

TEST(Interp_Reference_Data, all_families_present)
{
    const std::vector<std::string> n = interp_test::referenceModels();
    for (const char* family : { "alexnet", "alexnet_caffe", "vgg", "resnet", "squeezenet", "googlenet", "densenet",
                                "mobilenetv2", "shufflenetv2", "efficientnet", "layers", "normalization", "pool1d_lrn" })
        EXPECT_NE(std::find(n.begin(), n.end(), family), n.end()) << "missing data/reference/" << family;
}

}  // namespace
}  // namespace opencv_test
