// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Occlusion sensitivity (Zeiler & Fergus 2014): parameters, fill images, the batched engine (occluded copies
// through cv::dnn) and the results (score grids, drops, per-pixel maps). The incremental engine is in
// occlusion_incremental.cpp, the per-layer-type geometry it uses in occlusion_geometry.cpp.
#include "precomp.hpp"
#include "softmax.hpp"
#include "occlusion_impl.hpp"
#include "engine_impl.hpp"

namespace cv {
namespace interp {

OcclusionParams::OcclusionParams()
    : window(16), stride(8), fill(OCCLUSION_FILL_CONSTANT), fillValue(0), fillColor(), blurSigma(0),
      score(OCCLUSION_SCORE_PROB), classes(), allClasses(false), layer(), engine(OCCLUSION_ENGINE_AUTO), batchSize(0)
{
}

namespace occl {

int scoresPerSample(const Job& job)
{
    const Mat& s = job.tape->outputs(job.scoreLayer)[0];
    return (int)(s.total() / job.tape->batchSize());
}

void occludeInto(const Job& job, int w, float* dst)
{
    const Mat& in = job.tape->input();
    const int N0 = in.size[0], C = in.size[1], H = in.size[2], W = in.size[3];
    const Rect r = job.windows[w];
    memcpy(dst, in.ptr<float>(), in.total() * sizeof(float));
    for (int n = 0; n < N0; n++)
        for (int c = 0; c < C; c++)
        {
            float* d = dst + ((size_t)n * C + c) * H * W;
            const float* f = job.fill.ptr<float>(n, c);
            for (int y = r.y; y < r.y + r.height; y++)
                memcpy(d + (size_t)y * W + r.x, f + (size_t)y * W + r.x, r.width * sizeof(float));
        }
}

void reportProgress(const Job& job, int done)
{
    if (job.progress && !job.progress(done, (int)job.windows.size()))
        CV_Error(Error::StsError, "occlusion was cancelled by the progress callback");
}

namespace {

const size_t kBatchedBudget = size_t(256) << 20;  // bytes of layer outputs per batch (automatic batch size)

/* True when the network takes batches of several copies of the input: some exports fix the batch size in a
   Reshape. Checked with the network's own layers' shape inference (no forward pass, no error logs). */
bool netTakesBatches(const Job& job)
{
    const Graph& G = job.explainer->graph();
    const Tape& tape = *job.tape;
    const int L = job.scoreLayer + 1;
    std::vector<std::vector<MatShape> > shapes2(L);
    auto doubled = [](MatShape s) { s[0] *= 2; return s; };
    std::lock_guard<std::mutex> lock(*G.impl->netMutex);
    for (int i = 0; i < L; i++)
    {
        const LayerInfo& info = G.layer(i);
        if (!G.dependsOnInput(i))
        {
            for (const Mat& m : tape.outputs(i))
                shapes2[i].push_back(dnn::shape(m));
            continue;
        }
        std::vector<MatShape> ins, outs, internals;
        for (const LayerPin& p : info.inputs)
        {
            if (p.layer < 0)
                ins.push_back(doubled(dnn::shape(tape.input())));
            else if (p.pin < (int)shapes2[p.layer].size())
                ins.push_back(shapes2[p.layer][p.pin]);
            else
                return false;
        }
        try
        {
            info.layer->getMemoryShapes(ins, (int)tape.outputs(i).size(), outs, internals);
        }
        catch (const cv::Exception&)
        {
            return false;
        }
        for (size_t k = 0; k < tape.outputs(i).size(); k++)
            if (k >= outs.size() || outs[k] != doubled(dnn::shape(tape.outputs(i)[k])))
                return false;
        shapes2[i] = outs;
    }
    return true;
}

}  // namespace

void runBatched(const Job& job, Mat& scores)
{
    const Graph& G = job.explainer->graph();
    const Tape& tape = *job.tape;
    const Mat& input = tape.input();
    const int N0 = input.size[0], C = input.size[1], H = input.size[2], W = input.size[3];
    const int P = (int)job.windows.size(), K = scoresPerSample(job);
    const String name = G.layer(job.scoreLayer).name;
    int B = job.batchSize;
    if (B <= 0)
    {
        size_t perWindow = 0;
        for (int i = 0; i <= job.scoreLayer; i++)
            for (const Mat& m : tape.outputs(i))
                perWindow += m.total() * sizeof(float);
        B = (int)std::min<size_t>(64, std::max<size_t>(1, kBatchedBudget / std::max<size_t>(1, perWindow)));
    }
    if (B > 1 && !netTakesBatches(job))
    {
        CV_LOG_INFO(NULL, "interp occlusion: the network takes only batches of " << N0
                    << " samples (a fixed batch size in its graph): one window position per forward pass");
        B = 1;
    }
    B = std::min(B, P);
    scores.create(P, N0 * K, CV_32F);
    dnn::Net net = job.explainer->getNet();
    const size_t per = (size_t)N0 * C * H * W;
    for (int w0 = 0; w0 < P; w0 += B)
    {
        const int w1 = std::min(P, w0 + B), nb = w1 - w0;
        Mat blob(std::vector<int>{ nb * N0, C, H, W }, CV_32F);
        cv::parallel_for_(Range(w0, w1), [&](const Range& r) {
            for (int w = r.start; w < r.end; w++)
                occludeInto(job, w, blob.ptr<float>() + (size_t)(w - w0) * per);
        });
        {
            std::lock_guard<std::mutex> lock(*G.impl->netMutex);
            Mat out;
            try
            {
                net.setInput(blob);
                out = net.forward(name);
            }
            catch (const cv::Exception& e)
            {
                CV_Error(Error::StsError, "occlusion: the forward pass of " + std::to_string(nb) +
                                          " occluded copies failed: cv::dnn says: " + e.err);
            }
            CV_CheckEQ(out.total(), (size_t)nb * N0 * K, "unexpected size of the score layer's output");
            Mat(nb, N0 * K, CV_32F, out.ptr<float>()).copyTo(scores.rowRange(w0, w1));
        }
        reportProgress(job, w1);
    }
}

}  // namespace occl

// ---------------------------------------------------------------------------------------------------------
// Occlusion

using namespace occl;

struct Occlusion::Impl
{
    Ptr<Explainer> explainer;
    std::mutex mutex;
    std::vector<Ptr<IncrementalPlan> > plans;  // idle plans, most recent last

