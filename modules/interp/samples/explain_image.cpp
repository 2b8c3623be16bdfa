// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Explains one classification: Grad-CAM, guided Grad-CAM and occlusion overlays, and the object cut out with
// saliency -> GrabCut. Without arguments it uses the module's embedded model and first demo image.
//
//   explain_image [--model M.onnx --width W --height H --scale S --mean R,G,B --swap-rb] [IMAGE] [OUT_PREFIX]
//
// (The full command-line tool of the repository is `interp`; this sample shows the C++ API in one page.)
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/interp.hpp>

#include <iostream>

int main(int argc, char** argv)
{
    const cv::CommandLineParser parser(argc, argv,
        "{help h  |       | print this help}"
        "{model   |       | ONNX / Caffe model (default: the embedded alexnet_fmnist)}"
        "{config  |       | Caffe prototxt}"
        "{width   | 224   | network input width (with --model)}"
        "{height  | 224   | network input height (with --model)}"
        "{scale   | 1.0   | pixel scale factor (with --model)}"
        "{mean    |0,0,0  | mean subtracted per channel (with --model)}"
        "{swap-rb | false | swap red and blue (with --model)}"
        "{@image  |       | image (default: the first embedded demo image)}"
        "{@out    |explain| prefix of the output files}");
    if (parser.has("help"))
    {
        parser.printMessage();
        return 0;
    }
    try
    {
        cv::interp::ModelInfo info;
        if (parser.get<cv::String>("model").empty())
            info = cv::interp::embeddedModel();
        else
        {
            info = cv::interp::modelInfoFor(parser.get<cv::String>("model"), parser.get<cv::String>("config"));
            info.preprocessing.size = cv::Size(parser.get<int>("width"), parser.get<int>("height"));
            info.preprocessing.scale = parser.get<double>("scale");
            int r = 0, g = 0, b = 0;
            std::sscanf(parser.get<cv::String>("mean").c_str(), "%d,%d,%d", &r, &g, &b);
            info.preprocessing.mean = cv::Scalar(r, g, b);
            info.preprocessing.swapRB = parser.get<bool>("swap-rb");
        }
        const cv::String path = parser.get<cv::String>("@image").empty() ? cv::interp::demoImages()[0]
                                                                        : parser.get<cv::String>("@image");
        const cv::String out = parser.get<cv::String>("@out");
        const cv::Mat image = cv::imread(path);
        if (image.empty())
            CV_Error(cv::Error::StsError, "cannot read the image '" + path + "'");

        const cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(info.model, info.config);
        const cv::Mat blob = info.preprocessing.toBlob(std::vector<cv::Mat>{ image });
        const int cls = cv::interp::predictClasses(ex, blob)[0];
        const std::vector<cv::interp::Target> target{ cv::interp::Target::classScore(cls) };
        std::cout << path << ": " << info.className(cls) << std::endl;

        const cv::interp::Attribution cam = cv::interp::gradCam(ex, blob, target);
        const cv::interp::Attribution guided = cv::interp::guidedGradCam(ex, blob, target);
        const cv::interp::Attribution occ = cv::interp::occlusion(ex, blob, target);
        cv::interp::writeImage(out + "_gradcam.png", cv::interp::overlayOnOriginal(image, cam.maps[0], info.preprocessing));
        cv::interp::writeImage(out + "_guided_gradcam.png", cv::interp::gradientImage(guided.attribution, 0, 0.1,
                                                                                      info.preprocessing.swapRB));
        cv::interp::writeImage(out + "_occlusion.png", cv::interp::overlayOnOriginal(image, occ.maps[0], info.preprocessing));

        cv::Mat mask, cutout;
        cv::interp::segmentFromSaliency(image, info.preprocessing.mapToImage(cam.maps[0], image.size()), mask,
                                        cv::interp::SegmentationParams(), cutout);
        cv::interp::writeImage(out + "_mask.png", mask);
        cv::interp::writeImage(out + "_cutout.png", cutout);
        std::cout << "wrote " << out << "_{gradcam,guided_gradcam,occlusion,mask,cutout}.png" << std::endl;
    }
    catch (const cv::Exception& e)
    {
        std::cerr << "error: " << e.err << std::endl;
        return 1;
    }
    return 0;
}
