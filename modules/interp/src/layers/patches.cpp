// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Maximally activating patches: streams a dataset through the network (a decoder thread fills a bounded queue of
// preprocessed batches while the network runs) and keeps the top K positions of every chosen channel.
#include "../precomp.hpp"
#include "../engine/engine_impl.hpp"
#include "../engine/names.hpp"
#include "../io/result_io.hpp"

#include <opencv2/imgcodecs.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <thread>

namespace cv {
namespace interp {

//! Ranking of positions (patches and mining entries alike): larger value first, then smaller image index, row, column.
template<typename P>
bool ranksBefore(const P& a, const P& b)
{
    if (a.value != b.value)
        return a.value > b.value;
    if (a.image != b.image)
        return a.image < b.image;
    if (a.y != b.y)
        return a.y < b.y;
    return a.x < b.x;
}

//! The ranking of patches (shared with patches_io.cpp).
bool patchBefore(const Patch& a, const Patch& b)
{
    return ranksBefore(a, b);
}

//! Index of a layer of a result by name (with or without the prefixes OpenCV adds to ONNX names), or -1.
int findResultLayer(const PatchMiningResult& r, const String& name)
{
    for (const String& candidate : names::candidates(name))
        for (size_t i = 0; i < r.layers.size(); i++)
            if (r.layers[i] == candidate)
                return (int)i;
    return -1;
}

std::vector<Patch> PatchMiningResult::top(const String& layer, int channel) const
{
    std::vector<Patch> out;
    const int l = findResultLayer(*this, layer);
    if (l < 0)
        return out;
    for (const Patch& p : patches)
        if (p.layer == layers[l] && p.channel == channel)
            out.push_back(p);
    return out;
}

bool PatchMiningResult::complete() const
{
    return shardsComplete(shards, shardCount);
}

//! FNV-1a 64 of the image list with its common directory prefix removed (so shards on other machines agree; also
//! the dataset fingerprint of evaluation results).
String datasetFingerprint(const std::vector<String>& images)
{
    size_t common = 0;
    if (!images.empty())
    {
        common = images[0].rfind('/') == String::npos ? 0 : images[0].rfind('/') + 1;
        for (const String& p : images)
        {
            size_t k = 0;
            while (k < common && k < p.size() && p[k] == images[0][k])
                k++;
            common = std::min(common, k);
        }
        while (common > 0 && images[0][common - 1] != '/')
            common--;
    }
    uint64 h = 1469598103934665603ULL;
    auto mix = [&](unsigned char c) {
        h ^= c;
        h *= 1099511628211ULL;
    };
    for (const String& p : images)
    {
        for (size_t k = common; k < p.size(); k++)
            mix((unsigned char)p[k]);
        mix('\n');
    }
    return cv::format("%016llx", (unsigned long long)h);
}

namespace {

/* cv::dnn::blobFromImages in one pass for the common case of 8-bit BGR images already of the network size (no
   resize, no crop), with the same float operations in the same order, so the blob is bit-identical: blob channel j =
   (float(pixel of image channel j, or 2 - j with swapRB) - float(mean[j])) * float(scale) / float(std[j]). blobFromImages converts,
   subtracts, scales and splits in four passes; for small networks that cost as much as decoding the PNG. Returns
   false (and the caller uses Preprocessing::toBlob) for anything else. */
bool toBlobDirect(const std::vector<Mat>& imgs, const Preprocessing& prep, Mat& blob)
{
    if (imgs.empty() || prep.crop || prep.size.area() <= 0)
        return false;
    for (const Mat& m : imgs)
        if (m.type() != CV_8UC3 || m.size() != prep.size)
            return false;
    const int N = (int)imgs.size(), H = prep.size.height, W = prep.size.width;
    blob.create(std::vector<int>{ N, 3, H, W }, CV_32F);
    const float scale = (float)prep.scale;
    const float mean[3] = { (float)prep.mean[0], (float)prep.mean[1], (float)prep.mean[2] };
    const float sd[3] = { (float)prep.std[0], (float)prep.std[1], (float)prep.std[2] };
    for (int n = 0; n < N; n++)
        for (int j = 0; j < 3; j++)
        {
            const int src = prep.swapRB ? 2 - j : j;
            float* d = blob.ptr<float>(n, j);
            for (int y = 0; y < H; y++)
            {
                const uchar* p = imgs[n].ptr<uchar>(y) + src;
                if (sd[j] == 1.f)
                    for (int x = 0; x < W; x++, p += 3)
                        *d++ = ((float)*p - mean[j]) * scale;
                else
                    for (int x = 0; x < W; x++, p += 3)
                        *d++ = ((float)*p - mean[j]) * scale / sd[j];
            }
        }
    return true;
}

//! A preprocessed batch on its way from the decoder thread to the network.
struct Batch
{
    Mat blob;                 // batchSize x C x H x W (padded with copies of the last image)
    std::vector<int> images;  // dataset indices of the real samples
    int consumed = 0;         // shard entries handled (read or skipped) up to and including this batch
    bool end = false;
};

//! Bounded queue between the decoder thread and the network.
class BatchQueue
{
public:
    explicit BatchQueue(size_t capacity_) : capacity(capacity_) {}
    //! Blocks while full; returns false when the consumer has stopped.
    bool push(Batch&& b)
    {
        std::unique_lock<std::mutex> lock(m);
        notFull.wait(lock, [&] { return q.size() < capacity || stopped; });
        if (stopped)
            return false;
        q.push_back(std::move(b));
        notEmpty.notify_one();
        return true;
    }
    Batch pop()
    {
        std::unique_lock<std::mutex> lock(m);
        notEmpty.wait(lock, [&] { return !q.empty(); });
        Batch b = std::move(q.front());
        q.pop_front();
        notFull.notify_one();
        return b;
    }
    void stop()
    {
        std::lock_guard<std::mutex> lock(m);
        stopped = true;
        notFull.notify_all();
    }
private:
    std::mutex m;
    std::condition_variable notFull, notEmpty;
    std::deque<Batch> q;
    size_t capacity;
    bool stopped = false;
};

//! Reads the shard's images in order and queues preprocessed batches of a fixed size.
class Decoder
{
public:
    Decoder(const std::vector<String>& images_, const std::vector<int>& order_, const Preprocessing& prep_,
            int batchSize_, size_t prefetch)
        : images(images_), order(order_), prep(prep_), batchSize(batchSize_), queue(prefetch)
    {
        thread = std::thread([this] { run(); });
    }
    ~Decoder()
    {
        queue.stop();
        if (thread.joinable())
            thread.join();
    }
    Batch next() { return queue.pop(); }
    //! Skipped files (valid once the end marker was received).
    int skipped() const { return skippedCount; }
    const std::vector<String>& skippedFiles() const { return skippedList; }
    void rethrowIfFailed()
    {
        if (error)
            std::rethrow_exception(error);
    }

private:
    void run()
    {
        try
        {
            std::vector<Mat> imgs;
            Batch b;
            int consumed = 0;
            for (int idx : order)
            {
                consumed++;
                Mat img;
                try
                {
                    img = cv::imread(images[idx], IMREAD_COLOR);
                }
                catch (const cv::Exception&)
                {
                    img.release();
                }
                if (img.empty())
                {
                    skippedCount++;
                    if (skippedList.size() < 100)
                        skippedList.push_back(images[idx]);
                    CV_LOG_WARNING(NULL, "interp: skipping '" << images[idx] << "': missing, unreadable or not an image");
                }
                else
                {
                    imgs.push_back(img);
                    b.images.push_back(idx);
                }
                if ((int)imgs.size() == batchSize)
                {
                    if (!toBlobDirect(imgs, prep, b.blob))
                        b.blob = prep.toBlob(imgs);
                    b.consumed = consumed;
                    imgs.clear();
                    if (!queue.push(std::move(b)))
                        return;
                    b = Batch();
                }
            }
            if (!imgs.empty())
            {
                const Mat last = imgs.back();
                while ((int)imgs.size() < batchSize)
                    imgs.push_back(last);  // fixed batch shape; the copies are ignored
                if (!toBlobDirect(imgs, prep, b.blob))
                    b.blob = prep.toBlob(imgs);
                b.consumed = consumed;
                if (!queue.push(std::move(b)))
                    return;
            }
        }
        catch (...)
        {
            error = std::current_exception();
        }
        Batch end;
        end.end = true;
        end.consumed = (int)order.size();
        queue.push(std::move(end));
    }

