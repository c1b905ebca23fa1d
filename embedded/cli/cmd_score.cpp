#include <cstdio>

#include "args.hpp"
#include "input.hpp"
#include "json.hpp"

namespace indorerank::cli {

int cmd_score(int argc, char** argv) {
  std::set<std::string> values = {"model", "ids"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("model")) return usage_error("score needs -m MODEL");
  auto opts = load_options(a);
  if (!opts.ok()) return usage_error(opts.status().message());
  auto text = read_text(a.get("ids"));
  if (!text.ok()) return fail(text.status());
  std::vector<std::vector<int32_t>> seqs;
  const auto lines = split_lines(text.value());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    auto v = json::parse(lines[i]);
    const json::Value* ids = v.ok() ? v->find("input_ids") : nullptr;
    if (!ids || !ids->is_array()) return fail(invalid_argument("ids line " + std::to_string(i + 1) + ": expected {\"input_ids\": [...]}"));
    std::vector<int32_t> s;
    for (const auto& x : ids->items()) {
      if (!x.is_integer() || x.as_int() < 0 || x.as_int() > 0x7fffffff)
        return fail(invalid_argument("ids line " + std::to_string(i + 1) + ": ids must be non-negative integers"));
      s.push_back(static_cast<int32_t>(x.as_int()));
    }
    seqs.push_back(std::move(s));
  }
  auto ranker = Reranker::load(a.get("model"), opts.value());
  if (!ranker.ok()) return fail(ranker.status());
  auto logits = ranker.value()->score_ids(seqs);
  if (!logits.ok()) return fail(logits.status());
  for (const float l : logits.value()) std::printf("{\"logit\":%.9g}\n", l);
  return 0;
}

}  // namespace indorerank::cli
