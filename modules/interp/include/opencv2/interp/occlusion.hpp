// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_OCCLUSION_HPP
#define OPENCV_INTERP_OCCLUSION_HPP

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/interp/attribution.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/model.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_occlusion
//! @{

//! What the occluding square shows.
enum OcclusionFill
{
    OCCLUSION_FILL_CONSTANT = 0,  //!< every channel OcclusionParams::fillValue (blob units; 0 is the mean grey of mean-subtracted inputs)
    OCCLUSION_FILL_MEAN = 1,      //!< each channel the sample's mean of that channel
    OCCLUSION_FILL_COLOR = 2,     //!< channel c OcclusionParams::fillColor[c] (blob units; see occlusionFillColor())
    OCCLUSION_FILL_BLUR = 3       //!< a Gaussian-blurred copy of the image (OcclusionParams::blurSigma)
};

//! Which number is mapped per window position.
enum OcclusionScore
{
    OCCLUSION_SCORE_PROB = 0,   //!< softmax over the classes of the score layer's output: the class probability
    OCCLUSION_SCORE_LOGIT = 1   //!< the score layer's output itself (the pre-softmax class score by default)
};

//! How the occluded copies are evaluated. Both give the same numbers up to float rounding.
enum OcclusionEngine
{
    OCCLUSION_ENGINE_AUTO = 0,         //!< incremental when possible (see below), else batched
    OCCLUSION_ENGINE_BATCHED = 1,      //!< occluded copies of the input through cv::dnn, many per forward pass
    OCCLUSION_ENGINE_INCREMENTAL = 2   //!< only the region each window can change is recomputed, layer by layer
};

/** @brief Parameters of occlusion sensitivity @cite zeiler2014visualizing.

A square of `window` x `window` input pixels slides over the input with step `stride`: positions
y = 0, stride, 2 stride, ... while y + window <= H, and the same for x. Every position gives one occluded copy of
the input, whose score is recorded. What is scored comes from the targets (class targets: Target::classScore()).
*/
struct CV_EXPORTS_W_SIMPLE OcclusionParams
{
    CV_WRAP OcclusionParams();

    CV_PROP_RW int window;                    //!< side of the occluding square in input pixels (default 16)
    CV_PROP_RW int stride;                    //!< step between positions in input pixels (default 8)
    CV_PROP_RW int fill;                      //!< one of OcclusionFill (default OCCLUSION_FILL_CONSTANT)
    CV_PROP_RW double fillValue;              //!< OCCLUSION_FILL_CONSTANT: the value of every occluded element (default 0)
    CV_PROP_RW std::vector<float> fillColor;  //!< OCCLUSION_FILL_COLOR: one value per input channel, blob units
    CV_PROP_RW double blurSigma;              //!< OCCLUSION_FILL_BLUR: Gaussian sigma in pixels; <= 0 means window / 2
    CV_PROP_RW int score;                     //!< one of OcclusionScore (default OCCLUSION_SCORE_PROB)
    CV_PROP_RW int engine;                    //!< one of OcclusionEngine (default OCCLUSION_ENGINE_AUTO)
    CV_PROP_RW int batchSize;                 //!< window positions per batch; 0: chosen from a memory budget
};

/** @brief The raw output of the occlusion engines: every class's score at every window position.

Grid cell (r, c) of a class is its score with the square at y = r * stride, x = c * stride.
*/
struct CV_EXPORTS_W_SIMPLE OcclusionScores
{
    CV_WRAP OcclusionScores() : rows(0), cols(0), engine(OCCLUSION_ENGINE_AUTO) {}

    CV_PROP_RW Mat scores;              //!< N x K x rows x cols float32: score of class k per sample and window position
    CV_PROP_RW Mat baseline;            //!< N x K float32: the scores of the unoccluded input
    CV_PROP_RW int rows;                //!< window positions per column
    CV_PROP_RW int cols;                //!< window positions per row
    CV_PROP_RW std::vector<Rect> windows;  //!< the occluded square of each position, row-major (rows * cols)
    CV_PROP_RW Size inputSize;          //!< W x H of the input
    CV_PROP_RW String layer;            //!< the layer whose output was scored
    CV_PROP_RW int engine;              //!< OCCLUSION_ENGINE_BATCHED or OCCLUSION_ENGINE_INCREMENTAL: which engine ran
};

/** @brief What the incremental engine does with one layer (see Occlusion::plan()).

`region` is the part of the layer's output recomputed per window position; `full` layers are recomputed whole
from the patched maps of their inputs.
*/
struct CV_EXPORTS_W_SIMPLE OcclusionLayerPlan
{
    CV_WRAP OcclusionLayerPlan() : index(-1), full(false) {}

    CV_PROP_RW int index;         //!< Graph index of the layer
    CV_PROP_RW String name;       //!< layer name
    CV_PROP_RW String type;       //!< layer type
    CV_PROP_RW String geometry;   //!< "pointwise", "window", "global" or "unknown"
    CV_PROP_RW Size outputSize;   //!< spatial size of the output (1 x 1 for non-spatial outputs)
    CV_PROP_RW Size region;       //!< size of the recomputed region (equal to outputSize when full)
    CV_PROP_RW bool full;         //!< recomputed in full for every window position
    CV_PROP_RW String note;       //!< why a spatial layer is recomputed in full, if it is
};

/** @brief Progress of a long computation: called with the number of window positions done and the total.
Return false to cancel: the computation then stops and raises a cv::Exception. */
typedef std::function<bool(int done, int total)> OcclusionProgress;

