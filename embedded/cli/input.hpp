// Reading the CLI's text inputs (a file or stdin).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "blob.hpp"

namespace indorerank::cli {

/// The whole of `path`, or of stdin when path is empty or "-".
inline StatusOr<std::string> read_text(const std::string& path) {
  if (!path.empty() && path != "-") {
    INDORERANK_ASSIGN_OR_RETURN(std::vector<uint8_t> b, read_file(path));
    return std::string(b.begin(), b.end());
  }
  std::string s;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) s.append(buf, n);
  return s;
}

/// Lines without their "\n" / "\r\n" endings.
inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

}  // namespace indorerank::cli
