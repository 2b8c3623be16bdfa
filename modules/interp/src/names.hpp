// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Layer names as users type them (internal): OpenCV's ONNX prefixes, and the closest names for error messages.
#ifndef OPENCV_INTERP_NAMES_HPP
#define OPENCV_INTERP_NAMES_HPP

#include "precomp.hpp"

namespace cv {
namespace interp {
namespace names {

/** The name itself, then with each prefix OpenCV's ONNX importer adds ("onnx_node!", "onnx_node_output_0!"): the
candidates a user's name stands for, in the order they are tried. */
std::vector<String> candidates(const String& name);

/** Raises "unknown layer 'name'; the closest layer names are: ..." (the five nearest of `known` by edit distance,
with or without their prefix), ending with `hint`. */
[[noreturn]] void unknownLayer(const String& name, const std::vector<String>& known, const String& hint);

}  // namespace names
}  // namespace interp
}  // namespace cv

#endif
