// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The embedded models and demo images, and image lists.
#include "precomp.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include "filesystem.hpp"

#include <opencv2/imgcodecs.hpp>

#include <dirent.h>
#include <fstream>

namespace cv {
namespace interp {

using namespace fs;


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
    if (utils::fs::isDirectory(directoryOrList))
    {
        listRecursive(directoryOrList, out);
        // The ground-truth masks of an evaluation set (<dir>/masks/<file>) are not images of the set.
        String masks = directoryOrList;
        while (masks.size() > 1 && masks.back() == '/')
            masks.pop_back();
        masks += "/masks/";
        out.erase(std::remove_if(out.begin(), out.end(),
                                 [&](const String& f) { return f.compare(0, masks.size(), masks) == 0; }),
                  out.end());
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
