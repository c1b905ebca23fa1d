// libFuzzer target: the rerank HTTP request reader never crashes on any body,
// and for every body it accepts, each protocol's answer (with made-up scores)
// is valid JSON that names every result it was given.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "json.hpp"
#include "rerank_api.hpp"

using namespace indorerank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  cli::ApiLimits limits;
  limits.max_documents = 64;
  limits.max_document_chars = 4096;
  for (const bool generic : {false, true}) {
    cli::RerankRequest req;
    cli::ApiError err;
    if (!cli::parse_rerank_request(body, cli::Protocol::kCohereV1, generic, limits, &req, &err)) {
      if (!json::parse(cli::error_body(req.protocol, err)).ok()) std::abort();
      continue;
    }
    if (req.texts.size() > limits.max_documents || req.ids.size() != req.texts.size() || req.top_n > req.texts.size())
      std::abort();
    std::vector<Result> results(req.texts.size());
    for (size_t i = 0; i < results.size(); ++i) {
      results[i].index = results.size() - 1 - i;
      results[i].score = 0.5f;
      results[i].tokens = 3;
    }
    auto parsed = json::parse(cli::rerank_response("m\xff", req, results, 1.5));
    if (!parsed.ok()) std::abort();
    const json::Value* list = parsed->is_array() ? &parsed.value() : parsed->find("results");
    if (!list || list->items().size() != req.top_n) std::abort();
  }
  return 0;
}
