// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_SYNTHESIS_HPP
#define OPENCV_INTERP_SYNTHESIS_HPP

#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/model.hpp>
#include <opencv2/interp/target.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_synthesis
//! @{

//! Optimisers of the synthesis loop.
enum SynthesisOptimizer
{
    SYNTHESIS_NORMALIZED_GRADIENT = 0,  //!< x += lr * g / mean|g| per sample (as DeepDream)
    SYNTHESIS_ADAM = 1                  //!< Adam @cite kingma2015adam (beta1 0.9, beta2 0.999, eps 1e-8) on the parameters
};

//! Starting images of the synthesis loop.
enum SynthesisInit
{
    /** the zero blob: every pixel is the preprocessing mean colour (Simonyan et al.'s start; a flat image can leave
    every first-layer ReLU off and the gradient zero: SynthesisResult::stalled says so) */
    SYNTHESIS_INIT_ZEROS = 0,
    SYNTHESIS_INIT_UNIFORM = 1,   //!< mean colour + uniform noise in [-initNoise, initNoise] grey levels (seeded)
    SYNTHESIS_INIT_GAUSSIAN = 2,  //!< mean colour + Gaussian noise of std initNoise grey levels (seeded; the default)
    SYNTHESIS_INIT_IMAGE = 3      //!< SynthesisParams::initImage (DeepDream)
};

/** @brief Settings of feature visualisation by gradient ascent: optimiser, start, regularisers, sizes.

Everything is optional and combinable. The defaults are plain Adam on the pixels from seeded noise around the
mean colour (as Lucid; a flat start can have a zero gradient).
Regularisers of the "weak" family @cite simonyan2014deep @cite yosinski2015understanding act on the image:
L2 decay, Gaussian blur every k steps, clipping of pixels with small norm or small contribution, random jitter,
total variation @cite mahendran2015understanding. The "strong" setting of @cite olah2017feature adds
transformation robustness (random scale and rotation each step) and a decorrelated Fourier-space
parameterisation; strong() returns it. Units: the image lives in input-blob space (what the network sees,
`(pixel - mean) * scale`); pixel amounts (jitter, blur sigma) are in pixels of the image being optimised.
*/
struct CV_EXPORTS_W_SIMPLE SynthesisParams
{
    CV_WRAP SynthesisParams()
        : iterations(128), optimizer(SYNTHESIS_ADAM), learningRate(0.05), init(SYNTHESIS_INIT_GAUSSIAN), initNoise(20),
          seed(0), batch(1), channels(3), inputSize(0, 0), imageSize(0, 0), octaves(1), octaveScale(1.4), l2(0),
          blurEvery(0), blurSigma(0.5), clipNormPercentile(0), clipContributionPercentile(0), jitter(0), tv(0), tvBeta(2),
          scaleJitter(0), rotation(0), fourier(false), decorrelate(true), fourierDecay(1.0)
    {}

    CV_PROP_RW int iterations;       //!< gradient steps per octave
    CV_PROP_RW int optimizer;        //!< one of SynthesisOptimizer
    /** Step size. Pixels: in standard units of 64 grey levels (the 0..255 range spans about 4 whatever the network's
    mean, std and scale, so one setting serves Caffe and PyTorch models); Fourier: coefficient units. */
    CV_PROP_RW double learningRate;
    CV_PROP_RW int init;             //!< one of SynthesisInit
    CV_PROP_RW double initNoise;     //!< noise amplitude in grey levels (0..255) for the noise starts
    CV_PROP_RW Mat initImage;        //!< 8-bit start image in the images' channel order (SYNTHESIS_INIT_IMAGE)
    CV_PROP_RW int seed;             //!< seed of the start noise and of the random transformations
    CV_PROP_RW int batch;            //!< number of images optimised together (each with its own noise)
    CV_PROP_RW int channels;         //!< channels of the input blob
    CV_PROP_RW Size inputSize;       //!< network input size; (0, 0): Preprocessing::size, else the image size
    CV_PROP_RW Size imageSize;       //!< size of the result; (0, 0): the network input size
    CV_PROP_RW int octaves;          //!< multi-octave upscaling: octave k of n is imageSize / octaveScale^(n-1-k)
    CV_PROP_RW double octaveScale;   //!< size ratio between octaves (> 1)

