// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_TARGET_HPP
#define OPENCV_INTERP_TARGET_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_engine
//! @{

/** @brief What to explain: the quantity whose gradient is taken.

A target is a seed tensor on one layer's output: the gradient of sum(seed * output) is propagated back.
The factories build the common ones. A list of targets passed to the engine holds either one target
(used for every sample of the batch) or one target per sample.
*/
class CV_EXPORTS_W_SIMPLE Target
{
public:
    enum Kind
    {
        CLASS = 0,    //!< class score `index` of `layer` (default layer: Graph::scoreLayer())
        NEURON = 1,   //!< one neuron (`index` = channel, `y`, `x`) of `layer`
        CHANNEL = 2,  //!< the sum of channel `index` of `layer` over all positions
        SEED = 3      //!< the explicit per-sample seed `seed` (shape of one sample's output) on `layer`
    };

    CV_WRAP Target() : kind(CLASS), index(0), y(0), x(0), weight(1.0) {}

    CV_PROP_RW int kind;       //!< one of Target::Kind
    CV_PROP_RW String layer;   //!< layer name; empty means the class-score layer
    CV_PROP_RW int index;      //!< class or channel
    CV_PROP_RW int y;          //!< row of a NEURON target
    CV_PROP_RW int x;          //!< column of a NEURON target
    CV_PROP_RW Mat seed;       //!< SEED targets: d(objective)/d(output of `layer`) for one sample
    CV_PROP_RW double weight;  //!< multiplies the seed (weighted sums of objectives)

    /** @brief Class score `k`. With an empty `layer`, the pre-softmax scores when the net ends in Softmax
    (Simonyan et al. 2014), else the network output. */
    CV_WRAP static Target classScore(int k, const String& layer = String());
    //! Neuron (channel, y, x) of a layer output of shape N x C x H x W.
    CV_WRAP static Target neuron(const String& layer, int channel, int y, int x);
    //! Sum of one channel's map of a layer output.
    CV_WRAP static Target channel(const String& layer, int channel);
    //! Explicit seed (shape of one sample's output of `layer`, float32).
    CV_WRAP static Target fromSeed(const String& layer, const Mat& seed);

    //! Human-readable description ("class 3 of 'fc8'", ...).
    CV_WRAP String describe() const;
};

/** @brief Parses the CLI target syntax: "class:K[@LAYER]" / "neuron:LAYER:C:Y:X" / "channel:LAYER:C".
Also accepts "LAYER:C[:Y:X]" as in the `--neuron` option. Raises a cv::Exception on bad syntax. */
CV_EXPORTS_W Target parseTarget(const String& spec);

//! @}

}  // namespace interp
}  // namespace cv

#endif
