// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Model descriptions: reading and writing the JSON, label files, and completing a description from the network.
#include "precomp.hpp"
#include "filesystem.hpp"
#include "json.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include <fstream>
#include <sstream>

namespace cv {
namespace interp {

namespace {

String stemOf(const String& path)
{
    const size_t slash = path.rfind('/');
    String s = path.substr(slash == String::npos ? 0 : slash + 1);
    const size_t dot = s.rfind('.');
    return dot == String::npos || dot == 0 ? s : s.substr(0, dot);
}

//! `path` relative to `dir` when it lies inside it, else absolute (empty stays empty).
String relativeTo(const String& dir, const String& path)
{
    if (path.empty())
        return path;
    const String absDir = utils::fs::canonical(dir.empty() ? String(".") : dir);
    const String absPath = utils::fs::canonical(path);
    if (absPath.size() > absDir.size() + 1 && absPath.compare(0, absDir.size(), absDir) == 0 &&
        absPath[absDir.size()] == '/')
        return absPath.substr(absDir.size() + 1);
    return absPath;
}

String trimmed(String s)
{
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    size_t b = 0;
    while (b < s.size() && (s[b] == ' ' || s[b] == '\t'))
        b++;
    return s.substr(b);
}

//! "n01440764 tench, Tinca tinca" -> "tench"; other lines unchanged.
String synsetName(const String& line)
{
    if (line.size() < 11 || line[0] != 'n' || line[9] != ' ')
        return line;
    for (int i = 1; i < 9; i++)
        if (line[i] < '0' || line[i] > '9')
            return line;
    const String rest = line.substr(10);
    return trimmed(rest.substr(0, rest.find(',')));
}

}  // namespace

String ModelInfo::className(int k) const
{
    if (k >= 0 && k < (int)classNames.size())
        return classNames[k];
    return cv::format("class %d", k);
}

std::vector<String> readClassNames(const String& path)
{
    std::ifstream f(path.c_str());
    if (!f)
        CV_Error(Error::StsError, "cannot read the label file '" + path + "': give a text file with one class name "
                                  "per line (or ImageNet's synset_words.txt)");
    std::vector<String> names;
    String line;
    int blank = 0, lineNo = 0;
    while (std::getline(f, line))
    {
        lineNo++;
        line = trimmed(line);
        if (line.empty())
        {
            blank = blank ? blank : lineNo;
            continue;
        }
        if (blank)
            CV_Error(Error::StsParseError, cv::format("line %d of the label file '%s' is empty: the file must hold "
                                                      "one class name per line, class 0 first", blank, path.c_str()));
        names.push_back(synsetName(line));
    }
    if (names.empty())
        CV_Error(Error::StsParseError, "the label file '" + path + "' holds no class name: give one name per line");
    return names;
}

ModelInfo readModelInfo(const String& path, const String& format)
{
    FileStorage fs;
    try
    {
        fs.open(path, FileStorage::READ | FileStorage::FORMAT_JSON);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsParseError, "cannot parse the model description '" + path + "': " + e.err);
    }
    if (!fs.isOpened())
        CV_Error(Error::StsError, "cannot read the model description '" + path + "'");
    const String dir = fs::dirName(path);
    ModelInfo info;
    info.name = (String)fs["name"];
    const FileNode files = fs["files"];
    const bool generic = !files["model"].empty();
    const bool hasOnnx = !files["onnx"].empty();
    const bool hasCaffe = !files["caffe_model"].empty() && !files["caffe_prototxt"].empty();
    String use = format;
    if (use.empty())
        use = generic ? "model" : hasOnnx ? "onnx" : hasCaffe ? "caffe" : "";
    if (use == "model" && generic)
    {
        info.model = fs::joinPath(dir, (String)files["model"]);
        if (!files["config"].empty() && !((String)files["config"]).empty())
            info.config = fs::joinPath(dir, (String)files["config"]);
    }
    else if (use == "onnx" && hasOnnx)
        info.model = fs::joinPath(dir, (String)files["onnx"]);
    else if (use == "caffe" && hasCaffe)
    {
        info.model = fs::joinPath(dir, (String)files["caffe_model"]);
        info.config = fs::joinPath(dir, (String)files["caffe_prototxt"]);
    }
    else if (use == "onnx" || use == "caffe")
        CV_Error(Error::StsBadArg, "model '" + info.name + "' has no " + (use == "onnx" ? "ONNX" : "Caffe") +
                                   " files (see " + path + ")");
    else if (!use.empty())
        CV_Error(Error::StsBadArg, "unknown model format '" + format + "': use onnx or caffe");
    else
        CV_Error(Error::StsParseError, "the model description '" + path + "' names no model file: give \"files\": "
                                       "{\"model\": \"<file>\"} (see doc/own-model.md)");
    if (info.name.empty())
        info.name = stemOf(info.model);

