// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Backward-rule variants by name (the rules themselves live in the layer registry: layer_registry.cpp).
#include "precomp.hpp"
#include "engine_impl.hpp"

namespace cv {
namespace interp {

LayerBackward::~LayerBackward() {}

namespace {

void checkVariant(int variant)
{
    if (variant != BACKWARD_STANDARD && variant != BACKWARD_GUIDED && variant != BACKWARD_DECONVNET)
        CV_Error(Error::StsBadArg, cv::format("unknown backward variant %d: use BACKWARD_STANDARD (0), "
                                              "BACKWARD_GUIDED (1) or BACKWARD_DECONVNET (2)", variant));
}

}  // namespace

String variantName(int variant)
{
    checkVariant(variant);
    static const char* names[] = { "standard", "guided", "deconvnet" };
    return names[variant];
}

int parseVariant(const String& name)
{
    if (name == "standard" || name == "gradient")
        return BACKWARD_STANDARD;
    if (name == "guided")
        return BACKWARD_GUIDED;
    if (name == "deconvnet")
        return BACKWARD_DECONVNET;
    CV_Error(Error::StsBadArg, "unknown backward variant '" + name + "': use standard, guided or deconvnet");
}

}  // namespace interp
}  // namespace cv
