#include <cstdio>

#include "args.hpp"
#include "progress.hpp"

namespace indorerank::cli {

int cmd_convert(int argc, char** argv) {
  auto args = parse_args(argc, argv, 2, {}, {}, 2);
  if (!args.ok()) return usage_error(args.status().message());
  if (args->positional.size() != 2) return usage_error("usage: indorerank convert HF_MODEL_DIR OUT.int8.safetensors");
  const Status s = [&] {
    TerminalTicker ticker("converting " + args->positional[0]);
    return convert_hf_model(args->positional[0], args->positional[1]);
  }();
  if (!s.ok()) return fail(s);
  // Prove the output loads before saying it worked.
  auto check = Reranker::load(args->positional[1]);
  if (!check.ok()) return fail(check.status());
  const Info i = check.value()->info();
  std::printf("wrote %s (%.1f MB, %d layers, hidden %d, vocab %d)\n", args->positional[1].c_str(),
              static_cast<double>(i.file_bytes) / 1e6, i.config.num_layers, i.config.hidden_size, i.config.vocab_size);
  return 0;
}

}  // namespace indorerank::cli
