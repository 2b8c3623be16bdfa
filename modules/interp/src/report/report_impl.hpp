// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The report's shared state and its sections (internal).
#ifndef OPENCV_INTERP_REPORT_IMPL_HPP
#define OPENCV_INTERP_REPORT_IMPL_HPP

#include "../precomp.hpp"
#include "report_html.hpp"

#include <chrono>

namespace cv {
namespace interp {
namespace report {

//! Everything the sections share: the model, the explained images and what earlier sections computed.
struct Context
{
    ModelInfo model;
    ReportParams params;
    Ptr<Explainer> explainer;
    html::Page* page = nullptr;
    String dir;                        //!< the directory being written

    std::vector<String> files;         //!< explained images
    std::vector<Mat> images;           //!< their pixels (BGR)
    Mat blob;                          //!< N x C x H x W
    std::vector<int> predicted;        //!< predicted class per image
    Mat probabilities;                 //!< N x K softmax of the class scores
    std::vector<Target> targets;       //!< predicted-class targets
    std::vector<String> layers;        //!< layers shown in the activation and patch sections
    std::vector<String> methods;       //!< saliency methods
    AttributionParams settings;        //!< their settings (the occlusion window follows the input size)
    std::vector<std::vector<Mat> > maps;  //!< per method, per image: saliency map (network input size)
    std::vector<double> methodSeconds; //!< per method: time for the whole batch

    String evaluationDir;              //!< folder of the images with masks (empty when there are none)
    GroundTruthSet evaluationSet;      //!< those images and masks
    EvaluationReport evaluation;       //!< empty `methods` when not computed
    std::vector<String> patchFiles;    //!< images mined for top patches
};

typedef std::chrono::steady_clock Clock;
//! Seconds since t0.
double secondsSince(const Clock::time_point& t0);
//! File name without folder and extension.
String stem(const String& path);
//! A number with `digits` decimals ("-" for NaN).
String fmt(double v, int digits = 3);
//! Display width of a figure: small network inputs are shown enlarged (pixelated), large ones as they are (0).
int displayWidth(const Mat& m, int minimum = 160);
//! Caption of explained image n: "<file stem>: <label> (p = 0.87)".
String caption(const Context& c, int n);

//! Layers worth showing: the output of each convolutional block (a layer with weights and a spatial output, followed
//! through same-shape single consumers), in network order.
std::vector<String> blockOutputs(const Explainer& explainer, const MatShape& inputShape);

//! Maps of the explained images by one method (name as attributionMethodNames()), with the report's settings.
std::vector<Mat> methodMaps(const Context& c, const String& method);

//! The computation-only parts, run before any section is written.
void computeSaliency(Context& c);
void computeEvaluation(Context& c);

void sectionModel(Context& c);
void sectionLayers(Context& c);
void sectionActivations(Context& c);
void sectionPatches(Context& c);
void sectionOcclusion(Context& c);
void sectionSaliency(Context& c);
void sectionSegmentation(Context& c);
void sectionSynthesis(Context& c);
void sectionEvaluation(Context& c);
void sectionShortcut(Context& c);

}  // namespace report
}  // namespace interp
}  // namespace cv

#endif
