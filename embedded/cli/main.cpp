// indorerank: command-line tool (rank, tokenize, score, convert, info, bench).
#include <cstdio>
#include <cstring>
#include <string>

#include "args.hpp"

namespace indorerank::cli {
int cmd_rank(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_score(int argc, char** argv);
int cmd_convert(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_bench(int argc, char** argv);
}  // namespace indorerank::cli

namespace {
const char* kUsage =
    "indorerank: rerank Indonesian passages with an int8 cross-encoder, on device.\n"
    "\n"
    "usage:\n"
    "  indorerank rank -m MODEL -q QUERY [--passages FILE] [--top-k N] [--max-length N] [--json]\n"
    "                  [--return-documents] [--chunk [--chunk-overlap 32]] [--threads N]\n"
    "                  [--memory-limit MIB] [--kernel NAME]\n"
    "      --chunk scores a passage longer than max-length in overlapping windows and keeps the best.\n"
    "      FILE (or stdin) holds JSONL {\"id\":..., \"text\":...} or one passage per line.\n"
    "  indorerank tokenize -m MODEL --query Q --passage P [--max-length N] [--json]\n"
    "  indorerank tokenize -m MODEL --pairs FILE   (JSONL {\"query\",\"passage\"} -> JSONL ids)\n"
    "  indorerank score -m MODEL [--ids FILE] [--max-length N]\n"
    "      FILE (or stdin): JSONL {\"input_ids\":[...]}; prints JSONL {\"logit\":x}.\n"
    "  indorerank convert HF_MODEL_DIR OUT.int8.safetensors\n"
    "  indorerank info [MODEL] [--threads N] [--kernel NAME]\n"
    "  indorerank bench -m MODEL --ids FILE [--group 100] [--runs 3] [--threads N]\n"
    "\n"
    "--threads defaults to 0: one engine thread per hardware thread.\n";
}  // namespace

int main(int argc, char** argv) {
  using namespace indorerank::cli;
  if (argc < 2 || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  if (cmd == "rank") return cmd_rank(argc, argv);
  if (cmd == "tokenize") return cmd_tokenize(argc, argv);
  if (cmd == "score") return cmd_score(argc, argv);
  if (cmd == "convert") return cmd_convert(argc, argv);
  if (cmd == "info") return cmd_info(argc, argv);
  if (cmd == "bench") return cmd_bench(argc, argv);
  return usage_error("unknown command '" + cmd + "'");
}
