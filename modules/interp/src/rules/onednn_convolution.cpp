// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// oneDNN convolutions (see onednn_convolution.hpp). Each object prepares its primitive descriptor, primitive and
// weights (in the layout the primitive prefers) once; run() wraps the caller's NCHW blobs, reorders them to and from
// the primitive's layouts and executes with a scratchpad of its own, so one object serves several threads at once.
// oneDNN runs on its own OpenMP threads: run() asks for as many as cv::getNumThreads().
#include "../precomp.hpp"
#include "onednn_convolution.hpp"
#include "../engine/gradient_buffers.hpp"

#ifdef HAVE_INTERP_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP
#include <omp.h>
#include <opencv2/core/parallel/backend/parallel_for.openmp.hpp>
#define INTERP_ONEDNN_OMP 1
#endif
#include <cstring>
#include <unordered_map>
#endif

namespace cv {
namespace interp {
namespace onednn {

#ifdef HAVE_INTERP_ONEDNN

namespace {

typedef dnnl::memory::format_tag Tag;
typedef dnnl::memory::data_type DataType;
typedef std::unordered_map<int, dnnl::memory> Args;

dnnl::engine& cpu()
{
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

//! One stream per thread: a stream must not be used by two threads at once.
dnnl::stream& threadStream()
{
    thread_local dnnl::stream s(cpu());
    return s;
}

void useThreads()
{
#ifdef INTERP_ONEDNN_OMP
    const int n = std::max(1, cv::getNumThreads());
    if (omp_get_max_threads() != n)
        omp_set_num_threads(n);
#endif
}

[[noreturn]] void fail(const char* what, const dnnl::error& e)
{
    CV_Error(Error::StsError, cv::format("oneDNN could not %s: %s (status %d); setUseOneDNN(false) computes it with "
                                         "cv::dnn's layers instead", what, e.what(), (int)e.status));
}

dnnl::primitive_attr userScratchpad()
{
    dnnl::primitive_attr a;
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return a;
}

dnnl::memory::desc nchw(int n, int c, int h, int w) { return dnnl::memory::desc({ n, c, h, w }, DataType::f32, Tag::nchw); }
dnnl::memory::desc anyLayout(int n, int c, int h, int w) { return dnnl::memory::desc({ n, c, h, w }, DataType::f32, Tag::any); }

dnnl::memory::dims weightDims(const ConvGeometry& g)
{
    if (g.groups == 1)
        return { g.O, g.C, g.kh, g.kw };
    return { g.groups, g.O / g.groups, g.C / g.groups, g.kh, g.kw };
}

//! The descriptors every convolution primitive is built from: NCHW of any layout, strides, dilations (oneDNN counts
//! the gaps, d - 1) and the pads that give exactly Ho x Wo (also for SAME padding, wider at the bottom or right).
struct Descs
{
    dnnl::memory::desc src, weights, dst;
    dnnl::memory::dims strides, dilations, padL, padR;

    explicit Descs(const ConvGeometry& g)
        : src(anyLayout(g.N, g.C, g.H, g.W)), weights(weightDims(g), DataType::f32, Tag::any),
          dst(anyLayout(g.N, g.O, g.Ho, g.Wo)), strides{ g.sh, g.sw }, dilations{ g.dh - 1, g.dw - 1 }, padL{ g.pt, g.pl }
    {
        const int pb = (g.Ho - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.H - g.pt;
        const int pr = (g.Wo - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.W - g.pl;
        if (pb < -g.sh + 1 || pr < -g.sw + 1)
            CV_Error(Error::StsNotImplemented, cv::format("oneDNN: the output %dx%d does not fit the input %dx%d",
                                                          g.Ho, g.Wo, g.H, g.W));
        // oneDNN sizes outputs as floor((H + pt + pb - effective kernel) / stride) + 1: windows that end short of the
        // input's last rows (pb < 0) need no padding.
        padR = { std::max(0, pb), std::max(0, pr) };
    }
};

//! Between a caller's NCHW blob and the layout a primitive wants.
struct Relayout
{
    dnnl::memory::desc user, wanted;
    bool needed = false;
    dnnl::reorder reorder;
    dnnl::memory::desc scratchDesc;

    void prepare(const dnnl::memory::desc& user_, const dnnl::memory::desc& wanted_, bool toWanted)
    {
        user = user_;
        wanted = wanted_;
        needed = user != wanted;
        if (!needed)
            return;
        dnnl::reorder::primitive_desc pd = toWanted
            ? dnnl::reorder::primitive_desc(cpu(), user, cpu(), wanted, userScratchpad())
            : dnnl::reorder::primitive_desc(cpu(), wanted, cpu(), user, userScratchpad());
        scratchDesc = pd.scratchpad_desc();
        reorder = dnnl::reorder(pd);
    }
};

/* oneDNN's first choice of backward-data kernel, a direct kernel that blocks channels by 8 or 16, wastes most of
   its work on an input of a few channels (the image, at a network's first layer): there its im2col + GEMM kernel
   ("gemm:jit") is 2-2.6x faster (measured at 224 x 224, 2 threads: AlexNet's 11x11/4 first layer 2.2 -> 0.83 ms,
   ResNet-18's 7x7/2 3.4 -> 1.5-1.9 ms, VGG-11's 3x3 3.2 -> 1.3-1.7 ms); at 8 input channels the two are even, from
   16 on the direct kernel wins (and for grouped convolutions). */
const int kGemmBelowChannels = 8;

//! `pd` becomes the first implementation of `search` (a second descriptor of the same operation) whose name
//! contains `name`; without one, `pd` keeps oneDNN's first choice.
template <class PrimitiveDesc>
void preferImplementation(PrimitiveDesc& pd, PrimitiveDesc search, const char* name)
{
    do
    {
        if (std::strstr(search.impl_info_str(), name))
        {
            pd = search;
            return;
        }
    } while (search.next_impl());
}

}  // namespace

/* A prepared primitive reading one blob and writing one (src -> dst or diff_dst -> diff_src), with its weights;
   shared by ConvolutionForward and ConvolutionBackwardData. */
struct Prepared
{
    dnnl::primitive prim;
    dnnl::memory::desc scratchDesc;
    dnnl::memory weights;
    dnnl::memory bias;  // forward only; empty handle when there is none
    Relayout in, out;
    int inArg = 0, outArg = 0;
    size_t inTotal = 0, outTotal = 0;
    String impl;

    void prepare(const dnnl::primitive& p, const dnnl::memory::desc& pdScratch, const dnnl::memory::desc& inUser,
                 const dnnl::memory::desc& inWanted, const dnnl::memory::desc& outUser,
                 const dnnl::memory::desc& outWanted, const dnnl::memory::desc& weightsWanted, const ConvGeometry& g,
                 const Mat& w)
    {
        prim = p;
        scratchDesc = pdScratch;
        in.prepare(inUser, inWanted, true);
        out.prepare(outUser, outWanted, false);
        inTotal = inUser.get_size() / sizeof(float);
        outTotal = outUser.get_size() / sizeof(float);
        CV_Assert(w.type() == CV_32F && w.total() == (size_t)g.O * (g.C / g.groups) * g.kh * g.kw);
        Mat wc = w.isContinuous() ? w : w.clone();
        const dnnl::memory::desc userW(weightDims(g), DataType::f32, g.groups == 1 ? Tag::oihw : Tag::goihw);
        dnnl::memory user(userW, cpu(), wc.data);
        weights = dnnl::memory(weightsWanted, cpu());
        dnnl::stream& s = threadStream();
        dnnl::reorder(user, weights).execute(s, user, weights);
        s.wait();
    }

    void run(const Mat& inMat, Mat& outMat, const char* what) const
    {
        CV_Assert(inMat.isContinuous() && outMat.isContinuous() && inMat.type() == CV_32F && outMat.type() == CV_32F);
        CV_Assert(inMat.total() == inTotal && outMat.total() == outTotal);
        useThreads();
        try
        {
            dnnl::stream& s = threadStream();
            size_t bytes = scratchDesc.get_size();
            if (in.needed)
                bytes = std::max(bytes, in.scratchDesc.get_size());
            if (out.needed)
                bytes = std::max(bytes, out.scratchDesc.get_size());
            // scratchpad and relayout buffers come from the reused buffers: fresh ones would be page-faulted in
            // on every call
            Mat scratch = newScratch(bytes), srcBuf, dstBuf;
            dnnl::memory userIn(in.user, cpu(), (void*)inMat.data), userOut(out.user, cpu(), outMat.data);
            dnnl::memory src = userIn, dst = userOut;
            if (in.needed)
            {
                srcBuf = newScratch(in.wanted.get_size());
                src = dnnl::memory(in.wanted, cpu(), srcBuf.data);
                reorder(in, userIn, src, scratch, s);
            }
            if (out.needed)
            {
                dstBuf = newScratch(out.wanted.get_size());
                dst = dnnl::memory(out.wanted, cpu(), dstBuf.data);
            }
            Args args{ { inArg, src }, { DNNL_ARG_WEIGHTS, weights }, { outArg, dst } };
            if (bias)
                args.insert({ DNNL_ARG_BIAS, bias });
            if (scratchDesc.get_size())
                args.insert({ DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchDesc, cpu(), scratch.data) });
            prim.execute(s, args);
            if (out.needed)
                reorder(out, dst, userOut, scratch, s);
            s.wait();
        }
        catch (const dnnl::error& e)
        {
            fail(what, e);
        }
    }

private:
    static void reorder(const Relayout& r, dnnl::memory& from, dnnl::memory& to, const Mat& scratch,
                        dnnl::stream& s)
    {
        Args args{ { DNNL_ARG_FROM, from }, { DNNL_ARG_TO, to } };
        if (r.scratchDesc.get_size())
            args.insert({ DNNL_ARG_SCRATCHPAD, dnnl::memory(r.scratchDesc, cpu(), scratch.data) });
        r.reorder.execute(s, args);
    }
};

struct ConvolutionForward::Impl : Prepared {};

ConvolutionForward::ConvolutionForward(const ConvGeometry& g, const Mat& weights, const Mat& bias)
    : impl(makePtr<Impl>())
{
    try
    {
        const Descs d(g);
        const dnnl::memory::desc biasDesc({ g.O }, DataType::f32, Tag::a);
        dnnl::convolution_forward::desc cd = bias.empty()
            ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                              d.src, d.weights, d.dst, d.strides, d.dilations, d.padL, d.padR)
            : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                              d.src, d.weights, biasDesc, d.dst, d.strides, d.dilations, d.padL,
                                              d.padR);
        dnnl::convolution_forward::primitive_desc pd(cd, userScratchpad(), cpu());
        if (!bias.empty())
        {
            CV_Assert(bias.type() == CV_32F && bias.total() == (size_t)g.O);
            impl->bias = dnnl::memory(biasDesc, cpu());
            const Mat b = bias.isContinuous() ? bias : bias.clone();
            std::copy(b.ptr<float>(), b.ptr<float>() + g.O, static_cast<float*>(impl->bias.get_data_handle()));
        }
        impl->inArg = DNNL_ARG_SRC;
        impl->outArg = DNNL_ARG_DST;
        impl->impl = pd.impl_info_str();
        impl->prepare(dnnl::convolution_forward(pd), pd.scratchpad_desc(), nchw(g.N, g.C, g.H, g.W), pd.src_desc(),
                      nchw(g.N, g.O, g.Ho, g.Wo), pd.dst_desc(), pd.weights_desc(), g, weights);
    }
    catch (const dnnl::error& e)
    {
        fail("prepare a convolution", e);
    }
}

ConvolutionForward::~ConvolutionForward() {}
void ConvolutionForward::run(const Mat& src, Mat& dst) const { impl->run(src, dst, "run a convolution"); }
String ConvolutionForward::implementation() const { return impl->impl; }

struct ConvolutionBackwardData::Impl : Prepared {};

ConvolutionBackwardData::ConvolutionBackwardData(const ConvGeometry& g, const Mat& weights) : impl(makePtr<Impl>())
{
    try
    {
        const Descs d(g);
        dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                           d.src, d.weights, d.dst, d.strides, d.dilations, d.padL, d.padR);
        dnnl::convolution_forward::primitive_desc hint(fd, cpu());
        dnnl::convolution_backward_data::desc bd(dnnl::algorithm::convolution_direct, d.src, d.weights, d.dst,
                                                 d.strides, d.dilations, d.padL, d.padR);
        dnnl::convolution_backward_data::primitive_desc pd(bd, userScratchpad(), cpu(), hint);
        if (g.groups == 1 && g.C < kGemmBelowChannels)
            preferImplementation(pd, dnnl::convolution_backward_data::primitive_desc(bd, userScratchpad(), cpu(), hint),
                                 "gemm");
        impl->inArg = DNNL_ARG_DIFF_DST;
        impl->outArg = DNNL_ARG_DIFF_SRC;
        impl->impl = pd.impl_info_str();
        impl->prepare(dnnl::convolution_backward_data(pd), pd.scratchpad_desc(), nchw(g.N, g.O, g.Ho, g.Wo),
                      pd.diff_dst_desc(), nchw(g.N, g.C, g.H, g.W), pd.diff_src_desc(), pd.weights_desc(), g, weights);
    }
    catch (const dnnl::error& e)
    {
        fail("prepare the backward pass of a convolution", e);
    }
}

ConvolutionBackwardData::~ConvolutionBackwardData() {}
void ConvolutionBackwardData::run(const Mat& dy, Mat& dx) const { impl->run(dy, dx, "run the backward pass of a convolution"); }
String ConvolutionBackwardData::implementation() const { return impl->impl; }

#else  // HAVE_INTERP_ONEDNN

namespace {
[[noreturn]] void notBuilt()
{
    CV_Error(Error::StsNotImplemented, "the interp module was built without oneDNN: install libdnnl-dev "
                                       "(scripts/setup.sh) and rebuild");
}
}  // namespace

struct ConvolutionForward::Impl {};
ConvolutionForward::ConvolutionForward(const ConvGeometry&, const Mat&, const Mat&) { notBuilt(); }
ConvolutionForward::~ConvolutionForward() {}
void ConvolutionForward::run(const Mat&, Mat&) const { notBuilt(); }
String ConvolutionForward::implementation() const { return String(); }

struct ConvolutionBackwardData::Impl {};
ConvolutionBackwardData::ConvolutionBackwardData(const ConvGeometry&, const Mat&) { notBuilt(); }
ConvolutionBackwardData::~ConvolutionBackwardData() {}
void ConvolutionBackwardData::run(const Mat&, Mat&) const { notBuilt(); }
String ConvolutionBackwardData::implementation() const { return String(); }

#endif  // HAVE_INTERP_ONEDNN

}  // namespace onednn

bool useOneDNNThreadPool()
{
#ifdef INTERP_ONEDNN_OMP
    static const bool switched = []() {  // once per process (thread-safe static initialisation)
        const int n = cv::getNumThreads();
        cv::parallel::setParallelForBackend(std::make_shared<cv::parallel::openmp::ParallelForBackend>());
        cv::setNumThreads(n);
        return true;
    }();
    return switched;
#else
    return false;
#endif
}

bool haveOneDNN()
{
#ifdef HAVE_INTERP_ONEDNN
    return true;
#else
    return false;
#endif
}

}  // namespace interp
}  // namespace cv
