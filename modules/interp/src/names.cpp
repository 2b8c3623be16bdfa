// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Layer names as users type them: OpenCV's ONNX prefixes, and the closest names for error messages.
#include "precomp.hpp"
#include "names.hpp"

namespace cv {
namespace interp {
namespace names {

namespace {

size_t editDistance(const String& a, const String& b)
{
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); j++)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); i++)
    {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); j++)
            cur[j] = std::min({ prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1) });
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::vector<String> candidates(const String& name)
{
    static const char* prefixes[] = { "", "onnx_node!", "onnx_node_output_0!" };
    std::vector<String> out;
    for (const char* p : prefixes)
        out.push_back(String(p) + name);
    return out;
}

void unknownLayer(const String& name, const std::vector<String>& known, const String& hint)
{
    std::vector<std::pair<size_t, String> > scored;
    for (const String& l : known)
    {
        const size_t bang = l.find('!');
        const String shortName = bang == String::npos ? l : l.substr(bang + 1);
        scored.push_back(std::make_pair(std::min(editDistance(name, l), editDistance(name, shortName)), l));
    }
    std::sort(scored.begin(), scored.end());
    String s = "unknown layer '" + name + "'; the closest layer names are:";
    for (size_t i = 0; i < scored.size() && i < 5; i++)
        s += (i ? ", '" : " '") + scored[i].second + "'";
    CV_Error(Error::StsObjectNotFound, s + " " + hint);
}

}  // namespace names
}  // namespace interp
}  // namespace cv
