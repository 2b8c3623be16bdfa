// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// cv::interp::readNet: loads a model through cv::dnn while layer-construction hooks capture every
// layer's LayerParams (cv::dnn keeps only the public fields of the instances it builds).
//
// LayerFactory::registerLayer stacks a constructor over the existing one for a type and unregisterLayer
// pops it. The factory mutex is recursive and held while a constructor runs, so a hook can pop itself,
// call the constructor it shadows (built-in or registered by the application) and push itself back.
// Hooks exist only during a load; loads through this function are serialised; other threads creating
// layers meanwhile go through the hooks untouched (nothing is captured for them). The layers of the loaded model are
// replaced by faster equivalents where the registry has one (fasterLayer: oneDNN convolutions).
#include "../precomp.hpp"
#include "layer_registry.hpp"
#include "engine_impl.hpp"

#include <fstream>
#include <utility>

namespace cv {
namespace interp {

Ptr<Explainer> makeExplainer(const dnn::Net& net, const std::map<const dnn::Layer*, dnn::LayerParams>& captured,
                             const String& model, const String& config);

namespace {

typedef std::map<const dnn::Layer*, dnn::LayerParams> CaptureMap;

const int kMaxHooks = 256;
std::mutex g_loadMutex;                        // one hooked load at a time
std::vector<String> g_hookTypes(kMaxHooks);    // slot -> hooked type; stable while hooks are installed
thread_local CaptureMap* t_capture = nullptr;  // set only in the loading thread

Ptr<dnn::Layer> hookCall(int slot, dnn::LayerParams& params);

template<int I>
Ptr<dnn::Layer> hookSlot(dnn::LayerParams& params) { return hookCall(I, params); }

template<int... I>
std::vector<dnn::LayerFactory::Constructor> makeSlots(std::integer_sequence<int, I...>)
{
    return std::vector<dnn::LayerFactory::Constructor>{ &hookSlot<I>... };
}

const std::vector<dnn::LayerFactory::Constructor>& hookSlots()
{
    static const std::vector<dnn::LayerFactory::Constructor> slots = makeSlots(std::make_integer_sequence<int, kMaxHooks>());
    return slots;
}

Ptr<dnn::Layer> hookCall(int slot, dnn::LayerParams& params)
{
    const String type = g_hookTypes[slot];
    dnn::LayerFactory::Constructor self = hookSlots()[slot];
    // The factory mutex is held by our caller (createLayerInstance), so pop/create/push is atomic.
    dnn::LayerFactory::unregisterLayer(type);
    Ptr<dnn::Layer> layer;
    try
    {
        layer = dnn::LayerFactory::createLayerInstance(type, params);
    }
    catch (...)
    {
        dnn::LayerFactory::registerLayer(type, self);
        throw;
    }
    dnn::LayerFactory::registerLayer(type, self);
    if (layer && t_capture)
    {
        layer = fasterLayer(type, layer);
        (*t_capture)[layer.get()] = params;
    }
    return layer;
}

// Every layer type OpenCV 4.6 registers (modules/dnn/src/init.cpp), float versions.

class HookGuard
{
public:
    explicit HookGuard(CaptureMap& capture)
    {
        const std::vector<String> types = typesToCapture();  // every type of the layer registry
        for (const String& t : types)
        {
            if ((int)installed.size() >= kMaxHooks)
            {
                CV_LOG_WARNING(NULL, "interp: too many layer types to hook; parameters of type '" << t << "' are not captured");
                continue;
            }
            if (!dnn::LayerFactory::isLayerRegistered(t))
                continue;
            int slot = (int)installed.size();
            g_hookTypes[slot] = t;
            dnn::LayerFactory::registerLayer(t, hookSlots()[slot]);
            installed.push_back(t);
        }
        t_capture = &capture;
    }
    ~HookGuard()
    {
        t_capture = nullptr;
        for (size_t i = installed.size(); i-- > 0;)
            dnn::LayerFactory::unregisterLayer(installed[i]);
        for (size_t i = 0; i < installed.size(); i++)
            g_hookTypes[i].clear();
    }
private:
    std::vector<String> installed;
};

void checkReadable(const String& path, const char* what)
{
    if (path.empty())
        return;
    std::ifstream f(path.c_str(), std::ios::binary);
    if (!f.good())
        CV_Error(Error::StsError, cv::format("cannot read the %s file '%s': it does not exist or is not readable",
                                             what, path.c_str()));
}

}  // namespace

Ptr<Explainer> readNet(const String& model, const String& config)
{
    if (model.empty())
        CV_Error(Error::StsBadArg, "no model file given: pass the path of an .onnx, .caffemodel, .pb, ... file");
    checkReadable(model, "model");
    checkReadable(config, "configuration");

    CaptureMap captured;
    dnn::Net net;
    {
        std::lock_guard<std::mutex> lock(g_loadMutex);
        HookGuard hooks(captured);
        try
        {
            net = dnn::readNet(model, config);
            // Caffe and TensorFlow importers create layer instances lazily: create them all while hooked.
            for (const String& name : net.getLayerNames())
                net.getLayer(net.getLayerId(name));
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsError, cv::format("cannot load the model '%s'%s%s: cv::dnn says: %s", model.c_str(),
                                                 config.empty() ? "" : " with configuration ",
                                                 config.c_str(), e.err.c_str()));
        }
    }
    if (net.empty())
        CV_Error(Error::StsError, "cannot load the model '" + model + "': cv::dnn returned an empty network "
                                  "(is the file a model in a format cv::dnn reads?)");
    return makeExplainer(net, captured, model, config);
}

}  // namespace interp
}  // namespace cv
