// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Rendering mined patches: receptive-field crops of the original images and, beside them, the guided
// backpropagation of each neuron inside its field.
#include "../precomp.hpp"

#include <opencv2/imgcodecs.hpp>

namespace cv {
namespace interp {

int findResultLayer(const PatchMiningResult& r, const String& name);  // patches.cpp

namespace {

//! Background of the grids and of missing tiles.
const Scalar kBackground(48, 48, 48);

/* Gradient image -> 8-bit colour, the usual normalisation of guided-backprop pictures: centre on the mean,
   divide by k standard deviations, clip to [-1, 1] and shift to gray (0 gradient = mid gray).
   Statistics come from `valid` only (the part inside the image). The same helper is planned for
   interp/visualization.hpp; it lives here until then. */
Mat gradientToImage(const Mat& grad3, const Rect& valid, double k)
{
    CV_Assert(grad3.type() == CV_32FC3);
    Scalar mean, stddev;
    if (valid.area() > 0)
    {
        Mat v = grad3(valid).clone().reshape(1, 1);
        cv::meanStdDev(v, mean, stddev);
    }
    const double m = mean[0], sd = stddev[0];
    Mat out;
    if (!(sd > 0))
        return Mat(grad3.size(), CV_8UC3, Scalar::all(128));
    // 255 * (0.5 + 0.5 * (g - m) / (k * sd)), saturated
    const double a = 127.5 / (k * sd);
    grad3.convertTo(out, CV_8UC3, a, 127.5 - a * m);
    return out;
}

Mat resizeTile(const Mat& patch, Size tile)
{
    if (patch.size() == tile)
        return patch;
    Mat out;
    const bool enlarge = tile.width >= patch.cols && tile.height >= patch.rows;
    cv::resize(patch, out, tile, 0, 0, enlarge ? INTER_NEAREST : INTER_AREA);
    return out;
}

//! Grid geometry: rows of tiles with a label column on the left.
struct GridLayout
{
    int rows = 0, cols = 0, gap = 2, labelWidth = 0;
    Size tile;
    Mat create() const
    {
        return Mat(rows * tile.height + (rows + 1) * gap, labelWidth + cols * tile.width + (cols + 1) * gap, CV_8UC3,
                   kBackground);
    }
    Rect cell(int r, int c) const
    {
        return Rect(labelWidth + gap + c * (tile.width + gap), gap + r * (tile.height + gap), tile.width, tile.height);
    }
};

void drawLabel(Mat& grid, const GridLayout& g, int row, const String& text)
{
    if (g.labelWidth <= 0)
        return;
    int base = 0;
    const double scale = 1.0;
    const Size ts = cv::getTextSize(text, FONT_HERSHEY_PLAIN, scale, 1, &base);
    const Rect cell = g.cell(row, 0);
    cv::putText(grid, text, Point(std::max(2, g.labelWidth - ts.width - 2), cell.y + (cell.height + ts.height) / 2),
                FONT_HERSHEY_PLAIN, scale, Scalar(255, 255, 255), 1, LINE_AA);
}

//! The image as BGR 8-bit, or an empty Mat (with a warning) when it cannot be read.
Mat loadImage(const String& file, std::map<String, Mat>& cache)
{
    auto it = cache.find(file);
    if (it != cache.end())
        return it->second;
    Mat img = cv::imread(file, IMREAD_COLOR);
    if (img.empty())
        CV_LOG_WARNING(NULL, "interp: cannot read '" << file << "' to render its patch; the tile stays empty");
    if (cache.size() > 256)
        cache.clear();
    cache[file] = img;
    return img;
}

}  // namespace

Mat extractPatch(const Mat& image, const Preprocessing& prep, const Rect& networkRect, Size tileSize)
{
    if (image.empty())
        CV_Error(Error::StsBadArg, "the image is empty (unreadable file?)");
    if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
        CV_Error(Error::StsUnsupportedFormat, "the image must be 8-bit, gray or BGR");
    if (networkRect.width <= 0 || networkRect.height <= 0)
        CV_Error(Error::StsBadArg, "the rectangle is empty");
    const Size net = prep.size.area() > 0 ? prep.size : image.size();
    const Rect vis = prep.visibleRegion(image.size());
    // network pixel u covers original [vis.x + u * sx, vis.x + (u + 1) * sx)
    const double sx = (double)vis.width / net.width, sy = (double)vis.height / net.height;
    const int x0 = vis.x + cvRound(networkRect.x * sx), x1 = vis.x + cvRound((networkRect.x + networkRect.width) * sx);
    const int y0 = vis.y + cvRound(networkRect.y * sy), y1 = vis.y + cvRound((networkRect.y + networkRect.height) * sy);
    const Rect src(x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0));
    // The fill is the colour that becomes 0 in the blob (the mean, given in the swapped order when swapRB).
    Scalar fill = prep.mean;
    if (prep.swapRB)
        std::swap(fill[0], fill[2]);
    if (image.channels() == 1)
        fill = Scalar::all(fill[0]);
    Mat patch(src.size(), image.type(), fill);
    const Rect inside = src & Rect(Point(0, 0), image.size());
    if (inside.area() > 0)
        image(inside).copyTo(patch(inside - src.tl()));
    if (tileSize.area() > 0)
        patch = resizeTile(patch, tileSize);
    return patch;
}

void renderPatches(const Ptr<Explainer>& explainer, const PatchMiningResult& result, const String& layer,
                   const PatchGridParams& params, OutputArray patchesOut, OutputArray guidedOut)
{
    if (!explainer)
        CV_Error(Error::StsBadArg, "no explainer: load the mined model with cv::interp::readNet()");
    const int l = findResultLayer(result, layer);
    if (l < 0)
    {
        String mined;
        for (const String& n : result.layers)
            mined += (mined.empty() ? "'" : ", '") + n + "'";
        CV_Error(Error::StsObjectNotFound, "layer '" + layer + "' was not mined; the result holds " + mined);
    }
    const String& name = result.layers[l];
    std::vector<int> rows = params.channels;
    if (rows.empty())
        rows = result.channels[l];
    for (int c : rows)
        if (std::find(result.channels[l].begin(), result.channels[l].end(), c) == result.channels[l].end())
            CV_Error(Error::StsBadArg, cv::format("channel %d of '%s' was not mined: mine it first (--channels)", c, name.c_str()));
    if (params.gap < 0 || params.tileSize < 0 || params.batchSize < 1 || !(params.gradientStd > 0))
        CV_Error(Error::StsBadArg, "gap and tileSize must not be negative, batchSize and gradientStd must be positive");
    const Preprocessing& prep = result.preprocessing;
    if (prep.size.area() <= 0)
        CV_Error(Error::StsBadArg, "the result has no network input size");
    const int layerIndex = explainer->graph().require(name);
    Ptr<ReceptiveField> rf = ReceptiveField::create(explainer, MatShape{ 1, 3, prep.size.height, prep.size.width });
    const LayerReceptiveField info = rf->layerInfo(layerIndex);

    GridLayout g;
    g.rows = (int)rows.size();
    g.cols = std::max(1, result.topK);
    g.gap = params.gap;
    g.labelWidth = params.labels ? 40 : 0;
    // Tile: the receptive field in original-image pixels of the first image, enlarged by an integer factor.
    const Size rfSize(std::max(1, std::min(info.size.width, 4 * prep.size.width)),
                      std::max(1, std::min(info.size.height, 4 * prep.size.height)));
    if (params.tileSize > 0)
    {
        const double f = (double)params.tileSize / std::max(rfSize.width, rfSize.height);
        g.tile = Size(std::max(1, cvRound(rfSize.width * f)), std::max(1, cvRound(rfSize.height * f)));
    }
    else
    {
        const int f = std::max(1, (48 + std::max(rfSize.width, rfSize.height) - 1) / std::max(rfSize.width, rfSize.height));
        g.tile = Size(rfSize.width * f, rfSize.height * f);
    }

    struct Item
    {
        int row, col;
        Patch p;
        Rect rect;  // nominal receptive field in network pixels
    };
    std::vector<Item> items;
    for (int r = 0; r < g.rows; r++)
    {
        const std::vector<Patch> top = result.top(name, rows[r]);
        for (size_t k = 0; k < top.size() && (int)k < g.cols; k++)
            items.push_back(Item{ r, (int)k, top[k], rf->nominalRect(layerIndex, top[k].y, top[k].x) });
    }

    std::map<String, Mat> cache;
    if (patchesOut.needed())
    {
        Mat grid = g.create();
        for (int r = 0; r < g.rows; r++)
            drawLabel(grid, g, r, std::to_string(rows[r]));
        for (const Item& it : items)
        {
            Mat img = loadImage(it.p.file, cache);
            if (img.empty())
                continue;
            extractPatch(img, prep, it.rect, g.tile).copyTo(grid(g.cell(it.row, it.col)));
        }
        patchesOut.assign(grid);
    }
    if (guidedOut.needed())
    {
        Mat grid = g.create();
        for (int r = 0; r < g.rows; r++)
            drawLabel(grid, g, r, std::to_string(rows[r]));
        const Rect inputRect(Point(0, 0), prep.size);
        for (size_t start = 0; start < items.size(); start += params.batchSize)
        {
            const size_t end = std::min(items.size(), start + (size_t)params.batchSize);
            std::vector<Mat> imgs;
            std::vector<size_t> idx;
            std::vector<Target> targets;
            for (size_t i = start; i < end; i++)
            {
                Mat img = loadImage(items[i].p.file, cache);
                if (img.empty())
                    continue;
                imgs.push_back(img);
                idx.push_back(i);
                targets.push_back(Target::neuron(name, items[i].p.channel, items[i].p.y, items[i].p.x));
            }
            if (imgs.empty())
                continue;
            // One target per sample: the batch holds one neuron of each patch.
            Ptr<Tape> tape = explainer->forward(prep.toBlob(imgs));
            Mat grad;
            std::vector<Mat> none;
            explainer->backward(tape, targets, BACKWARD_GUIDED, std::vector<String>(), grad, none);
            const int C = grad.size[1], H = grad.size[2], W = grad.size[3];
            for (size_t j = 0; j < idx.size(); j++)
            {
                const Item& it = items[idx[j]];
                std::vector<Mat> planes;
                for (int c = 0; c < std::min(C, 3); c++)
                    planes.push_back(Mat(H, W, CV_32F, grad.ptr<float>((int)j, c)));
                while (planes.size() < 3)
                    planes.push_back(planes.back());
                if (prep.swapRB)
                    std::swap(planes[0], planes[2]);  // network RGB -> display BGR
                Mat g3;
                cv::merge(planes, g3);
                Mat crop(it.rect.size(), CV_32FC3, Scalar::all(0));  // zero gradient outside the image
                const Rect inside = it.rect & inputRect;
                if (inside.area() > 0)
                    g3(inside).copyTo(crop(inside - it.rect.tl()));
                Mat tile = gradientToImage(crop, inside - it.rect.tl(), params.gradientStd);
                resizeTile(tile, g.tile).copyTo(grid(g.cell(it.row, it.col)));
            }
        }
        guidedOut.assign(grid);
    }
}

}  // namespace interp
}  // namespace cv
