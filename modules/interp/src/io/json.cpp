// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Writing JSON by hand: strings, numbers that read back exactly, the preprocessing members.
#include "../precomp.hpp"
#include "json.hpp"

namespace cv {
namespace interp {
namespace json {

String str(const String& s)
{
    String out = "\"";
    for (char c : s)
    {
        switch (c)
        {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if ((unsigned char)c < 0x20)
                out += cv::format("\\u%04x", (unsigned char)c);
            else
                out += c;
        }
    }
    return out + "\"";
}

String number(double v)
{
    if (v == 0 && std::signbit(v))
        return "-0.0";  // "-0" would be read back as the integer 0
    for (int digits = 6; digits <= 17; digits++)
    {
        String s = cv::format("%.*g", digits, v);
        if (std::strtod(s.c_str(), nullptr) == v)
            return s;
    }
    return cv::format("%.17g", v);
}

String floatNumber(float v)
{
    if (v == 0 && std::signbit(v))
        return "-0.0";  // "-0" would be read back as the integer 0
    return cv::format("%.9g", (double)v);
}

String integer(int v)
{
    return std::to_string(v);
}

String preprocessingMembers(const Preprocessing& p)
{
    return "\"scale\": " + number(p.scale) + ", \"mean\": [" + number(p.mean[0]) + ", " + number(p.mean[1]) + ", " +
           number(p.mean[2]) + "], \"std\": [" + number(p.std[0]) + ", " + number(p.std[1]) + ", " +
           number(p.std[2]) + "], \"swap_rb\": " + (p.swapRB ? "true" : "false") + ", \"crop\": " +
           (p.crop ? "true" : "false");
}

void readPreprocessingMembers(const FileNode& node, Preprocessing& p)
{
    if (!node["scale"].empty())
        p.scale = (double)node["scale"];
    const FileNode mean = node["mean"], sd = node["std"];
    if (mean.isSeq())
        for (int i = 0; i < (int)mean.size() && i < 4; i++)
            p.mean[i] = (double)mean[i];
    else if (!mean.empty())
        p.mean = Scalar::all((double)mean);
    if (sd.isSeq())
    {
        for (int i = 0; i < (int)sd.size() && i < 3; i++)
            p.std[i] = (double)sd[i];
        if (sd.size() == 1)
            p.std = Scalar::all((double)sd[0]);
    }
    else if (!sd.empty())
        p.std = Scalar::all((double)sd);
    p.std[3] = 1;
    if (!node["swap_rb"].empty())
        p.swapRB = (int)node["swap_rb"] != 0;
    if (!node["crop"].empty())
        p.crop = (int)node["crop"] != 0;
}

}  // namespace json
}  // namespace interp
}  // namespace cv
