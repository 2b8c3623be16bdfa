// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Mining results as JSON (written by hand, read with cv::FileStorage) and the exact merge of shards.
#include "../precomp.hpp"
#include "../io/json.hpp"
#include "../io/filesystem.hpp"
#include "../io/result_io.hpp"

#include <fstream>
#include <sstream>

namespace cv {
namespace interp {

bool patchBefore(const Patch& a, const Patch& b);  // patches.cpp

namespace {

const char* kFormat = "interp-patches";
const int kVersion = 1;


ResultFile resultFile(const String& path)
{
    return ResultFile{ path, "patch-mining result", kFormat, kVersion,
                       "'interp patches --json' or cv::interp::writePatchResult" };
}

bool samePreprocessing(const Preprocessing& a, const Preprocessing& b)
{
    return a.size == b.size && a.scale == b.scale && a.mean == b.mean && a.std == b.std && a.swapRB == b.swapRB &&
           a.crop == b.crop;
}

}  // namespace

void writePatchResult(const String& path, const PatchMiningResult& r)
{
    if (r.layers.size() != r.channels.size() || r.layers.size() != r.layerShapes.size())
        CV_Error(Error::StsBadArg, "inconsistent result: layers, channels and layerShapes must have one entry per layer");
    const Preprocessing& p = r.preprocessing;
    std::ostringstream s;
    s << "{\n";
    s << "  \"format\": " << json::str(kFormat) << ",\n";
    s << "  \"version\": " << kVersion << ",\n";
    s << "  \"model\": " << json::str(r.model) << ",\n";
    s << "  \"config\": " << json::str(r.config) << ",\n";
    s << "  \"preprocessing\": {\"size\": [" << p.size.width << ", " << p.size.height << "], "
      << json::preprocessingMembers(p) << "},\n";
    s << "  \"dataset\": {\"source\": " << json::str(r.source) << ", \"images\": " << r.datasetSize
      << ", \"hash\": " << json::str(r.datasetHash) << ", \"shard_count\": " << r.shardCount
      << ", \"shards\": " << json::array(r.shards, json::integer) << ",\n";
    s << "              \"processed\": " << r.imagesProcessed << ", \"skipped\": " << r.imagesSkipped
      << ", \"skipped_files\": " << json::array(r.skippedFiles, json::str) << "},\n";
    s << "  \"top_k\": " << r.topK << ",\n";
    s << "  \"one_per_image\": " << (r.onePerImage ? 1 : 0) << ",\n";
    s << "  \"layers\": [";
    for (size_t l = 0; l < r.layers.size(); l++)
    {
        s << (l ? "," : "") << "\n    {\"name\": " << json::str(r.layers[l]) << ", \"shape\": "
          << json::array(r.layerShapes[l], json::integer) << ",\n     \"channels\": [";
        for (size_t k = 0; k < r.channels[l].size(); k++)
        {
            const int c = r.channels[l][k];
            s << (k ? "," : "") << "\n      {\"channel\": " << c << ", \"entries\": [";
            bool first = true;
            for (const Patch& e : r.patches)
            {
                if (e.layer != r.layers[l] || e.channel != c)
                    continue;
                s << (first ? "" : ",") << "\n        {\"image\": " << e.image << ", \"file\": " << json::str(e.file)
                  << ", \"y\": " << e.y << ", \"x\": " << e.x << ", \"value\": " << json::floatNumber(e.value) << "}";
                first = false;
            }
            s << "]}";
        }
        s << "]}";
    }
    s << "\n  ]\n}\n";
    writeFileAtomic(path, s.str());
}

PatchMiningResult readPatchResult(const String& path)
{
    const ResultFile file = resultFile(path);
    FileStorage fs;
    const FileNode root = file.open(fs);
    auto need = [&](const FileNode& parent, const char* key) { return file.need(parent, key); };
    PatchMiningResult r;
    r.model = (String)need(root, "model");
    r.config = (String)root["config"];
    const FileNode pre = need(root, "preprocessing");
    const std::vector<int> size = readInts(need(pre, "size"));
    if (size.size() != 2)
        file.bad("preprocessing size must be [width, height]");
    r.preprocessing.size = Size(size[0], size[1]);
    need(pre, "scale");
    need(pre, "mean");
    json::readPreprocessingMembers(pre, r.preprocessing);
    const FileNode ds = need(root, "dataset");
    r.source = (String)ds["source"];
    r.datasetSize = (int)need(ds, "images");
    r.datasetHash = (String)need(ds, "hash");
    r.shardCount = (int)need(ds, "shard_count");
    r.shards = readInts(need(ds, "shards"));
    r.imagesProcessed = (int)need(ds, "processed");
    r.imagesSkipped = (int)need(ds, "skipped");
    const FileNode sk = ds["skipped_files"];
    for (FileNodeIterator it = sk.begin(); it != sk.end(); ++it)
        r.skippedFiles.push_back((String)*it);
    r.topK = (int)need(root, "top_k");
    r.onePerImage = (int)root["one_per_image"] != 0;
    const FileNode layers = need(root, "layers");
    if (!layers.isSeq())
        file.bad("'layers' must be a list");
    for (FileNodeIterator li = layers.begin(); li != layers.end(); ++li)
    {
        const FileNode l = *li;
        const String name = (String)need(l, "name");
        r.layers.push_back(name);
        r.layerShapes.push_back(readInts(need(l, "shape")));
        std::vector<int> chs;
        const FileNode cs = need(l, "channels");
        for (FileNodeIterator ci = cs.begin(); ci != cs.end(); ++ci)
        {
            const FileNode c = *ci;
            const int channel = (int)need(c, "channel");
            chs.push_back(channel);
            const FileNode entries = c["entries"];
            int rank = 0;
            for (FileNodeIterator ei = entries.begin(); ei != entries.end(); ++ei, ++rank)
            {
                const FileNode e = *ei;
                Patch p;
                p.layer = name;
                p.channel = channel;
                p.rank = rank;
                p.image = (int)need(e, "image");
                p.file = (String)e["file"];
                p.y = (int)need(e, "y");
                p.x = (int)need(e, "x");
                p.value = (float)(double)need(e, "value");
                r.patches.push_back(p);
            }
        }
        r.channels.push_back(chs);
    }
    return r;
}

PatchMiningResult mergePatchResults(const std::vector<PatchMiningResult>& parts)
{
    if (parts.empty())
        CV_Error(Error::StsBadArg, "nothing to merge: give at least one result");
    const PatchMiningResult& a = parts[0];
    std::vector<int> shards;
    for (size_t i = 0; i < parts.size(); i++)
    {
        const PatchMiningResult& b = parts[i];
        auto mismatch = [&](const String& what) {
            CV_Error(Error::StsBadArg, cv::format("cannot merge result %d with result 0: %s differ; merge only shards "
                                                  "of one run (same model, layers, channels, --top, --one-per-image, "
                                                  "preprocessing and dataset)", (int)i, what.c_str()));
        };
        if (fs::baseName(b.model) != fs::baseName(a.model) || fs::baseName(b.config) != fs::baseName(a.config))
            mismatch("the models");
        if (b.layers != a.layers || b.layerShapes != a.layerShapes)
            mismatch("the layers");
        if (b.channels != a.channels)
            mismatch("the channels");
        if (b.topK != a.topK)
            mismatch("the top K");
        if (b.onePerImage != a.onePerImage)
            mismatch("the one-per-image settings");
        if (!samePreprocessing(b.preprocessing, a.preprocessing))
            mismatch("the preprocessings");
        if (b.datasetSize != a.datasetSize || b.datasetHash != a.datasetHash)
            mismatch("the datasets");
        if (b.shardCount != a.shardCount)
            mismatch("the shard counts");
        addShards(shards, b.shards, b.shardCount, (int)i);
    }
    PatchMiningResult m = a;
    std::sort(shards.begin(), shards.end());
    m.shards = shards;
    if (m.complete())
    {
        m.shardCount = 1;  // every shard is here: the result is the single run's (its JSON file too)
        m.shards = std::vector<int>(1, 0);
    }
    m.imagesProcessed = m.imagesSkipped = 0;
    m.skippedFiles.clear();
    m.patches.clear();
    for (const PatchMiningResult& b : parts)
    {
        m.imagesProcessed += b.imagesProcessed;
        m.imagesSkipped += b.imagesSkipped;
        for (const String& f : b.skippedFiles)
            if (m.skippedFiles.size() < 100)
                m.skippedFiles.push_back(f);
    }
    // Each shard kept its own top K; the top K of their union is the top K of the whole (the ranking is a total
    // order independent of the shard), and with one position per image the shards hold disjoint images.
    for (size_t l = 0; l < m.layers.size(); l++)
        for (int c : m.channels[l])
        {
            std::vector<Patch> all;
            for (const PatchMiningResult& b : parts)
                for (const Patch& p : b.patches)
                    if (p.layer == m.layers[l] && p.channel == c)
                        all.push_back(p);
            std::sort(all.begin(), all.end(), patchBefore);
            std::vector<int> seen;
            int rank = 0;
            for (Patch& p : all)
            {
                if (rank >= m.topK)
                    break;
                if (m.onePerImage)
                {
                    if (std::find(seen.begin(), seen.end(), p.image) != seen.end())
                        continue;
                    seen.push_back(p.image);
                }
                p.rank = rank++;
                m.patches.push_back(p);
            }
        }
    return m;
}

}  // namespace interp
}  // namespace cv
