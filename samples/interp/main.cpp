// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// interp: explain cv::dnn networks from the command line. Subcommands live in cmd_*.cpp.
#include "cli.hpp"

#include <opencv2/core/utils/logger.hpp>

#include <algorithm>
#include <iostream>

static void usage(std::ostream& os)
{
    os << "usage: interp <command> [options]   (interp <command> --help for its options)\n\ncommands:\n";
    std::vector<cli::Command> cmds = cli::commands();
    std::sort(cmds.begin(), cmds.end(), [](const cli::Command& a, const cli::Command& b) { return a.name < b.name; });
    for (const cli::Command& c : cmds)
        os << "  " << c.name << std::string(c.name.size() < 16 ? 16 - c.name.size() : 1, ' ') << c.summary << "\n";
    os << "\nWithout --model and --image, commands use the embedded alexnet_fmnist model and demo images\n"
          "(data directory: $INTERP_DATA_DIR, the source tree, or <prefix>/share/interp/data).\n";
}

int main(int argc, char** argv)
{
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_WARNING);
    cv::interp::useOneDNNThreadPool();  // one thread pool for OpenCV and oneDNN (no-op without oneDNN)
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help")
    {
        usage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? 2 : 0;
    }
    const std::string name = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const cli::Command& c : cli::commands())
    {
        if (c.name != name)
            continue;
        try
        {
            return c.run(args);
        }
        catch (const cli::UsageError& e)
        {
            std::cerr << "interp " << name << ": " << e.what() << " (see 'interp " << name << " --help')" << std::endl;
            return 2;
        }
        catch (const cv::Exception& e)
        {
            std::cerr << "interp " << name << ": error: " << e.err << std::endl;
            return 1;
        }
        catch (const std::exception& e)
        {
            std::cerr << "interp " << name << ": error: " << e.what() << std::endl;
            return 1;
        }
    }
    std::cerr << "interp: unknown command '" << name << "'\n\n";
    usage(std::cerr);
    return 2;
}
