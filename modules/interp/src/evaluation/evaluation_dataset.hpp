// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A batch of a ground-truth set, read for the evaluation (internal).
#ifndef OPENCV_INTERP_EVALUATION_DATASET_HPP
#define OPENCV_INTERP_EVALUATION_DATASET_HPP

#include "../precomp.hpp"

namespace cv {
namespace interp {

//! Images (BGR) and object masks (8-bit) of a batch.
struct LoadedBatch
{
    std::vector<Mat> images, masks;
};

//! Images begin .. end - 1 of `data` and their masks; raises a cv::Exception naming a file it cannot read or a mask
//! whose size is not its image's.
LoadedBatch loadBatch(const GroundTruthSet& data, int begin, int end);

}  // namespace interp
}  // namespace cv

#endif
