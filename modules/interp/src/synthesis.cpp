// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Feature visualisation by gradient ascent (Synthesizer): settings checks, start images, the step (engine
// forward + backward through the random transformation and the parameterisation, penalties, optimiser,
// projections) and multi-octave upscaling.
#include "precomp.hpp"
#include "synthesis_impl.hpp"
#include "graph_impl.hpp"

namespace cv {
namespace interp {

using namespace synthesis;

SynthesisParams SynthesisParams::strong()
{
    SynthesisParams p;
    p.fourier = true;
    p.decorrelate = true;
    p.jitter = 4;
    p.scaleJitter = 0.05;
    p.rotation = 5;
    p.optimizer = SYNTHESIS_ADAM;
    p.learningRate = 0.05;
    return p;
}

SynthesisParams SynthesisParams::classImages(int iterations)
{
    SynthesisParams p;
    p.iterations = iterations;
    p.octaves = 3;
    p.octaveScale = 2;
    p.learningRate = 0.1;
    p.jitter = 2;
    p.init = SYNTHESIS_INIT_GAUSSIAN;
    return p;
}

namespace {

//! Every plane of an N x C x H x W blob resized.
Mat resizeBlob(const Mat& blob, Size size)
{
    const int N = blob.size[0], C = blob.size[1], H = blob.size[2], W = blob.size[3];
    if (H == size.height && W == size.width)
        return blob.clone();
    const int interpolation = size.width < W ? INTER_AREA : INTER_CUBIC;
    Mat out(std::vector<int>{ N, C, size.height, size.width }, CV_32F);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
        {
            Mat src(H, W, CV_32F, (void*)blob.ptr<float>(n, c));
            Mat dst(size, CV_32F, out.ptr<float>(n, c));
            cv::resize(src, dst, size, 0, 0, interpolation);
        }
    return out;
}

void checkSettings(const SynthesisParams& p)
{
    auto bad = [](const String& m) { CV_Error(Error::StsBadArg, m); };
    if (p.iterations < 0)
        bad(cv::format("iterations must be >= 0, got %d", p.iterations));
    if (p.optimizer != SYNTHESIS_NORMALIZED_GRADIENT && p.optimizer != SYNTHESIS_ADAM)
        bad(cv::format("unknown optimizer %d: use SYNTHESIS_ADAM or SYNTHESIS_NORMALIZED_GRADIENT", p.optimizer));
    if (!(p.learningRate > 0) || !std::isfinite(p.learningRate))
        bad(cv::format("the learning rate must be positive, got %g", p.learningRate));
    if (p.init < SYNTHESIS_INIT_ZEROS || p.init > SYNTHESIS_INIT_IMAGE)
        bad(cv::format("unknown init %d: use SYNTHESIS_INIT_ZEROS, _UNIFORM, _GAUSSIAN or _IMAGE", p.init));
    if (!(p.initNoise >= 0))
        bad(cv::format("initNoise must be >= 0 grey levels, got %g", p.initNoise));
    if (p.init == SYNTHESIS_INIT_IMAGE && p.initImage.empty())
        bad("init is SYNTHESIS_INIT_IMAGE but initImage is empty: give the start image");
    if (p.init == SYNTHESIS_INIT_IMAGE && p.initImage.depth() != CV_8U)
        bad("initImage must be an 8-bit image (as cv::imread gives)");
    if (p.batch < 1)
        bad(cv::format("batch must be >= 1, got %d", p.batch));
    if (p.channels < 1)
        bad(cv::format("channels must be >= 1, got %d", p.channels));
    if (p.inputSize.width < 0 || p.inputSize.height < 0 || p.imageSize.width < 0 || p.imageSize.height < 0)
        bad("inputSize and imageSize must not be negative");
    if (p.octaves < 1)
        bad(cv::format("octaves must be >= 1, got %d", p.octaves));
    if (p.octaves > 1 && !(p.octaveScale > 1))
        bad(cv::format("octaveScale must be > 1 with several octaves, got %g", p.octaveScale));
    if (!(p.l2 >= 0) || !(p.tv >= 0))
        bad("the l2 and tv weights must be >= 0");
    if (!(p.tvBeta >= 1 && p.tvBeta <= 4))
        bad(cv::format("tvBeta must be in [1, 4], got %g", p.tvBeta));
    if (p.blurEvery < 0)
        bad(cv::format("blurEvery must be >= 0 (0: no blur), got %d", p.blurEvery));
    if (p.blurEvery > 0 && !(p.blurSigma > 0))
        bad(cv::format("blurSigma must be positive when blurring, got %g", p.blurSigma));
    if (!(p.clipNormPercentile >= 0 && p.clipNormPercentile < 100) ||
        !(p.clipContributionPercentile >= 0 && p.clipContributionPercentile < 100))
        bad("clipping percentiles must be in [0, 100)");
    if (p.jitter < 0)
        bad(cv::format("jitter must be >= 0 pixels, got %d", p.jitter));
    if (!(p.scaleJitter >= 0 && p.scaleJitter < 1))
        bad(cv::format("scaleJitter must be in [0, 1), got %g", p.scaleJitter));
    if (!(p.rotation >= 0 && p.rotation <= 180))
        bad(cv::format("rotation must be in [0, 180] degrees, got %g", p.rotation));
    if (!(p.fourierDecay >= 0) || !std::isfinite(p.fourierDecay))
        bad(cv::format("fourierDecay must be >= 0, got %g", p.fourierDecay));
    if (!p.colorCorrelation.empty() && (p.colorCorrelation.rows != p.channels || p.colorCorrelation.cols != p.channels ||
                                        p.colorCorrelation.channels() != 1))
        bad(cv::format("colorCorrelation must be %d x %d (one row and column per blob channel)", p.channels, p.channels));
}

//! A start image converted to `channels` channels.
Mat withChannels(const Mat& img, int channels)
{
    const int c = img.channels();
    if (c == channels)
        return img;
    Mat out;
    if (channels == 3 && c == 1)
        cv::cvtColor(img, out, COLOR_GRAY2BGR);
    else if (channels == 3 && c == 4)
        cv::cvtColor(img, out, COLOR_BGRA2BGR);
    else if (channels == 1 && c == 3)
        cv::cvtColor(img, out, COLOR_BGR2GRAY);
    else if (channels == 1 && c == 4)
        cv::cvtColor(img, out, COLOR_BGRA2GRAY);
    else
        CV_Error(Error::StsBadArg, cv::format("the start image has %d channels, the network takes %d", c, channels));
    return out;
}

}  // namespace

struct Synthesizer::Impl
{
    Ptr<Explainer> ex;
    Preprocessing prep;
    SynthesisParams p;
    BlobRange range;
    Ptr<Objective> objective;
    Mat colorMatrix;  // empty: no colour mixing
    Size input;
    std::vector<Size> octaveSizes;
    int octave = 0, iter = 0, total = 0;
    Ptr<Parameterization> param;
    Mat params;
    Mat adamM, adamV;
    int adamT = 0;
    std::vector<std::vector<double> > history;
    std::vector<double> initialObjective;
    mutable std::vector<int> moved;  // per sample: 1 once the objective's gradient was non-zero at some step

