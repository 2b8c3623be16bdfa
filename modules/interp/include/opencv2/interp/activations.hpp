// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_INTERP_ACTIVATIONS_HPP
#define OPENCV_INTERP_ACTIVATIONS_HPP

#include <opencv2/core.hpp>

namespace cv {
namespace interp {

//! @addtogroup interp_layers
//! @{

/** @brief How activation values become gray levels in an activation grid.

After a ReLU most values are exactly 0 and a few are large, so the mapping of [0, max] to 0..255 decides how
bright the tiles look; the choice is explicit. Values below the range map to 0, above it to 255.
*/
enum ActivationNormalization
{
    NORMALIZE_CHANNEL = 0,    //!< each channel's own [min, max]: every live channel has a white pixel; weak channels look as bright as strong ones
    NORMALIZE_GLOBAL = 1,     //!< one [min, max] over all shown channels: brightness is comparable across tiles, weak channels are dark
    NORMALIZE_FIXED = 2,      //!< a fixed [low, high] range (comparable across images and layers)
    NORMALIZE_PERCENTILE = 3  //!< one range over all shown channels from the (100 - P)-th to the P-th percentile: robust to a few outliers
};

//! Options of renderActivationGrid().
struct CV_EXPORTS_W_SIMPLE ActivationGridParams
{
    CV_WRAP ActivationGridParams()
        : normalization(NORMALIZE_CHANNEL), low(0), high(1), percentile(99.5), columns(0), scale(0), gap(2),
          labels(true), colormap(-1) {}

    CV_PROP_RW int normalization;          //!< one of ActivationNormalization
    CV_PROP_RW double low;                 //!< NORMALIZE_FIXED: value shown black
    CV_PROP_RW double high;                //!< NORMALIZE_FIXED: value shown white
    CV_PROP_RW double percentile;          //!< NORMALIZE_PERCENTILE: P in (50, 100]
    CV_PROP_RW std::vector<int> channels;  //!< channels to show, in this order; empty: all
    CV_PROP_RW int columns;                //!< tiles per row; 0: about the square root of the channel count
    CV_PROP_RW int scale;                  //!< nearest-neighbour upscaling of each map; 0: the smallest making tiles >= 48 px
    CV_PROP_RW int gap;                    //!< pixels between tiles
    CV_PROP_RW bool labels;                //!< draw the channel number in each tile (when tiles are at least 16 px high)
    CV_PROP_RW int colormap;               //!< -1: grayscale (CV_8UC1); else a cv::ColormapTypes value (CV_8UC3)
};

/** @brief Parses the normalisation syntax of the CLI: "channel", "global", "fixed:A,B" or "percentile:P".
Returns default parameters with `normalization` (and `low`/`high` or `percentile`) set; raises a cv::Exception
naming the valid forms on bad input. */
CV_EXPORTS_W ActivationGridParams parseActivationNormalization(const String& spec);

/** @brief Parses a list of indices such as "0-15,42" (ranges inclusive) and checks each against `count`.
Raises a cv::Exception naming the offending index and the valid range. The order is kept, duplicates removed. */
CV_EXPORTS_W std::vector<int> parseIndexList(const String& spec, int count);

/** @brief Maps activations to 8-bit gray levels as the normalisation says.
@param maps one sample's activations: C x H x W, 1 x C x H x W, or 1 x C (a vector: C maps of 1 x 1)
@param params normalisation and channel selection (the layout fields are ignored)
@return K x H x W CV_8U, one plane per selected channel
*/
CV_EXPORTS_W Mat normalizeActivations(const Mat& maps, const ActivationGridParams& params = ActivationGridParams());

/** @brief Renders one sample's channel maps as a tiled image: one tile per channel, upscaled by nearest neighbour,
optionally numbered and colour-mapped.
@param maps one sample's activations: C x H x W, 1 x C x H x W, or 1 x C
@param params normalisation and layout
*/
CV_EXPORTS_W Mat renderActivationGrid(const Mat& maps, const ActivationGridParams& params = ActivationGridParams());

//! Summary statistics of one sample's activations (what the normalisation has to cope with).
struct CV_EXPORTS_W_SIMPLE ActivationStats
{
    CV_WRAP ActivationStats() : channels(0), height(0), width(0), zeroFraction(0), negativeFraction(0), deadChannels(0),
                                minValue(0), maxValue(0), mean(0), p99(0) {}
    CV_PROP_RW int channels;           //!< C
    CV_PROP_RW int height;             //!< H
    CV_PROP_RW int width;              //!< W
    CV_PROP_RW double zeroFraction;    //!< fraction of values that are exactly 0
    CV_PROP_RW double negativeFraction;//!< fraction of values below 0
    CV_PROP_RW int deadChannels;       //!< channels whose maximum is <= 0 (all black under any normalisation anchored at 0)
    CV_PROP_RW double minValue;        //!< smallest value
    CV_PROP_RW double maxValue;        //!< largest value
    CV_PROP_RW double mean;            //!< mean value
    CV_PROP_RW double p99;             //!< 99th percentile
};

//! Statistics of one sample's activations (same layouts as renderActivationGrid()).
CV_EXPORTS_W ActivationStats activationStats(const Mat& maps);

//! @}

}  // namespace interp
}  // namespace cv

#endif
