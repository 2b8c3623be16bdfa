// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A user's own model: the preprocessing with a per-channel std, label files, model descriptions (JSON) and the
// input size a model file fixes.
#include "test_precomp.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include <fstream>
#include <unistd.h>

namespace opencv_test {
namespace {

namespace ci = cv::interp;

std::string tempDir(const std::string& tag)
{
    const std::string d = "/tmp/interp_test_" + tag + "_" + std::to_string((long)::getpid());
    cv::utils::fs::remove_all(d);
    cv::utils::fs::createDirectories(d);
    return d;
}

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream(path.c_str(), std::ios::binary) << text;
}

ci::Preprocessing torchvisionPrep()
{
    ci::Preprocessing p;
    p.size = cv::Size(5, 4);
    p.swapRB = true;
    p.mean = cv::Scalar(123.675, 116.28, 103.53);
    p.std = cv::Scalar(58.395, 57.12, 57.375);
    return p;
}

TEST(Interp_Preprocessing, per_channel_std_matches_the_torchvision_normalisation)
{
    // A BGR image of constant colour: blob channel c (RGB order) = (pixel - mean[c]) / std[c], by hand.
    const cv::Mat img(4, 5, CV_8UC3, cv::Scalar(10, 200, 250));  // B, G, R
    const cv::Mat blob = torchvisionPrep().toBlob(std::vector<cv::Mat>{ img });
    ASSERT_EQ(blob.size[1], 3);
    const double expected[3] = { (250 - 123.675) / 58.395, (200 - 116.28) / 57.12, (10 - 103.53) / 57.375 };
    for (int c = 0; c < 3; c++)
        EXPECT_NEAR(blob.ptr<float>(0, c)[2 * blob.size[3] + 3], expected[c], 1e-6) << "channel " << c;
    // The same as torchvision's (x / 255 - mean01) / std01.
    EXPECT_NEAR(blob.ptr<float>(0, 0)[0 * blob.size[3] + 0], (250 / 255.0 - 0.485) / 0.229, 1e-5);
    EXPECT_NEAR(torchvisionPrep().channelScale(2), 1 / 57.375, 1e-15);
}

TEST(Interp_Preprocessing, std_and_scale_combine_and_round_trip_through_toImage)
{
    ci::Preprocessing p = torchvisionPrep();
    p.scale = 2.0;
    p.std = cv::Scalar(4, 8, 16);
    cv::Mat img(4, 5, CV_8UC3);
    cv::randu(img, 0, 256);
    const cv::Mat blob = p.toBlob(std::vector<cv::Mat>{ img });
    // (x - mean) * scale / std: blob channel 0 is the image's red (index 2).
    const cv::Vec3b px = img.at<cv::Vec3b>(1, 2);
    EXPECT_NEAR(blob.ptr<float>(0, 0)[1 * blob.size[3] + 2], (px[2] - 123.675) * 2 / 4, 1e-4);
    EXPECT_NEAR(blob.ptr<float>(0, 2)[1 * blob.size[3] + 2], (px[0] - 103.53) * 2 / 16, 1e-4);
    const cv::Mat back = p.toImage(blob);
    EXPECT_LE(cv::norm(back, img, cv::NORM_INF), 1.0);
    // The map of the network input placed on the image: only geometry, the std does not matter.
    const cv::Mat m = p.mapToImage(cv::Mat(4, 5, CV_32F, cv::Scalar(3)), cv::Size(10, 8));
    EXPECT_EQ(m.size(), cv::Size(10, 8));
    EXPECT_EQ(cv::countNonZero(m != 3), 0);
}

TEST(Interp_Preprocessing, a_std_that_is_not_positive_is_an_error_naming_the_flag)
{
    ci::Preprocessing p = torchvisionPrep();
    p.std[1] = 0;
    try
    {
        p.toBlob(std::vector<cv::Mat>{ cv::Mat(4, 5, CV_8UC3, cv::Scalar::all(1)) });
        FAIL() << "no error for a zero std";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("std of channel 1 is 0"), std::string::npos) << e.err;
        EXPECT_NE(e.err.find("--std"), std::string::npos) << e.err;
    }
    p.std[1] = -2;
    EXPECT_THROW(p.check(), cv::Exception);
    p.std[1] = 1;
    p.scale = 0;
    EXPECT_THROW(p.check(), cv::Exception);
}

