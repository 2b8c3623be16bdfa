// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Opening and checking the JSON results of sharded jobs; the bookkeeping of shards.
#include "../precomp.hpp"
#include "result_io.hpp"

#include <fstream>

namespace cv {
namespace interp {

void ResultFile::bad(const String& what) const
{
    CV_Error(Error::StsParseError, "'" + path + "' is not a valid " + kind + " (" + what + "); write one with " +
                                   writers);
}

FileNode ResultFile::need(const FileNode& parent, const char* key) const
{
    FileNode n = parent[key];
    if (n.empty())
        bad(String("missing '") + key + "'");
    return n;
}

FileNode ResultFile::open(FileStorage& fs) const
{
    if (!std::ifstream(path.c_str()).good())
        CV_Error(Error::StsError, "cannot read the " + kind + " '" + path + "': missing or unreadable");
    try
    {
        fs.open(path, FileStorage::READ | FileStorage::FORMAT_JSON);
    }
    catch (const cv::Exception& e)
    {
        bad("cannot parse it as JSON: " + e.err);
    }
    if (!fs.isOpened())
        CV_Error(Error::StsError, "cannot read the " + kind + " '" + path + "': missing or unreadable");
    const FileNode root = fs.root();
    if ((String)root["format"] != format)
        bad("no \"format\": \"" + format + "\"");
    if ((int)root["version"] != version)
        bad(cv::format("version %d, this library reads version %d", (int)root["version"], version));
    return root;
}

std::vector<int> readInts(const FileNode& n)
{
    std::vector<int> v;
    for (FileNodeIterator it = n.begin(); it != n.end(); ++it)
        v.push_back((int)*it);
    return v;
}

bool shardsComplete(const std::vector<int>& shards, int count)
{
    std::vector<int> s = shards;
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    return count >= 1 && (int)s.size() == count && s.front() == 0 && s.back() == count - 1;
}

void addShards(std::vector<int>& all, const std::vector<int>& part, int count, int partIndex)
{
    for (int s : part)
    {
        if (s < 0 || s >= count)
            CV_Error(Error::StsBadArg, cv::format("result %d names shard %d of %d", partIndex, s, count));
        if (std::find(all.begin(), all.end(), s) != all.end())
            CV_Error(Error::StsBadArg, cv::format("shard %d/%d appears twice (result %d): each shard must be merged "
                                                  "once", s, count, partIndex));
        all.push_back(s);
    }
}

}  // namespace interp
}  // namespace cv
