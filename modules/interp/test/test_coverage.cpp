// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Layer coverage: one small ONNX model per operator variant and per common CNN block (data/make_coverage.py,
// in the spirit of OpenCV's own ONNX layer tests). Every model that cv::dnn 4.6 runs correctly (its output
// matches PyTorch) must backpropagate through cv::interp and give PyTorch's autograd gradients of
// sum(seed * output): standard, and guided backprop / deconvnet where the model's rectifiers are modules. The
// models cv::dnn itself cannot run (or torch cannot export) are listed, with the reason.
//
// The models are generated at test time into the build tree by the CTest test interp_coverage
// (test/coverage.sh), which points INTERP_COVERAGE_DIR at them; without it the test is skipped.
#include "test_precomp.hpp"

#include <cstdlib>

namespace opencv_test {
namespace {

TEST(Interp_Coverage, every_model_cv_dnn_runs_matches_pytorch)
{
    const char* env = std::getenv("INTERP_COVERAGE_DIR");
    if (!env || !*env)
        INTERP_TEST_SKIP("INTERP_COVERAGE_DIR is not set: run the CTest test interp_coverage, which generates the "
                         "models with data/make_coverage.py");
    const std::string dir = std::string(env) + "/";
    cv::FileStorage fs(dir + "manifest.json", cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
    ASSERT_TRUE(fs.isOpened()) << "no " << dir << "manifest.json: run data/make_coverage.py --out " << dir;

    int models = 0, runnable = 0, checks = 0;
    double worst = 0;
    std::string worstCase;
    std::vector<std::string> cannotRun, failed;
    for (cv::FileNode c : fs["cases"])
    {
        models++;
        const std::string name = (std::string)c["name"];
        if ((std::string)c["status"] != "ok")
        {
            cannotRun.push_back(cv::format("%-34s %-9s %s", name.c_str(), ((std::string)c["status"]).c_str(),
                                           ((std::string)c["reason"]).c_str()));
            continue;
        }
        runnable++;
        const std::string d = dir + name + "/";
        try
        {
            cv::Ptr<cv::interp::Explainer> ex = cv::interp::readNet(d + "model.onnx");
            const cv::Mat x = cv::interp::readNpy(d + "input.npy");
            const cv::Mat expectedOut = cv::interp::readNpy(d + "output.npy");
            cv::Ptr<cv::interp::Tape> tape = ex->forward(x);
            const int outLayer = ex->graph().outputLayer();
            const cv::Mat& out = tape->outputs(outLayer)[0];
            ASSERT_EQ(out.total(), expectedOut.total()) << name << ": output size";
            EXPECT_LT(interp_test::relL2(out, expectedOut), 1e-4) << name << ": the engine's forward pass";
            cv::interp::Seeds seeds;
            seeds[outLayer] = cv::interp::readNpy(d + "seed.npy").reshape(1, out.dims, out.size.p);
            for (cv::FileNode r : c["rules"])
            {
                const std::string rule = (std::string)r;
                cv::Mat grad;
                ex->backward(tape, seeds, cv::interp::parseVariant(rule), grad);
                const cv::Mat expected = cv::interp::readNpy(d + "grad_" + rule + ".npy");
                ASSERT_EQ(grad.total(), expected.total()) << name << " " << rule;
                const double err = interp_test::relL2(grad, expected);
                checks++;
                if (err > worst)
                {
                    worst = err;
                    worstCase = name + " (" + rule + ")";
                }
                if (!(err < 1e-4))
                    failed.push_back(cv::format("%s (%s): relative L2 error %.2g vs PyTorch", name.c_str(), rule.c_str(), err));
                EXPECT_GT(cv::norm(expected), 0) << name << " " << rule << ": degenerate reference";
            }
        }
        catch (const cv::Exception& e)
        {
            failed.push_back(name + ": " + e.err);
        }
    }
    std::cout << "[ coverage ] " << models << " models; cv::dnn 4.6 runs " << runnable << " correctly; " << checks
              << " model/rule gradients checked against PyTorch, largest relative L2 error " << worst << " ("
              << worstCase << ")" << std::endl;
    std::cout << "[ coverage ] not run: " << cannotRun.size() << " (load, forward, mismatch: cv::dnn 4.6 itself cannot "
                 "load the model, run it, or match PyTorch; export: torch cannot export it):" << std::endl;
    for (const std::string& s : cannotRun)
        std::cout << "[ coverage ]   " << s << std::endl;
    for (const std::string& s : failed)
        ADD_FAILURE() << s;
    // A generator that silently produced (almost) nothing must not pass.
    EXPECT_GE(runnable, 100) << "too few runnable models: is data/make_coverage.py complete?";
    EXPECT_GE(checks, runnable);
}

}  // namespace
}  // namespace opencv_test
