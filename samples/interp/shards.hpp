// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// What the commands that split a dataset into shards share (interp patches / patches-merge, interp evaluate /
// evaluate-merge): the --shard i/N option and the command line of the merge commands.
#ifndef INTERP_CLI_SHARDS_HPP
#define INTERP_CLI_SHARDS_HPP

#include "cli.hpp"

#include <cstdlib>
#include <string>
#include <vector>

namespace cli {

//! "i/N" -> index i, count N (0 <= i < N); raises UsageError otherwise.
inline void parseShard(const std::string& s, int& index, int& count)
{
    const size_t slash = s.find('/');
    char* e1 = nullptr;
    char* e2 = nullptr;
    if (slash != std::string::npos)
    {
        const std::string a = s.substr(0, slash), b = s.substr(slash + 1);
        index = (int)std::strtol(a.c_str(), &e1, 10);
        count = (int)std::strtol(b.c_str(), &e2, 10);
        if (!a.empty() && !b.empty() && *e1 == '\0' && *e2 == '\0' && count >= 1 && index >= 0 && index < count)
            return;
    }
    throw UsageError("--shard must be i/N with 0 <= i < N (shards are numbered from 0), got '" + s + "'");
}

/** @brief Parses the command line of a merge command: `options` plus --help, the results to merge as positional
arguments (or --input). Returns false after printing the help; raises UsageError without results. */
inline bool parseMerge(const std::string& command, const std::vector<std::string>& args,
                       const po::options_description& options, std::vector<std::string>& inputs,
                       const std::string& usage)
{
    po::options_description all(options);
    all.add_options()
        ("input", po::value(&inputs)->composing(), "the results to merge (also accepted as positional arguments)");
    po::positional_options_description pos;
    pos.add("input", -1);
    po::variables_map vm;
    if (!parse(command, args, all, vm, usage, &pos))
        return false;
    if (inputs.empty())
        throw UsageError("give the results to merge: interp " + command + " " + usage);
    return true;
}

}  // namespace cli

#endif
