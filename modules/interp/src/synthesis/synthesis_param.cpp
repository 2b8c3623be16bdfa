// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Image parameterisations of feature visualisation: the pixels themselves, and 1/frequency-scaled Fourier
// coefficients with colour decorrelation and a sigmoid to the valid range (Olah et al. 2017, Lucid).
#include "../precomp.hpp"
#include "synthesis_impl.hpp"

namespace cv {
namespace interp {
namespace synthesis {

BlobRange BlobRange::of(const Preprocessing& prep, int channels)
{
    BlobRange r;
    for (int c = 0; c < channels; c++)
    {
        const float m = (float)prep.mean[std::min(c, 3)];
        r.scale.push_back((float)prep.channelScale(c));
        r.unit.push_back((float)(64.0 * prep.channelScale(c)));
        const float a = (0.f - m) * r.scale[c], b = (255.f - m) * r.scale[c];
        r.lo.push_back(std::min(a, b));
        r.hi.push_back(std::max(a, b));
        r.mean.push_back(m);
    }
    return r;
}

bool BlobRange::unitIsOne() const
{
    for (float u : unit)
        if (u != 1.f)
            return false;
    return true;
}

static Mat scaledPerChannel(const Mat& blob, const std::vector<float>& factor, bool divide)
{
    CV_Assert(blob.dims == 4 && blob.type() == CV_32F && blob.size[1] == (int)factor.size());
    Mat out(blob.dims, blob.size.p, CV_32F);
    const int N = blob.size[0], C = blob.size[1];
    const size_t plane = (size_t)blob.size[2] * blob.size[3];
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
        {
            const float* a = blob.ptr<float>(n, c);
            float* b = out.ptr<float>(n, c);
            const float f = factor[c];
            for (size_t i = 0; i < plane; i++)
                b[i] = divide ? a[i] / f : a[i] * f;
        }
    return out;
}

Mat BlobRange::toStandard(const Mat& blob) const
{
    return unitIsOne() ? blob.clone() : scaledPerChannel(blob, unit, true);
}

Mat BlobRange::fromStandard(const Mat& standard) const
{
    return unitIsOne() ? standard.clone() : scaledPerChannel(standard, unit, false);
}

void BlobRange::clamp(Mat& blob) const
{
    CV_Assert(blob.dims == 4 && blob.type() == CV_32F && blob.size[1] == (int)lo.size());
    const int N = blob.size[0], C = blob.size[1];
    const size_t plane = (size_t)blob.size[2] * blob.size[3];
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
        {
            float* p = blob.ptr<float>(n, c);
            const float a = lo[c], b = hi[c];
            for (size_t i = 0; i < plane; i++)
                p[i] = std::min(std::max(p[i], a), b);
        }
}

// ------------------------------------------------------------------------------------------------- pixels

namespace {

/* params: the blob in standard units (BlobRange::unit), blob = params * unit per channel. */
class PixelParameterization CV_FINAL : public Parameterization
{
public:
    explicit PixelParameterization(const BlobRange& r) : range(r), standard(r)
    {
        for (size_t c = 0; c < r.unit.size(); c++)
        {
            standard.lo[c] = r.lo[c] / r.unit[c];
            standard.hi[c] = r.hi[c] / r.unit[c];
        }
    }
    using Parameterization::render;
    void render(const Mat& params, Mat& blob) const CV_OVERRIDE { blob = range.fromStandard(params); }
    void backward(const Mat&, const Mat& gradBlob, Mat& gradParams) const CV_OVERRIDE
    {
        // d blob / d params = unit
        gradParams = range.unitIsOne() ? gradBlob : range.fromStandard(gradBlob);
    }
    Mat encode(const Mat& blob) const CV_OVERRIDE
    {
        Mat p = range.toStandard(blob);
        standard.clamp(p);
        return p;
    }
    void project(Mat& params) const CV_OVERRIDE { standard.clamp(params); }

private:
    BlobRange range, standard;
};

// ------------------------------------------------------------------------------------------------- Fourier

/* params: N x C x H x W float32, each (n, c) plane the spectrum of one channel in OpenCV's packed CCS layout
   (the real DFT's H * W independent real numbers).
   raw_c  = IDFT(P_c .* k) / (HW)                   (real inverse DFT, k = 0.25 sqrt(HW) / max(f, 1/max(H, W))^decay)
   mix    = M * raw                                 (per pixel, M: normalised colour correlation square root)
   blob_c = (255 * sigmoid(mix_c) - mean_c) * s     (the preprocessing of the pixel values) */
class FourierParameterization CV_FINAL : public Parameterization
{
public:
    FourierParameterization(const BlobRange& r, Size sz, int C_, double decay, const Mat& colorMatrix)
        : range(r), size(sz), C(C_)
    {
        const int H = size.height, W = size.width;
        renderScale.create(H, W, CV_32F);
        gradScale.create(H, W, CV_32F);
        const double fmin = 1.0 / std::max(H, W);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int ky, kx;
                bool selfConjugate;
                ccsFrequency(y, x, H, W, ky, kx, selfConjugate);
                const double fy = (double)std::min(ky, H - ky) / H, fx = (double)std::min(kx, W - kx) / W;
                const double f = std::max(std::sqrt(fx * fx + fy * fy), fmin);
                const double k = 0.25 * std::sqrt((double)H * W) / std::pow(f, decay);
                renderScale.at<float>(y, x) = (float)k;
                // Adjoint of the real inverse DFT: the forward DFT / (HW), doubled for the entries that stand
                // for a coefficient and its conjugate.
                gradScale.at<float>(y, x) = (float)(k * (selfConjugate ? 1.0 : 2.0) / ((double)H * W));
            }
        Mat m = colorMatrix.empty() ? Mat::eye(C, C, CV_64F) : colorMatrix;
        CV_Assert(m.rows == C && m.cols == C);
        Mat md, mi;
        m.convertTo(md, CV_64F);
        if (cv::invert(md, mi, DECOMP_SVD) < 1e-9 || cv::norm(md * mi - Mat::eye(C, C, CV_64F), NORM_INF) > 1e-6)
            CV_Error(Error::StsBadArg, "the colour correlation matrix is singular: give an invertible matrix");
        md.convertTo(M, CV_32F);
        mi.convertTo(Minv, CV_32F);
    }

