// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Running the incremental occlusion engine's plan: window positions in chunks sized by the memory budget, layer by
// layer, patches gathered from the cached maps with the recomputed regions pasted in.
#include "occlusion_incremental.hpp"

#include <sstream>

namespace cv {
namespace interp {
namespace occl {

/* Fills dst (windows ws[k] in rows k*N0.., C x ph x pw) with the producer's patched map over rects[k] (producer
   coordinates, may extend outside the map: padValue there). `outs` are the producer's computed outputs for the
   chunk starting at window w0. */
void IncrementalPlanImpl::gatherRect(const Job& job, const Source& s, const std::vector<Mat>& outs, int w0,
                                     const std::vector<int>& ws, const std::vector<Rect>& rects, float padValue,
                                     Mat& dst) const
{
    const Mat& cache = *s.cache;
    const int Cp = cache.size[1], Hp = cache.size[2], Wp = cache.size[3];
    const int ph = dst.size[2], pw = dst.size[3];
    const Mat* computed = s.node && !outs.empty() ? &outs[s.pin] : nullptr;
    const int n0 = N0;
    cv::parallel_for_(Range(0, (int)ws.size() * n0), [&](const Range& range) {
        for (int item = range.start; item < range.end; item++)
        {
            const int k = item / n0, n = item % n0, w = ws[k];
            const Rect& R = rects[k];
            const Rect inside = R & Rect(0, 0, Wp, Hp);
            // what the window changed in the producer, and where its values are
            Rect paste;
            const float* src = nullptr;
            int srcH = 0, srcW = 0, srcX = 0, srcY = 0;
            if (s.isInput)
            {
                paste = windows[w] & R;
                src = job.fill.ptr<float>(n);
                srcH = H; srcW = W; srcX = 0; srcY = 0;
            }
            else if (computed)
            {
                paste = s.node->changed[w] & R;
                const Rect& cr = s.node->computed[w];
                src = computed->ptr<float>((w - w0) * n0 + n);
                srcH = cr.height; srcW = cr.width; srcX = cr.x; srcY = cr.y;
            }
            for (int c = 0; c < Cp; c++)
            {
                float* d = dst.ptr<float>(k * n0 + n, c);
                const float* base = cache.ptr<float>(n, c);
                for (int yy = 0; yy < ph; yy++)
                {
                    float* drow = d + (size_t)yy * pw;
                    const int y = R.y + yy;
                    if (y < 0 || y >= Hp || inside.width <= 0)
                    {
                        std::fill(drow, drow + pw, padValue);
                        continue;
                    }
                    const int left = inside.x - R.x, mid = inside.width;
                    std::fill(drow, drow + left, padValue);
                    memcpy(drow + left, base + (size_t)y * Wp + inside.x, mid * sizeof(float));
                    std::fill(drow + left + mid, drow + pw, padValue);
                }
                if (src && !paste.empty())
                {
                    const float* sp = src + (size_t)c * srcH * srcW;
                    for (int y = paste.y; y < paste.y + paste.height; y++)
                        memcpy(d + (size_t)(y - R.y) * pw + (paste.x - R.x),
                               sp + (size_t)(y - srcY) * srcW + (paste.x - srcX), paste.width * sizeof(float));
                }
            }
        }
    });
}

//! The producer's patched output for windows [w0, w1) in full: N x ... (shape of the cached output).
Mat IncrementalPlanImpl::gatherFull(const Job& job, const Source& s, const std::vector<std::vector<Mat> >& outs,
                                    int w0, int w1) const
{
    const int B = w1 - w0;
    if (s.node && s.node->full)
        return outs[&*s.node - &nodes[0]][s.pin];
    MatShape shape = dnn::shape(*s.cache);
    Mat dst = newBlob(shape, B * N0);
    if (s.isInput)
    {
        const size_t per = (size_t)N0 * C * H * W;
        cv::parallel_for_(Range(w0, w1), [&](const Range& r) {
            for (int w = r.start; w < r.end; w++)
                occludeInto(job, w, dst.ptr<float>() + (size_t)(w - w0) * per);
        });
        return dst;
    }
    if (!s.node)
    {
        const size_t per = s.cache->total() * sizeof(float);
        for (int k = 0; k < B; k++)
            memcpy(dst.ptr<float>() + (size_t)k * s.cache->total(), s.cache->ptr<float>(), per);
        return dst;
    }
    std::vector<int> ws(B);
    std::vector<Rect> rects(B, Rect(0, 0, shape[3], shape[2]));
    for (int k = 0; k < B; k++)
        ws[k] = w0 + k;
    gatherRect(job, s, outs[&*s.node - &nodes[0]], w0, ws, rects, 0.f, dst);
    return dst;
}

void IncrementalPlanImpl::runOp(Node& node, int config, std::vector<Mat>& ins, std::vector<Mat>& outs) const
{
    PatchOp& op = *node.ops[config];
    if (node.batchable)
    {
        op.forward(ins, outs);
        return;
    }
    const int rows = ins[0].size[0];
    for (int a = 0; a < rows; a += N0)
    {
        std::vector<Mat> i2, o2;
        for (const Mat& m : ins)
            i2.push_back(m.size[0] == rows ? batchRows(m, a, a + N0) : m);
        for (const Mat& m : outs)
            o2.push_back(batchRows(m, a, a + N0));
        op.forward(i2, o2);
    }
}

void IncrementalPlanImpl::run(const Job& job, Mat& scores)
{
    CV_Assert(matches(job));
    const Tape& tape = *job.tape;
    const Graph& G = explainer->graph();
    const int P = (int)windows.size();
    const int K = scoresPerSample(job);
    scores.create(P, N0 * K, CV_32F);
    int B = job.batchSize > 0 ? job.batchSize : (int)std::max<size_t>(1, kMemoryBudget / std::max<size_t>(1, bytesPerWindow));
    B = std::min(B, P);
    std::vector<double> seconds(nodes.size(), 0.0);  // per layer, for the log
    for (int w0 = 0; w0 < P; w0 += B)
    {
        const int w1 = std::min(P, w0 + B), nb = w1 - w0, rows = nb * N0;
        std::vector<std::vector<Mat> > outs(nodes.size());
        int64 tick = cv::getTickCount();
        for (size_t k = 0; k < nodes.size(); k++)
        {
            Node& node = nodes[k];
            const LayerInfo& info = G.layer(node.layer);
            std::vector<Source> srcs = sources(tape, info);
            std::vector<Mat>& out = outs[k];
            for (const MatShape& s : node.outShapes)
            {
                MatShape o = s;
                if (!node.full)
                {
                    o[2] = node.region.height;
                    o[3] = node.region.width;
                }
                out.push_back(newBlob(o, rows));
            }
            try
            {
                if (node.full)
                {
                    std::vector<Mat> ins;
                    for (const Source& s : srcs)
                        ins.push_back(gatherFull(job, s, outs, w0, w1));
                    runOp(node, 0, ins, out);
                }
                else if (node.geom.kind == Geometry::POINTWISE)
                {
                    std::vector<Mat> ins;
                    std::vector<int> ws(nb);
                    std::vector<Rect> rects(nb);
                    for (int j = 0; j < nb; j++)
                    {
                        ws[j] = w0 + j;
                        rects[j] = node.computed[w0 + j];
                    }
                    for (const Source& s : srcs)
                    {
                        const MatShape is = dnn::shape(*s.cache);
                        if (!(is.size() == 4 && is[2] == node.H && is[3] == node.W))
                        {
                            ins.push_back(gatherFull(job, s, outs, w0, w1));
                            continue;
                        }
                        // Zero copy when the producer computed exactly these rectangles.
                        if (s.node && !s.node->full && s.node->region == node.region)
                        {
                            bool same = true;
                            for (int j = 0; j < nb && same; j++)
                                same = s.node->computed[w0 + j] == rects[j];
                            if (same)
                            {
                                ins.push_back(outs[s.node - &nodes[0]][s.pin]);
                                continue;
                            }
                        }
                        Mat patch = newBlob(MatShape{ 0, is[1], node.region.height, node.region.width }, rows);
                        gatherRect(job, s, s.node ? outs[s.node - &nodes[0]] : std::vector<Mat>(), w0, ws, rects,
                                   0.f, patch);
                        ins.push_back(patch);
                    }
                    runOp(node, 0, ins, out);
                }
                else  // WINDOW
                {
                    const Source& s = srcs[0];
                    const Geometry& g = node.geom;
                    const MatShape is = dnn::shape(*s.cache);
                    std::vector<std::vector<int> > byConfig(node.configs.size());
                    for (int w = w0; w < w1; w++)
                        byConfig[node.configOf[w]].push_back(w);
                    for (size_t c = 0; c < byConfig.size(); c++)
                    {
                        const std::vector<int>& ws = byConfig[c];
                        if (ws.empty())
                            continue;
                        std::vector<Rect> rects;
                        for (int w : ws)
                        {
                            Rect want = receptive(g, node.computed[w]);
                            if (!g.padByValue)
                            {
                                Pads p;
                                clippedPatch(g, want, is[2], is[3], want, p);
                            }
                            rects.push_back(want);
                        }
                        const Size ps = node.configPatch[c];
                        for (const Rect& r : rects)
                            CV_Assert(r.size() == ps);
                        Mat patch = newBlob(MatShape{ 0, is[1], ps.height, ps.width }, (int)ws.size() * N0);
                        gatherRect(job, s, s.node ? outs[s.node - &nodes[0]] : std::vector<Mat>(), w0, ws, rects,
                                   g.padValue, patch);
                        std::vector<Mat> ins(1, patch);
                        const bool contiguous = ws.size() == (size_t)nb;  // all windows, in order
                        std::vector<Mat> o;
                        if (contiguous)
                            o = out;
                        else
                            for (const Mat& m : out)
                                o.push_back(newBlob(dnn::shape(m), (int)ws.size() * N0));
                        runOp(node, (int)c, ins, o);
                        if (!contiguous)
                            for (size_t pin = 0; pin < out.size(); pin++)
                                for (size_t j = 0; j < ws.size(); j++)
                                    batchRows(o[pin], (int)j * N0, (int)(j + 1) * N0)
                                        .copyTo(batchRows(out[pin], (ws[j] - w0) * N0, (ws[j] - w0 + 1) * N0));
                    }
                }
            }
            catch (const cv::Exception& e)
            {
                CV_Error(Error::StsError, "incremental occlusion: layer '" + info.name + "' (" + info.type +
                                          ") failed on patches: " + e.err);
            }
            const int64 now = cv::getTickCount();
            seconds[k] += (now - tick) / cv::getTickFrequency();
            tick = now;
            // Release what no later layer reads.
            for (const Source& s : srcs)
                if (s.node && s.node->lastUse == (int)k)
                    outs[s.node - &nodes[0]].clear();
        }
        // Scores: the score layer's output in full.
        Source s;
        const int sk = nodeOf[scoreLayer];
        s.node = &nodes[sk];
        s.cache = &tape.outputs(scoreLayer)[0];
        Mat full = gatherFull(job, s, outs, w0, w1);
        CV_Assert(full.isContinuous() && full.total() == (size_t)rows * K);
        Mat(nb, N0 * K, CV_32F, full.ptr<float>()).copyTo(scores.rowRange(w0, w1));
        reportProgress(job, w1);
    }
    if (utils::logging::getLogLevel() >= utils::logging::LOG_LEVEL_INFO)
    {
        std::ostringstream os;
        os << "interp occlusion: " << P << " window positions in chunks of " << B << "; seconds per layer:";
        for (size_t k = 0; k < nodes.size(); k++)
            os << "\n  " << G.layer(nodes[k].layer).name << " (" << (nodes[k].full ? "full" : "region") << "): "
               << seconds[k];
        CV_LOG_INFO(NULL, os.str());
    }
}

}  // namespace occl
}  // namespace interp
}  // namespace cv
