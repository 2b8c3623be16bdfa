// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Extra declarations for OpenCV's Python generator (cv2.interp): names of the vector and dnn types used in the
// wrapped signatures.
#ifdef HAVE_OPENCV_INTERP

#include "opencv2/interp.hpp"

#ifdef HAVE_OPENCV_DNN
typedef dnn::Net dnn_Net;
#endif

typedef std::vector<cv::interp::Target> vector_Target;
typedef std::vector<cv::interp::OcclusionLayerPlan> vector_OcclusionLayerPlan;
typedef std::vector<cv::interp::Patch> vector_Patch;
typedef std::vector<cv::interp::PatchMiningResult> vector_PatchMiningResult;
typedef std::vector<cv::interp::LayerReceptiveField> vector_LayerReceptiveField;
typedef std::vector<cv::interp::MethodEvaluation> vector_MethodEvaluation;
typedef std::vector<cv::interp::EvaluationReport> vector_EvaluationReport;

#endif
