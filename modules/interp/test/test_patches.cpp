// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Maximally activating patches: streamed top-K against a brute-force search, shards merged against a single run,
// JSON round trips, patch crops against receptive-field rectangles, the guided panel, and bad inputs.
#include "test_precomp.hpp"

#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace opencv_test {
namespace {

using cv::interp::Patch;
using cv::interp::PatchMiningParams;
using cv::interp::PatchMiningResult;

//! A temporary directory of small textured PNGs (and whatever else a test adds), removed at the end.
struct ImageDir
{
    std::string dir;
    std::vector<std::string> files;
    ImageDir(int count, cv::Size size, uint64 seed)
    {
        char tmpl[] = "/tmp/interp_patches_XXXXXX";
        dir = mkdtemp(tmpl);
        cv::RNG rng(seed);
        for (int i = 0; i < count; i++)
        {
            // smooth random colour texture plus a bright random blob, so channels have distinct maxima
            cv::Mat small(4, 4, CV_8UC3), img;
            rng.fill(small, cv::RNG::UNIFORM, 0, 255);
            cv::resize(small, img, size, 0, 0, cv::INTER_CUBIC);
            cv::circle(img, cv::Point(rng.uniform(0, size.width), rng.uniform(0, size.height)), size.width / 6,
                       cv::Scalar(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)), -1);
            add(cv::format("img_%02d.png", i), img);
        }
    }
    void add(const std::string& name, const cv::Mat& img)
    {
        files.push_back(dir + "/" + name);
        cv::imwrite(files.back(), img);
    }
    void addRaw(const std::string& name, const std::string& bytes)
    {
        files.push_back(dir + "/" + name);
        std::ofstream(files.back().c_str(), std::ios::binary) << bytes;
    }
    ~ImageDir()
    {
        for (const std::string& f : files)
            std::remove(f.c_str());
        rmdir(dir.c_str());
    }
};

cv::interp::ModelInfo referenceAlexnet()
{
    cv::interp::ModelInfo info;
    info.name = "alexnet (reference)";
    info.model = interp_test::dataPath("reference/alexnet/model.onnx");
    info.preprocessing.size = cv::Size(31, 31);
    info.preprocessing.scale = 1.0 / 57.4;  // values that round, so the blob conversion must be exact
    info.preprocessing.mean = cv::Scalar(123.675, 116.28, 103.53);
    info.preprocessing.swapRB = true;
    return info;
}

struct Candidate
{
    float value;
    int image, y, x;
};

//! The specification, written out: larger value first, then smaller image index, row, column.
bool ranksBefore(const Candidate& a, const Candidate& b)
{
    if (a.value != b.value)
        return a.value > b.value;
    if (a.image != b.image)
        return a.image < b.image;
    if (a.y != b.y)
        return a.y < b.y;
    return a.x < b.x;
}