    bool needsObjectiveGradient() const { return p.clipContributionPercentile > 0; }

    void startOctave(const Mat& blob)
    {
        const Size sz(blob.size[3], blob.size[2]);
        if (p.fourier)
            param = makeFourierParameterization(range, sz, p.channels, p.fourierDecay, colorMatrix);
        else
            param = makePixelParameterization(range);
        params = param->encode(blob);
        adamM = Mat::zeros(params.dims, params.size.p, CV_32F);
        adamV = Mat::zeros(params.dims, params.size.p, CV_32F);
        adamT = 0;
    }

    Mat startBlob() const
    {
        const Size sz = octaveSizes[0];
        const int N = p.batch, C = p.channels;
        Mat blob;
        if (p.init == SYNTHESIS_INIT_IMAGE)
        {
            Preprocessing q = prep;
            q.size = sz;
            // A vector: toBlob() of a single 2-D Mat would take each row for an image.
            Mat one = q.toBlob(std::vector<Mat>(1, withChannels(p.initImage, C)));
            CV_Assert(one.total() == (size_t)C * sz.area());
            blob.create(std::vector<int>{ N, C, sz.height, sz.width }, CV_32F);
            for (int n = 0; n < N; n++)
                std::copy(one.ptr<float>(), one.ptr<float>() + one.total(), blob.ptr<float>(n));
        }
        else
        {
            blob.create(std::vector<int>{ N, C, sz.height, sz.width }, CV_32F);
            blob.setTo(Scalar::all(0));
            if (p.init != SYNTHESIS_INIT_ZEROS && p.initNoise > 0)
            {
                RNG rng((uint64)(int64)p.seed * 2654435761ULL + 12345);
                const float s = range.scale[0];  // grey levels -> blob units of channel 0
                if (p.init == SYNTHESIS_INIT_GAUSSIAN)
                    rng.fill(blob, RNG::NORMAL, 0.0, p.initNoise * s);
                else
                    rng.fill(blob, RNG::UNIFORM, -p.initNoise * std::abs(s), p.initNoise * std::abs(s));
                // Channels with another std: the same noise in grey levels.
                const size_t plane = (size_t)sz.area();
                for (int c = 1; c < C; c++)
                    if (range.scale[c] != s)
                        for (int n = 0; n < N; n++)
                        {
                            float* q = blob.ptr<float>(n, c);
                            for (size_t i = 0; i < plane; i++)
                                q[i] = q[i] / s * range.scale[c];
                        }
            }
        }
        range.clamp(blob);
        return blob;
    }

