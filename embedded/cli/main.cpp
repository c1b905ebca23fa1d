// indorerank: command-line tool (rank, search, eval, tokenize, score, convert,
// info, bench, serve, fetch). `indorerank help CMD` or `indorerank CMD --help`
// prints one command's usage with an example; `indorerank --version`.
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

using namespace indorerank::cli;

constexpr const char* kModelOptions =
    "  model options: --max-length N (8..512, default 256), --threads N (0: every core), --memory-limit MIB\n"
    "                 (working memory, default 256), --kernel NAME (see `indorerank info`)\n";

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
  const char* usage;    // synopsis and what it does
  const char* example;  // one command line that works
  bool model_options;
};

const Command kCommands[] = {
    {"rank", cmd_rank, "rerank passages for a query",
     "indorerank rank -m MODEL -q QUERY [--passages FILE] [-k N] [--json] [--return-documents]\n"
     "                [--chunk [--chunk-overlap 32]] [model options]\n"
     "  Reranks passages for a query, best first. FILE (or stdin) holds JSONL {\"id\", \"text\", \"meta\"?}\n"
     "  or one passage per line. -k/--top-k keeps the best N. --chunk scores a passage longer than\n"
     "  max-length in overlapping windows and keeps the best window.\n",
     "indorerank rank -m model.int8.safetensors -q 'harga beras' --passages berita.jsonl -k 5 --json", true},
    {"search", cmd_search, "BM25 over a corpus, then rerank",
     "indorerank search --corpus FILE -q QUERY [-m MODEL] [--bm25-k 100] [-k 10] [--k1 1.2] [--b 0.75]\n"
     "                  [--json] [--return-documents] [--chunk] [model options]\n"
     "  BM25 (Indonesian stemming and stopwords) over FILE, then reranks the BM25 candidates with MODEL;\n"
     "  without -m it prints the BM25 ranking. FILE is read like rank's --passages.\n",
     "indorerank search --corpus demo/data/passages.jsonl -q 'cara membuat paspor' -m model.int8.safetensors", true},
    {"eval", cmd_eval, "ranking quality on labelled queries",
     "indorerank eval --corpus FILE --queries FILE [-m MODEL] [--bm25-k 100] [--k 10] [--json] [--per-query]\n"
     "  nDCG@k, MRR@k and BM25 recall on JSONL queries {\"id\", \"query\", \"relevance\": {id: grade}}.\n",
     "indorerank eval --corpus demo/data/passages.jsonl --queries demo/data/queries.jsonl -m model.int8.safetensors",
     true},
    {"tokenize", cmd_tokenize, "the input ids of query-passage pairs",
     "indorerank tokenize -m MODEL --query Q --passage P [--json] [--max-length N]\n"
     "indorerank tokenize -m MODEL --pairs FILE   (JSONL {\"query\", \"passage\"} -> JSONL ids)\n"
     "  The XLM-R input ids of (query, passage) pairs as the model sees them.\n",
     "indorerank tokenize -m model.int8.safetensors --query 'ibu kota' --passage 'Jakarta adalah ibu kota.'", true},
    {"score", cmd_score, "logits of pre-tokenized pairs",
     "indorerank score -m MODEL [--ids FILE] [model options]\n"
     "  FILE (or stdin): JSONL {\"input_ids\": [...]}; prints JSONL {\"logit\": x}.\n",
     "indorerank tokenize -m M --pairs pairs.jsonl | indorerank score -m M", true},
    {"convert", cmd_convert, "a Hugging Face checkpoint to the int8 model file",
     "indorerank convert HF_MODEL_DIR OUT.int8.safetensors\n"
     "  Converts a Hugging Face checkpoint (config.json, sentencepiece.bpe.model, model.safetensors)\n"
     "  to the engine's int8 file.\n",
     "indorerank convert rerank-indonesia rerank-indonesia/model.int8.safetensors", false},
    {"info", cmd_info, "kernel, threads, and a model's shape and memory",
     "indorerank info [MODEL | -m MODEL] [--threads N] [--kernel NAME]\n"
     "  The kernel and threads this machine would use; with a model, its shape and memory figures.\n",
     "indorerank info -m model.int8.safetensors", true},
    {"bench", cmd_bench, "time the engine",
     "indorerank bench -m MODEL --ids FILE [--group 100] [--runs 3] [model options]\n"
     "  Times the engine on pre-tokenized pairs (JSONL {\"input_ids\"}), groups of --group pairs.\n",
     "indorerank bench -m model.int8.safetensors --ids pairs.ids.jsonl --runs 3", true},
#ifdef INDORERANK_HTTP
    {"serve", cmd_serve, "the local rerank HTTP server",
     "indorerank serve -m MODEL [--host 127.0.0.1] [--port 8080] [--workers 1] [--threads N]\n"
     "                 [--memory-limit MIB] [--request-memory 64] [--max-length N] [--chunk] [--model-name NAME]\n"
     "                 [--api-key-file FILE | --api-key KEY] [--cors-allow-origin ORIGIN,...|*]\n"
     "                 [--max-body-bytes 8388608] [--max-documents 1000] [--max-document-chars 100000]\n"
     "                 [--max-connections 256] [--max-connections-per-ip 0] [--max-header-bytes 32768]\n"
     "                 [--request-timeout 30] [--idle-timeout 10]\n"
     "  Cohere v1/v2, Jina, TEI and llama.cpp rerank APIs: POST /v1/rerank, /v2/rerank, /rerank,\n"
     "  /v1/reranking, /reranking; GET /v1/models, /health. --memory-limit caps the whole server:\n"
     "  --request-memory of it for requests in flight, the rest split over --workers; --threads is per\n"
     "  worker (0: hardware threads / workers). --port 0 picks a free port. SIGINT/SIGTERM stop it.\n",
     "indorerank serve -m model.int8.safetensors --port 8080 --workers 2 --threads 1", true},
    {"fetch", cmd_fetch, "download and convert a model from the hub",
     "indorerank fetch [REPO_ID] [--dir DIR] [--revision main] [--base-url URL]\n"
     "  Downloads config.json, sentencepiece.bpe.model, model.safetensors (and onnx/model.onnx when\n"
     "  present) from {URL}/{REPO_ID}/resolve/{revision}/, resuming .part files and checking sha256\n"
     "  etags, then writes DIR/model.int8.safetensors. REPO_ID defaults to madebyaris/rerank-indonesia,\n"
     "  DIR to the repo name, URL to $INDORERANK_HUB_URL or the Hugging Face Hub.\n",
     "indorerank fetch madebyaris/rerank-indonesia --dir models/id", false},
#endif
};