//! Brute force: every position of every image of one channel, fully sorted, the first K (one per image if asked).
std::vector<Candidate> bruteForceTop(const cv::Mat& out, const std::vector<int>& imageIds, int channel, int K, bool onePerImage)
{
    const int N = out.size[0], C = out.size[1];
    const int H = out.dims == 4 ? out.size[2] : 1, W = out.dims == 4 ? out.size[3] : 1;
    std::vector<Candidate> all;
    for (int n = 0; n < N; n++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                all.push_back(Candidate{ out.ptr<float>()[(((size_t)n * C + channel) * H + y) * W + x], imageIds[n], y, x });
    std::sort(all.begin(), all.end(), ranksBefore);
    std::vector<Candidate> top;
    std::vector<int> used;
    for (const Candidate& c : all)
    {
        if ((int)top.size() == K)
            break;
        if (onePerImage && std::find(used.begin(), used.end(), c.image) != used.end())
            continue;
        used.push_back(c.image);
        top.push_back(c);
    }
    return top;
}

const std::vector<std::string> kLayers = { "relu2", "maxpool1", "gemm1" };

PatchMiningParams defaultParams()
{
    PatchMiningParams p;
    p.layers.assign(kLayers.begin(), kLayers.end());
    p.topK = 5;
    p.batchSize = 4;
    return p;
}

TEST(Interp_Patches, top_k_equals_brute_force)
{
    const cv::interp::ModelInfo info = referenceAlexnet();
    ASSERT_TRUE(interp_test::fileExists(info.model)) << info.model << " is missing (data/reference)";
    // 31 x 31 images (the network size) and two that need resizing
    ImageDir d(9, cv::Size(31, 31), 21);
    {
        ImageDir other(2, cv::Size(40, 36), 22);
        for (size_t i = 0; i < other.files.size(); i++)
            d.add(cv::format("img_%02d.png", 9 + (int)i), cv::imread(other.files[i]));
    }
    d.addRaw("broken.png", "this is not a PNG file");  // sorts first: image 0, skipped
    std::vector<cv::String> files = cv::interp::listImages(d.dir);
    ASSERT_EQ(files.size(), 12u);

    // Brute force: one forward pass of all readable images on a plain cv::dnn network (same settings).
    std::vector<cv::Mat> imgs;
    std::vector<int> ids;
    for (size_t i = 0; i < files.size(); i++)
    {
        cv::Mat img = cv::imread(files[i], cv::IMREAD_COLOR);
        if (img.empty())
            continue;
        imgs.push_back(img);
        ids.push_back((int)i);
    }
    ASSERT_EQ(imgs.size(), 11u);
    cv::dnn::Net net = cv::dnn::readNet(info.model);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.enableFusion(false);
    std::vector<cv::String> names;
    for (const std::string& l : kLayers)
        names.push_back("onnx_node!" + l);
    net.setInput(info.preprocessing.toBlob(imgs));
    std::vector<cv::Mat> outs;
    net.forward(outs, names);

    // The explainer's recording forward pass (fusion off, one image at a time) agrees to float precision.
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    for (size_t n = 0; n < imgs.size(); n += 5)
    {
        cv::Ptr<cv::interp::Tape> t = ex->forward(info.preprocessing.toBlob(std::vector<cv::Mat>(1, imgs[n])));
        for (size_t l = 0; l < names.size(); l++)
        {
            cv::Mat a = t->output(names[l]).reshape(1, 1);
            const size_t per = outs[l].total() / outs[l].size[0];
            cv::Mat b(1, (int)per, CV_32F, outs[l].ptr<float>() + n * per);
            EXPECT_LE(cv::norm(a, b, cv::NORM_INF), 1e-5 * std::max(1.0, cv::norm(b, cv::NORM_INF))) << names[l];
        }
    }

    // The bookkeeping (ranks, positions, values) is compared bit for bit, so mining runs on the same arithmetic as the
    // plain cv::dnn reference: cv::dnn's convolutions (oneDNN's agree to float precision, checked just above).
    interp_test::OneDnnScope dnnLayers(false);
    for (bool onePerImage : { false, true })
    {
        PatchMiningParams p = defaultParams();
        p.onePerImage = onePerImage;
        PatchMiningResult r = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, p);
        EXPECT_EQ(r.imagesProcessed, 11);
        EXPECT_EQ(r.imagesSkipped, 1);
        ASSERT_EQ(r.skippedFiles.size(), 1u);
        EXPECT_NE(r.skippedFiles[0].find("broken.png"), std::string::npos);
        ASSERT_EQ(r.layers.size(), 3u);
        EXPECT_EQ(r.layerShapes[0], std::vector<int>({ 12, 7, 7 }));
        EXPECT_EQ(r.layerShapes[2], std::vector<int>({ 32, 1, 1 }));
        int compared = 0;
        for (size_t l = 0; l < names.size(); l++)
        {
            EXPECT_EQ(r.layers[l], names[l]);
            const int C = outs[l].size[1];
            ASSERT_EQ((int)r.channels[l].size(), C);
            for (int c = 0; c < C; c++)
            {
                const std::vector<Candidate> expected = bruteForceTop(outs[l], ids, c, p.topK, onePerImage);
                const std::vector<Patch> got = r.top(kLayers[l], c);
                ASSERT_EQ(got.size(), expected.size()) << names[l] << " channel " << c;
                for (size_t k = 0; k < got.size(); k++)
                {
                    EXPECT_EQ(got[k].value, expected[k].value) << names[l] << " c " << c << " rank " << k;
                    EXPECT_EQ(got[k].image, expected[k].image) << names[l] << " c " << c << " rank " << k;
                    EXPECT_EQ(got[k].y, expected[k].y) << names[l] << " c " << c << " rank " << k;
                    EXPECT_EQ(got[k].x, expected[k].x) << names[l] << " c " << c << " rank " << k;
                    EXPECT_EQ(got[k].rank, (int)k);
                    EXPECT_EQ(got[k].file, files[got[k].image]);
                    compared++;
                }
            }
        }
        EXPECT_EQ(compared, (12 + 8 + 32) * 5);
    }
}

