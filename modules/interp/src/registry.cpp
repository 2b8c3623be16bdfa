// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The process-wide registry of backward rules, keyed by layer type and variant.
#include "precomp.hpp"
#include "engine_impl.hpp"
#include "rules/rules.hpp"

namespace cv {
namespace interp {

LayerBackward::~LayerBackward() {}

namespace {

struct Registry
{
    std::mutex mutex;
    std::map<std::pair<String, int>, BackwardRuleFactory> rules;
    uint64 version = 1;
};

Registry& registry()
{
    static Registry* r = []() {
        Registry* reg = new Registry();
        RuleRegistrar add = [reg](const String& type, int variant, const BackwardRuleFactory& f) {
            reg->rules[std::make_pair(type, variant)] = f;
        };
        registerBuiltinRules(add);
        return reg;
    }();
    return *r;
}

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

void registerBackwardRule(const String& layerType, int variant, const BackwardRuleFactory& factory)
{
    checkVariant(variant);
    CV_Assert(!layerType.empty());
    if (!factory)
        CV_Error(Error::StsBadArg, "registerBackwardRule: the factory is empty");
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.rules[std::make_pair(layerType, variant)] = factory;
    r.version++;
}

void unregisterBackwardRule(const String& layerType, int variant)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.rules.erase(std::make_pair(layerType, variant)))
        r.version++;
}

uint64 backwardRegistryVersion()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.version;
}

bool findBackwardRule(const String& type, int variant, BackwardRuleFactory& factory)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.rules.find(std::make_pair(type, variant));
    if (it == r.rules.end())
        it = r.rules.find(std::make_pair(type, (int)BACKWARD_STANDARD));
    if (it == r.rules.end())
        return false;
    factory = it->second;
    return true;
}

bool hasOwnBackwardRule(const String& type, int variant)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.rules.count(std::make_pair(type, variant)) > 0;
}

bool hasBackwardRule(const String& layerType, int variant)
{
    checkVariant(variant);
    BackwardRuleFactory f;
    return findBackwardRule(layerType, variant, f);
}

std::vector<String> typesWithBackwardRules()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::set<String> types;
    for (const auto& kv : r.rules)
        types.insert(kv.first.first);
    return std::vector<String>(types.begin(), types.end());
}

std::vector<String> supportedLayerTypes()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<String> types;
    for (const auto& kv : r.rules)
        if (kv.first.second == BACKWARD_STANDARD)
            types.push_back(kv.first.first);
    return types;
}

}  // namespace interp
}  // namespace cv
