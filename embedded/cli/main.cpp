// indorerank: command-line tool (rank, tokenize, score, convert, info, bench, serve, fetch).
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
int cmd_search(int argc, char** argv);
int cmd_eval(int argc, char** argv);
#ifdef INDORERANK_HTTP
int cmd_serve(int argc, char** argv);
int cmd_fetch(int argc, char** argv);
#endif
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
    "  indorerank search --corpus FILE -q QUERY [-m MODEL] [--bm25-k 100] [--top-k 10] [--k1 1.2] [--b 0.75]\n"
    "                    [--json] [--return-documents] [--chunk] [model options as for rank]\n"
    "      BM25 (Indonesian stemming and stopwords) over FILE, then reranks the BM25 candidates with\n"
    "      MODEL; without -m it prints the BM25 ranking. FILE is read like rank's --passages.\n"
    "  indorerank eval --corpus FILE --queries FILE [-m MODEL] [--bm25-k 100] [--k 10] [--json] [--per-query]\n"
    "      nDCG@k, MRR@k and BM25 recall on JSONL queries {\"id\", \"query\", \"relevance\": {id: grade}}.\n"
    "  indorerank tokenize -m MODEL --query Q --passage P [--max-length N] [--json]\n"
    "  indorerank tokenize -m MODEL --pairs FILE   (JSONL {\"query\",\"passage\"} -> JSONL ids)\n"
    "  indorerank score -m MODEL [--ids FILE] [--max-length N]\n"
    "      FILE (or stdin): JSONL {\"input_ids\":[...]}; prints JSONL {\"logit\":x}.\n"
    "  indorerank convert HF_MODEL_DIR OUT.int8.safetensors\n"
    "  indorerank info [MODEL] [--threads N] [--kernel NAME]\n"
    "  indorerank bench -m MODEL --ids FILE [--group 100] [--runs 3] [--threads N]\n"
#ifdef INDORERANK_HTTP
    "  indorerank serve -m MODEL [--host 127.0.0.1] [--port 8080] [--workers 1] [--threads N]\n"
    "                   [--memory-limit MIB] [--request-memory 64] [--max-length N] [--chunk] [--model-name NAME]\n"
    "                   [--api-key-file FILE | --api-key KEY] [--cors-allow-origin ORIGIN,...|*]\n"
    "                   [--max-body-bytes 8388608] [--max-documents 1000] [--max-document-chars 100000]\n"
    "                   [--max-connections 256] [--max-connections-per-ip 0] [--max-header-bytes 32768]\n"
    "                   [--request-timeout 30] [--idle-timeout 10]\n"
    "      Cohere v1/v2, Jina, TEI and llama.cpp rerank APIs: POST /v1/rerank, /v2/rerank, /rerank,\n"
    "      /v1/reranking, /reranking; GET /v1/models, /health. --memory-limit caps the whole server:\n"
    "      --request-memory of it for requests in flight, the rest split over --workers; --threads is per\n"
    "      worker (0: hardware threads / workers). --port 0 picks a free port. SIGINT/SIGTERM stop it.\n"
    "  indorerank fetch [REPO_ID] [--dir DIR] [--revision main] [--base-url URL]\n"
    "      Downloads config.json, sentencepiece.bpe.model, model.safetensors (and onnx/model.onnx when\n"
    "      present) from {URL}/{REPO_ID}/resolve/{revision}/, resuming .part files and checking sha256\n"
    "      etags, then writes DIR/model.int8.safetensors. REPO_ID defaults to madebyaris/rerank-indonesia,\n"
    "      DIR to the repo name, URL to $INDORERANK_HUB_URL or the Hugging Face Hub.\n"
#endif
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
  if (cmd == "search") return cmd_search(argc, argv);
  if (cmd == "eval") return cmd_eval(argc, argv);
#ifdef INDORERANK_HTTP
  if (cmd == "serve") return cmd_serve(argc, argv);
  if (cmd == "fetch") return cmd_fetch(argc, argv);
#endif
  return usage_error("unknown command '" + cmd + "'");
}