const Command* find_command(const std::string& name) {
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

void print_command_help(const Command& c, FILE* out) {
  std::fprintf(out, "usage: %s%s\nexample:\n  %s\n", c.usage, c.model_options ? kModelOptions : "", c.example);
}

void print_usage(FILE* out) {
  std::fputs("indorerank " INDORERANK_VERSION ": rerank Indonesian passages with an int8 cross-encoder, on device.\n\n"
             "usage: indorerank COMMAND [options]   (indorerank COMMAND --help for one command)\n\ncommands:\n",
             out);
  for (const Command& c : kCommands) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
  std::fputs("\n  indorerank --version    the version\n", out);
}

bool is_help(const char* s) { return !std::strcmp(s, "--help") || !std::strcmp(s, "-h"); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--version" || cmd == "-V" || cmd == "version") {
    std::printf("indorerank %s\n", INDORERANK_VERSION);
    return 0;
  }
  if (cmd == "help" || is_help(argv[1])) {
    if (argc > 2) {
      const Command* c = find_command(argv[2]);
      if (!c) return usage_error("unknown command '" + std::string(argv[2]) + "'");
      print_command_help(*c, stdout);
      return 0;
    }
    print_usage(stdout);
    return 0;
  }
  const Command* c = find_command(cmd);
  if (!c) return usage_error("unknown command '" + cmd + "'");
  for (int i = 2; i < argc; ++i)
    if (is_help(argv[i])) {
      print_command_help(*c, stdout);
      return 0;
    }
  return c->run(argc, argv);
}