    CV_PROP_RW double l2;            //!< L2 decay: subtracts l2 * sum(x^2) (x: the image in standard units, 0 = mean colour)
    CV_PROP_RW int blurEvery;        //!< Gaussian blur of the image every k steps (0: never)
    CV_PROP_RW double blurSigma;     //!< sigma of that blur, in pixels
    CV_PROP_RW double clipNormPercentile;          //!< each step, pixels whose colour norm is below this percentile (0..100) are reset to the mean colour
    CV_PROP_RW double clipContributionPercentile;  //!< each step, pixels whose contribution sum_c |x * grad| is below this percentile are reset
    CV_PROP_RW int jitter;           //!< random translation of up to +-jitter pixels each step
    CV_PROP_RW double tv;            //!< total variation: subtracts tv * TV(x) from the objective (x as for l2)
    /** @brief exponent of the total variation TV(x) = sum over channels and pixels of (dx^2 + dy^2)^(tvBeta/2) (forward
    differences of the blob; @cite mahendran2015understanding). 2 (default) is smooth; 1 is the classic TV (smoothed
    where the image is flat, where it is not differentiable). */
    CV_PROP_RW double tvBeta;
    CV_PROP_RW double scaleJitter;   //!< random scale in [1 - s, 1 + s] each step (transformation robustness)
    CV_PROP_RW double rotation;      //!< random rotation in [-r, r] degrees each step (transformation robustness)
    /** @brief optimise 1/frequency-scaled Fourier coefficients of the image (the real DFT of each channel, CCS layout)
    instead of the pixels; a sigmoid maps the image to the valid pixel range */
    CV_PROP_RW bool fourier;
    CV_PROP_RW bool decorrelate;     //!< with `fourier` and 3 channels: the coefficients live in a decorrelated colour space
    CV_PROP_RW double fourierDecay;  //!< spectrum scale 1/f^decay of the Fourier parameterisation
    /** @brief 3x3 square root of the colour correlation in blob channel order, normalised by its largest column norm;
    empty: Lucid's ImageNet matrix (RGB, reversed to BGR when Preprocessing::swapRB is false) */
    CV_PROP_RW Mat colorCorrelation;

    /** @brief The strong setting of @cite olah2017feature : Fourier parameterisation with colour decorrelation,
    jitter, random scale (+-5%) and rotation (+-5 degrees), Adam with learning rate 0.05. */
    CV_WRAP static SynthesisParams strong();

    /** @brief Quick class pictures (the report's): three octaves (a quarter, half and the full size) of `iterations`
    Adam steps at learning rate 0.1 with 2-pixel jitter, from seeded noise; with synthesizeClasses() every image of
    the embedded models is classified as its class with p >= 0.9. */
    CV_WRAP static SynthesisParams classImages(int iterations = 40);
};

/** @brief What the synthesis loop returns. */
struct CV_EXPORTS_W_SIMPLE SynthesisResult
{
    CV_WRAP SynthesisResult() : iterations(0), stoppedEarly(false) {}

    CV_PROP_RW std::vector<Mat> images;              //!< one 8-bit image per sample, preprocessing undone (the images' channel order)
    CV_PROP_RW Mat blob;                             //!< the same images as an N x C x H x W float32 blob (input-blob space)
    CV_PROP_RW Mat history;                          //!< iterations x N, CV_64F: the objective f at each step (transformed image, before the update)
    CV_PROP_RW std::vector<double> initialObjective; //!< f of each start image (resized to the network input size)
    CV_PROP_RW std::vector<double> finalObjective;   //!< f of each result (resized to the network input size)
    CV_PROP_RW int iterations;                       //!< steps run over all octaves
    CV_PROP_RW bool stoppedEarly;                    //!< true when the callback stopped the loop
    /** Per sample: 1 when the ascent did not move it: the objective's gradient was zero at every step (for example
    at a flat start image where every first-layer ReLU is off), or the objective ended where it started. Such an
    image is the start image, not a visualisation. */
    CV_PROP_RW std::vector<int> stalled;

    //! Empty when no sample stalled; else one sentence naming the samples and what to change.
    CV_WRAP String warning() const;
};

/** @brief Called after every step with the step number (0-based, over all octaves) and the objective of each
sample; return false to stop early. */
typedef std::function<bool(int iteration, const std::vector<double>& objective)> SynthesisCallback;

/** @brief Feature visualisation by gradient ascent on the input: I* = argmax_I f(I) - R(I).

Each step is one forward and one backward pass of the engine on the (randomly transformed) batch, plus the
regulariser work: seeds for the objective terms, the adjoint of the transformation, the parameterisation's
backward, the penalties' gradients, the optimiser update and the projections (blur, clipping, valid range).
The object is stateful and not thread-safe; use one per thread (the Explainer may be shared).
*/
class CV_EXPORTS_W Synthesizer
{
public:
    ~Synthesizer();

