// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A Convolution layer for cv::dnn whose forward pass runs on oneDNN: readNet() builds it in place of cv::dnn's own
// (fasterLayer), so the explainer's recording forward pass, and every inference on the loaded net, get oneDNN's
// convolutions. cv::dnn's instance stays inside: it sizes the outputs, resolves the padding at finalize() (SAME) and
// computes the layer when oneDNN is off (setUseOneDNN(false)) or refuses a configuration. The public fields of
// BaseConvolutionLayer mirror the inner instance's, so backward and geometry rules read the layer as usual.
#include "../precomp.hpp"
#include "../engine/layer_registry.hpp"
#include "onednn_convolution.hpp"

namespace cv {
namespace interp {

namespace {

class OneDnnConvolutionLayer : public dnn::ConvolutionLayer
{
public:
    explicit OneDnnConvolutionLayer(const Ptr<dnn::BaseConvolutionLayer>& inner_) : inner(inner_)
    {
        name = inner->name;
        type = inner->type;
        mirror();
    }

    bool supportBackend(int backendId) CV_OVERRIDE { return backendId == dnn::DNN_BACKEND_OPENCV; }

    bool getMemoryShapes(const std::vector<MatShape>& inputs, const int requiredOutputs,
                         std::vector<MatShape>& outputs, std::vector<MatShape>& internals) const CV_OVERRIDE
    {
        return inner->getMemoryShapes(inputs, requiredOutputs, outputs, internals);
    }

    int64 getFLOPS(const std::vector<MatShape>& inputs, const std::vector<MatShape>& outputs) const CV_OVERRIDE
    {
        return inner->getFLOPS(inputs, outputs);
    }

    void finalize(InputArrayOfArrays inputs, OutputArrayOfArrays outputs) CV_OVERRIDE
    {
        inner->finalize(inputs, outputs);
        mirror();
    }

    void forward(InputArrayOfArrays inputsArr, OutputArrayOfArrays outputsArr, OutputArrayOfArrays internalsArr) CV_OVERRIDE
    {
        std::vector<Mat> inputs, outputs;
        inputsArr.getMatVector(inputs);
        outputsArr.getMatVector(outputs);
        Ptr<onednn::ConvolutionForward> op;
        if (useOneDNN() && inputs.size() == 1 && outputs.size() == 1 && inputs[0].type() == CV_32F)
            op = primitiveFor(inputs[0], outputs[0]);
        if (!op)
        {
            inner->forward(inputsArr, outputsArr, internalsArr);
            return;
        }
        const Mat src = inputs[0].isContinuous() ? inputs[0] : inputs[0].clone();
        if (outputs[0].isContinuous())
        {
            op->run(src, outputs[0]);
            return;
        }
        Mat dst(outputs[0].dims, outputs[0].size.p, CV_32F);
        op->run(src, dst);
        dst.copyTo(outputs[0]);
    }

private:
    //! The public fields of the inner instance (finalize() may change the pads).
    void mirror()
    {
        blobs = inner->blobs;
        adjust_pads = inner->adjust_pads;
        kernel_size = inner->kernel_size;
        strides = inner->strides;
        dilations = inner->dilations;
        pads_begin = inner->pads_begin;
        pads_end = inner->pads_end;
        padMode = inner->padMode;
        numOutput = inner->numOutput;
    }

    //! The primitive for this input shape (prepared on first use), or empty when oneDNN refuses it.
    Ptr<onednn::ConvolutionForward> primitiveFor(const Mat& x, const Mat& y)
    {
        if (x.dims != 4 || y.dims != 4 || kernel_size.size() != 2 || blobs.empty())
            return Ptr<onednn::ConvolutionForward>();
        const MatShape shape = dnn::shape(x);
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto& p : prepared)
            if (p.first == shape)
                return p.second;
        Ptr<onednn::ConvolutionForward> op;
        try
        {
            const Mat& w = blobs[0];
            onednn::ConvGeometry g;
            g.N = x.size[0]; g.C = x.size[1]; g.H = x.size[2]; g.W = x.size[3];
            g.O = y.size[1]; g.Ho = y.size[2]; g.Wo = y.size[3];
            g.groups = w.dims == 4 && w.size[1] > 0 ? g.C / w.size[1] : 0;
            g.kh = (int)kernel_size[0]; g.kw = (int)kernel_size[1];
            g.sh = (int)strides[0]; g.sw = (int)strides[1];
            g.dh = dilations.size() == 2 ? (int)dilations[0] : 1;
            g.dw = dilations.size() == 2 ? (int)dilations[1] : 1;
            g.pt = (int)pads_begin[0]; g.pl = (int)pads_begin[1];
            if (g.groups < 1 || w.size[0] != g.O || g.C != g.groups * w.size[1])
                CV_Error(Error::StsNotImplemented, "weights do not match the input and output shapes");
            op = makePtr<onednn::ConvolutionForward>(g, w, blobs.size() > 1 ? blobs[1] : Mat());
        }
        catch (const cv::Exception& e)
        {
            CV_LOG_INFO(NULL, "interp: layer '" << name << "': cv::dnn computes the convolution, oneDNN refused: " << e.err);
        }
        if (prepared.size() >= 4)  // batch sizes in use: keep the most recent few
            prepared.erase(prepared.begin());
        prepared.emplace_back(shape, op);
        return op;
    }

    Ptr<dnn::BaseConvolutionLayer> inner;
    std::mutex mutex;
    std::vector<std::pair<MatShape, Ptr<onednn::ConvolutionForward> > > prepared;
};

}  // namespace

void registerBuiltinFasterLayers(const std::function<void(const String& type, const FasterLayer& make)>& add)
{
    if (!haveOneDNN())
        return;
    add("Convolution", [](const Ptr<dnn::Layer>& built) -> Ptr<dnn::Layer> {
        Ptr<dnn::BaseConvolutionLayer> conv = built.dynamicCast<dnn::BaseConvolutionLayer>();
        if (!conv)
            return built;
        return makePtr<OneDnnConvolutionLayer>(conv);
    });
}

}  // namespace interp
}  // namespace cv
