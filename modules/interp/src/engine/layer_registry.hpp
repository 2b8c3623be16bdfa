// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The built-in contents of the layer registry, by part (internal): each part registers what it knows per type.
#ifndef OPENCV_INTERP_LAYER_REGISTRY_HPP
#define OPENCV_INTERP_LAYER_REGISTRY_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {

//! Receptive-field geometry of the built-in types (receptive_field_rules.cpp).
void registerBuiltinGeometry(const std::function<void(const String& type, const GeometryRule& rule)>& add);
//! Incremental-occlusion rules of the built-in types (occlusion_geometry.cpp).
void registerBuiltinOcclusion(const std::function<void(const String& type, const Ptr<OcclusionRule>& rule)>& add);

/** A layer instance computing the same function as cv::dnn's `built` faster (oneDNN), which readNet() puts in the
network instead; it may return `built` itself. */
typedef std::function<Ptr<dnn::Layer>(const Ptr<dnn::Layer>& built)> FasterLayer;
//! Faster layers of the built-in types (rules/onednn_layer.cpp; none without oneDNN).
void registerBuiltinFasterLayers(const std::function<void(const String& type, const FasterLayer& make)>& add);
//! The faster instance of a layer cv::dnn built for `type` (the layer itself when there is none).
Ptr<dnn::Layer> fasterLayer(const String& type, const Ptr<dnn::Layer>& built);

//! The geometry rule of a type, when its spec has one.
bool findGeometryRule(const String& type, GeometryRule& rule);
//! The occlusion rule of a type, when its spec has one.
Ptr<OcclusionRule> findOcclusionRule(const String& type);
//! Types whose parameters readNet() captures.
std::vector<String> typesToCapture();

}  // namespace interp
}  // namespace cv

#endif
