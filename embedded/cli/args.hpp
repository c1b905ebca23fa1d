// Command-line parsing shared by the subcommands.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "indorerank/indorerank.hpp"

namespace indorerank::cli {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // --name value
  std::set<std::string> flags;                // --name

  bool has(const std::string& name) const { return values.count(name) || flags.count(name); }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  /// An integer option in [lo, hi], or `fallback` when absent.
  StatusOr<long long> get_int(const std::string& name, long long fallback, long long lo, long long hi) const;
};

/// Parses argv[first..]. `value_options` take a value, `flag_options` do not;
/// -m, -q and -k are short for --model, --query and --top-k. Unknown options
/// and more than `max_positional` other arguments are errors.
StatusOr<Args> parse_args(int argc, char** argv, int first, const std::set<std::string>& value_options,
                          const std::set<std::string>& flag_options, size_t max_positional = 0);

/// LoadOptions from --max-length, --threads, --memory-limit (MiB), --kernel.
StatusOr<LoadOptions> load_options(const Args& a);
/// Options every model-loading command accepts.
extern const std::set<std::string> kLoadOptionNames;

/// Prints "indorerank: <message>" to stderr and returns 1 (or 2 for usage).
int fail(const Status& s);
int usage_error(const std::string& message);

}  // namespace indorerank::cli
