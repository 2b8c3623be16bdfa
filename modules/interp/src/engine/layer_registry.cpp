// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The layer registry: one LayerSpec per layer type (backward rules, geometry, occlusion rule, parameter capture),
// process-wide, versioned. The built-in specs are assembled from the parts that know them.
#include "../precomp.hpp"
#include "engine_impl.hpp"
#include "layer_registry.hpp"
#include "../rules/rules.hpp"

namespace cv {
namespace interp {

namespace {

/* Types readNet() hooks although interp has no rule or geometry for them: their parameters still let incremental
   occlusion and the patch renderer rebuild the layers, and the error messages name what they are. */
const char* const kCaptureOnlyTypes[] = {
    "CropAndResize", "ROIPooling", "PSROIPooling", "MaxUnpool", "Silence", "Const", "Arg", "PriorBox",
    "PriorBoxClustered", "Reorg", "Region", "DetectionOutput", "Proposal", "Compare", "DataAugmentation",
    "Correlation", "Accum", "FlowWarp", "LSTM", "GRU", "CumSum", "Not"
};

// OPENCV_INTERP_USE_ONEDNN=0 (or OFF / FALSE / NO) starts a process with cv::dnn's convolutions, as setUseOneDNN(false)
// does: to compare both without changing a program.
static bool oneDNNWantedByEnvironment()
{
    const char* env = std::getenv("OPENCV_INTERP_USE_ONEDNN");
    if (!env)
        return true;
    String v = env;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    return !(v == "0" || v == "off" || v == "false" || v == "no");
}

struct Registry
{
    std::mutex mutex;
    std::map<String, LayerSpec> specs;
    uint64 version = 1;
    bool oneDNN = haveOneDNN() && oneDNNWantedByEnvironment();  // what the convolutions compute with (setUseOneDNN)
    std::map<String, FasterLayer> faster;

    Registry()
    {
        registerBuiltinRules([this](const String& type, int variant, const BackwardRuleFactory& f) {
            specs[type].backward[variant] = f;
        });
        registerBuiltinGeometry([this](const String& type, const GeometryRule& rule) { specs[type].geometry = rule; });
        registerBuiltinOcclusion([this](const String& type, const Ptr<OcclusionRule>& rule) {
            specs[type].occlusion = rule;
        });
        registerBuiltinFasterLayers([this](const String& type, const FasterLayer& make) { faster[type] = make; });
        for (const char* t : kCaptureOnlyTypes)
            specs[t].captureParams = true;
    }
};

Registry& registry()
{
    static Registry* r = new Registry();  // never destroyed: rules may be looked up during static destruction
    return *r;
}

//! Applies `change` to the spec of `type` (created empty when absent) and bumps the version.
template<typename F>
void update(const String& type, F change)
{
    CV_Assert(!type.empty());
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    change(r.specs[type]);
    r.version++;
}

}  // namespace

void registerLayerSpec(const String& layerType, const LayerSpec& spec)
{
    update(layerType, [&](LayerSpec& s) { s = spec; });
}

void unregisterLayerSpec(const String& layerType)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.specs.erase(layerType))
        r.version++;
}

LayerSpec layerSpec(const String& layerType)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(layerType);
    if (it != r.specs.end())
        return it->second;
    LayerSpec none;
    none.captureParams = false;
    return none;
}

std::vector<String> layerSpecTypes()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<String> types;
    for (const auto& kv : r.specs)
        types.push_back(kv.first);
    return types;
}

uint64 layerRegistryVersion()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.version;
}

Ptr<dnn::Layer> fasterLayer(const String& type, const Ptr<dnn::Layer>& built)
{
    FasterLayer make;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        auto it = r.faster.find(type);
        if (it == r.faster.end())
            return built;
        make = it->second;
    }
    return make(built);
}

bool useOneDNN()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.oneDNN;
}

void setUseOneDNN(bool flag)
{
    if (flag && !haveOneDNN())
        CV_Error(Error::StsNotImplemented, "setUseOneDNN(true): the interp module was built without oneDNN; install "
                                           "libdnnl-dev (scripts/setup.sh) and rebuild, or check haveOneDNN() first");
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.oneDNN != flag)
    {
        r.oneDNN = flag;
        r.version++;  // prepared rules are prepared again with the other implementation
    }
}

// ------------------------------------------------------------------------------------- backward rules

void registerBackwardRule(const String& layerType, int variant, const BackwardRuleFactory& factory)
{
    variantName(variant);  // raises for an unknown variant
    if (!factory)
        CV_Error(Error::StsBadArg, "registerBackwardRule: the factory is empty");
    update(layerType, [&](LayerSpec& s) { s.backward[variant] = factory; });
}

void unregisterBackwardRule(const String& layerType, int variant)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(layerType);
    if (it != r.specs.end() && it->second.backward.erase(variant))
        r.version++;
}

bool findBackwardRule(const String& type, int variant, BackwardRuleFactory& factory)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(type);
    if (it == r.specs.end())
        return false;
    auto f = it->second.backward.find(variant);
    if (f == it->second.backward.end())
        f = it->second.backward.find((int)BACKWARD_STANDARD);
    if (f == it->second.backward.end())
        return false;
    factory = f->second;
    return true;
}

bool hasOwnBackwardRule(const String& type, int variant)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(type);
    return it != r.specs.end() && it->second.backward.count(variant) > 0;
}

bool hasBackwardRule(const String& layerType, int variant)
{
    variantName(variant);
    BackwardRuleFactory f;
    return findBackwardRule(layerType, variant, f);
}

std::vector<String> supportedLayerTypes()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<String> types;
    for (const auto& kv : r.specs)
        if (kv.second.backward.count((int)BACKWARD_STANDARD))
            types.push_back(kv.first);
    return types;
}

// ------------------------------------------------------------------------------------- geometry

void registerGeometryRule(const String& layerType, const GeometryRule& rule)
{
    CV_Assert(rule);
    update(layerType, [&](LayerSpec& s) { s.geometry = rule; });
}

void unregisterGeometryRule(const String& layerType)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(layerType);
    if (it != r.specs.end() && it->second.geometry)
    {
        it->second.geometry = GeometryRule();
        r.version++;
    }
}

bool findGeometryRule(const String& type, GeometryRule& rule)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(type);
    if (it == r.specs.end() || !it->second.geometry)
        return false;
    rule = it->second.geometry;
    return true;
}

bool hasGeometryRule(const String& layerType)
{
    GeometryRule rule;
    return findGeometryRule(layerType, rule);
}

// ------------------------------------------------------------------------------------- occlusion, capture

Ptr<OcclusionRule> findOcclusionRule(const String& type)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.specs.find(type);
    return it == r.specs.end() ? Ptr<OcclusionRule>() : it->second.occlusion;
}

std::vector<String> typesToCapture()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<String> types;
    for (const auto& kv : r.specs)
        if (kv.second.captureParams)
            types.push_back(kv.first);
    return types;
}

}  // namespace interp
}  // namespace cv
