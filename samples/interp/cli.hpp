// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Shared pieces of the interp command-line tool: subcommand registry, the MODEL / INPUT / TARGET option
// groups, progress bar, benchmarking and output helpers.
#ifndef INTERP_CLI_HPP
#define INTERP_CLI_HPP

#include <boost/program_options.hpp>
#include <opencv2/core.hpp>
#include <opencv2/interp.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cli {

namespace po = boost::program_options;

//! A subcommand: `interp <name> ...`; run() gets the arguments after the name and returns the exit code.
struct Command
{
    std::string name;
    std::string summary;
    std::function<int(const std::vector<std::string>&)> run;
};

std::vector<Command>& commands();

//! Registers a subcommand from a static object in its cmd_*.cpp file.
struct CommandRegistrar
{
    CommandRegistrar(const std::string& name, const std::string& summary,
                     const std::function<int(const std::vector<std::string>&)>& run)
    {
        commands().push_back(Command{ name, summary, run });
    }
};

//! An error in the command line: printed with a hint to --help, exit code 2.
struct UsageError : std::runtime_error
{
    explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

/** @brief Parses `args` into `vm`; returns false (after printing help) when --help was given.
`positional` may be empty. Unknown options raise UsageError. */
bool parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& vm, const std::string& usage);

//! --model/--config/--format: the embedded default model when absent.
struct ModelOptions
{
    std::string model, config, format = "onnx";
    void add(po::options_description& d);
    //! The model's description; INTERP_DATA_DIR etc. for the embedded default.
    cv::interp::ModelInfo resolve() const;
    //! Loads the model through cv::interp::readNet.
    cv::Ptr<cv::interp::Explainer> load(const cv::interp::ModelInfo& info) const;
};

//! An input batch: the blob and, for --image, the original images.
struct Input
{
    cv::Mat blob;                      //!< N x C x H x W float32
    std::vector<cv::Mat> images;       //!< original images (BGR), empty for --input-npy
    std::vector<std::string> paths;    //!< their files
    cv::interp::Preprocessing prep;    //!< how the blob was made
    //! The network-input-sized image of sample n (undoing the preprocessing for --input-npy inputs).
    cv::Mat networkImage(int n) const;
};

//! --image FILE [--size W,H] [--mean R,G,B] [--scale S] [--swap-rb] [--crop] | --input-npy FILE
struct InputOptions
{
    std::vector<std::string> images;
    std::string inputNpy, size, mean;
    double scale = 0;
    bool swapRB = false, noSwapRB = false, crop = false;
    void add(po::options_description& d);
    //! Loads the input; preprocessing comes from the model's description unless overridden.
    Input load(const cv::interp::ModelInfo& info) const;
};

//! --class K | --neuron LAYER:CH[:Y:X], --output-layer L; without any, the predicted class of each sample.
struct TargetOptions
{
    int cls = -1;
    std::string neuron, outputLayer;
    void add(po::options_description& d);
    //! One target per sample (needs the tape for the predicted class).
    std::vector<cv::interp::Target> resolve(const cv::interp::Explainer& ex, const cv::interp::Tape& tape) const;
    bool isNeuron() const { return !neuron.empty(); }
};

//! Predicted class (argmax of the score layer) of each sample of a tape.
std::vector<int> predictedClasses(const cv::interp::Explainer& ex, const cv::interp::Tape& tape);

//! "W,H" -> Size; raises UsageError naming the option.
cv::Size parseSize(const std::string& s, const std::string& option);
//! "a,b,c" -> the non-empty items (names of methods, metrics, layers...).
std::vector<cv::String> splitList(const std::string& s);

//! "a,b,c" -> numbers; raises UsageError naming the option.
std::vector<double> parseNumbers(const std::string& s, const std::string& option);

//! A progress bar on stderr, shown once the work takes more than a second.
class Progress
{
public:
    Progress(const std::string& what, size_t total, const std::string& unit = "");
    ~Progress();
    void update(size_t done);
    void finish();
private:
    std::string what, unit;
    size_t total;
    std::chrono::steady_clock::time_point start, last;
    size_t lastDone = 0;
    bool shown = false, finished = false;
};

/** @brief --bench N: runs fn once to warm up, then N times, and prints
`bench: method=<m> runs=<N> median_ms=<x>` on stdout. */
void bench(const std::string& method, int runs, const std::function<void()>& fn);

//! Tiles 2-D maps (N of them) side by side.
cv::Mat tileHorizontally(const std::vector<cv::Mat>& images);

//! Sets cv::setNumThreads when n > 0.
void applyThreads(int n);

}  // namespace cli

#define INTERP_CLI_COMMAND(id, name, summary, fn) static ::cli::CommandRegistrar interp_cli_command_##id(name, summary, fn)

#endif