    Ptr<IncrementalPlan> acquire(const Job& job)
    {
        {
            std::lock_guard<std::mutex> lock(mutex);
            for (size_t i = plans.size(); i-- > 0;)
                if (plans[i]->matches(job))
                {
                    Ptr<IncrementalPlan> p = plans[i];
                    plans.erase(plans.begin() + i);
                    return p;
                }
        }
        return IncrementalPlan::create(job);
    }

    void release(const Ptr<IncrementalPlan>& p)
    {
        std::lock_guard<std::mutex> lock(mutex);
        plans.push_back(p);
        if (plans.size() > 4)
            plans.erase(plans.begin());
    }
};

namespace {

void checkParams(const OcclusionParams& p, const Mat& blob)
{
    if (blob.empty() || blob.dims != 4 || blob.type() != CV_32F)
        CV_Error(Error::StsBadArg, "occlusion needs an N x C x H x W float32 blob (cv::dnn::blobFromImage makes one)");
    const int C = blob.size[1], H = blob.size[2], W = blob.size[3];
    if (p.window < 1)
        CV_Error(Error::StsBadArg, cv::format("the occlusion window must be at least 1 pixel, got %d", p.window));
    if (p.window > H || p.window > W)
        CV_Error(Error::StsBadArg, cv::format("the occlusion window (%d x %d) is larger than the input (%d x %d): "
                                              "use a window of at most %d pixels", p.window, p.window, W, H,
                                              std::min(H, W)));
    if (p.stride < 1)
        CV_Error(Error::StsBadArg, cv::format("the occlusion stride must be a positive number of pixels, got %d",
                                              p.stride));
    if (p.fill < OCCLUSION_FILL_CONSTANT || p.fill > OCCLUSION_FILL_BLUR)
        CV_Error(Error::StsBadArg, cv::format("unknown occlusion fill %d: use OCCLUSION_FILL_CONSTANT, _MEAN, _COLOR "
                                              "or _BLUR", p.fill));
    if (p.fill == OCCLUSION_FILL_COLOR && (int)p.fillColor.size() != C)
        CV_Error(Error::StsBadArg, cv::format("the fill colour has %d value(s) but the input has %d channels: give one "
                                              "value per channel, in blob units (see cv::interp::occlusionFillColor)",
                                              (int)p.fillColor.size(), C));
    if (p.score != OCCLUSION_SCORE_PROB && p.score != OCCLUSION_SCORE_LOGIT)
        CV_Error(Error::StsBadArg, cv::format("unknown occlusion score %d: use OCCLUSION_SCORE_PROB or "
                                              "OCCLUSION_SCORE_LOGIT", p.score));
    if (p.engine < OCCLUSION_ENGINE_AUTO || p.engine > OCCLUSION_ENGINE_INCREMENTAL)
        CV_Error(Error::StsBadArg, cv::format("unknown occlusion engine %d: use OCCLUSION_ENGINE_AUTO, _BATCHED or "
                                              "_INCREMENTAL", p.engine));
    if (p.batchSize < 0)
        CV_Error(Error::StsBadArg, cv::format("the batch size must be positive (or 0 for automatic), got %d", p.batchSize));
}

//! N0 x C x H x W: the values occluded pixels take.
Mat makeFill(const OcclusionParams& p, const Mat& blob)
{
    Mat fill(blob.dims, blob.size.p, CV_32F);
    const int N0 = blob.size[0], C = blob.size[1], H = blob.size[2], W = blob.size[3];
    for (int n = 0; n < N0; n++)
        for (int c = 0; c < C; c++)
        {
            Mat src(H, W, CV_32F, (void*)blob.ptr<float>(n, c));
            Mat dst(H, W, CV_32F, fill.ptr<float>(n, c));
            switch (p.fill)
            {
            case OCCLUSION_FILL_CONSTANT: dst.setTo(p.fillValue); break;
            case OCCLUSION_FILL_MEAN: dst.setTo(cv::mean(src)[0]); break;
            case OCCLUSION_FILL_COLOR: dst.setTo(p.fillColor[c]); break;
            default:
            {
                const double sigma = p.blurSigma > 0 ? p.blurSigma : p.window / 2.0;
                const int radius = std::max(1, (int)std::ceil(3 * sigma));
                cv::GaussianBlur(src, dst, Size(2 * radius + 1, 2 * radius + 1), sigma, sigma, BORDER_REFLECT_101);
            }
            }
        }
    return fill;
}

std::vector<Rect> windowRects(const OcclusionParams& p, int H, int W, int& rows, int& cols)
{
    rows = (H - p.window) / p.stride + 1;
    cols = (W - p.window) / p.stride + 1;
    std::vector<Rect> r;
    r.reserve((size_t)rows * cols);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            r.push_back(Rect(j * p.stride, i * p.stride, p.window, p.window));
    return r;
}

//! Per sample: softmax (double precision) or the raw values.
void toScores(const float* raw, int K, int score, std::vector<double>& out)
{
    out.resize(K);
    if (score == OCCLUSION_SCORE_LOGIT)
    {
        for (int k = 0; k < K; k++)
            out[k] = raw[k];
        return;
    }
    softmax(raw, (size_t)K, out.data());
}

}  // namespace

Occlusion::Occlusion() : impl(makePtr<Impl>()) {}
Occlusion::~Occlusion() {}

Ptr<Occlusion> Occlusion::create(const Ptr<Explainer>& explainer)
{
    if (!explainer || !explainer->impl)
        CV_Error(Error::StsBadArg, "occlusion needs an explainer: load the model with cv::interp::readNet()");
    Ptr<Occlusion> o(new Occlusion());
    o->impl->explainer = explainer;
    return o;
}

Ptr<Explainer> Occlusion::explainer() const { return impl->explainer; }

std::vector<OcclusionResult> Occlusion::compute(InputArray blob, const OcclusionParams& params) const
{
    return compute(blob, params, OcclusionProgress());
}

std::vector<OcclusionResult> Occlusion::compute(InputArray blob_, const OcclusionParams& params,
                                                const OcclusionProgress& progress) const
{
    const Mat blob = blob_.getMat();
    checkParams(params, blob);
    const Explainer& ex = *impl->explainer;
    const Graph& G = ex.graph();
    Job job;
    job.explainer = &ex;
    job.scoreLayer = params.layer.empty() ? G.scoreLayer() : G.require(params.layer);
    if (!G.dependsOnInput(job.scoreLayer))
        CV_Error(Error::StsBadArg, "layer '" + G.layer(job.scoreLayer).name + "' does not depend on the input: "
                                   "occluding the input cannot change it; pick a layer that holds the class scores");
    job.tape = ex.forward(blob);
    const int N0 = blob.size[0], H = blob.size[2], W = blob.size[3];
    int rows = 0, cols = 0;
    job.windows = windowRects(params, H, W, rows, cols);
    job.fill = makeFill(params, job.tape->input());
    job.batchSize = params.batchSize;
    job.progress = progress;
    const int K = scoresPerSample(job);
    if (K < 1)
        CV_Error(Error::StsBadArg, "the score layer '" + G.layer(job.scoreLayer).name + "' has an empty output");

    // Classes per sample.
    const Mat& baseRaw = job.tape->outputs(job.scoreLayer)[0];
    std::vector<std::vector<int> > classes(N0);
    for (int n = 0; n < N0; n++)
    {
        const float* r = baseRaw.ptr<float>() + (size_t)n * K;
        if (params.allClasses)
            for (int k = 0; k < K; k++)
                classes[n].push_back(k);
        else if (!params.classes.empty())
        {
            for (int k : params.classes)
                if (k < 0 || k >= K)
                    CV_Error(Error::StsOutOfRange, cv::format("class %d does not exist: layer '%s' has %d scores "
                                                              "per sample (classes 0..%d)", k,
                                                              G.layer(job.scoreLayer).name.c_str(), K, K - 1));
            classes[n] = params.classes;
        }
        else
            classes[n].push_back((int)(std::max_element(r, r + K) - r));
    }

    // Scores per window position.
    Mat raw;
    int engine = params.engine;
    Ptr<IncrementalPlan> plan;
    if (engine != OCCLUSION_ENGINE_BATCHED)
    {
        try
        {
            plan = impl->acquire(job);
            engine = OCCLUSION_ENGINE_INCREMENTAL;
        }
        catch (const cv::Exception& e)
        {
            if (engine == OCCLUSION_ENGINE_INCREMENTAL)
                throw;
            CV_LOG_INFO(NULL, "interp occlusion: using the batched engine: " << e.err);
            engine = OCCLUSION_ENGINE_BATCHED;
        }
    }
    if (engine == OCCLUSION_ENGINE_INCREMENTAL)
    {
        plan->run(job, raw);
        impl->release(plan);
    }
    else
        runBatched(job, raw);

    // Results.
    const int P = (int)job.windows.size();
    std::vector<OcclusionResult> results;
    std::vector<double> s;
    for (int n = 0; n < N0; n++)
    {
        toScores(baseRaw.ptr<float>() + (size_t)n * K, K, params.score, s);
        const std::vector<double> base = s;
        std::vector<Mat> grids;
        for (size_t j = 0; j < classes[n].size(); j++)
            grids.push_back(Mat(rows, cols, CV_32F));
        for (int p = 0; p < P; p++)
        {
            toScores(raw.ptr<float>(p) + (size_t)n * K, K, params.score, s);
            for (size_t j = 0; j < classes[n].size(); j++)
                grids[j].at<float>(p / cols, p % cols) = (float)s[classes[n][j]];
        }
        for (size_t j = 0; j < classes[n].size(); j++)
        {
            OcclusionResult r;
            r.sample = n;
            r.classIndex = classes[n][j];
            r.baseline = base[r.classIndex];
            r.scores = grids[j];
            r.engine = engine;
            cv::subtract(Scalar::all(r.baseline), r.scores, r.drop);
            Mat sum = Mat::zeros(H, W, CV_64F), count = Mat::zeros(H, W, CV_64F);
            for (int p = 0; p < P; p++)
            {
                sum(job.windows[p]) += (double)r.drop.at<float>(p / cols, p % cols);
                count(job.windows[p]) += 1.0;
            }
            Mat mean = sum / cv::max(count, 1.0);
            mean.convertTo(r.map, CV_32F);
            results.push_back(r);
        }
    }
    return results;
}

std::vector<OcclusionLayerPlan> Occlusion::plan(InputArray blob_, const OcclusionParams& params) const
{
    const Mat blob = blob_.getMat();
    checkParams(params, blob);
    const Explainer& ex = *impl->explainer;
    const Graph& G = ex.graph();
    Job job;
    job.explainer = &ex;
    job.scoreLayer = params.layer.empty() ? G.scoreLayer() : G.require(params.layer);
    job.tape = ex.forward(blob);
    int rows = 0, cols = 0;
    job.windows = windowRects(params, blob.size[2], blob.size[3], rows, cols);
    Ptr<IncrementalPlan> p = impl->acquire(job);
    std::vector<OcclusionLayerPlan> d = p->describe();
    impl->release(p);
    return d;
}

std::vector<OcclusionResult> occlusion(const Ptr<Explainer>& explainer, InputArray blob, const OcclusionParams& params)
{
    return Occlusion::create(explainer)->compute(blob, params);
}

std::vector<float> occlusionFillColor(const Preprocessing& prep, const Scalar& rgb, int channels)
{
    for (int i = 0; i < 3; i++)
        if (rgb[i] < 0 || rgb[i] > 255)
            CV_Error(Error::StsBadArg, cv::format("colour component %g is outside 0..255", rgb[i]));
    std::vector<float> v;
    if (channels == 1)
    {
        if (rgb[0] != rgb[1] || rgb[1] != rgb[2])
            CV_Error(Error::StsBadArg, "a one-channel network takes a grey fill colour (R = G = B)");
        v.push_back((float)((rgb[0] - prep.mean[0]) * prep.channelScale(0)));
        return v;
    }
    if (channels != 3)
        CV_Error(Error::StsBadArg, cv::format("fill colours are defined for 1- and 3-channel inputs, not %d channels: "
                                              "give OcclusionParams::fillColor in blob units", channels));
    // Images are BGR; blobFromImage swaps to RGB when swapRB, then subtracts the mean (in that order) and scales.
    const double bgr[3] = { rgb[2], rgb[1], rgb[0] };
    for (int c = 0; c < 3; c++)
    {
        const double pixel = prep.swapRB ? rgb[c] : bgr[c];
        v.push_back((float)((pixel - prep.mean[c]) * prep.channelScale(c)));
    }
    return v;
}

}  // namespace interp
}  // namespace cv