    const std::vector<String>& images;
    const std::vector<int>& order;
    Preprocessing prep;
    int batchSize;
    BatchQueue queue;
    std::thread thread;
    int skippedCount = 0;
    std::vector<String> skippedList;
    std::exception_ptr error;
};

struct Entry
{
    float value;
    int image, y, x;
};

inline bool entryBefore(const Entry& a, const Entry& b)
{
    return ranksBefore(a, b);
}

//! The best K entries of one channel: a heap whose front is the worst kept entry.
class TopK
{
public:
    explicit TopK(int k_) : k(k_) { heap.reserve(k_); }
    //! The value an entry must reach to be considered (ties are resolved by offer()).
    float threshold() const { return (int)heap.size() < k ? -FLT_MAX : heap.front().value; }
    void offer(const Entry& e)
    {
        if ((int)heap.size() < k)
        {
            heap.push_back(e);
            std::push_heap(heap.begin(), heap.end(), entryBefore);
        }
        else if (entryBefore(e, heap.front()))
        {
            std::pop_heap(heap.begin(), heap.end(), entryBefore);
            heap.back() = e;
            std::push_heap(heap.begin(), heap.end(), entryBefore);
        }
    }
    std::vector<Entry> sorted() const
    {
        std::vector<Entry> v = heap;
        std::sort(v.begin(), v.end(), entryBefore);
        return v;
    }
private:
    int k;
    std::vector<Entry> heap;
};

//! Adds one batch of a layer's output (N x C x H x W or N x C) to the channels' top-K lists.
void accumulate(const Mat& out, int count, const std::vector<int>& images, const std::vector<int>& channels,
                bool onePerImage, std::vector<TopK>& tops)
{
    const int C = out.size[1];
    const int H = out.dims >= 4 ? out.size[2] : 1, W = out.dims >= 4 ? out.size[3] : 1;
    const size_t plane = (size_t)H * W;
    const Mat src = out.isContinuous() ? out : out.clone();
    cv::parallel_for_(Range(0, (int)channels.size()), [&](const Range& r) {
        for (int k = r.start; k < r.end; k++)
        {
            const int c = channels[k];
            TopK& top = tops[k];
            for (int n = 0; n < count; n++)
            {
                const float* p = src.ptr<float>() + ((size_t)n * C + c) * plane;
                if (onePerImage)
                {
                    // the image's best position: largest value, first in row-major order on ties
                    int best = -1;
                    for (size_t i = 0; i < plane; i++)
                        if (p[i] == p[i] && std::abs(p[i]) != std::numeric_limits<float>::infinity() &&
                            (best < 0 || p[i] > p[best]))
                            best = (int)i;
                    if (best >= 0 && p[best] >= top.threshold())
                        top.offer(Entry{ p[best], images[n], best / W, best % W });
                    continue;
                }
                for (size_t i = 0; i < plane; i++)
                {
                    const float v = p[i];
                    // NaN and infinities are not ranked
                    if (!(v >= top.threshold()) || std::abs(v) == std::numeric_limits<float>::infinity())
                        continue;
                    top.offer(Entry{ v, images[n], (int)(i / W), (int)(i % W) });
                }
            }
        }
    });
}

}  // namespace

PatchMiningResult minePatches(const Ptr<Explainer>& explainer, const ModelInfo& model, const std::vector<String>& images,
                              const PatchMiningParams& params, const MiningProgress& progress)
{
    if (!explainer || explainer->empty())
        CV_Error(Error::StsBadArg, "the explainer is empty: load the model with cv::interp::readNet() before mining patches");
    const Graph& graph = explainer->graph();
    dnn::Net net = explainer->getNet();
    if (params.layers.empty())
        CV_Error(Error::StsBadArg, "no layer to mine: give at least one layer name");
    if (params.topK < 1)
        CV_Error(Error::StsBadArg, cv::format("top K must be at least 1, got %d", params.topK));
    if (params.batchSize < 1)
        CV_Error(Error::StsBadArg, cv::format("the batch size must be at least 1, got %d", params.batchSize));
    if (params.prefetch < 1)
        CV_Error(Error::StsBadArg, cv::format("prefetch must be at least 1 batch, got %d", params.prefetch));
    if (params.shardCount < 1 || params.shardIndex < 0 || params.shardIndex >= params.shardCount)
        CV_Error(Error::StsBadArg, cv::format("bad shard %d/%d: the shard index must be 0..%d", params.shardIndex,
                                              params.shardCount, std::max(params.shardCount - 1, 0)));
    if (images.empty())
        CV_Error(Error::StsBadArg, "no images found" + (params.source.empty() ? String() : " in '" + params.source + "'") +
                                   ": give a directory with image files (searched recursively) or a text file "
                                   "listing one image path per line");
    const Preprocessing& prep = model.preprocessing;
    if (prep.size.area() <= 0)
        CV_Error(Error::StsBadArg, "the preprocessing has no network input size: batches need one (set "
                                   "Preprocessing::size, or --size in the CLI)");

    // Layers, their output shapes and the channels to mine, checked before any image is read.
    const int B = params.batchSize;
    const MatShape inShape{ B, 3, prep.size.height, prep.size.width };
    PatchMiningResult res;
    std::vector<String> names;
    std::vector<int> indices;
    std::vector<std::vector<int> > channels;
    for (const String& l : params.layers)
    {
        const int index = graph.require(l);
        const String name = graph.layer(index).name;
        if (std::find(names.begin(), names.end(), name) != names.end())
            continue;
        std::vector<MatShape> ins, outs;
        try
        {
            net.getLayerShapes(std::vector<MatShape>(1, inShape), graph.layer(index).netId, ins, outs);
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsBadSize, "the network cannot take " + std::to_string(prep.size.width) + " x " +
                                        std::to_string(prep.size.height) + " colour images (check the preprocessing): " + e.err);
        }
        const MatShape& s = outs.at(0);
        if (s.size() != 4 && s.size() != 2)
            CV_Error(Error::StsNotImplemented, cv::format("layer '%s' has a %d-D output; patches need N x C x H x W "
                                                          "maps or N x C vectors", name.c_str(), (int)s.size()));
        const int C = s[1];
        std::vector<int> ch = params.channels;
        if (ch.empty())
            for (int c = 0; c < C; c++)
                ch.push_back(c);
        for (int c : ch)
            if (c < 0 || c >= C)
                CV_Error(Error::StsOutOfRange, cv::format("channel %d is out of range: layer '%s' has %d channels (0-%d)",
                                                          c, name.c_str(), C, C - 1));
        names.push_back(name);
        indices.push_back(index);
        channels.push_back(ch);
        res.layerShapes.push_back(std::vector<int>{ C, s.size() == 4 ? s[2] : 1, s.size() == 4 ? s[3] : 1 });
    }

