// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_TARGET_HPP
#define OPENCV_INTERP_TARGET_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_engine
//! @{

/** @brief What to explain or maximise: the quantity whose gradient is taken.

A target is a seed tensor on one layer's output: the gradient of sum(seed * output) is propagated back. The factories
build the common ones; the last three are the objectives of feature visualisation (synthesize()).

A list of targets passed to the engine: when it holds one target per sample of the batch and none names a `sample`,
target n explains sample n; otherwise every target acts on its `sample` (all samples when -1) and their seeds add up
(weighted sums of objectives). An empty list means the predicted class of each sample (where a method accepts it).
*/
class CV_EXPORTS_W_SIMPLE Target
{
public:
    enum Kind
    {
        CLASS = 0,          //!< class score `index` of `layer` (default layer: Graph::scoreLayer())
        NEURON = 1,         //!< one neuron (`index` = channel, `y`, `x`) of `layer`; y = x = -1: the centre position
        CHANNEL = 2,        //!< the sum of channel `index` of `layer` over all positions
        SEED = 3,           //!< the explicit per-sample seed `seed` (shape of one sample's output) on `layer`
        CHANNEL_MEAN = 4,   //!< the mean of channel `index` of `layer` over all positions
        LAYER_NORM = 5,     //!< the squared L2 norm of the whole output of `layer` (DeepDream @cite mordvintsev2015inceptionism)
        CLASS_LOG_PROBABILITY = 6  //!< log-softmax of class `index` over the scores of `layer` (default: the class-score layer)
    };

    CV_WRAP Target() : kind(CLASS), index(0), y(0), x(0), weight(1.0), sample(-1) {}

    CV_PROP_RW int kind;       //!< one of Target::Kind
    CV_PROP_RW String layer;   //!< layer name; empty means the class-score layer
    CV_PROP_RW int index;      //!< class or channel
    CV_PROP_RW int y;          //!< row of a NEURON target (-1 with x = -1: the centre)
    CV_PROP_RW int x;          //!< column of a NEURON target
    CV_PROP_RW Mat seed;       //!< SEED targets: d(objective)/d(output of `layer`) for one sample
    CV_PROP_RW double weight;  //!< multiplies the seed (weighted sums of objectives)
    CV_PROP_RW int sample;     //!< the sample of the batch the target acts on; -1: every sample (see above)

    /** @brief Class score `k`. With an empty `layer`, the pre-softmax scores when the net ends in Softmax
    (Simonyan et al. 2014), else the network output. */
    CV_WRAP static Target classScore(int k, const String& layer = String());
    //! Neuron (channel, y, x) of a layer output of shape N x C x H x W; y = x = -1 selects the centre position.
    CV_WRAP static Target neuron(const String& layer, int channel, int y = -1, int x = -1);
    //! Sum of one channel's map of a layer output.
    CV_WRAP static Target channel(const String& layer, int channel);
    //! Explicit seed (shape of one sample's output of `layer`, float32).
    CV_WRAP static Target fromSeed(const String& layer, const Mat& seed);
    //! Mean activation of one channel of a layer (channel sum / (H * W)).
    CV_WRAP static Target channelMean(const String& layer, int channel);
    //! Squared L2 norm of a layer's output (DeepDream); its seed is 2 x the activations.
    CV_WRAP static Target layerNorm(const String& layer);
    /** @brief Log-probability of class `k`: s_k - log(sum_j exp(s_j)) over the (pre-softmax) scores s of `layer`.
    Its gradient e_k - softmax(s) pushes down the competing classes in proportion to their probability, so an image
    maximising it is classified as the class, where the raw score can leave a correlated class ahead; the raw score
    shows better what the class detector itself responds to. */
    CV_WRAP static Target classLogProbability(int k, const String& layer = String());
    //! The same target acting on one sample of the batch only.
    CV_WRAP Target forSample(int n) const;

    //! True for CLASS and CLASS_LOG_PROBABILITY targets (they may leave `layer` empty).
    CV_WRAP bool isClass() const;
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