    using Parameterization::render;

    void render(const Mat& params, Mat& blob) const CV_OVERRIDE
    {
        checkShape(params);
        const int N = params.size[0], H = size.height, W = size.width;
        blob.create(std::vector<int>{ N, C, H, W }, CV_32F);
        // The colour mixing is linear, so it is applied to the spectra: one independent task per output plane.
        parallel_for_(Range(0, N * C), [&](const Range& r) {
            Mat T(H, W, CV_32F), raw(H, W, CV_32F);
            const float* m = M.ptr<float>();
            for (int i = r.start; i < r.end; i++)
            {
                const int n = i / C, k = i % C;
                const size_t total = (size_t)H * W;
                float* t = T.ptr<float>();
                const float* sc = renderScale.ptr<float>();
                std::fill(t, t + total, 0.f);
                for (int c = 0; c < C; c++)
                {
                    const float w = m[k * C + c];
                    if (w == 0.f)
                        continue;
                    const float* p = params.ptr<float>(n, c);
                    for (size_t j = 0; j < total; j++)
                        t[j] += w * p[j];
                }
                for (size_t j = 0; j < total; j++)
                    t[j] *= sc[j];
                cv::dft(T, raw, DFT_INVERSE | DFT_REAL_OUTPUT | DFT_SCALE);
                const float a = 255.f * range.scale[k], b = -range.mean[k] * range.scale[k];
                const float* x = raw.ptr<float>();
                float* out = blob.ptr<float>(n, k);
                for (size_t j = 0; j < total; j++)
                    out[j] = a / (1.f + std::exp(-x[j])) + b;
            }
        });
    }

    void backward(const Mat& blob, const Mat& gradBlob, Mat& grad) const CV_OVERRIDE
    {
        checkShape(blob);
        checkShape(gradBlob);
        const int N = blob.size[0], H = size.height, W = size.width;
        grad.create(std::vector<int>{ N, C, H, W }, CV_32F);
        /* Per parameter plane c: d mix_k / d raw_c = M(k, c); d blob_k / d mix_k = 255 s (1 - s) * scale with
           s = sigmoid(mix_k), recovered from the blob; then the adjoint of the real inverse DFT. */
        parallel_for_(Range(0, N * C), [&](const Range& r) {
            Mat gRaw(H, W, CV_32F), G;
            const float* m = M.ptr<float>();
            const size_t total = (size_t)H * W;
            for (int i = r.start; i < r.end; i++)
            {
                const int n = i / C, c = i % C;
                float* gr = gRaw.ptr<float>();
                std::fill(gr, gr + total, 0.f);
                for (int k = 0; k < C; k++)
                {
                    const float w = m[k * C + c];
                    if (w == 0.f)
                        continue;
                    const float* b = blob.ptr<float>(n, k);
                    const float* g = gradBlob.ptr<float>(n, k);
                    const float inv = 1.f / (255.f * range.scale[k]), mean = range.mean[k] / 255.f;
                    const float f = w * 255.f * range.scale[k];
                    for (size_t j = 0; j < total; j++)
                    {
                        const float s = b[j] * inv + mean;
                        gr[j] += f * g[j] * s * (1.f - s);
                    }
                }
                cv::dft(gRaw, G);
                Mat out(H, W, CV_32F, grad.ptr<float>(n, c));
                cv::multiply(G, gradScale, out);
            }
        });
    }

