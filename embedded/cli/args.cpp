#include "args.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace indorerank::cli {

const std::set<std::string> kLoadOptionNames = {"max-length", "threads", "memory-limit", "kernel"};

std::string Args::get(const std::string& name, const std::string& fallback) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

StatusOr<long long> Args::get_int(const std::string& name, long long fallback, long long lo, long long hi) const {
  const auto it = values.find(name);
  if (it == values.end()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || v < lo || v > hi)
    return invalid_argument("--" + name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "], got '" + it->second + "'");
  return v;
}

StatusOr<Args> parse_args(int argc, char** argv, int first, const std::set<std::string>& value_options,
                          const std::set<std::string>& flag_options, size_t max_positional) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "-m") s = "--model";
    if (s == "-q") s = "--query";
    if (s == "-k") s = "--top-k";
    if (s.size() > 1 && s[0] == '-' && s[1] != '-' && !(s.size() > 1 && (std::isdigit(static_cast<unsigned char>(s[1])))))
      return invalid_argument("unknown option " + s);
    if (s.size() > 2 && s.compare(0, 2, "--") == 0) {
      std::string name = s.substr(2), value;
      const size_t eq = name.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (value_options.count(name)) {
        if (!inline_value) {
          if (i + 1 >= argc) return invalid_argument("--" + name + " needs a value");
          value = argv[++i];
        }
        a.values[name] = value;
      } else if (flag_options.count(name) && !inline_value) {
        a.flags.insert(name);
      } else {
        return invalid_argument("unknown option --" + name);
      }
    } else {
      if (a.positional.size() == max_positional)
        return invalid_argument(max_positional == 0 ? "unexpected argument '" + s + "' (this command takes options only)"
                                                    : "unexpected argument '" + s + "'");
      a.positional.push_back(s);
    }
  }
  return a;
}

StatusOr<LoadOptions> load_options(const Args& a) {
  LoadOptions o;
  INDORERANK_ASSIGN_OR_RETURN(long long ml, a.get_int("max-length", 256, 8, 512));
  INDORERANK_ASSIGN_OR_RETURN(long long th, a.get_int("threads", 0, 0, 256));  // CLI default: every core
  INDORERANK_ASSIGN_OR_RETURN(long long mem, a.get_int("memory-limit", 256, 1, 1 << 20));
  o.max_length = static_cast<int>(ml);
  o.threads = static_cast<int>(th);
  o.memory_limit = static_cast<size_t>(mem) << 20;
  o.kernel = a.get("kernel");
  return o;
}

int fail(const Status& s) {
  std::fprintf(stderr, "indorerank: %s\n", s.message().c_str());
  return 1;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "indorerank: %s\n(run `indorerank --help`, or `indorerank COMMAND --help`, for usage)\n", message.c_str());
  return 2;
}

}  // namespace indorerank::cli
