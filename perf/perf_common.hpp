// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Shared setup of the benchmarks: the 224x224 networks made by perf/make_models.py, inputs, threads.
#ifndef INTERP_PERF_COMMON_HPP
#define INTERP_PERF_COMMON_HPP

#include <benchmark/benchmark.h>
#include <opencv2/interp.hpp>

#include <string>
#include <vector>

namespace perf {

//! The benchmark networks (AlexNet-, VGG-, ResNet- and SqueezeNet-style at 224x224).
const std::vector<std::string>& networks();
//! Path of a generated network, or "" (and a benchmark error) when perf/make_models.py has not run.
std::string modelPath(const std::string& name, benchmark::State* state = nullptr);
//! The fixed input every benchmark uses (also written by make_models.py as <models>/input.npy).
cv::Mat input(int batch = 1);
//! Threads for cv::dnn and the engine: $INTERP_PERF_THREADS or 2.
int threads();
//! A loaded explainer per network, cached (profiling on with --profile).
cv::Ptr<cv::interp::Explainer> explainer(const std::string& name, benchmark::State& state);

/** The benchmarks' main: Google Benchmark's flags, plus --profile, which prints after the run, per network, the time
spent per layer type in the forward and backward passes of the cached explainers (Explainer::profile()), and
--separate-pools, which keeps OpenCV's own thread pool instead of cv::interp::useOneDNNThreadPool(). */
int main(int argc, char** argv);

}  // namespace perf

#define INTERP_PERF_MAIN() \
    int main(int argc, char** argv) { return perf::main(argc, argv); }

#endif
