// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Helpers shared by the interp tests.
#ifndef OPENCV_INTERP_TEST_COMMON_HPP
#define OPENCV_INTERP_TEST_COMMON_HPP

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/interp.hpp>
#include <map>
#include <string>
#include <vector>

/** Skips the current test with a message: GTEST_SKIP in the standalone GoogleTest build, opencv_ts's
SkipTestException in the in-tree build. Use as INTERP_TEST_SKIP("why"); in a void test body. */
#ifdef INTERP_STANDALONE_TESTS
#define INTERP_TEST_SKIP(message) GTEST_SKIP() << (message)
#else
#define INTERP_TEST_SKIP(message) throw cvtest::SkipTestException(message)
#endif

namespace interp_test {

//! Path of a file under the repository's data/ directory (INTERP_TEST_DATA_DIR or INTERP_DATA_DIR override).
std::string dataPath(const std::string& relative);
//! True when the file exists.
bool fileExists(const std::string& path);
//! The whole content of a file ("" when it cannot be read).
std::string readText(const std::string& path);
//! Relative L2 error ||a - b|| / max(||b||, tiny).
double relL2(const cv::Mat& a, const cv::Mat& b);
//! Uniform random float32 blob of the given shape.
cv::Mat randomBlob(const std::vector<int>& shape, double lo, double hi, uint64 seed);
//! Output `pin` of layer `name` after a plain cv::dnn forward pass.
cv::Mat dnnForward(cv::dnn::Net& net, const cv::Mat& blob, const std::string& name);
//! Names of the reference models under data/reference (directories holding reference.json).
std::vector<std::string> referenceModels();

/** @brief A network built in code, layer by layer, with the LayerParams each layer was added with (what
cv::interp::Explainer::create(net, params) needs). The input is named "data". */
struct NetBuilder
{
    cv::dnn::Net net;
    std::map<std::string, cv::dnn::LayerParams> params;
    int last = 0;  //!< id of the last layer added (0 = the input)

    NetBuilder();
    //! Adds a layer fed by (layer id, pin) pairs; by default by the last layer added. Returns its id.
    int add(const std::string& name, const std::string& type, cv::dnn::LayerParams lp = cv::dnn::LayerParams(),
            std::vector<std::pair<int, int> > inputs = std::vector<std::pair<int, int> >());
    cv::Ptr<cv::interp::Explainer> explainer() const;
};

//! Sets cv::interp::setUseOneDNN(use) for the scope and restores the previous choice.
struct OneDnnScope
{
    const bool previous;
    explicit OneDnnScope(bool use) : previous(cv::interp::useOneDNN()) { cv::interp::setUseOneDNN(use); }
    ~OneDnnScope() { cv::interp::setUseOneDNN(previous); }
};

//! input (N x 6 x 1 x 1) -> ReLU "relu" -> InnerProduct "fc" with W (3 x 6, no bias): small enough for hand computation.
struct ReluLinearNet : NetBuilder
{
    cv::Mat W;
    ReluLinearNet();
};

/** @brief A user layer type cv::dnn knows nothing about (register it with cv::dnn::LayerFactory under a name of the
test's own): y = K x, position by position. */
template<int K>
class ScaleLayer : public cv::dnn::Layer
{
public:
    explicit ScaleLayer(const cv::dnn::LayerParams& p) { setParamsFrom(p); }
    static cv::Ptr<cv::dnn::Layer> create(cv::dnn::LayerParams& p) { return cv::makePtr<ScaleLayer>(p); }
    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& in, const int, std::vector<cv::dnn::MatShape>& out,
                         std::vector<cv::dnn::MatShape>&) const CV_OVERRIDE
    {
        out = in;
        return false;
    }
    void forward(cv::InputArrayOfArrays in, cv::OutputArrayOfArrays out, cv::OutputArrayOfArrays) CV_OVERRIDE
    {
        std::vector<cv::Mat> i, o;
        in.getMatVector(i);
        out.getMatVector(o);
        cv::multiply(i[0], (double)K, o[0]);
    }
};

}  // namespace interp_test

#endif
