// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Writing JSON by hand (the files are read back with cv::FileStorage) (internal).
#ifndef OPENCV_INTERP_JSON_HPP
#define OPENCV_INTERP_JSON_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {
namespace json {

//! A JSON string literal (quoted, escaped).
String str(const String& s);
//! The shortest decimal form that reads back as the same double (with cv::FileStorage; -0 as "-0.0").
String number(double v);
//! A float with 9 significant digits: enough to identify every float32 exactly (-0 as "-0.0").
String floatNumber(float v);
String integer(int v);

//! `[f(v[0]), f(v[1]), ...]`
template<typename T, typename F>
String array(const std::vector<T>& v, F fn)
{
    String s = "[";
    for (size_t i = 0; i < v.size(); i++)
        s += (i ? ", " : "") + fn(v[i]);
    return s + "]";
}

//! The members "scale", "mean", "std", "swap_rb", "crop" of a preprocessing object (without the braces).
String preprocessingMembers(const Preprocessing& p);
//! Reads what preprocessingMembers() writes into `p` (absent members keep their value; "std" in 0-255 units).
void readPreprocessingMembers(const FileNode& node, Preprocessing& p);

}  // namespace json
}  // namespace interp
}  // namespace cv

#endif
