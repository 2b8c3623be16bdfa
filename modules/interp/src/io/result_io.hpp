// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// What the JSON results of sharded jobs (patch mining, evaluation) share: opening and checking a result file, and
// the bookkeeping of shards (internal).
#ifndef OPENCV_INTERP_RESULT_IO_HPP
#define OPENCV_INTERP_RESULT_IO_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {

//! A result file being read: errors name the file, what kind of result it should be and how to write one.
struct ResultFile
{
    String path;     //!< the file
    String kind;     //!< e.g. "patch-mining result"
    String format;   //!< its "format" member, e.g. "interp-patches"
    int version;     //!< its "version" member
    String writers;  //!< how to make one, e.g. "'interp patches --json' or cv::interp::writePatchResult"

    [[noreturn]] void bad(const String& what) const;
    //! parent[key]; raises naming the key when it is missing.
    FileNode need(const FileNode& parent, const char* key) const;
    //! Opens the file as JSON and checks its format and version; returns the root.
    FileNode open(FileStorage& fs) const;
};

std::vector<int> readInts(const FileNode& n);

//! True when `shards` holds each of 0..count-1.
bool shardsComplete(const std::vector<int>& shards, int count);

/** @brief Adds the shards of merged result `part` (of `count`) to `all`; raises when one is out of range or already
there. */
void addShards(std::vector<int>& all, const std::vector<int>& part, int count, int partIndex);

}  // namespace interp
}  // namespace cv

#endif