    Preprocessing& p = info.preprocessing;
    const FileNode inSize = fs["input_size"];
    if (inSize.isSeq() && inSize.size() == 2)
        p.size = Size((int)inSize[1], (int)inSize[0]);  // [H, W]
    json::readPreprocessingMembers(fs["preprocessing"], p);

    const FileNode classes = fs["classes"];
    for (FileNodeIterator it = classes.begin(); it != classes.end(); ++it)
        info.classNames.push_back((String)*it);
    if (info.classNames.empty() && !fs["labels"].empty())
        info.classNames = readClassNames(fs::joinPath(dir, (String)fs["labels"]));
    // Caffe imports name layers differently: an embedded model lists those names separately.
    const FileNode layers = use == "caffe" && !fs["caffe_layers"].empty() ? fs["caffe_layers"] : fs["layers"];
    if (!layers.empty())
    {
        info.lastConvLayer = (String)layers["last_conv"];
        info.logitsLayer = (String)layers["logits"];
        info.probLayer = (String)layers["prob"];
    }
    const FileNode acc = fs["accuracy"];
    if (!acc.empty() && !acc["test"].empty())
        info.accuracy = (double)acc["test"];
    if (!fs["evaluation_images"].empty() && !((String)fs["evaluation_images"]).empty())
        info.evaluationImages = fs::joinPath(dir, (String)fs["evaluation_images"]);
    const String card = dir + "/../../doc/models/" + info.name + ".md";
    if (!fs["card"].empty())
        info.card = fs::joinPath(dir, (String)fs["card"]);
    else if (fs::isFile(card))
        info.card = card;
    return info;
}

void writeModelInfo(const String& path, const ModelInfo& info)
{
    if (info.model.empty())
        CV_Error(Error::StsBadArg, "writeModelInfo: the description names no model file");
    const String dir = fs::dirName(path);
    if (!utils::fs::isDirectory(dir))
        CV_Error(Error::StsError, "cannot write '" + path + "': the folder '" + dir + "' does not exist");
    const Preprocessing& p = info.preprocessing;
    std::ostringstream s;
    s << "{\n";
    s << "  \"format\": \"interp-model\",\n";
    s << "  \"version\": 1,\n";
    s << "  \"name\": " << json::str(info.name.empty() ? stemOf(info.model) : info.name) << ",\n";
    s << "  \"files\": {\"model\": " << json::str(relativeTo(dir, info.model)) << ", \"config\": "
      << json::str(relativeTo(dir, info.config)) << "},\n";
    s << "  \"input_size\": [" << p.size.height << ", " << p.size.width << "],\n";
    s << "  \"preprocessing\": {" << json::preprocessingMembers(p) << "},\n";
    s << "  \"layers\": {\"logits\": " << json::str(info.logitsLayer) << ", \"prob\": " << json::str(info.probLayer)
      << ", \"last_conv\": " << json::str(info.lastConvLayer) << "},\n";
    if (!info.evaluationImages.empty())
        s << "  \"evaluation_images\": " << json::str(relativeTo(dir, info.evaluationImages)) << ",\n";
    if (info.accuracy >= 0)
        s << "  \"accuracy\": {\"test\": " << json::number(info.accuracy) << "},\n";
    if (!info.card.empty())
        s << "  \"card\": " << json::str(relativeTo(dir, info.card)) << ",\n";
    s << "  \"classes\": [";
    for (size_t k = 0; k < info.classNames.size(); k++)
        s << (k ? "," : "") << (k % 8 == 0 ? "\n    " : " ") << json::str(info.classNames[k]);
    s << (info.classNames.empty() ? "]\n" : "\n  ]\n");
    s << "}\n";
    writeFileAtomic(path, s.str());
}

ModelInfo modelInfoFor(const String& model, const String& config)
{
    const size_t slash = model.rfind('/');
    const String json = (slash == String::npos ? String() : model.substr(0, slash + 1)) + stemOf(model) + ".json";
    ModelInfo info;
    if (fs::isFile(json))
    {
        const bool caffe = model.size() > 11 && model.compare(model.size() - 11, 11, ".caffemodel") == 0;
        info = readModelInfo(json, caffe ? "caffe" : "");
    }
    else
    {
        const std::vector<int> shape = modelInputShape(model, config);
        if (shape.size() == 4)
            info.preprocessing.size = Size(shape[3], shape[2]);
    }
    info.model = model;
    info.config = config;
    if (info.name.empty())
        info.name = stemOf(model);
    return info;
}

ModelInfo describeModel(const Ptr<Explainer>& explainer, const ModelInfo& in)
{
    if (!explainer || !explainer->impl)
        CV_Error(Error::StsNullPtr, "describeModel: the explainer is empty (load the model with cv::interp::readNet)");
    ModelInfo info = in;
    const Graph& G = explainer->graph();
    if (info.name.empty() && !info.model.empty())
        info.name = stemOf(info.model);
    Preprocessing& p = info.preprocessing;
    if (p.size.area() == 0 && !info.model.empty())
    {
        const std::vector<int> shape = modelInputShape(info.model, info.config);
        if (shape.size() == 4)
            p.size = Size(shape[3], shape[2]);
    }
    if (p.size.area() == 0)
        CV_Error(Error::StsBadArg, "the model '" + info.model + "' does not fix its input size (a dynamic ONNX input, "
                                   "or a prototxt without an input shape): give the network input size (--size W,H "
                                   "on the command line, \"input_size\": [H, W] in a model description, "
                                   "Preprocessing::size in the API)");
    p.check();

    // One blob made the way images will be made, through the network.
    const Mat grey(p.size, CV_8UC3, Scalar::all(128));
    const Mat blob = p.toBlob(std::vector<Mat>(1, grey));
    Ptr<Tape> tape;
    try
    {
        tape = explainer->forward(blob);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsBadArg, cv::format("the model '%s' does not run on a 1 x %d x %d x %d blob (%s): check the "
                                              "input size (--size W,H)%s. cv::dnn said: %s", info.model.c_str(),
                                              blob.size[1], blob.size[2], blob.size[3], p.describe().c_str(),
                                              info.config.empty() ? "" : " and the configuration file",
                                              e.err.c_str()));
    }
    const int scores = G.scoreLayer();
    if (info.logitsLayer.empty())
        info.logitsLayer = G.layer(scores).name;
    else
        G.require(info.logitsLayer);
    if (info.probLayer.empty() && G.outputLayer() != scores)
        info.probLayer = G.layer(G.outputLayer()).name;
    else if (!info.probLayer.empty())
        G.require(info.probLayer);
    if (info.lastConvLayer.empty())
    {
        try
        {
            info.lastConvLayer = G.layer(defaultGradCamLayer(explainer, G.find(info.logitsLayer), dnn::shape(blob))).name;
        }
        catch (const cv::Exception&)
        {
            // no convolutional block before the scores: Grad-CAM needs --layer then
        }
    }
    else
        G.require(info.lastConvLayer);
    const int classes = (int)tape->output(info.logitsLayer).total();
    if (!info.classNames.empty() && (int)info.classNames.size() != classes)
        CV_Error(Error::StsBadArg, cv::format("%d class names were given (--labels, or \"classes\" in the model "
                                              "description) but the model has %d class scores (layer '%s'): give "
                                              "one name per class, class 0 first", (int)info.classNames.size(),
                                              classes, info.logitsLayer.c_str()));
    return info;
}

}  // namespace interp
}  // namespace cv
