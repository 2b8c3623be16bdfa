// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_HPP
#define OPENCV_INTERP_HPP

/** @defgroup interp Explaining deep networks

Explanations for any cv::dnn::Net without a training framework: a backward pass (gradients of any class
score, neuron or channel w.r.t. the input and to any layer), backward-rule variants (guided backpropagation
@cite springenberg2015striving, deconvnet @cite zeiler2014visualizing), and on top of it the methods of the
"visualising and understanding CNNs" toolbox: saliency maps @cite simonyan2014deep, Grad-CAM
@cite selvaraju2017gradcam, SmoothGrad @cite smilkov2017smoothgrad, Integrated Gradients
@cite sundararajan2017axiomatic, occlusion @cite zeiler2014visualizing, activation grids, maximally activating
patches, feature visualisation by gradient ascent, saliency-driven GrabCut segmentation and evaluation metrics.

@{
    @defgroup interp_engine Gradient engine: graph, tape, backward rules
    @defgroup interp_io Files and embedded data
    @defgroup interp_layers What a layer sees: activation grids, receptive fields, maximally activating patches
    @defgroup interp_occlusion Occlusion sensitivity: batched and incremental re-inference
    @defgroup interp_synthesis Feature visualisation: synthetic images by gradient ascent with regularisers
    @defgroup interp_segmentation Object segmentation from saliency (GrabCut)
    @defgroup interp_evaluation Faithfulness metrics of saliency maps
    @defgroup interp_report The browsable HTML report
    @defgroup interp_attribution Attribution methods (saliency, Grad-CAM, SmoothGrad, IG), their visualisation and sanity checks
@}
*/

#include <opencv2/interp/graph.hpp>
#include <opencv2/interp/target.hpp>
#include <opencv2/interp/backward.hpp>
#include <opencv2/interp/layer_spec.hpp>
#include <opencv2/interp/engine.hpp>
#include <opencv2/interp/io.hpp>
#include <opencv2/interp/model.hpp>
#include <opencv2/interp/segmentation.hpp>
#include <opencv2/interp/evaluation.hpp>
#include <opencv2/interp/patches.hpp>
#include <opencv2/interp/occlusion.hpp>
#include <opencv2/interp/synthesis.hpp>
#include <opencv2/interp/attribution.hpp>
#include <opencv2/interp/visualization.hpp>
#include <opencv2/interp/activations.hpp>
#include <opencv2/interp/receptive_field.hpp>
#include <opencv2/interp/saliency.hpp>
#include <opencv2/interp/dataset_evaluation.hpp>
#include <opencv2/interp/report.hpp>

#endif
