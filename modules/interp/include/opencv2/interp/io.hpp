// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_IO_HPP
#define OPENCV_INTERP_IO_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_io
//! @{

/** @brief Reads a NumPy .npy file (format 1.0-3.0, little-endian float32/float64/int32/int64/uint8,
C order) into an n-dimensional Mat. float64 and integer data are converted to float32.
Raises a cv::Exception saying what is wrong with the file. */
CV_EXPORTS_W Mat readNpy(const String& path);

/** @brief Writes an n-dimensional float32 Mat (continuous) as .npy (format 1.0, C order).
The file is written whole or not at all (temporary file + rename). */
CV_EXPORTS_W void writeNpy(const String& path, InputArray array);

/** @brief Writes an image with cv::imencode; the file is written whole or not at all.
The format follows the extension. */
CV_EXPORTS_W void writeImage(const String& path, InputArray image);

/** @brief Writes bytes to a file atomically (temporary file in the same directory, then rename). */
CV_EXPORTS void writeFileAtomic(const String& path, const std::string& bytes);

/** @brief Directory holding the embedded models and images.

When the environment variable INTERP_DATA_DIR is set, that directory and only it (an error if it does not hold
the data). Otherwise the first of: the `data/` directory of the source tree the library was built from; the
installed data directory (`<prefix>/share/interp/data`); /usr/local/share/interp/data; /usr/share/interp/data.
Raises a cv::Exception listing every place that was tried when none holds the embedded data. */
CV_EXPORTS_W String dataDirectory();

/** @brief Path of a file of the embedded data (e.g. "models/alexnet_fmnist.onnx").
Raises a cv::Exception naming where it looked when the file is missing. */
CV_EXPORTS_W String findDataFile(const String& relativePath);

//! @}

}  // namespace interp
}  // namespace cv

#endif