TEST(Interp_Patches, every_value_is_bit_exact)
{
    // K larger than the number of positions: every activation of conv1 of every image is in the result, and must
    // equal, bit for bit, a plain cv::dnn forward pass of blobs made by Preprocessing::toBlob (the decoder makes
    // blobs of network-size images itself). Both sides use cv::dnn's convolutions (oneDNN rounds differently).
    interp_test::OneDnnScope dnnLayers(false);
    const cv::interp::ModelInfo info = referenceAlexnet();
    ImageDir d(5, cv::Size(31, 31), 33);
    const std::vector<cv::String> files = cv::interp::listImages(d.dir);
    PatchMiningParams p;
    p.layers = { "conv1" };
    p.topK = 5 * 16 * 16;
    p.batchSize = 2;
    const PatchMiningResult r = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, p);
    std::vector<cv::Mat> imgs;
    for (const cv::String& f : files)
        imgs.push_back(cv::imread(f));
    cv::dnn::Net net = cv::dnn::readNet(info.model);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.enableFusion(false);
    net.setInput(info.preprocessing.toBlob(imgs));
    const cv::Mat out = net.forward("onnx_node!conv1");  // 5 x 8 x 16 x 16
    ASSERT_EQ(r.patches.size(), (size_t)8 * 5 * 16 * 16);
    for (const Patch& q : r.patches)
        ASSERT_EQ(q.value, out.ptr<float>(q.image, q.channel)[q.y * 16 + q.x])
            << "channel " << q.channel << " image " << q.image << " (" << q.y << ", " << q.x << ")";
}

void expectSamePatches(const PatchMiningResult& a, const PatchMiningResult& b, const std::string& what)
{
    ASSERT_EQ(a.patches.size(), b.patches.size()) << what;
    for (size_t i = 0; i < a.patches.size(); i++)
    {
        const Patch& p = a.patches[i];
        const Patch& q = b.patches[i];
        EXPECT_TRUE(p.layer == q.layer && p.channel == q.channel && p.rank == q.rank && p.image == q.image &&
                    p.file == q.file && p.y == q.y && p.x == q.x && p.value == q.value &&
                    std::signbit(p.value) == std::signbit(q.value))  // bit for bit: -0 is not 0
            << what << ": entry " << i << " differs: " << p.layer << " c" << p.channel << " #" << p.rank << " image "
            << p.image << " (" << p.y << ", " << p.x << ") " << p.value << " vs " << q.layer << " c" << q.channel << " #"
            << q.rank << " image " << q.image << " (" << q.y << ", " << q.x << ") " << q.value;
    }
}

