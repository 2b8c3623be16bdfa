// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Random transformations of feature visualisation (jitter, scale, rotation, crop/upscale to the network
// window) as bilinear sampling, and the exact adjoint of that sampling for the backward pass.
#include "../precomp.hpp"
#include "synthesis_impl.hpp"

#include <climits>

namespace cv {
namespace interp {
namespace synthesis {

//! splitmix64: a well-mixed 64-bit state from (seed, octave, iteration).
static uint64 mix(uint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::vector<Affine> stepTransforms(const SynthesisParams& p, int batch, Size image, Size input, int octave, int iteration)
{
    RNG rng(mix(mix(mix((uint64)(int64)p.seed) + (uint64)octave) + (uint64)iteration) | 1);
    // The network window covers k * input pixels of the image: k < 1 upsamples a small image.
    const double k = std::min(1.0, std::min((double)image.width / input.width, (double)image.height / input.height));
    const double cxIn = (input.width - 1) * 0.5, cyIn = (input.height - 1) * 0.5;
    const double cxImg = (image.width - 1) * 0.5, cyImg = (image.height - 1) * 0.5;
    std::vector<Affine> out;
    for (int n = 0; n < batch; n++)
    {
        double ox = 0, oy = 0;
        // Random placement of the window (a random crop when the image is larger than the input).
        if (k >= 1.0)
        {
            ox = rng.uniform(0, image.width - input.width + 1) - (image.width - input.width) * 0.5;
            oy = rng.uniform(0, image.height - input.height + 1) - (image.height - input.height) * 0.5;
        }
        else
        {
            const double rx = (image.width - k * input.width) * 0.5, ry = (image.height - k * input.height) * 0.5;
            ox = rx > 0 ? rng.uniform(-rx, rx) : 0.0;
            oy = ry > 0 ? rng.uniform(-ry, ry) : 0.0;
        }
        if (p.jitter > 0)
        {
            ox += rng.uniform(-p.jitter, p.jitter + 1);
            oy += rng.uniform(-p.jitter, p.jitter + 1);
        }
        double s = 1.0, a = 0.0;
        if (p.scaleJitter > 0)
            s = rng.uniform(1.0 - p.scaleJitter, 1.0 + p.scaleJitter);
        if (p.rotation > 0)
            a = rng.uniform(-p.rotation, p.rotation) * CV_PI / 180.0;
        // x = c_img + o + k * s * R(a) * (u - c_in); s > 1 zooms out (the window sees more of the image).
        const double ks = k * s;
        const double c = (a == 0.0) ? 1.0 : std::cos(a), sn = (a == 0.0) ? 0.0 : std::sin(a);
        Affine A(ks * c, -ks * sn, 0.0, ks * sn, ks * c, 0.0);
        A(0, 2) = cxImg + ox - (A(0, 0) * cxIn + A(0, 1) * cyIn);
        A(1, 2) = cyImg + oy - (A(1, 0) * cxIn + A(1, 1) * cyIn);
        out.push_back(A);
    }
    return out;
}

bool isIdentity(const std::vector<Affine>& transforms, Size image, Size input)
{
    if (image != input)
        return false;
    for (const Affine& A : transforms)
        if (A(0, 0) != 1.0 || A(0, 1) != 0.0 || A(0, 2) != 0.0 || A(1, 0) != 0.0 || A(1, 1) != 1.0 || A(1, 2) != 0.0)
            return false;
    return true;
}

namespace {

typedef Warp::Taps Taps;

//! Taps of the sampling positions x0 + k * dx (k = 0..count-1) along one row: up to 4 in-image pixels each.
void rowTaps(double x, double y, double dxu, double dyu, int count, int W, int H, Taps* out)
{
    for (int u = 0; u < count; u++, x += dxu, y += dyu)
    {
        Taps& t = out[u];
        t.count = 0;
        if (!(x > -1.0 && y > -1.0 && x < (double)W && y < (double)H))
            continue;
        const int x0 = (int)std::floor(x), y0 = (int)std::floor(y);
        const float ax = (float)(x - x0), ay = (float)(y - y0);
        const float w[4] = { (1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay };
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H)
        {
            // All four neighbours inside (the common case).
            const int o = y0 * W + x0;
            t.count = 4;
            t.offset[0] = o;
            t.offset[1] = o + 1;
            t.offset[2] = o + W;
            t.offset[3] = o + W + 1;
            for (int i = 0; i < 4; i++)
                t.weight[i] = w[i];
            continue;
        }
        const int xs[4] = { x0, x0 + 1, x0, x0 + 1 };
        const int ys[4] = { y0, y0, y0 + 1, y0 + 1 };
        for (int i = 0; i < 4; i++)
            if (w[i] != 0.f && xs[i] >= 0 && xs[i] < W && ys[i] >= 0 && ys[i] < H)
            {
                t.offset[t.count] = ys[i] * W + xs[i];
                t.weight[t.count] = w[i];
                t.count++;
            }
    }
}

//! True for x = u + dx, y = v + dy with integer dx, dy; sets them.
bool integerShift(const Affine& A, int& dx, int& dy)
{
    if (A(0, 0) != 1.0 || A(1, 1) != 1.0 || A(0, 1) != 0.0 || A(1, 0) != 0.0 || A(0, 2) != std::floor(A(0, 2)) ||
        A(1, 2) != std::floor(A(1, 2)) || std::abs(A(0, 2)) > 1e6 || std::abs(A(1, 2)) > 1e6)
        return false;
    dx = (int)A(0, 2);
    dy = (int)A(1, 2);
    return true;
}

/* dst(v, u) = src(v + dy, u + dx), 0 outside src. Used both ways: with (dx, dy) for the forward shift and
   with (-dx, -dy) for its adjoint, which is the opposite shift. */
void shiftPlane(const float* src, Size srcSize, float* dst, Size dstSize, int dx, int dy)
{
    for (int v = 0; v < dstSize.height; v++)
    {
        float* d = dst + (size_t)v * dstSize.width;
        const int y = v + dy;
        if (y < 0 || y >= srcSize.height)
        {
            std::fill(d, d + dstSize.width, 0.f);
            continue;
        }
        const int u0 = std::max(0, -dx), u1 = std::min(dstSize.width, srcSize.width - dx);
        std::fill(d, d + std::max(0, std::min(u0, dstSize.width)), 0.f);
        if (u1 > u0)
            std::copy(src + (size_t)y * srcSize.width + u0 + dx, src + (size_t)y * srcSize.width + u1 + dx, d + u0);
        if (u1 < dstSize.width)
            std::fill(d + std::max(0, u1), d + dstSize.width, 0.f);
    }
}

void checkBlob(const Mat& m, Size size)
{
    CV_Assert(m.dims == 4 && m.type() == CV_32F && m.isContinuous() && m.size[2] == size.height &&
              m.size[3] == size.width);
}

}  // namespace

Warp::Warp(const std::vector<Affine>& transforms, Size image_, Size input_)
    : A(transforms), image(image_), input(input_), isIdentity_(isIdentity(transforms, image_, input_))
{
    const int N = (int)A.size();
    shift.assign(N, Point(INT_MIN, 0));
    taps.resize(N);
    for (int n = 0; n < N && !isIdentity_; n++)
    {
        int dx, dy;
        if (integerShift(A[n], dx, dy))
            shift[n] = Point(dx, dy);
        else
            taps[n].resize((size_t)input.area());
    }
}

void Warp::forward(const Mat& src, Mat& dst)
{
    checkBlob(src, image);
    const int N = src.size[0], C = src.size[1];
    CV_Assert(N == (int)A.size());
    sampled = true;
    if (isIdentity_)
    {
        dst = src;
        return;
    }
    dst.create(std::vector<int>{ N, C, input.height, input.width }, CV_32F);
    // One task per output row of a sample: its taps (kept for the adjoint), then every channel.
    parallel_for_(Range(0, N * input.height), [&](const Range& r) {
        for (int i = r.start; i < r.end; i++)
        {
            const int n = i / input.height, v = i % input.height;
            const size_t row = (size_t)v * input.width;
            if (shift[n].x != INT_MIN)
            {
                const int y = v + shift[n].y;
                for (int c = 0; c < C; c++)
                {
                    float* d = dst.ptr<float>(n, c) + row;
                    if (y < 0 || y >= image.height)
                        std::fill(d, d + input.width, 0.f);
                    else
                        shiftPlane(src.ptr<float>(n, c) + (size_t)y * image.width, Size(image.width, 1), d,
                                   Size(input.width, 1), shift[n].x, 0);
                }
                continue;
            }
            const Affine& a = A[n];
            Taps* t = &taps[n][row];
            rowTaps(a(0, 1) * v + a(0, 2), a(1, 1) * v + a(1, 2), a(0, 0), a(1, 0), input.width, image.width,
                    image.height, t);
            for (int c = 0; c < C; c++)
            {
                const float* s = src.ptr<float>(n, c);
                float* d = dst.ptr<float>(n, c) + row;
                for (int u = 0; u < input.width; u++)
                {
                    float acc = 0.f;
                    for (int j = 0; j < t[u].count; j++)
                        acc += t[u].weight[j] * s[t[u].offset[j]];
                    d[u] = acc;
                }
            }
        }
    });
}

void Warp::adjoint(const Mat& gradDst, Mat& gradSrc) const
{
    checkBlob(gradDst, input);
    const int N = gradDst.size[0], C = gradDst.size[1];
    CV_Assert(N == (int)A.size() && sampled);
    if (isIdentity_)
    {
        gradSrc = gradDst;
        return;
    }
    gradSrc.create(std::vector<int>{ N, C, image.height, image.width }, CV_32F);
    // Scatter: one task per plane, so no two tasks write the same memory.
    parallel_for_(Range(0, N * C), [&](const Range& r) {
        for (int i = r.start; i < r.end; i++)
        {
            const int n = i / C, c = i % C;
            const float* g = gradDst.ptr<float>(n, c);
            float* d = gradSrc.ptr<float>(n, c);
            if (shift[n].x != INT_MIN)
            {
                shiftPlane(g, input, d, image, -shift[n].x, -shift[n].y);
                continue;
            }
            std::fill(d, d + image.area(), 0.f);
            const Taps* t = taps[n].data();
            const size_t total = (size_t)input.area();
            for (size_t k = 0; k < total; k++)
            {
                const float gv = g[k];
                for (int j = 0; j < t[k].count; j++)
                    d[t[k].offset[j]] += t[k].weight[j] * gv;
            }
        }
    });
}

}  // namespace synthesis
}  // namespace interp
}  // namespace cv
