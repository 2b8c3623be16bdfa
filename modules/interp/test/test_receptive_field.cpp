// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Receptive fields: hand-computed rectangles on a small net, and on every layer of every reference network (and
// on the embedded models) the support of a position's input gradient (computed by the engine) lies inside the
// rectangle and reaches all four of its edges.
#include "test_precomp.hpp"

#include <fstream>

namespace opencv_test {
namespace {

using cv::dnn::LayerParams;
using cv::interp::Explainer;
using cv::interp::ReceptiveField;
using cv::interp::Target;

//! input 20x20 -> conv 3x3 pad 1 -> conv 3x3 stride 2 -> max pool 2x2/2 -> conv 3x3 dilation 2 pad 2 -> fc.
struct HandNet : interp_test::NetBuilder
{
    static LayerParams conv(int k, int stride, int pad, int dilation, int cin, int cout, cv::RNG& rng)
    {
        LayerParams c;
        c.set("num_output", cout);
        c.set("kernel_size", k);
        c.set("stride", stride);
        c.set("pad", pad);
        c.set("dilation", dilation);
        c.set("bias_term", false);
        cv::Mat w(std::vector<int>{ cout, cin, k, k }, CV_32F);
        rng.fill(w, cv::RNG::NORMAL, 0, 0.5);
        c.blobs.push_back(w);
        return c;
    }
    HandNet()
    {
        cv::RNG rng(11);
        add("conv1", "Convolution", conv(3, 1, 1, 1, 3, 4, rng));
        add("conv2", "Convolution", conv(3, 2, 0, 1, 4, 4, rng));
        LayerParams pool;
        pool.set("pool", "max");
        pool.set("kernel_size", 2);
        pool.set("stride", 2);
        pool.set("ceil_mode", false);
        add("pool", "Pooling", pool);
        add("conv3", "Convolution", conv(3, 1, 2, 2, 4, 4, rng));
        LayerParams fc;
        fc.set("num_output", 3);
        fc.set("bias_term", false);
        cv::Mat w(3, 4 * 4 * 4, CV_32F);
        rng.fill(w, cv::RNG::NORMAL, 0, 0.1);
        fc.blobs.push_back(w);
        add("fc", "InnerProduct", fc);
    }
};

//! [lo, hi] clipped to [0, n-1] as a (start, length) pair.
cv::Range clipped(int lo, int hi, int n)
{
    return cv::Range(std::max(lo, 0), std::min(hi, n - 1) + 1);
}

cv::Rect rectOf(const cv::Range& ys, const cv::Range& xs)
{
    return cv::Rect(xs.start, ys.start, xs.size(), ys.size());
}

TEST(Interp_ReceptiveField, hand_computed_rectangles)
{
    HandNet h;
    cv::Ptr<Explainer> ex = Explainer::create(h.net, h.params);
    cv::Ptr<ReceptiveField> rf = ReceptiveField::create(ex, { 1, 3, 20, 20 });
    EXPECT_EQ(rf->inputSize(), cv::Size(20, 20));
    // Worked out on paper: conv1 o -> [o-1, o+1]; conv2 o -> conv1 [2o, 2o+2] -> input [2o-1, 2o+3];
    // pool o -> conv2 [2o, 2o+1] -> input [4o-1, 4o+5]; conv3 o -> pool {o-2, o, o+2} -> input [4o-9, 4o+13].
    struct Case { const char* layer; int size, stride; int lo0, hi0; };
    const Case cases[] = { { "conv1", 3, 1, -1, 1 }, { "conv2", 5, 2, -1, 3 }, { "pool", 7, 4, -1, 5 }, { "conv3", 23, 4, -9, 13 } };
    for (const Case& c : cases)
    {
        const cv::interp::LayerReceptiveField info = rf->layerInfo(c.layer);
        EXPECT_EQ(info.size, cv::Size(c.size, c.size)) << c.layer;
        EXPECT_EQ(info.stride, cv::Point2d(c.stride, c.stride)) << c.layer;
        EXPECT_FALSE(info.global) << c.layer;
        EXPECT_FALSE(info.conservative) << c.layer;
        const int n = info.outputSize.width;
        for (int y = 0; y < n; y += std::max(1, n / 3))
            for (int x = 0; x < n; x += std::max(1, n / 4))
            {
                const int ylo = c.lo0 + c.stride * y, yhi = c.hi0 + c.stride * y;
                const int xlo = c.lo0 + c.stride * x, xhi = c.hi0 + c.stride * x;
                EXPECT_EQ(rf->nominalRect(c.layer, y, x), cv::Rect(xlo, ylo, xhi - xlo + 1, yhi - ylo + 1))
                    << c.layer << " y " << y << " x " << x;
                if (std::string(c.layer) != "conv3")  // dense windows: the exact rectangle is the clipped one
                {
                    EXPECT_EQ(rf->rect(c.layer, y, x), rectOf(clipped(ylo, yhi, 20), clipped(xlo, xhi, 20)))
                        << c.layer << " y " << y << " x " << x;
                }
            }
    }
    // conv3 with dilation 2 and padding 2 reads pool taps o-2..o+2 clipped to [0, 3] before the mapping to the
    // input continues, which the clipped nominal rectangle would not see: position 3 reads pool [1, 3] ->
    // conv2 [2, 7] -> conv1 [4, 16] -> input [3, 17]; position 0 reads pool [0, 2] -> input [0, 13].
    EXPECT_EQ(rf->rect("conv3", 3, 3), cv::Rect(3, 3, 15, 15));
    EXPECT_EQ(rf->rect("conv3", 0, 3), rectOf(cv::Range(0, 14), cv::Range(3, 18)));
    EXPECT_EQ(rf->nominalRect("conv3", 3, 3), cv::Rect(3, 3, 23, 23));
    // The fully connected layer sees everything the last map sees: the 2x2 pool drops conv2's last row and
    // column (9 is odd), which read input rows/columns 17..19 with conv1 and its padding; rows 18 and 19 are
    // therefore never read at all.
    const cv::interp::LayerReceptiveField fc = rf->layerInfo("fc");
    EXPECT_TRUE(fc.global);
    EXPECT_FALSE(fc.spatial);
    EXPECT_EQ(rf->rect("fc", 0, 0), cv::Rect(0, 0, 18, 18));
    EXPECT_EQ(rf->nominalRect("fc", 0, 0), cv::Rect(0, 0, 18, 18));
    EXPECT_EQ(fc.size, cv::Size(18, 18));
    {
        // the engine agrees: a class score's gradient is zero on rows/columns 18 and 19 and not on 17
        cv::Mat g = ex->gradient(interp_test::randomBlob({ 1, 3, 20, 20 }, -1, 1, 4), std::vector<Target>(1, Target::classScore(1)));
        cv::Mat any = cv::Mat::zeros(20, 20, CV_8U);
        for (int c = 0; c < 3; c++)
            any |= cv::Mat(20, 20, CV_32F, g.ptr<float>(0, c)) != 0;
        EXPECT_EQ(cv::boundingRect(any), cv::Rect(0, 0, 18, 18));
    }
    // positions outside the map are errors that name the layer and the map size
    try
    {
        rf->rect("conv2", 9, 0);
        ADD_FAILURE() << "expected an exception";
    }
    catch (const cv::Exception& e)
    {
        EXPECT_NE(e.err.find("9 x 9"), std::string::npos) << e.err;
        EXPECT_NE(e.err.find("conv2"), std::string::npos) << e.err;
    }
    EXPECT_THROW(rf->rect("no_such_layer", 0, 0), cv::Exception);
}

// A layer type without geometry (a copy): the fallback is the whole input (a superset), flagged, until a rule is
// registered.
typedef interp_test::ScaleLayer<1> ShiftLayer;

TEST(Interp_ReceptiveField, unknown_layer_types_are_conservative_until_registered)
{
    cv::dnn::LayerFactory::registerLayer("InterpTestRfUnknown", ShiftLayer::create);
    cv::dnn::Net net;
    net.setInputsNames(std::vector<cv::String>(1, "data"));
    std::map<cv::String, LayerParams> params;
    cv::RNG rng(3);
    LayerParams c = HandNet::conv(3, 1, 1, 1, 3, 2, rng);
    c.name = "conv";
    c.type = "Convolution";
    params["conv"] = c;
    LayerParams c2 = c;
    net.addLayerToPrev("conv", "Convolution", c2);
    LayerParams m;
    m.name = "mystery";
    m.type = "InterpTestRfUnknown";
    params["mystery"] = m;
    LayerParams m2 = m;
    net.addLayerToPrev("mystery", "InterpTestRfUnknown", m2);
    cv::Ptr<Explainer> ex = Explainer::create(net, params);
    {
        cv::Ptr<ReceptiveField> rf = ReceptiveField::create(ex, { 1, 3, 12, 12 });
        EXPECT_FALSE(rf->layerInfo("conv").conservative);
        EXPECT_TRUE(rf->layerInfo("mystery").conservative);
        EXPECT_EQ(rf->rect("mystery", 5, 5), cv::Rect(0, 0, 12, 12));
    }
    cv::interp::registerGeometryRule("InterpTestRfUnknown", [](const cv::interp::GeometryContext&) {
        return cv::interp::LayerGeometry::uniform(1, 1, cv::interp::SpatialMap(cv::interp::AxisMap::identity(),
                                                                              cv::interp::AxisMap::identity()));
    });
    EXPECT_TRUE(cv::interp::hasGeometryRule("InterpTestRfUnknown"));
    {
        cv::Ptr<ReceptiveField> rf = ReceptiveField::create(ex, { 1, 3, 12, 12 });
        EXPECT_FALSE(rf->layerInfo("mystery").conservative);
        EXPECT_EQ(rf->rect("mystery", 5, 5), cv::Rect(4, 4, 3, 3));
        EXPECT_EQ(rf->rect("mystery", 0, 11), cv::Rect(10, 0, 2, 2));
    }
    cv::interp::unregisterGeometryRule("InterpTestRfUnknown");
    EXPECT_FALSE(cv::interp::hasGeometryRule("InterpTestRfUnknown"));
    cv::dnn::LayerFactory::unregisterLayer("InterpTestRfUnknown");
}

//! Bounding box of the pixels where any channel of any listed sample (C x H x W) has a non-zero gradient.
cv::Rect supportOf(const std::vector<cv::Mat>& grads)
{
    cv::Mat any;
    for (const cv::Mat& g : grads)
    {
        const int C = g.size[0], H = g.size[1], W = g.size[2];
        if (any.empty())
            any = cv::Mat::zeros(H, W, CV_8U);
        for (int c = 0; c < C; c++)
        {
            cv::Mat plane(H, W, CV_32F, (void*)g.ptr<float>(c));
            any |= (plane != 0);
        }
    }
    return any.empty() ? cv::Rect() : cv::boundingRect(any);
}

struct SupportStats
{
    int checked = 0, empty = 0;
};

/* For `layers` of a network: random positions; the gradient of the sum over channels of the layer's output at a
   position (a position's receptive field is the union over its channels) for random inputs. The support of a
   gradient depends on the input (max-pool winners, ReLU states), so inputs are drawn until the union of the
   supports spans the rectangle or `maxRounds` is reached; every support must lie inside the exact rectangle and
   their union must reach each of its four edges. */
void checkSupport(const cv::Ptr<Explainer>& ex, const cv::interp::MatShape& shape, const std::vector<int>& layers,
                  int positions, int maxRounds, uint64 seed, const std::string& model, SupportStats& stats)
{
    cv::Ptr<ReceptiveField> rf = ReceptiveField::create(ex, shape);
    const int N = shape[0];
    cv::RNG rng(seed);
    cv::Ptr<cv::interp::Tape> zero = ex->forward(cv::Mat::zeros(4, shape.data(), CV_32F));
    for (int l : layers)
    {
        const cv::interp::LayerReceptiveField info = rf->layerInfo(l);
        const cv::String name = ex->graph().layer(l).name;
        ASSERT_FALSE(info.conservative) << model << " " << name << ": every reference layer type has a geometry rule";
        const cv::Mat& out = zero->outputs(l)[0];
        const std::vector<int> sampleShape(out.size.p + 1, out.size.p + out.dims);
        const cv::Size map = info.outputSize;
        std::vector<cv::Point> pos;
        std::vector<cv::Rect> rects, support(positions);
        std::vector<bool> done(positions, false);
        for (int p = 0; p < positions; p++)
        {
            pos.push_back(cv::Point(rng.uniform(0, map.width), rng.uniform(0, map.height)));
            rects.push_back(rf->rect(l, pos.back().y, pos.back().x));
        }
        for (int r = 0; r < maxRounds; r++)
        {
            std::vector<int> todo;
            for (int p = 0; p < positions; p++)
                if (!done[p])
                    todo.push_back(p);
            if (todo.empty())
                break;
            for (size_t t0 = 0; t0 < todo.size(); t0 += N)
            {
                std::vector<Target> targets;
                for (int n = 0; n < N; n++)
                {
                    const cv::Point& q = pos[todo[std::min(t0 + n, todo.size() - 1)]];
                    // 1 at (y, x) of every channel (and every leading axis of >4-D outputs)
                    cv::Mat seed = cv::Mat::zeros((int)sampleShape.size(), sampleShape.data(), CV_32F);
                    const int H = info.spatial ? map.height : 1, W = info.spatial ? map.width : 1;
                    float* p = seed.ptr<float>();
                    for (size_t k = 0; k < seed.total() / ((size_t)H * W); k++)
                        p[k * H * W + (size_t)q.y * W + q.x] = 1.f;
                    targets.push_back(Target::fromSeed(name, seed));
                }
                cv::Mat x = interp_test::randomBlob(shape, -2, 2, rng.next());
                cv::Mat g = ex->gradient(x, targets, cv::interp::BACKWARD_STANDARD);
                for (int n = 0; n < N && t0 + n < todo.size(); n++)
                {
                    const int p = todo[t0 + n];
                    const cv::Rect sup = supportOf(std::vector<cv::Mat>(1, cv::Mat(3, g.size.p + 1, CV_32F, g.ptr<float>(n))));
                    EXPECT_EQ(sup & rects[p], sup) << model << " " << name << " y " << pos[p].y << " x " << pos[p].x
                                                   << ": gradient support " << sup << " leaves the receptive field " << rects[p];
                    support[p] = support[p].area() == 0 ? sup : (support[p] | sup);
                    done[p] = support[p] == rects[p];
                }
            }
        }
        for (int p = 0; p < positions; p++)
        {
            if (support[p].area() == 0)
            {
                stats.empty++;  // every sampled gradient was zero (dead ReLUs): nothing to check
                continue;
            }
            stats.checked++;
            EXPECT_EQ(support[p], rects[p]) << model << " " << name << " y " << pos[p].y << " x " << pos[p].x
                                            << ": the gradient support " << support[p] << " does not reach every edge of "
                                            << rects[p];
        }
    }
}

//! Up to `count` input-dependent layers spread over the graph (always the last one), skipping the final Identity.
std::vector<int> spreadLayers(const cv::interp::Graph& g, int count)
{
    std::vector<int> all;
    for (int i = 0; i < g.size(); i++)
        if (g.dependsOnInput(i))
            all.push_back(i);
    std::vector<int> out;
    for (int k = 0; k < count; k++)
    {
        const int idx = all[(size_t)((double)k * (all.size() - 1) / std::max(count - 1, 1))];
        if (std::find(out.begin(), out.end(), idx) == out.end())
            out.push_back(idx);
    }
    return out;
}

TEST(Interp_ReceptiveField, gradient_support_matches_rectangles_on_reference_models)
{
    const std::vector<std::string> models = interp_test::referenceModels();
    ASSERT_FALSE(models.empty()) << "data/reference is missing";
    SupportStats total;
    for (const std::string& m : models)
    {
        const std::string dir = interp_test::dataPath("reference/" + m);
        cv::FileStorage fs(dir + "/reference.json", cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
        std::vector<int> shape;
        fs["input_shape"] >> shape;
        ASSERT_EQ(shape.size(), 4u) << m;
        std::vector<std::pair<std::string, cv::Ptr<Explainer> > > nets;
        nets.push_back(std::make_pair(m + " (onnx)", cv::interp::readNet(dir + "/model.onnx")));
        if (interp_test::fileExists(dir + "/model.prototxt"))
            nets.push_back(std::make_pair(m + " (caffe)", cv::interp::readNet(dir + "/model.caffemodel", dir + "/model.prototxt")));
        for (size_t k = 0; k < nets.size(); k++)
        {
            SupportStats s;
            checkSupport(nets[k].second, shape, spreadLayers(nets[k].second->graph(), 1000), 4, 12, 1000 + k, nets[k].first, s);
            EXPECT_GT(s.checked, 10) << nets[k].first << ": too few positions with a non-zero gradient to check";
            total.checked += s.checked;
            total.empty += s.empty;
        }
    }
    std::cout << "[ receptive field ] checked " << total.checked << " positions, " << total.empty
              << " had an all-zero gradient" << std::endl;
}

TEST(Interp_ReceptiveField, gradient_support_matches_rectangles_on_embedded_models)
{
    const std::vector<cv::String> names = cv::interp::embeddedModels();
    ASSERT_FALSE(names.empty()) << "no embedded models in data/models";
    for (const cv::String& n : names)
        for (const char* format : { "onnx", "caffe" })
        {
            cv::interp::ModelInfo info;
            try
            {
                info = cv::interp::embeddedModel(n, format);
            }
            catch (const cv::Exception& e)
            {
                if (e.err.find("no Caffe files") == std::string::npos)
                    throw;
                continue;  // this model has no Caffe version
            }
            cv::Ptr<Explainer> ex = cv::interp::readNet(info.model, info.config);
            const cv::Size sz = info.preprocessing.size;
            SupportStats s;
            checkSupport(ex, { 2, 3, sz.height, sz.width }, spreadLayers(ex->graph(), 8), 2, 6, 77, n + " " + format, s);
            EXPECT_GT(s.checked, 5) << n << " " << format;
        }
}

}  // namespace
}  // namespace opencv_test
