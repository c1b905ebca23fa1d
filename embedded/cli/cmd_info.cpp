#include <unistd.h>

#include <cstdio>
#include <thread>

#include "args.hpp"

namespace indorerank::cli {
namespace {

// This process's resident memory (Linux), or -1.
long resident_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long pages = 0, resident = -1;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

int cmd_info(int argc, char** argv) {
  std::set<std::string> values = kLoadOptionNames;
  values.insert("model");
  auto args = parse_args(argc, argv, 2, values, {}, 1);
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  auto opts = load_options(a);
  if (!opts.ok()) return usage_error(opts.status().message());
  std::string kernels;
  for (const auto& k : available_kernels()) kernels += (kernels.empty() ? "" : " ") + k;
  // The model as `info MODEL` or `info -m MODEL`, like every other command.
  if (a.has("model") && !a.positional.empty()) return usage_error("give the model once: info MODEL or info -m MODEL");
  const std::string model = a.has("model") ? a.get("model") : a.positional.empty() ? "" : a.positional[0];
  if (model.empty()) {
    const std::string k = opts->kernel.empty() ? best_kernel_name() : opts->kernel;
    bool known = false;
    for (const auto& n : available_kernels()) known = known || n == k;
    if (!known) return fail(unimplemented("kernel '" + k + "' is not available (available: " + kernels + ")"));
    const int threads = opts->threads == 0 ? static_cast<int>(std::thread::hardware_concurrency()) : opts->threads;
    std::printf("kernel: %s\nkernels: %s\nthreads: %d\nhardware_threads: %u\n", k.c_str(), kernels.c_str(), threads,
                std::thread::hardware_concurrency());
    return 0;
  }
  auto r = Reranker::load(model, opts.value());
  if (!r.ok()) return fail(r.status());
  const Info i = r.value()->info();
  std::printf("kernel: %s\nkernels: %s\nthreads: %d\nhardware_threads: %u\n", i.kernel.c_str(), kernels.c_str(),
              i.threads, std::thread::hardware_concurrency());
  std::printf("max_length: %d\nvocab_size: %d\nhidden_size: %d\nnum_layers: %d\nnum_heads: %d\n"
              "intermediate_size: %d\nmax_position_embeddings: %d\n",
              i.max_length, i.config.vocab_size, i.config.hidden_size, i.config.num_layers, i.config.num_heads,
              i.config.intermediate_size, i.config.max_position_embeddings);
  std::printf("file_bytes: %zu\nweight_bytes: %zu\nmemory_limit: %zu\nmin_memory: %zu\n", i.file_bytes,
              i.weight_bytes, i.memory_limit, i.min_memory);
  std::printf("layout: %s\n",
              i.layout.block_rows > 0
                  ? ("head " + std::to_string(i.layout.head_bytes) + " bytes, " + std::to_string(i.layout.blocks) +
                     " blocks of " + std::to_string(i.layout.block_rows) + " rows")
                        .c_str()
                  : "whole (no embedding blocks; convert it again to load by range)");
  if (const long rss = resident_bytes(); rss >= 0) std::printf("rss_after_load: %ld\n", rss);
  return 0;
}

}  // namespace indorerank::cli
