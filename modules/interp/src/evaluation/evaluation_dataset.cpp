// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Ground truth of the evaluation: images with object masks and labels, found in folders and read a batch at a time.
#include "../precomp.hpp"
#include "evaluation_dataset.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include "../io/filesystem.hpp"

#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <sstream>

namespace cv {
namespace interp {

namespace {

String stripSlashes(String p)
{
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p;
}

String withoutExtension(const String& p)
{
    const size_t dot = p.rfind('.'), slash = p.rfind('/');
    return (dot == String::npos || (slash != String::npos && dot < slash)) ? p : p.substr(0, dot);
}

std::vector<String> splitCsvLine(const String& line)
{
    std::vector<String> cells;
    std::stringstream ss(line);
    String cell;
    while (std::getline(ss, cell, ','))
    {
        while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' '))
            cell.pop_back();
        cells.push_back(cell);
    }
    return cells;
}

//! file (relative path or base name) -> label, from a CSV with `file` and `label` columns; empty if absent.
std::map<String, int> readLabels(const String& csv)
{
    std::map<String, int> labels;
    std::ifstream f(csv.c_str());
    if (!f)
        return labels;
    String line;
    if (!std::getline(f, line))
        return labels;
    const std::vector<String> header = splitCsvLine(line);
    const auto fileCol = std::find(header.begin(), header.end(), "file");
    const auto labelCol = std::find(header.begin(), header.end(), "label");
    if (fileCol == header.end() || labelCol == header.end())
        CV_Error(Error::StsParseError, "'" + csv + "' has no 'file' and 'label' columns in its header line: rename "
                                       "its columns or remove the file to evaluate without labels");
    const size_t fc = fileCol - header.begin(), lc = labelCol - header.begin();
    int lineNo = 1;
    while (std::getline(f, line))
    {
        lineNo++;
        const std::vector<String> cells = splitCsvLine(line);
        if (cells.empty() || (cells.size() == 1 && cells[0].empty()))
            continue;
        if (cells.size() <= std::max(fc, lc))
            CV_Error(Error::StsParseError, cv::format("%s:%d: too few columns", csv.c_str(), lineNo));
        char* end = nullptr;
        const long v = std::strtol(cells[lc].c_str(), &end, 10);
        if (end == cells[lc].c_str() || *end != 0)
            CV_Error(Error::StsParseError, cv::format("%s:%d: label '%s' is not an integer", csv.c_str(), lineNo,
                                                      cells[lc].c_str()));
        labels[cells[fc]] = (int)v;
    }
    return labels;
}

}  // namespace

GroundTruthSet readGroundTruth(const String& imagesDir_, const String& masksDir_, int limit)
{
    const String imagesDir = stripSlashes(imagesDir_);
    if (!utils::fs::isDirectory(imagesDir))
        CV_Error(Error::StsObjectNotFound, "image directory '" + imagesDir + "' does not exist: give the folder that "
                                           "holds the images (for example data/scenes/test)");
    const String masksDir = masksDir_.empty() ? imagesDir + "/masks" : stripSlashes(masksDir_);
    if (!utils::fs::isDirectory(masksDir))
        CV_Error(Error::StsObjectNotFound, "mask directory '" + masksDir + "' does not exist: give the folder of "
                                          "object masks (one per image, same file name, non-zero on the object)");
    CV_CheckGE(limit, 0, "limit must be >= 0 (0 means all images)");
    std::vector<String> files;
    fs::listRecursive(imagesDir, files);
    GroundTruthSet set;
    const std::map<String, int> labels = readLabels(imagesDir + "/labels.csv");
    static const char* maskExts[] = { ".png", ".bmp", ".tif", ".tiff", ".pgm", ".jpg", ".jpeg", ".webp" };
    for (const String& f : files)
    {
        if (f.compare(0, masksDir.size() + 1, masksDir + "/") == 0)
            continue;
        const String rel = f.substr(imagesDir.size() + 1);
        String mask;
        if (fs::isFile(masksDir + "/" + rel))
            mask = masksDir + "/" + rel;
        for (size_t e = 0; mask.empty() && e < sizeof(maskExts) / sizeof(maskExts[0]); e++)
        {
            const String candidate = masksDir + "/" + withoutExtension(rel) + maskExts[e];
            if (fs::isFile(candidate))
                mask = candidate;
        }
        if (mask.empty())
            CV_Error(Error::StsObjectNotFound, "no mask for image '" + f + "': expected '" + masksDir + "/" + rel +
                                               "' (masks have the image's file name, any image extension)");
        int label = -1;
        auto it = labels.find(rel);
        if (it == labels.end())
            it = labels.find(fs::baseName(rel));
        if (it != labels.end())
            label = it->second;
        set.images.push_back(f);
        set.masks.push_back(mask);
        set.labels.push_back(label);
        if (limit > 0 && (int)set.images.size() == limit)
            break;
    }
    if (set.images.empty())
        CV_Error(Error::StsObjectNotFound, "no images found under '" + imagesDir + "' (outside its masks folder): "
                                           "give a folder with .png/.jpg/... files");
    return set;
}

LoadedBatch loadBatch(const GroundTruthSet& data, int begin, int end)
{
    LoadedBatch b;
    for (int i = begin; i < end; i++)
    {
        Mat img = imread(data.images[i], IMREAD_COLOR);
        if (img.empty())
            CV_Error(Error::StsError, "cannot read image '" + data.images[i] + "': check that the file exists and is "
                                      "an image cv::imread can decode");
        Mat mask = imread(data.masks[i], IMREAD_GRAYSCALE);
        if (mask.empty())
            CV_Error(Error::StsError, "cannot read mask '" + data.masks[i] + "': masks are 8-bit images, non-zero "
                                      "on the object");
        if (mask.size() != img.size())
            CV_Error(Error::StsUnmatchedSizes,
                     cv::format("mask '%s' is %dx%d but image '%s' is %dx%d: a mask must have its image's size",
                                data.masks[i].c_str(), mask.cols, mask.rows, data.images[i].c_str(), img.cols,
                                img.rows));
        b.images.push_back(img);
        b.masks.push_back(mask);
    }
    return b;
}

}  // namespace interp
}  // namespace cv