    std::vector<int> order;
    for (int i = params.shardIndex; i < (int)images.size(); i += params.shardCount)
        order.push_back(i);
    std::vector<std::vector<TopK> > tops(names.size());
    for (size_t l = 0; l < names.size(); l++)
        tops[l].assign(channels[l].size(), TopK(params.topK));

    int processed = 0;
    {
        Decoder decoder(images, order, prep, B, (size_t)params.prefetch);
        std::vector<Mat> outs;
        for (;;)
        {
            Batch b = decoder.next();
            if (b.end)
                break;
            forwardLayers(*explainer, b.blob, indices, outs);
            const int count = (int)b.images.size();
            for (size_t l = 0; l < names.size(); l++)
                accumulate(outs[l], count, b.images, channels[l], params.onePerImage, tops[l]);
            processed += count;
            if (progress)
                progress(b.consumed, (int)order.size());
        }
        decoder.rethrowIfFailed();
        res.imagesSkipped = decoder.skipped();
        res.skippedFiles = decoder.skippedFiles();
    }
    if (progress)
        progress((int)order.size(), (int)order.size());

    res.model = model.model;
    res.config = model.config;
    res.preprocessing = prep;
    res.source = params.source;
    res.datasetSize = (int)images.size();
    res.datasetHash = datasetFingerprint(images);
    res.shardCount = params.shardCount;
    res.shards = std::vector<int>(1, params.shardIndex);
    res.imagesProcessed = processed;
    res.topK = params.topK;
    res.onePerImage = params.onePerImage;
    res.layers = names;
    res.channels = channels;
    for (size_t l = 0; l < names.size(); l++)
        for (size_t k = 0; k < channels[l].size(); k++)
        {
            std::vector<Entry> best = tops[l][k].sorted();
            for (size_t r = 0; r < best.size(); r++)
            {
                Patch p;
                p.layer = names[l];
                p.channel = channels[l][k];
                p.rank = (int)r;
                p.image = best[r].image;
                p.file = images[best[r].image];
                p.y = best[r].y;
                p.x = best[r].x;
                p.value = best[r].value;
                res.patches.push_back(p);
            }
        }
    return res;
}

PatchMiningResult minePatches(const Ptr<Explainer>& explainer, const ModelInfo& model, const std::vector<String>& images,
                              const PatchMiningParams& params)
{
    return minePatches(explainer, model, images, params, MiningProgress());
}

}  // namespace interp
}  // namespace cv