    std::vector<double> evaluateBlob(const Mat& blob) const
    {
        Mat x = resizeBlob(blob, input);
        Ptr<Tape> tape = ex->forward(x);
        return objective->evaluate(*tape, nullptr);
    }

    // Scratch buffers reused from step to step (the class is not thread-safe).
    mutable Mat blobBuf, inputBuf, gradImageBuf;
    Mat gradBuf;

    //! Regularised objective and its gradient w.r.t. `prm`; optionally f alone and d f / d image.
    std::vector<double> gradient(const Mat& prm, int iteration, Mat& grad, std::vector<double>* fValues,
                                 Mat* fGradImage) const
    {
        param->render(prm, blobBuf);
        const Mat& blob = blobBuf;
        const int N = blob.size[0];
        const Size img(blob.size[3], blob.size[2]);
        Warp warp(stepTransforms(p, N, img, input, octave, iteration), img, input);
        warp.forward(blob, inputBuf);
        Ptr<Tape> tape = ex->forward(inputBuf);
        Seeds seeds;
        std::vector<double> f = objective->evaluate(*tape, &seeds);
        Mat gin;
        ex->backward(*tape, seeds, BACKWARD_STANDARD, gin);
        tape.release();
        moved.resize(N, 0);
        const size_t per = gin.total() / N;
        for (int n = 0; n < N; n++)
            if (!moved[n])
            {
                const float* g = gin.ptr<float>() + n * per;
                moved[n] = std::any_of(g, g + per, [](float v) { return v != 0.f; }) ? 1 : 0;
            }
        warp.adjoint(gin, gradImageBuf);
        Mat& gimg = gradImageBuf;
        if (fGradImage)
            gimg.copyTo(*fGradImage);
        std::vector<double> values = f;
        if (p.l2 > 0 || p.tv > 0)
        {
            // The penalties of the image in standard units (BlobRange::unit), whatever the network's input scale.
            const bool direct = range.unitIsOne();
            const Mat x = direct ? blob : range.toStandard(blob);
            Mat g = direct ? gimg : Mat::zeros(gimg.dims, gimg.size.p, CV_32F);
            if (p.l2 > 0)
            {
                std::vector<double> pen = l2Penalty(x, p.l2, g);
                for (int n = 0; n < N; n++)
                    values[n] -= pen[n];
            }
            if (p.tv > 0)
            {
                std::vector<double> pen = tvPenalty(x, p.tv, p.tvBeta, g);
                for (int n = 0; n < N; n++)
                    values[n] -= pen[n];
            }
            if (!direct)
                gimg += range.toStandard(g);  // d standard / d blob = 1 / unit
        }
        param->backward(blob, gimg, grad);
        if (fValues)
            *fValues = f;
        return values;
    }

