// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Model descriptions, preprocessing (blobs and back) and the embedded models and images.
#include "precomp.hpp"

#include "filesystem.hpp"

#include <opencv2/imgcodecs.hpp>

#include <dirent.h>
#include <fstream>

namespace cv {
namespace interp {

using namespace fs;


// ---------------------------------------------------------------------------------------------------------

Mat Preprocessing::toBlob(InputArrayOfArrays images) const
{
    std::vector<Mat> imgs;
    images.getMatVector(imgs);
    if (imgs.empty())
        CV_Error(Error::StsBadArg, "no image to convert to a blob");
    for (size_t i = 0; i < imgs.size(); i++)
        if (imgs[i].empty())
            CV_Error(Error::StsBadArg, cv::format("image %d is empty (unreadable file?)", (int)i));
    Size sz = size;
    if (sz.area() == 0)
    {
        sz = imgs[0].size();
        for (const Mat& m : imgs)
            if (m.size() != sz)
                CV_Error(Error::StsBadSize, "images of different sizes need a common network input size");
    }
    return dnn::blobFromImages(imgs, scale, sz, mean, swapRB, crop, CV_32F);
}

Mat Preprocessing::toImage(const Mat& blob, int index) const
{
    CV_Assert(blob.dims == 4 && blob.type() == CV_32F);
    CV_Assert(index >= 0 && index < blob.size[0]);
    const int C = blob.size[1], H = blob.size[2], W = blob.size[3];
    std::vector<Mat> planes;
    for (int c = 0; c < C; c++)
    {
        Mat p(H, W, CV_32F, (void*)blob.ptr<float>(index, c));
        Mat v = p / (scale == 0 ? 1.0 : scale) + mean[std::min(c, 3)];
        planes.push_back(v);
    }
    if (swapRB && C >= 3)
        std::swap(planes[0], planes[2]);
    Mat merged, out;
    cv::merge(planes, merged);
    merged.convertTo(out, CV_8U);
    return out;
}

Rect Preprocessing::visibleRegion(Size imageSize) const
{
    if (!crop || size.area() == 0)
        return Rect(Point(0, 0), imageSize);
    const double f = std::max((double)size.width / imageSize.width, (double)size.height / imageSize.height);
    const int w = std::min(imageSize.width, cvRound(size.width / f));
    const int h = std::min(imageSize.height, cvRound(size.height / f));
    return Rect((imageSize.width - w) / 2, (imageSize.height - h) / 2, w, h);
}

Mat Preprocessing::mapToImage(const Mat& map, Size imageSize, double fill) const
{
    CV_Assert(!map.empty() && map.dims == 2);
    const Rect r = visibleRegion(imageSize);
    Mat out(imageSize, map.type(), Scalar::all(fill));
    Mat resized;
    cv::resize(map, resized, r.size(), 0, 0, INTER_LINEAR);
    resized.copyTo(out(r));
    return out;
}

// ---------------------------------------------------------------------------------------------------------

String ModelInfo::className(int k) const
{
    if (k >= 0 && k < (int)classNames.size())
        return classNames[k];
    return cv::format("class %d", k);
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
    const String dir = dirName(path);
    ModelInfo info;
    info.name = (String)fs["name"];
    FileNode files = fs["files"];
    if (format == "onnx")
    {
        if (files["onnx"].empty())
            CV_Error(Error::StsBadArg, "model '" + info.name + "' has no ONNX file (see " + path + ")");
        info.model = joinPath(dir, (String)files["onnx"]);
    }
    else if (format == "caffe")
    {
        if (files["caffe_model"].empty() || files["caffe_prototxt"].empty())
            CV_Error(Error::StsBadArg, "model '" + info.name + "' has no Caffe files (see " + path + ")");
        info.model = joinPath(dir, (String)files["caffe_model"]);
        info.config = joinPath(dir, (String)files["caffe_prototxt"]);
    }
    else
        CV_Error(Error::StsBadArg, "unknown model format '" + format + "': use onnx or caffe");
    FileNode pre = fs["preprocessing"];
    Preprocessing& p = info.preprocessing;
    FileNode inSize = fs["input_size"];
    if (inSize.isSeq() && inSize.size() == 2)
        p.size = Size((int)inSize[1], (int)inSize[0]);  // [H, W]
    if (!pre.empty())
    {
        p.scale = pre["scale"].empty() ? 1.0 : (double)pre["scale"];
        FileNode m = pre["mean"];
        if (m.isSeq())
            for (int i = 0; i < (int)m.size() && i < 4; i++)
                p.mean[i] = (double)m[i];
        p.swapRB = !pre["swap_rb"].empty() && (int)pre["swap_rb"] != 0;
        p.crop = !pre["crop"].empty() && (int)pre["crop"] != 0;
    }
    FileNode classes = fs["classes"];
    for (FileNodeIterator it = classes.begin(); it != classes.end(); ++it)
        info.classNames.push_back((String)*it);
    FileNode layers = fs["layers"];
    if (!layers.empty())
    {
        info.lastConvLayer = (String)layers["last_conv"];
        info.logitsLayer = (String)layers["logits"];
        info.probLayer = (String)layers["prob"];
    }
    FileNode acc = fs["accuracy"];
    if (!acc.empty() && !acc["test"].empty())
        info.accuracy = (double)acc["test"];
    const String card = dir + "/../../doc/models/" + info.name + ".md";
    if (isFile(card))
        info.card = card;
    return info;
}

ModelInfo modelInfoFor(const String& model, const String& config)
{
    String stem = model;
    size_t slash = stem.rfind('/');
    size_t dot = stem.rfind('.');
    if (dot != String::npos && (slash == String::npos || dot > slash))
        stem = stem.substr(0, dot);
    const String json = stem + ".json";
    ModelInfo info;
    if (isFile(json))
    {
        const bool caffe = model.size() > 11 && model.compare(model.size() - 11, 11, ".caffemodel") == 0;
        info = readModelInfo(json, caffe ? "caffe" : "onnx");
    }
    info.model = model;
    info.config = config;
    if (info.name.empty())
        info.name = stem.substr(slash == String::npos ? 0 : slash + 1);
    return info;
}

std::vector<String> embeddedModels()
{
    const String dir = dataDirectory() + "/models";
    std::vector<String> names;
    DIR* d = opendir(dir.c_str());
    if (!d)
        return names;
    while (dirent* e = readdir(d))
    {
        String n = e->d_name;
        if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0)
            names.push_back(n.substr(0, n.size() - 5));
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

ModelInfo embeddedModel(const String& name, const String& format)
{
    const String path = dataDirectory() + "/models/" + name + ".json";
    if (!isFile(path))
    {
        std::vector<String> names = embeddedModels();
        String list;
        for (const String& n : names)
            list += (list.empty() ? "" : ", ") + n;
        CV_Error(Error::StsObjectNotFound, "there is no embedded model '" + name + "' (" + path + "); the embedded models are: " + list);
    }
    return readModelInfo(path, format);
}

std::vector<String> demoImages()
{
    std::vector<String> files;
    const String dir = dataDirectory() + "/demo";
    DIR* d = opendir(dir.c_str());
    if (!d)
        CV_Error(Error::StsObjectNotFound, "the embedded demo images are missing: no directory " + dir);
    while (dirent* e = readdir(d))
    {
        String n = e->d_name;
        if (hasImageExtension(n))
            files.push_back(dir + "/" + n);
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    if (files.empty())
        CV_Error(Error::StsObjectNotFound, "no demo image in " + dir);
    return files;
}

std::vector<String> listImages(const String& directoryOrList)
{
    std::vector<String> out;
    if (isDirectory(directoryOrList))
    {
        listRecursive(directoryOrList, out);
        return out;
    }
    if (!isFile(directoryOrList))
        CV_Error(Error::StsObjectNotFound, "'" + directoryOrList + "' is neither a directory nor a list file");
    std::ifstream f(directoryOrList.c_str());
    String line;
    const String dir = dirName(directoryOrList);
    while (std::getline(f, line))
    {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (line.empty() || line[0] == '#')
            continue;
        out.push_back(joinPath(dir, line));
    }
    return out;
}

}  // namespace interp
}  // namespace cv