TEST(Interp_ModelInfo, class_names_from_plain_and_synset_label_files)
{
    const std::string d = tempDir("labels");
    writeText(d + "/plain.txt", "cat\r\nhot dog\n  jack-o'-lantern \n\n");
    EXPECT_EQ(ci::readClassNames(d + "/plain.txt"), (std::vector<cv::String>{ "cat", "hot dog", "jack-o'-lantern" }));
    writeText(d + "/synset_words.txt", "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n"
                                       "n04591713 wine bottle\n");
    EXPECT_EQ(ci::readClassNames(d + "/synset_words.txt"),
              (std::vector<cv::String>{ "tench", "goldfish", "wine bottle" }));
    writeText(d + "/hole.txt", "a\n\nb\n");
    EXPECT_THROW(ci::readClassNames(d + "/hole.txt"), cv::Exception);
    writeText(d + "/empty.txt", "\n");
    EXPECT_THROW(ci::readClassNames(d + "/empty.txt"), cv::Exception);
    EXPECT_THROW(ci::readClassNames(d + "/missing.txt"), cv::Exception);
    cv::utils::fs::remove_all(d);
}

TEST(Interp_ModelInfo, description_round_trips_through_json)
{
    const std::string d = tempDir("describe");
    ci::ModelInfo info;
    info.name = "my net";
    info.model = d + "/net.onnx";
    writeText(info.model, "not read");
    info.preprocessing = torchvisionPrep();
    info.preprocessing.size = cv::Size(224, 200);
    info.preprocessing.crop = true;
    info.classNames = { "a \"quoted\" name", "back\\slash", "c" };
    info.logitsLayer = "fc";
    info.probLayer = "prob";
    info.lastConvLayer = "layer4";
    info.evaluationImages = d + "/eval";
    info.accuracy = 0.75;
    ci::writeModelInfo(d + "/net.json", info);
    // Files inside the description's folder are written relative to it, so the folder can move.
    std::ifstream f((d + "/net.json").c_str());
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"model\": \"net.onnx\""), std::string::npos) << text;

    const ci::ModelInfo back = ci::readModelInfo(d + "/net.json");
    EXPECT_EQ(back.name, info.name);
    EXPECT_EQ(cv::utils::fs::canonical(back.model), cv::utils::fs::canonical(info.model));
    EXPECT_TRUE(back.config.empty());
    EXPECT_EQ(back.preprocessing.size, info.preprocessing.size);
    EXPECT_EQ(back.preprocessing.mean, info.preprocessing.mean);
    for (int c = 0; c < 3; c++)
        EXPECT_EQ(back.preprocessing.std[c], info.preprocessing.std[c]);
    EXPECT_EQ(back.preprocessing.scale, info.preprocessing.scale);
    EXPECT_TRUE(back.preprocessing.swapRB);
    EXPECT_TRUE(back.preprocessing.crop);
    EXPECT_EQ(back.classNames, info.classNames);
    EXPECT_EQ(back.logitsLayer, "fc");
    EXPECT_EQ(back.probLayer, "prob");
    EXPECT_EQ(back.lastConvLayer, "layer4");
    EXPECT_EQ(back.accuracy, 0.75);
    EXPECT_EQ(cv::utils::fs::canonical(back.evaluationImages), cv::utils::fs::canonical(d) + "/eval");
    // modelInfoFor finds <stem>.json next to the model.
    EXPECT_EQ(ci::modelInfoFor(info.model).preprocessing.std[1], info.preprocessing.std[1]);
    cv::utils::fs::remove_all(d);
}

TEST(Interp_ModelInfo, a_hand_written_description_with_a_label_file)
{
    const std::string d = tempDir("handwritten");
    writeText(d + "/labels.txt", "n00000001 zero, nil\nn00000002 one\n");
    writeText(d + "/m.json", "{\"files\": {\"model\": \"m.onnx\"}, \"input_size\": [227, 227],\n"
                             " \"preprocessing\": {\"mean\": [104, 117, 123]}, \"labels\": \"labels.txt\"}\n");
    const ci::ModelInfo info = ci::readModelInfo(d + "/m.json");
    EXPECT_EQ(info.name, "m");
    EXPECT_EQ(info.preprocessing.size, cv::Size(227, 227));
    EXPECT_EQ(info.preprocessing.mean, cv::Scalar(104, 117, 123));
    EXPECT_EQ(info.preprocessing.std, cv::Scalar(1, 1, 1, 1));
    EXPECT_FALSE(info.preprocessing.swapRB);
    EXPECT_EQ(info.classNames, (std::vector<cv::String>{ "zero", "one" }));
    writeText(d + "/nofile.json", "{\"name\": \"x\"}\n");
    EXPECT_THROW(ci::readModelInfo(d + "/nofile.json"), cv::Exception);
    cv::utils::fs::remove_all(d);
}

// ------------------------------------------------------------------------------- input size from the model file

