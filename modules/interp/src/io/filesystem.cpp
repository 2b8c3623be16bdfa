// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The file-system helpers cv::utils::fs lacks: image listing in a fixed order, atomic directory replacement.
#include "../precomp.hpp"
#include "filesystem.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <unistd.h>

namespace cv {
namespace interp {
namespace fs {

bool isFile(const String& p)
{
    return utils::fs::exists(p) && !utils::fs::isDirectory(p);
}

String dirName(const String& p)
{
    size_t s = p.rfind('/');
    return s == String::npos ? String(".") : p.substr(0, s);
}

String baseName(const String& p)
{
    const size_t s = p.rfind('/');
    return s == String::npos ? p : p.substr(s + 1);
}

String joinPath(const String& dir, const String& name)
{
    if (name.empty() || name[0] == '/')
        return name;
    return dir + "/" + name;
}

bool hasImageExtension(const String& name)
{
    size_t dot = name.rfind('.');
    if (dot == String::npos)
        return false;
    String ext = name.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    static const char* exts[] = { "png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "ppm", "pgm", "pnm" };
    for (const char* e : exts)
        if (ext == e)
            return true;
    return false;
}

void listRecursive(const String& dir, std::vector<String>& out)
{
    DIR* d = opendir(dir.c_str());
    if (!d)
        return;
    std::vector<String> entries;
    while (dirent* e = readdir(d))
    {
        String n = e->d_name;
        if (n == "." || n == "..")
            continue;
        entries.push_back(n);
    }
    closedir(d);
    std::sort(entries.begin(), entries.end());
    for (const String& n : entries)
    {
        const String p = dir + "/" + n;
        if (utils::fs::isDirectory(p))
            listRecursive(p, out);
        else if (hasImageExtension(n))
            out.push_back(p);
    }
}

void makeDirectories(const String& path)
{
    if (!path.empty() && !utils::fs::createDirectories(path))
        CV_Error(Error::StsError, "cannot create the directory '" + path + "': check that no file is in the way and the "
                                  "permissions");
}

void replaceDirectory(const String& from, const String& to)
{
    const String old = to + ".old-" + std::to_string((long)::getpid());
    const bool had = utils::fs::isDirectory(to);
    if (had && std::rename(to.c_str(), old.c_str()) != 0)
        CV_Error(Error::StsError, "cannot replace '" + to + "': " + std::strerror(errno) + " (check its permissions)");
    if (std::rename(from.c_str(), to.c_str()) != 0)
    {
        const String why = std::strerror(errno);
        if (had)
            std::rename(old.c_str(), to.c_str());
        CV_Error(Error::StsError, "cannot move '" + from + "' to '" + to + "': " + why);
    }
    if (had)
        utils::fs::remove_all(old);
}

}  // namespace fs
}  // namespace interp
}  // namespace cv
