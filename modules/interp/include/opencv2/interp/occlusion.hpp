// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_OCCLUSION_HPP
#define OPENCV_INTERP_OCCLUSION_HPP

#include <functional>
#include <opencv2/core.hpp>
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
the input, whose score is recorded.
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
    CV_PROP_RW std::vector<int> classes;      //!< classes to map; empty: the predicted class of each sample
    CV_PROP_RW bool allClasses;               //!< map every class (overrides `classes`; costs nothing extra)
    CV_PROP_RW String layer;                  //!< layer holding the class scores; empty: Graph::scoreLayer()
    CV_PROP_RW int engine;                    //!< one of OcclusionEngine (default OCCLUSION_ENGINE_AUTO)
    CV_PROP_RW int batchSize;                 //!< window positions per batch; 0: chosen from a memory budget
};

/** @brief Occlusion sensitivity of one class for one sample.

Grid cell (r, c) holds the score with the square at y = r * stride, x = c * stride.
*/
struct CV_EXPORTS_W_SIMPLE OcclusionResult
{
    CV_WRAP OcclusionResult() : sample(0), classIndex(0), baseline(0), engine(OCCLUSION_ENGINE_AUTO) {}

    CV_PROP_RW int sample;       //!< sample of the input batch
    CV_PROP_RW int classIndex;   //!< class
    CV_PROP_RW double baseline;  //!< score of the unoccluded input
    CV_PROP_RW Mat scores;       //!< rows x cols float32: score per window position
    CV_PROP_RW Mat drop;         //!< rows x cols float32: baseline - scores (positive where occlusion hurts)
    CV_PROP_RW Mat map;          //!< H x W float32: per pixel the mean drop over the windows covering it, 0 where none does
    CV_PROP_RW int engine;       //!< OCCLUSION_ENGINE_BATCHED or OCCLUSION_ENGINE_INCREMENTAL: which engine computed it
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

    /** @brief Occlusion maps of a batch.
    @param blob N x C x H x W float32 input (as Preprocessing::toBlob() makes it)
    @param params see OcclusionParams
    @return one result per sample and class, sample-major (all classes of sample 0 first)
    */
    CV_WRAP std::vector<OcclusionResult> compute(InputArray blob, const OcclusionParams& params = OcclusionParams()) const;

    //! As above, reporting progress after every batch of window positions; `progress` may cancel.
    std::vector<OcclusionResult> compute(InputArray blob, const OcclusionParams& params,
                                         const OcclusionProgress& progress) const;

    /** @brief The incremental engine's plan for an input of this shape: one entry per layer it computes.
    Raises a cv::Exception saying why when the incremental engine cannot run this network. */
    CV_WRAP std::vector<OcclusionLayerPlan> plan(InputArray blob, const OcclusionParams& params = OcclusionParams()) const;

    //! The explainer the maps are computed with.
    CV_WRAP Ptr<Explainer> explainer() const;

    struct Impl;     //!< implementation (src/occlusion.cpp)
    Ptr<Impl> impl;  //!< implementation

private:
    Occlusion();
};

//! Occlusion maps in one call (Occlusion::create(explainer)->compute(blob, params)).
CV_EXPORTS_W std::vector<OcclusionResult> occlusion(const Ptr<Explainer>& explainer, InputArray blob,
                                                    const OcclusionParams& params = OcclusionParams());

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