TEST(Interp_Patches, merged_shards_equal_single_run)
{
    const cv::interp::ModelInfo info = referenceAlexnet();
    ASSERT_TRUE(interp_test::fileExists(info.model)) << info.model << " is missing (data/reference)";
    ImageDir d(13, cv::Size(31, 31), 5);
    d.addRaw("img_05b.png", "");  // an empty file: skipped in whichever shard holds it
    const std::vector<cv::String> files = cv::interp::listImages(d.dir);
    for (bool onePerImage : { false, true })
    {
        PatchMiningParams p = defaultParams();
        p.onePerImage = onePerImage;
        p.topK = 4;
        const PatchMiningResult single = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, p);
        // JSON round trip is exact
        const std::string path = cv::tempfile(".json");
        cv::interp::writePatchResult(path, single);
        const PatchMiningResult back = cv::interp::readPatchResult(path);
        expectSamePatches(single, back, "JSON round trip");
        {
            PatchMiningResult negativeZero = single;  // dead channels peak at -0 (ReLU); "-0" would read back as 0
            negativeZero.patches[0].value = -0.0f;
            cv::interp::writePatchResult(path, negativeZero);
            const PatchMiningResult zeroBack = cv::interp::readPatchResult(path);
            EXPECT_TRUE(std::signbit(zeroBack.patches[0].value));
            expectSamePatches(zeroBack, negativeZero, "JSON round trip of -0");
            cv::interp::writePatchResult(path, single);
        }
        EXPECT_EQ(back.model, single.model);
        EXPECT_EQ(back.preprocessing.scale, single.preprocessing.scale);
        EXPECT_EQ(back.preprocessing.mean, single.preprocessing.mean);
        EXPECT_EQ(back.datasetHash, single.datasetHash);
        EXPECT_TRUE(back.complete());
        // 3 shards with another batch size, through JSON files, merged in a shuffled order
        std::vector<PatchMiningResult> parts;
        int processed = 0;
        for (int s : { 2, 0, 1 })
        {
            PatchMiningParams ps = p;
            ps.shardIndex = s;
            ps.shardCount = 3;
            ps.batchSize = 3;
            PatchMiningResult part = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, ps);
            EXPECT_FALSE(part.complete());
            processed += part.imagesProcessed;
            cv::interp::writePatchResult(path, part);
            parts.push_back(cv::interp::readPatchResult(path));
        }
        std::remove(path.c_str());
        EXPECT_EQ(processed, 13);
        const PatchMiningResult merged = cv::interp::mergePatchResults(parts);
        expectSamePatches(merged, single, onePerImage ? "merge (one per image)" : "merge");
        EXPECT_EQ(merged.imagesProcessed, single.imagesProcessed);
        EXPECT_EQ(merged.imagesSkipped, 1);
        // complete: the single run's shard bookkeeping, and byte for byte the single run's JSON file
        EXPECT_EQ(merged.shardCount, 1);
        EXPECT_EQ(merged.shards, std::vector<int>({ 0 }));
        EXPECT_TRUE(merged.complete());
        const std::string singleJson = cv::tempfile(".json"), mergedJson = cv::tempfile(".json");
        cv::interp::writePatchResult(singleJson, single);
        cv::interp::writePatchResult(mergedJson, merged);
        EXPECT_EQ(interp_test::readText(mergedJson), interp_test::readText(singleJson));
        std::remove(singleJson.c_str());
        std::remove(mergedJson.c_str());
        // two of three shards: partial
        const PatchMiningResult partial = cv::interp::mergePatchResults({ parts[0], parts[1] });
        EXPECT_EQ(partial.shardCount, 3);
        EXPECT_EQ(partial.shards, std::vector<int>({ 0, 2 }));
        EXPECT_FALSE(partial.complete());
        // a shard given twice, or results of different settings, are refused
        std::vector<PatchMiningResult> twice = { parts[0], parts[0] };
        EXPECT_THROW(cv::interp::mergePatchResults(twice), cv::Exception);
        PatchMiningResult other = parts[1];
        other.topK = 3;
        std::vector<PatchMiningResult> mixed = { parts[0], other };
        EXPECT_THROW(cv::interp::mergePatchResults(mixed), cv::Exception);
    }
}

