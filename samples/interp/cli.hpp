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
`positional` may be null (no positional arguments). Unknown options raise UsageError. */
bool parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& vm, const std::string& usage,
           const po::positional_options_description* positional = nullptr);

//! A loaded model: its description (completed and checked by cv::interp::describeModel) and the explainer.
struct Model
{
    cv::interp::ModelInfo info;
    cv::Ptr<cv::interp::Explainer> explainer;
};

/** @brief The MODEL options every command shares: which model (--model, --config, --format, --model-info), how
images become its input blobs (--size, --mean, --std, --scale, --swap-rb, --crop) and its class names (--labels).
Values come from the flags, else the model description (--model-info, `<model>.json` next to the model, or the
embedded model's), else the model itself (a fixed input size). */
struct ModelOptions
{
    std::string model, config, format, modelInfo, labels, size, mean, std, scale;
    bool swapRB = false, noSwapRB = false, crop = false, noCrop = false;
    void add(po::options_description& d);
    //! The description with the flags applied (the model is not loaded); raises UsageError for contradictions.
    cv::interp::ModelInfo resolve() const;
    /** @brief resolve(), load the model, complete and check the description (cv::interp::describeModel: input size,
    class count, one forward pass); warns on stderr about what had to be guessed.
    @param inputSize the input blob's size when the input is given as a blob (--input-npy): used when the
    description has none */
    Model open(const cv::Size& inputSize = cv::Size()) const;
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

//! --image FILE [FILE...] | --input-npy FILE (the preprocessing is the model's: see ModelOptions)
struct InputOptions
{
    std::vector<std::string> images;
    std::string inputNpy;
    void add(po::options_description& d);
    //! H x W of the --input-npy blob (its header only), else (0, 0).
    cv::Size blobSize() const;
    //! Loads the input with the model's preprocessing.
    Input load(const cv::interp::ModelInfo& info) const;
};

//! --class K | --neuron LAYER:CH[:Y:X], --output-layer L; without any, the predicted class of each sample.
struct TargetOptions
{
    int cls = -1;
    std::string neuron, outputLayer;
    void add(po::options_description& d);
    //! One target per sample (needs the tape for the predicted class).
    std::vector<cv::interp::Target> resolve(const cv::Ptr<cv::interp::Explainer>& ex, const cv::Ptr<cv::interp::Tape>& tape) const;
    bool isNeuron() const { return !neuron.empty(); }
};

//! The image files of a folder or list file (--images); raises when there are none.
std::vector<cv::String> listImageFiles(const std::string& folderOrList, const std::string& option);

//! "W,H" -> Size; raises UsageError naming the option.
cv::Size parseSize(const std::string& s, const std::string& option);
//! "a,b,c" -> the non-empty items (names of methods, metrics, layers...).
std::vector<cv::String> splitList(const std::string& s);

//! The shortest decimal form of v that reads back as v ("0.15", not 0.14999999999999999): how --help shows defaults.
std::string shortest(double v);

//! A double option with its default shown as written: `value(&x, 0.15)`.
po::typed_value<double>* value(double* x, double defaultValue);

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