    Mat encode(const Mat& blob) const CV_OVERRIDE
    {
        checkShape(blob);
        const int N = blob.size[0], H = size.height, W = size.width;
        // The inverse of render: logit of the pixel values (kept half a grey level inside 0..255), M^-1, DFT.
        Mat raw(std::vector<int>{ N, C, H, W }, CV_32F);
        const float eps = 0.5f / 255.f;
        parallel_for_(Range(0, N * H), [&](const Range& r) {
            std::vector<float> v((size_t)C * W);
            const float* mi = Minv.ptr<float>();
            for (int i = r.start; i < r.end; i++)
            {
                const int n = i / H, y = i % H;
                for (int c = 0; c < C; c++)
                {
                    const float* b = blob.ptr<float>(n, c) + (size_t)y * W;
                    const float inv = 1.f / (255.f * range.scale[c]), mean = range.mean[c] / 255.f;
                    for (int x = 0; x < W; x++)
                    {
                        const float s = std::min(std::max(b[x] * inv + mean, eps), 1.f - eps);
                        v[(size_t)c * W + x] = std::log(s / (1.f - s));
                    }
                }
                for (int k = 0; k < C; k++)
                {
                    float* o = raw.ptr<float>(n, k) + (size_t)y * W;
                    for (int x = 0; x < W; x++)
                    {
                        float acc = 0.f;
                        for (int c = 0; c < C; c++)
                            acc += mi[k * C + c] * v[(size_t)c * W + x];
                        o[x] = acc;
                    }
                }
            }
        });
        Mat params(std::vector<int>{ N, C, H, W }, CV_32F);
        parallel_for_(Range(0, N * C), [&](const Range& r) {
            Mat T;
            for (int i = r.start; i < r.end; i++)
            {
                const int n = i / C, c = i % C;
                cv::dft(Mat(H, W, CV_32F, raw.ptr<float>(n, c)), T);
                Mat out(H, W, CV_32F, params.ptr<float>(n, c));
                cv::divide(T, renderScale, out);
            }
        });
        return params;
    }

    void project(Mat&) const CV_OVERRIDE {}

private:
    void checkShape(const Mat& m) const
    {
        CV_Assert(m.dims == 4 && m.type() == CV_32F && m.isContinuous() && m.size[1] == C && m.size[2] == size.height &&
                  m.size[3] == size.width);
    }

    /* Frequency (ky, kx) held by entry (y, x) of an H x W CCS-packed spectrum (see cv::dft): columns 0 and, for
       even W, W - 1 pack the kx = 0 and kx = W/2 columns vertically (row 0: ky = 0, rows 2j-1 and 2j: real and
       imaginary part of ky = j, last row for even H: ky = H/2); the other columns hold real/imaginary pairs of
       kx = (x + 1) / 2 for every ky = y. Self-conjugate entries (DC and Nyquist) appear once in the full spectrum. */
    static void ccsFrequency(int y, int x, int H, int W, int& ky, int& kx, bool& selfConjugate)
    {
        const bool special = x == 0 || (W % 2 == 0 && x == W - 1);
        selfConjugate = false;
        if (special)
        {
            kx = x == 0 ? 0 : W / 2;
            if (y == 0)
            {
                ky = 0;
                selfConjugate = true;
            }
            else if (H % 2 == 0 && y == H - 1)
            {
                ky = H / 2;
                selfConjugate = true;
            }
            else
                ky = (y + 1) / 2;
        }
        else
        {
            kx = (x + 1) / 2;
            ky = y;
        }
    }

    BlobRange range;
    Size size;
    int C;
    Mat renderScale, gradScale;  // H x W, CCS layout
    Mat M, Minv;                 // C x C, float32
};

}  // namespace

Ptr<Parameterization> makePixelParameterization(const BlobRange& range)
{
    return makePtr<PixelParameterization>(range);
}

Ptr<Parameterization> makeFourierParameterization(const BlobRange& range, Size size, int channels, double decay,
                                                  const Mat& colorMatrix)
{
    return makePtr<FourierParameterization>(range, size, channels, decay, colorMatrix);
}

Mat defaultColorCorrelation(bool rgb)
{
    // Square root of the colour correlation of ImageNet (Lucid, RGB), normalised by its largest column norm.
    Mat m = (Mat_<double>(3, 3) << 0.26, 0.09, 0.02,
                                   0.27, 0.00, -0.05,
                                   0.27, -0.09, 0.03);
    double mx = 0;
    for (int c = 0; c < 3; c++)
        mx = std::max(mx, cv::norm(m.col(c)));
    m /= mx;
    if (!rgb)
    {
        // BGR: reverse both the rows (output channels) and the columns (input channels).
        Mat f;
        cv::flip(m, f, -1);
        m = f;
    }
    return m;
}

}  // namespace synthesis
}  // namespace interp
}  // namespace cv