//! Protobuf wire encoding, enough for a ModelProto whose graph has inputs and initializers.
std::string varint(uint64 v)
{
    std::string s;
    do
    {
        s += (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return s;
}
std::string lengthField(int number, const std::string& payload)
{
    return varint((uint64)number << 3 | 2) + varint(payload.size()) + payload;
}
std::string varintField(int number, uint64 v)
{
    return varint((uint64)number << 3) + varint(v);
}
//! ValueInfoProto{name, type{tensor_type{elem_type, shape{dim...}}}}; a dim < 0 is symbolic ("dim_param").
std::string valueInfo(const std::string& name, const std::vector<int>& dims)
{
    std::string shape;
    for (int d : dims)
        shape += lengthField(1, d >= 0 ? varintField(1, (uint64)d) : lengthField(2, "h"));
    const std::string tensor = varintField(1, 1) + lengthField(2, shape);
    return lengthField(1, name) + lengthField(2, lengthField(1, tensor));
}

TEST(Interp_ModelInfo, input_shape_of_onnx_graphs_fixed_dynamic_and_with_initializers_as_inputs)
{
    EXPECT_EQ(ci::modelInputShape(interp_test::dataPath("models/alexnet_fmnist.onnx")),
              (std::vector<int>{ 1, 3, 112, 112 }));
    EXPECT_EQ(ci::modelInputShape(interp_test::dataPath("reference/vgg/model.onnx")), (std::vector<int>{ 2, 3, 32, 32 }));

    const std::string d = tempDir("onnx");
    // Older exports list the weights among the graph inputs: the input is the first one that is not an initializer.
    const std::string initializer = lengthField(5, lengthField(8, "w") + varintField(2, 1));
    const std::string ir = varintField(1, 7);
    const std::string fixedGraph = lengthField(11, valueInfo("w", { 8, 3, 3, 3 })) + initializer +
                                   lengthField(11, valueInfo("data", { 1, 3, 227, 200 }));
    writeText(d + "/fixed.onnx", ir + lengthField(7, fixedGraph));
    EXPECT_EQ(ci::modelInputShape(d + "/fixed.onnx"), (std::vector<int>{ 1, 3, 227, 200 }));
    // A symbolic batch size is 1; a symbolic height means the model does not fix its size.
    writeText(d + "/batch.onnx", ir + lengthField(7, lengthField(11, valueInfo("x", { -1, 3, 64, 64 }))));
    EXPECT_EQ(ci::modelInputShape(d + "/batch.onnx"), (std::vector<int>{ 1, 3, 64, 64 }));
    writeText(d + "/dynamic.onnx", ir + lengthField(7, lengthField(11, valueInfo("x", { 1, 3, -1, -1 }))));
    EXPECT_TRUE(ci::modelInputShape(d + "/dynamic.onnx").empty());
    // Not ONNX, truncated, missing: clear errors.
    writeText(d + "/text.onnx", "this is not a model\n");
    EXPECT_THROW(ci::modelInputShape(d + "/text.onnx"), cv::Exception);
    const std::string whole = ir + lengthField(7, fixedGraph);
    writeText(d + "/truncated.onnx", whole.substr(0, whole.size() - 5));
    EXPECT_THROW(ci::modelInputShape(d + "/truncated.onnx"), cv::Exception);
    EXPECT_THROW(ci::modelInputShape(d + "/missing.onnx"), cv::Exception);
    cv::utils::fs::remove_all(d);
}

TEST(Interp_ModelInfo, input_shape_of_a_caffe_prototxt)
{
    EXPECT_EQ(ci::modelInputShape(interp_test::dataPath("models/alexnet_fmnist.caffemodel"),
                                  interp_test::dataPath("models/alexnet_fmnist.prototxt")),
              (std::vector<int>{ 1, 3, 112, 112 }));
}

TEST(Interp_ModelInfo, describe_model_fills_the_layers_and_checks_the_class_names)
{
    ci::ModelInfo info = ci::embeddedModel("alexnet_fmnist");
    const cv::Ptr<ci::Explainer> ex = ci::readNet(info.model);
    ci::ModelInfo bare;
    bare.model = info.model;  // no description: everything from the network
    const ci::ModelInfo d = ci::describeModel(ex, bare);
    EXPECT_EQ(d.preprocessing.size, cv::Size(112, 112));
    EXPECT_EQ(d.logitsLayer, "onnx_node!fc8");
    EXPECT_EQ(ex->graph().find(d.probLayer), ex->graph().outputLayer()) << d.probLayer;
    EXPECT_EQ(d.lastConvLayer, "onnx_node!relu5");
    EXPECT_EQ(d.name, "alexnet_fmnist");
    // As many class names as scores, or an error that says both numbers.
    info.classNames.pop_back();
    try
    {
        ci::describeModel(ex, info);
        FAIL() << "no error for 9 class names of a 10-class model";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("9 class names"), std::string::npos) << e.err;
        EXPECT_NE(e.err.find("10 class scores"), std::string::npos) << e.err;
    }
    // A layer name that does not exist.
    info = ci::embeddedModel("alexnet_fmnist");
    info.lastConvLayer = "conv99";
    EXPECT_THROW(ci::describeModel(ex, info), cv::Exception);
}

}  // namespace
}  // namespace opencv_test