TEST(Interp_Patches, patch_crops_match_receptive_fields)
{
    const cv::interp::ModelInfo info = referenceAlexnet();
    ASSERT_TRUE(interp_test::fileExists(info.model)) << info.model << " is missing (data/reference)";
    // An image whose pixels encode their coordinates: B = x, G = y, R = 77 (62 x 62: twice the network input).
    cv::Mat coords(62, 62, CV_8UC3);
    for (int y = 0; y < 62; y++)
        for (int x = 0; x < 62; x++)
            coords.at<cv::Vec3b>(y, x) = cv::Vec3b((uchar)x, (uchar)y, 77);
    const cv::interp::Preprocessing& prep = info.preprocessing;
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    cv::Ptr<cv::interp::ReceptiveField> rf = cv::interp::ReceptiveField::create(ex, { 1, 3, 31, 31 });
    // conv1 is 7x7, stride 2, pad 3 (see data/README.md): position (y, x) sees [2y - 3, 2y + 3] x [2x - 3, 2x + 3]
    for (int y : { 0, 5, 15 })
        for (int x : { 0, 9, 15 })
            EXPECT_EQ(rf->nominalRect("conv1", y, x), cv::Rect(2 * x - 3, 2 * y - 3, 7, 7));
    for (const char* layer : { "conv1", "relu2", "conv5" })
        for (int y : { 0, 1, 2 })
        {
            const cv::Rect r = rf->nominalRect(layer, y, 2);
            const cv::Mat patch = cv::interp::extractPatch(coords, prep, r);
            ASSERT_EQ(patch.size(), cv::Size(2 * r.width, 2 * r.height)) << layer;
            int outside = 0;
            for (int i = 0; i < patch.rows; i++)
                for (int j = 0; j < patch.cols; j++)
                {
                    const int sx = 2 * r.x + j, sy = 2 * r.y + i;
                    const cv::Vec3b v = patch.at<cv::Vec3b>(i, j);
                    if (sx >= 0 && sy >= 0 && sx < 62 && sy < 62)
                    {
                        ASSERT_EQ(v, coords.at<cv::Vec3b>(sy, sx)) << layer << " at " << i << "," << j;
                    }
                    else
                    {
                        // padding is the mean colour, the mean given in RGB order: BGR (103.53, 116.28, 123.675)
                        ASSERT_EQ(v, cv::Vec3b(104, 116, 124));
                        outside++;
                    }
                }
            if (r.x < 0 || r.y < 0)
            {
                EXPECT_GT(outside, 0) << layer;
            }
        }

    // The rendered grid holds exactly these crops at the mined positions.
    ImageDir d(6, cv::Size(62, 62), 9);
    const std::vector<cv::String> files = cv::interp::listImages(d.dir);
    PatchMiningParams p;
    p.layers = { "relu2" };
    p.channels = { 1, 4, 7 };
    p.topK = 3;
    p.batchSize = 4;
    PatchMiningResult res = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, p);
    cv::interp::PatchGridParams gp;
    gp.labels = false;
    gp.gap = 3;
    cv::Mat grid, guided;
    cv::interp::renderPatches(ex, res, "relu2", gp, grid, guided);
    {
        // What `interp patches --json --out` writes: the grid rendered from the JSON file is the same picture.
        const std::string json = d.dir + "/result.json";
        cv::interp::writePatchResult(json, res);
        cv::Mat fromJson, guidedFromJson;
        cv::interp::renderPatches(ex, cv::interp::readPatchResult(json), "relu2", gp, fromJson, guidedFromJson);
        EXPECT_EQ(cv::norm(fromJson, grid, cv::NORM_INF), 0);
        EXPECT_EQ(cv::norm(guidedFromJson, guided, cv::NORM_INF), 0);
        std::remove(json.c_str());
    }
    const cv::Size rfSize = rf->layerInfo("relu2").size;  // 27 x 27: tiles are enlarged by 2 to >= 48 px
    ASSERT_EQ(rfSize, cv::Size(27, 27));
    const cv::Size tile(54, 54);
    EXPECT_EQ(grid.size(), cv::Size(3 * 54 + 4 * 3, 3 * 54 + 4 * 3));
    EXPECT_EQ(guided.size(), grid.size());
    for (int row = 0; row < 3; row++)
    {
        const std::vector<Patch> top = res.top("relu2", p.channels[row]);
        ASSERT_EQ(top.size(), 3u);
        for (int k = 0; k < 3; k++)
        {
            const cv::Rect cell(3 + k * 57, 3 + row * 57, 54, 54);
            const cv::Mat expected = cv::interp::extractPatch(cv::imread(top[k].file), prep,
                                                              rf->nominalRect("relu2", top[k].y, top[k].x), tile);
            EXPECT_EQ(cv::norm(grid(cell), expected, cv::NORM_INF), 0) << "row " << row << " rank " << k;
            // guided panel: the neuron's gradient is zero outside its exact field (gray there), varied inside
            const cv::Rect exact = rf->rect("relu2", top[k].y, top[k].x);
            const cv::Rect nominal = rf->nominalRect("relu2", top[k].y, top[k].x);
            cv::Mat g = guided(cell);
            double lo, hi;
            cv::minMaxLoc(g.reshape(1), &lo, &hi);
            EXPECT_GT(hi - lo, 100) << "a guided tile should span much of the gray range";
            if (exact.size() != nominal.size())
            {
                // a tile row or column that maps to network pixels outside the image
                cv::Mat line;
                if (nominal.x < 0)
                    line = g.col(0);
                else if (nominal.x + nominal.width > 31)
                    line = g.col(53);
                else if (nominal.y < 0)
                    line = g.row(0);
                else
                    line = g.row(53);
                double clo, chi;
                cv::minMaxLoc(line.clone().reshape(1), &clo, &chi);
                EXPECT_EQ(clo, chi) << "outside the image the gradient is zero: one gray level";
            }
        }
    }
}

