// `indorerank bench`: engine throughput on pre-tokenized pairs, grouped into
// rerank requests of --group sequences. Prints one JSON object.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "args.hpp"
#include "input.hpp"
#include "json.hpp"

namespace indorerank::cli {

int cmd_bench(int argc, char** argv) {
  std::set<std::string> values = {"model", "ids", "runs", "group"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("model") || !a.has("ids")) return usage_error("bench needs -m MODEL --ids FILE");
  auto opts = load_options(a);
  if (!opts.ok()) return usage_error(opts.status().message());
  auto runs = a.get_int("runs", 3, 1, 1000);
  auto group = a.get_int("group", 100, 1, 1 << 20);
  if (!runs.ok() || !group.ok()) return usage_error("bad --runs or --group");

  auto text = read_text(a.get("ids"));
  if (!text.ok()) return fail(text.status());
  std::vector<std::vector<int32_t>> seqs;
  size_t tokens = 0;
  for (const auto& line : split_lines(text.value())) {
    if (line.empty()) continue;
    auto v = json::parse(line);
    const json::Value* ids = v.ok() ? v->find("input_ids") : nullptr;
    if (!ids || !ids->is_array()) return fail(invalid_argument("--ids: expected JSONL {\"input_ids\": [...]}"));
    std::vector<int32_t> s;
    for (const auto& x : ids->items()) s.push_back(static_cast<int32_t>(x.as_int()));
    tokens += s.size();
    seqs.push_back(std::move(s));
  }
  const auto t_load = std::chrono::steady_clock::now();
  auto ranker = Reranker::load(a.get("model"), opts.value());
  if (!ranker.ok()) return fail(ranker.status());
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();
  Reranker& r = *ranker.value();

  std::vector<std::vector<std::vector<int32_t>>> requests;
  for (size_t i = 0; i < seqs.size(); i += static_cast<size_t>(group.value()))
    requests.emplace_back(seqs.begin() + static_cast<std::ptrdiff_t>(i),
                          seqs.begin() + static_cast<std::ptrdiff_t>(std::min(seqs.size(), i + static_cast<size_t>(group.value()))));
  if (requests.empty()) return fail(invalid_argument("--ids holds no sequences"));
  if (!r.score_ids(requests[0]).ok()) return fail(r.score_ids(requests[0]).status());  // warm-up

  std::vector<double> secs;
  for (long long run = 0; run < runs.value(); ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& req : requests) {
      auto res = r.score_ids(req);
      if (!res.ok()) return fail(res.status());
    }
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  const double median = secs[secs.size() / 2];

  // Multiply-accumulates of the linear layers and attention actually run
  // (the last layer only finishes token 0 of each sequence).
  const Info info = r.info();
  const double H = info.config.hidden_size, I = info.config.intermediate_size, L = info.config.num_layers;
  double macs = 0;
  for (const auto& s : seqs) {
    const double n = static_cast<double>(s.size());
    macs += (L - 1) * n * (4 * H * H + 2 * H * I + 2 * n * H);  // full layers
    macs += n * 3 * H * H + 2 * n * H + (H * H + 2 * H * I) + H * H;  // last layer for token 0, head
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  json::Value out = json::Value::object();
  out.set("runtime", json::Value::string("indorerank"));
  out.set("kernel", json::Value::string(info.kernel));
  out.set("threads", json::Value::number(info.threads));
  out.set("pairs", json::Value::number(static_cast<double>(seqs.size())));
  out.set("tokens", json::Value::number(static_cast<double>(tokens)));
  out.set("runs", json::Value::number(static_cast<double>(runs.value())));
  out.set("median_s", json::Value::number(median));
  out.set("pairs_per_s", json::Value::number(static_cast<double>(seqs.size()) / median));
  out.set("ms_per_request", json::Value::number(1000.0 * median / static_cast<double>(requests.size())));
  out.set("gmac_per_s", json::Value::number(macs / median / 1e9));
  out.set("load_ms", json::Value::number(load_ms));
  out.set("peak_rss_mb", json::Value::number(static_cast<double>(ru.ru_maxrss) / 1024.0));
  out.set("arena_peak_mb", json::Value::number(static_cast<double>(info.peak_bytes) / (1 << 20)));
  std::printf("%s\n", json::dump(out).c_str());
  return 0;
}

}  // namespace indorerank::cli