    void update(const Mat& grad)
    {
        CV_Assert(grad.total() == params.total() && grad.isContinuous() && params.isContinuous());
        const size_t total_ = params.total();
        float* x = params.ptr<float>();
        const float* g = grad.ptr<float>();
        const float lr = (float)p.learningRate;
        if (p.optimizer == SYNTHESIS_ADAM)
        {
            adamT++;
            const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
            const float c1 = (float)(1.0 / (1.0 - std::pow(0.9, adamT)));
            const float c2 = (float)(1.0 / (1.0 - std::pow(0.999, adamT)));
            float* __restrict m = adamM.ptr<float>();
            float* __restrict v = adamV.ptr<float>();
            float* __restrict xr = x;
            const float* __restrict gr = g;
            for (size_t i = 0; i < total_; i++)
            {
                const float mi = b1 * m[i] + (1.f - b1) * gr[i];
                const float vi = b2 * v[i] + (1.f - b2) * gr[i] * gr[i];
                m[i] = mi;
                v[i] = vi;
                xr[i] += lr * (mi * c1) / (std::sqrt(vi * c2) + eps);
            }
        }
        else
        {
            const int N = params.size[0];
            const size_t per = total_ / N;
            for (int n = 0; n < N; n++)
            {
                double s = 0;
                for (size_t i = 0; i < per; i++)
                    s += std::abs(g[n * per + i]);
                s /= (double)per;
                if (s <= 0)
                    continue;
                const float k = (float)(p.learningRate / s);
                for (size_t i = 0; i < per; i++)
                    x[n * per + i] += k * g[n * per + i];
            }
        }
        param->project(params);
    }

    bool octaveComplete() const { return iter >= p.iterations; }
    bool finished() const { return octave + 1 >= (int)octaveSizes.size() && octaveComplete(); }

    void nextOctave()
    {
        CV_Assert(octave + 1 < (int)octaveSizes.size());
        Mat blob = resizeBlob(param->render(params), octaveSizes[octave + 1]);
        range.clamp(blob);
        octave++;
        iter = 0;
        startOctave(blob);
    }