/** @brief Occlusion sensitivity, exact and fast.

Two engines give the same scores:
- batched: occluded copies of the input go through the network's cv::dnn::Net, many per forward pass;
- incremental (in the spirit of Krypton @cite nakandala2019krypton): every layer's output for the unoccluded input
  is kept; for each window position only the region of each layer's output that the window can change (its
  projective field, grown by every kernel and stride and clipped to the map) is recomputed, from patches of the
  cached maps with the recomputed regions of the inputs pasted in; many positions go through each layer call.
  Layers whose output depends on the whole map (fully connected, global pooling, softmax, or a squeeze-excitation
  scale) are recomputed in full from the patched maps; layer types without a known geometry are recomputed in full
  from that layer on (with a log line). The layers are fresh cv::dnn instances made from the parameters captured
  by cv::interp::readNet().

One object serves concurrent calls; prepared plans are cached per input shape and window geometry. The work runs on
OpenCV's thread pool (cv::setNumThreads(), a process-wide setting this class never changes).
*/
class CV_EXPORTS_W Occlusion
{
public:
    //! Releases the cached plans.
    ~Occlusion();

    //! An occlusion explainer for a network loaded with cv::interp::readNet().
    CV_WRAP static Ptr<Occlusion> create(const Ptr<Explainer>& explainer);

    /** @brief Occlusion maps of a batch, as an Attribution (method ATTRIBUTION_OCCLUSION).

    For each sample the score is the weighted sum of the targets acting on it (see Target): `scores[n]` is its value
    for the unoccluded input, `layerMaps[n]` the rows x cols grid of its value per window position, `maps[n]` the
    H x W map holding, per pixel, the mean drop (scores[n] - grid) over the windows covering it (0 where none does),
    and `attribution` the maps as N x 1 x H x W.
    @param blob N x C x H x W float32 input (as Preprocessing::toBlob() makes it)
    @param targets class targets (Target::classScore(), any layer holding class scores; all on one layer); empty:
           the predicted class of each sample
    @param params see OcclusionParams
    */
    CV_WRAP Attribution compute(InputArray blob, const std::vector<Target>& targets = std::vector<Target>(),
                                const OcclusionParams& params = OcclusionParams()) const;

    //! As above, reporting progress after every batch of window positions; `progress` may cancel.
    Attribution compute(InputArray blob, const std::vector<Target>& targets, const OcclusionParams& params,
                        const OcclusionProgress& progress) const;

    /** @brief Every class's score per window position, in one run (mapping all classes costs no more than one).
    @param blob N x C x H x W float32 input
    @param layer the layer holding the class scores; empty: Graph::scoreLayer()
    @param params see OcclusionParams
    @param progress optional; may cancel
    */
    OcclusionScores scores(InputArray blob, const String& layer, const OcclusionParams& params,
                           const OcclusionProgress& progress) const;
    //! As above (for the bindings).
    CV_WRAP OcclusionScores scores(InputArray blob, const String& layer = String(),
                                   const OcclusionParams& params = OcclusionParams()) const;

    /** @brief The incremental engine's plan for an input of this shape: one entry per layer it computes.
    Raises a cv::Exception saying why when the incremental engine cannot run this network. */
    CV_WRAP std::vector<OcclusionLayerPlan> plan(InputArray blob, const OcclusionParams& params = OcclusionParams()) const;

    /** @brief The engine compute() uses for an input of this shape with these parameters: OCCLUSION_ENGINE_INCREMENTAL
    or OCCLUSION_ENGINE_BATCHED (OCCLUSION_ENGINE_AUTO resolved). */
    CV_WRAP int engineFor(InputArray blob, const OcclusionParams& params = OcclusionParams()) const;

    //! The explainer the maps are computed with.
    CV_WRAP Ptr<Explainer> explainer() const;

    struct Impl;     //!< implementation (src/occlusion/occlusion.cpp)

private:
    Occlusion();
    Ptr<Impl> impl;
};

//! Occlusion maps in one call (Occlusion::create(explainer)->compute(blob, targets, params)).
CV_EXPORTS_W Attribution occlusion(const Ptr<Explainer>& explainer, InputArray blob,
                                   const std::vector<Target>& targets = std::vector<Target>(),
                                   const OcclusionParams& params = OcclusionParams());

/** @brief The occlusion Attribution of targets from the scores of every class (what Occlusion::compute() returns for
the same targets): e.g. one Occlusion::scores() run, then a map per class of interest.
@param scores what Occlusion::scores() returned
@param targets class targets of the scored layer, as for Occlusion::compute(); empty: the predicted classes
*/
CV_EXPORTS_W Attribution occlusionFromScores(const OcclusionScores& scores,
                                             const std::vector<Target>& targets = std::vector<Target>());

/** @brief An image colour in blob units, for OCCLUSION_FILL_COLOR (and the grey of OCCLUSION_FILL_CONSTANT).
@param prep how images become blobs
@param rgb colour as (R, G, B), 0..255
@param channels input channels of the network: 3, or 1 for a grey `rgb` (R = G = B)
@return one value per channel: (pixel - mean) * scale, in the channel order of the blob
*/
CV_EXPORTS_W std::vector<float> occlusionFillColor(const Preprocessing& prep, const Scalar& rgb, int channels = 3);

//! @}

}  // namespace interp
}  // namespace cv

#endif
