// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// File-system helpers cv::utils::fs (opencv2/core/utils/filesystem.hpp) lacks (internal).
#ifndef OPENCV_INTERP_FILESYSTEM_HPP
#define OPENCV_INTERP_FILESYSTEM_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {
namespace fs {

//! An existing path that is not a directory (cv::utils::fs has no such test).
bool isFile(const String& path);
//! The directory part of a path ("." when there is none).
String dirName(const String& path);
//! The part of a path after its last '/' (the whole path when there is none).
String baseName(const String& path);
//! `name` relative to `dir` (absolute names are returned unchanged).
String joinPath(const String& dir, const String& name);
//! True for the file extensions cv::imread reads (png, jpg, bmp, tif, webp, pnm...), case-insensitive.
bool hasImageExtension(const String& name);
//! The image files under `dir`, recursively, sorted by name at each level.
void listRecursive(const String& dir, std::vector<String>& out);
//! Creates a directory and its parents (like mkdir -p); raises a cv::Exception when it cannot.
void makeDirectories(const String& path);
//! Moves directory `from` to `to`, replacing `to` (and its contents) if it exists; `to` is never left half-written.
void replaceDirectory(const String& from, const String& to);

}  // namespace fs
}  // namespace interp
}  // namespace cv

#endif