    std::vector<double> step()
    {
        while (octaveComplete() && octave + 1 < (int)octaveSizes.size())
            nextOctave();
        if (octaveComplete())
            CV_Error(Error::StsError, "the synthesis is complete: every octave has run its iterations");
        Mat fGrad;
        std::vector<double> f;
        gradient(params, iter, gradBuf, &f, needsObjectiveGradient() ? &fGrad : nullptr);
        update(gradBuf);
        const bool blur = p.blurEvery > 0 && (iter + 1) % p.blurEvery == 0;
        if (blur || p.clipNormPercentile > 0 || p.clipContributionPercentile > 0)
        {
            Mat blob = param->render(params);
            if (blur)
                blurBlob(blob, p.blurSigma);
            if (p.clipNormPercentile > 0)
                clipSmallNorm(blob, p.clipNormPercentile);
            if (p.clipContributionPercentile > 0)
                clipSmallContribution(blob, fGrad, p.clipContributionPercentile);
            params = param->encode(blob);
        }
        iter++;
        total++;
        history.push_back(f);
        return f;
    }
};

Synthesizer::Synthesizer() : impl(makePtr<Impl>()) {}
Synthesizer::~Synthesizer() {}

Ptr<Synthesizer> Synthesizer::create(const Ptr<Explainer>& explainer, const std::vector<Target>& objective,
                                     const Preprocessing& preprocessing, const SynthesisParams& params)
{
    if (!explainer)
        CV_Error(Error::StsBadArg, "no explainer: load the model with cv::interp::readNet()");
    checkSettings(params);
    Ptr<Synthesizer> s(new Synthesizer());
    Impl& m = *s->impl;
    m.ex = explainer;
    m.prep = preprocessing;
    m.p = params;
    Size input = params.inputSize.area() > 0 ? params.inputSize : preprocessing.size;
    Size image = params.imageSize.area() > 0 ? params.imageSize : input;
    if (input.area() == 0)
        input = image;
    if (input.area() == 0)
        CV_Error(Error::StsBadArg, "unknown image size: set SynthesisParams::inputSize or imageSize, or give a "
                                   "Preprocessing with a size (the model's input size)");
    m.input = input;
    m.range = BlobRange::of(preprocessing, params.channels);
    for (int k = 0; k < params.octaves; k++)
    {
        const double f = std::pow(params.octaveScale, params.octaves - 1 - k);
        const Size sz(std::max(1, cvRound(image.width / f)), std::max(1, cvRound(image.height / f)));
        if (sz.width < 4 || sz.height < 4)
            CV_Error(Error::StsBadArg, cv::format("octave %d would be %d x %d pixels: use fewer octaves, a smaller "
                                                  "octaveScale or a larger imageSize", k, sz.width, sz.height));
        m.octaveSizes.push_back(sz);
    }
    if (params.fourier && params.decorrelate && params.channels == 3)
    {
        if (params.colorCorrelation.empty())
            m.colorMatrix = defaultColorCorrelation(preprocessing.swapRB);
        else
        {
            params.colorCorrelation.convertTo(m.colorMatrix, CV_64F);
            double mx = 0;
            for (int c = 0; c < 3; c++)
                mx = std::max(mx, cv::norm(m.colorMatrix.col(c)));
            if (!(mx > 0))
                CV_Error(Error::StsBadArg, "colorCorrelation is zero: give an invertible 3 x 3 matrix");
            m.colorMatrix /= mx;
        }
    }
    m.objective = makePtr<Objective>(*explainer, objective,
                                     MatShape{ params.batch, params.channels, input.height, input.width });
    Mat blob = m.startBlob();
    m.initialObjective = m.evaluateBlob(blob);
    m.startOctave(blob);
    return s;
}

int Synthesizer::batchSize() const { return impl->p.batch; }
Size Synthesizer::inputSize() const { return impl->input; }
Size Synthesizer::imageSize() const { return impl->octaveSizes[impl->octave]; }
int Synthesizer::octave() const { return impl->octave; }
int Synthesizer::iteration() const { return impl->total; }
bool Synthesizer::done() const { return impl->finished(); }
std::vector<double> Synthesizer::step() { return impl->step(); }
Mat Synthesizer::parameters() const { return impl->params.clone(); }

void Synthesizer::setParameters(const Mat& params)
{
    if (params.type() != CV_32F || dnn::shape(params) != dnn::shape(impl->params))
        CV_Error(Error::StsBadSize, "the parameters must be float32 of shape " + shapeToString(dnn::shape(impl->params)) +
                                    " (as parameters() returns)");
    impl->params = params.clone();
    impl->param->project(impl->params);
}

Mat Synthesizer::render() const { return impl->param->render(impl->params); }

Mat Synthesizer::render(const Mat& params) const
{
    if (params.type() != CV_32F || dnn::shape(params) != dnn::shape(impl->params))
        CV_Error(Error::StsBadSize, "the parameters must be float32 of shape " + shapeToString(dnn::shape(impl->params)));
    return impl->param->render(params.isContinuous() ? params : params.clone());
}

std::vector<Mat> Synthesizer::images() const
{
    const Mat blob = render();
    std::vector<Mat> out;
    for (int n = 0; n < blob.size[0]; n++)
        out.push_back(impl->prep.toImage(blob, n));
    return out;
}

std::vector<double> Synthesizer::objectiveGradient(const Mat& params, int iteration, Mat& grad) const
{
    if (params.type() != CV_32F || dnn::shape(params) != dnn::shape(impl->params))
        CV_Error(Error::StsBadSize, "the parameters must be float32 of shape " + shapeToString(dnn::shape(impl->params)));
    if (iteration < 0)
        CV_Error(Error::StsBadArg, "the iteration must be >= 0");
    Mat g;
    std::vector<double> v = impl->gradient(params.isContinuous() ? params : params.clone(), iteration, g, nullptr, nullptr);
    grad = g.clone();  // g may share the scratch buffers
    return v;
}

std::vector<double> Synthesizer::evaluate(const Mat& blob) const
{
    if (blob.dims != 4 || blob.type() != CV_32F || blob.size[0] != impl->p.batch || blob.size[1] != impl->p.channels)
        CV_Error(Error::StsBadSize, cv::format("the blob must be float32 N x C x H x W with N = %d and C = %d",
                                               impl->p.batch, impl->p.channels));
    return impl->evaluateBlob(blob.isContinuous() ? blob : blob.clone());
}

SynthesisResult Synthesizer::run() { return run(SynthesisCallback()); }

SynthesisResult Synthesizer::run(const SynthesisCallback& callback)
{
    Impl& m = *impl;
    SynthesisResult r;
    while (!m.finished())
    {
        std::vector<double> f = m.step();
        if (callback && !callback(m.total - 1, f))
        {
            r.stoppedEarly = true;
            break;
        }
    }
    if (!r.stoppedEarly)
        while (m.octave + 1 < (int)m.octaveSizes.size())
            m.nextOctave();  // octaves without iterations still upscale
    r.blob = render();
    for (int n = 0; n < r.blob.size[0]; n++)
        r.images.push_back(m.prep.toImage(r.blob, n));
    const int N = m.p.batch;
    r.history = Mat((int)m.history.size(), N, CV_64F);
    for (size_t i = 0; i < m.history.size(); i++)
        for (int n = 0; n < N; n++)
            r.history.at<double>((int)i, n) = m.history[i][n];
    r.initialObjective = m.initialObjective;
    r.finalObjective = m.evaluateBlob(r.blob);
    r.iterations = m.total;
    for (int n = 0; n < N; n++)
    {
        const double a = r.initialObjective[n], b = r.finalObjective[n];
        const bool unchanged = std::abs(b - a) <= 1e-6 * (1.0 + std::abs(a));
        const bool zeroGradient = m.total > 0 && (m.moved.size() <= (size_t)n || !m.moved[n]);
        r.stalled.push_back(m.total > 0 && (unchanged || zeroGradient) ? 1 : 0);
    }
    return r;
}

String SynthesisResult::warning() const
{
    String which;
    int count = 0;
    for (size_t n = 0; n < stalled.size(); n++)
        if (stalled[n])
        {
            which += (count++ ? ", " : "") + std::to_string(n);
        }
    if (!count)
        return String();
    return cv::format("the ascent did not move sample%s %s: the objective's gradient is zero at the start image or the "
                      "objective did not change, so the result is the start image, not a visualisation; start from "
                      "noise (SYNTHESIS_INIT_GAUSSIAN, --init noise), or raise the learning rate or the iterations",
                      count > 1 ? "s" : "", which.c_str());
}

SynthesisResult synthesize(const Ptr<Explainer>& explainer, const std::vector<Target>& objective,
                           const Preprocessing& preprocessing, const SynthesisParams& params)
{
    return Synthesizer::create(explainer, objective, preprocessing, params)->run();
}

SynthesisResult synthesize(const Ptr<Explainer>& explainer, const std::vector<Target>& objective,
                           const Preprocessing& preprocessing, const SynthesisParams& params,
                           const SynthesisCallback& callback)
{
    return Synthesizer::create(explainer, objective, preprocessing, params)->run(callback);
}

SynthesisResult synthesizeClasses(const Ptr<Explainer>& explainer, const std::vector<int>& classes,
                                  const Preprocessing& preprocessing, const SynthesisParams& params,
                                  const String& scoreLayer)
{
    return synthesizeClasses(explainer, classes, preprocessing, params, scoreLayer, SynthesisCallback());
}

SynthesisResult synthesizeClasses(const Ptr<Explainer>& explainer, const std::vector<int>& classes,
                                  const Preprocessing& preprocessing, const SynthesisParams& params,
                                  const String& scoreLayer, const SynthesisCallback& callback)
{
    if (classes.empty())
        CV_Error(Error::StsBadArg, "synthesizeClasses: give at least one class");
    std::vector<Target> terms;
    for (size_t i = 0; i < classes.size(); i++)
    {
        terms.push_back(Target::classLogProbability(classes[i], scoreLayer).forSample((int)i));
    }
    SynthesisParams p = params;
    p.batch = (int)classes.size();
    return Synthesizer::create(explainer, terms, preprocessing, p)->run(callback);
}

}  // namespace interp
}  // namespace cv