TEST(Interp_Patches, mined_values_are_the_layers_true_outputs)
{
    // cv::dnn 4.6 with layer fusion returns a BatchNorm's output after the ReLU that follows it. In resnet_fmnist some
    // channels of stem_bn are negative over a whole image, so a fused network would mine 0 where the layer's best
    // value is negative. One position per image and K = all images: every image's best value of every channel is
    // in the result, and must equal the maximum of the Explainer's recorded output.
    const cv::interp::ModelInfo info = cv::interp::embeddedModel("resnet_fmnist");
    std::vector<cv::String> files;
    for (const cv::String& f : cv::interp::listImages(interp_test::dataPath("scenes/test")))
        if (f.find("/masks/") == cv::String::npos && files.size() < 8)
            files.push_back(f);
    ASSERT_EQ(files.size(), 8u);
    PatchMiningParams p;
    p.layers = { "stem_bn" };
    p.onePerImage = true;
    p.topK = 8;
    p.batchSize = 4;
    const PatchMiningResult r = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, p);
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    std::vector<cv::Mat> imgs;
    for (const cv::String& f : files)
        imgs.push_back(cv::imread(f));
    const cv::Mat out = ex->forward(info.preprocessing.toBlob(imgs))->output("stem_bn");  // 8 x 16 x 56 x 56
    int negative = 0;
    for (int c = 0; c < out.size[1]; c++)
    {
        const std::vector<Patch> top = r.top("stem_bn", c);
        ASSERT_EQ(top.size(), 8u);
        for (const Patch& q : top)
        {
            cv::Mat plane(out.size[2], out.size[3], CV_32F, (void*)out.ptr<float>(q.image, c));
            double mx;
            cv::minMaxLoc(plane, nullptr, &mx);
            EXPECT_NEAR(q.value, mx, 1e-4 * std::max(1.0, std::abs(mx))) << "channel " << c << " image " << q.image;
            EXPECT_NEAR(plane.at<float>(q.y, q.x), q.value, 1e-4 * std::max(1.0, std::abs(mx)));
            negative += mx < 0;
        }
    }
    EXPECT_GT(negative, 0) << "the test needs a channel whose best value in some image is negative";
}

TEST(Interp_Patches, bad_inputs_are_reported_clearly)
{
    const cv::interp::ModelInfo info = referenceAlexnet();
    ASSERT_TRUE(interp_test::fileExists(info.model)) << info.model << " is missing (data/reference)";
    ImageDir d(3, cv::Size(31, 31), 2);
    const std::vector<cv::String> files = cv::interp::listImages(d.dir);
    auto expectError = [&](const std::vector<cv::String>& images, const PatchMiningParams& p, const std::string& needle) {
        try
        {
            cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, images, p);
            ADD_FAILURE() << "expected an error containing '" << needle << "'";
        }
        catch (const cv::Exception& e)
        {
            EXPECT_NE(e.err.find(needle), std::string::npos) << e.err;
        }
    };
    PatchMiningParams p = defaultParams();
    p.source = "/nowhere";
    expectError(std::vector<cv::String>(), p, "no images found in '/nowhere'");
    p.layers = { "relu22" };
    expectError(files, p, "unknown layer 'relu22'; the closest layer names are: 'onnx_node!relu2'");
    p.layers = { "relu2" };
    p.channels = { 3, 12 };
    expectError(files, p, "channel 12 is out of range: layer 'onnx_node!relu2' has 12 channels (0-11)");
    p.channels.clear();
    p.shardIndex = 3;
    p.shardCount = 3;
    expectError(files, p, "bad shard 3/3");
    p.shardIndex = 0;
    p.shardCount = 1;
    p.topK = 0;
    expectError(files, p, "top K must be at least 1");
    // every file unreadable: nothing processed, all counted
    ImageDir bad(0, cv::Size(1, 1), 0);
    bad.addRaw("a.png", "x");
    bad.addRaw("b.jpg", "");
    PatchMiningParams ok = defaultParams();
    PatchMiningResult r = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, cv::interp::listImages(bad.dir), ok);
    EXPECT_EQ(r.imagesProcessed, 0);
    EXPECT_EQ(r.imagesSkipped, 2);
    EXPECT_TRUE(r.patches.empty());
    // result files: not JSON, or JSON of something else
    const std::string path = cv::tempfile(".json");
    std::ofstream(path.c_str()) << "{\"format\": \"something else\", \"version\": 1}";
    try
    {
        cv::interp::readPatchResult(path);
        ADD_FAILURE() << "expected an exception";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("not a valid patch-mining result"), std::string::npos) << e.err;
    }
    std::remove(path.c_str());
    EXPECT_THROW(cv::interp::readPatchResult("/nonexistent/result.json"), cv::Exception);
    // rendering a layer that was not mined
    cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model);
    PatchMiningResult mined = cv::interp::minePatches(cv::interp::readNet(info.model, info.config), info, files, defaultParams());
    cv::Mat grid;
    try
    {
        cv::interp::renderPatches(ex, mined, "conv3", cv::interp::PatchGridParams(), grid);
        ADD_FAILURE() << "expected an exception";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("was not mined"), std::string::npos) << e.err;
    }
}

}  // namespace
}  // namespace opencv_test