    /** @brief Prepares the loop: checks the objective against the network and makes the start images.
    @param explainer the network (cv::interp::readNet)
    @param objective the targets whose weighted sum is maximised (at least one; each acts on every image of the
           batch or on its Target::sample, so one batch can hold, for example, one image per class)
    @param preprocessing how images map to input blobs (ModelInfo::preprocessing for the embedded models); it gives
           the valid pixel range and the way back to 8-bit images
    @param params see SynthesisParams
    Raises a cv::Exception saying what is wrong (unknown layer, neuron outside the layer's shape, class out of
    range, bad sizes or settings). */
    CV_WRAP static Ptr<Synthesizer> create(const Ptr<Explainer>& explainer, const std::vector<Target>& objective,
                                           const Preprocessing& preprocessing,
                                           const SynthesisParams& params = SynthesisParams());

    //! Number of images optimised together.
    CV_WRAP int batchSize() const;
    //! Size of the images the network sees.
    CV_WRAP Size inputSize() const;
    //! Size of the images of the current octave.
    CV_WRAP Size imageSize() const;
    //! Current octave (0-based).
    CV_WRAP int octave() const;
    //! Steps run so far, over all octaves.
    CV_WRAP int iteration() const;
    //! True when every octave has run its iterations.
    CV_WRAP bool done() const;

    /** @brief One gradient step (moving on to the next octave when the current one is complete).
    @return the objective f of each sample at this step, before the update */
    CV_WRAP std::vector<double> step();

    //! Runs the remaining steps and returns the result.
    CV_WRAP SynthesisResult run();
    //! Runs the remaining steps, calling `callback` after each; stops when it returns false.
    SynthesisResult run(const SynthesisCallback& callback);

    //! The current parameters (the blob in standard units, see learningRate; or the Fourier coefficients), a copy.
    CV_WRAP Mat parameters() const;
    //! Replaces the parameters (same shape and type as parameters()).
    CV_WRAP void setParameters(const Mat& params);
    //! The images of the current parameters as an N x C x H x W blob at imageSize().
    CV_WRAP Mat render() const;
    //! The images of the given parameters.
    CV_WRAP Mat render(const Mat& params) const;
    //! The current images as 8-bit images (preprocessing undone).
    CV_WRAP std::vector<Mat> images() const;

    /** @brief The regularised objective f(T(I)) - l2 * |I|^2 - tv * TV(I) of each sample and its gradient w.r.t.
    the parameters, where I = render(params) and T is the random transformation of step `iteration` of the
    current octave (the transformations are a deterministic function of the seed, the octave and the step).
    This is what step() ascends; it does not change the state. */
    CV_WRAP std::vector<double> objectiveGradient(const Mat& params, int iteration, CV_OUT Mat& grad) const;

    /** @brief The objective f of each sample of an image blob, without transformation (the blob is resized to the
    network input size when its size differs). */
    CV_WRAP std::vector<double> evaluate(const Mat& blob) const;

    struct Impl;
    Ptr<Impl> impl;

protected:
    Synthesizer();
};

/** @brief Synthesises images that maximise an objective (convenience wrapper of Synthesizer).
@param explainer the network
@param objective targets whose weighted sum is maximised (see Synthesizer::create)
@param preprocessing how images map to input blobs
@param params see SynthesisParams
*/
CV_EXPORTS_W SynthesisResult synthesize(const Ptr<Explainer>& explainer, const std::vector<Target>& objective,
                                        const Preprocessing& preprocessing,
                                        const SynthesisParams& params = SynthesisParams());

//! As above, calling `callback` after every step (return false to stop early).
CV_EXPORTS SynthesisResult synthesize(const Ptr<Explainer>& explainer, const std::vector<Target>& objective,
                                      const Preprocessing& preprocessing, const SynthesisParams& params,
                                      const SynthesisCallback& callback);

/** @brief One image per class, in one batch: image i maximises the log-probability of class `classes[i]` (the
log-softmax of the class scores: pushing the competing classes down too, so the image is classified as its class,
where the raw score can rise without winning).
@param explainer the network
@param classes class indices (each one image)
@param preprocessing how images map to input blobs
@param params see SynthesisParams (its batch is set to the number of classes)
@param scoreLayer layer holding the class scores; empty: Graph::scoreLayer()
*/
CV_EXPORTS_W SynthesisResult synthesizeClasses(const Ptr<Explainer>& explainer, const std::vector<int>& classes,
                                               const Preprocessing& preprocessing,
                                               const SynthesisParams& params = SynthesisParams::classImages(),
                                               const String& scoreLayer = String());
/** @overload */
CV_EXPORTS SynthesisResult synthesizeClasses(const Ptr<Explainer>& explainer, const std::vector<int>& classes,
                                             const Preprocessing& preprocessing, const SynthesisParams& params,
                                             const String& scoreLayer, const SynthesisCallback& callback);

//! @}

}  // namespace interp
}  // namespace cv

#endif
