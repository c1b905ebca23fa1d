// `indorerank convert`: Hugging Face XLM-RoBERTa cross-encoder folder -> one
// int8 model file (format in model_file.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "blob.hpp"
#include "crc32.hpp"
#include "indorerank/indorerank.hpp"
#include "json.hpp"
#include "model_file.hpp"
#include "safetensors.hpp"

namespace indorerank {
namespace {

using safetensors::DType;
using safetensors::TensorToWrite;
using safetensors::TensorView;

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      exp = 127 - 15 + 1;
      while ((man & 0x400) == 0) { man <<= 1; --exp; }
      bits = sign | (exp << 23) | ((man & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

class HfModel {
 public:
  HfModel(const safetensors::File& f, std::string prefix) : f_(f), prefix_(std::move(prefix)) {}

  // A tensor as fp32 with the expected shape; `bare` names skip the prefix.
  Status get(const std::string& name, std::vector<int64_t> shape, std::vector<float>* out, bool bare = false) const {
    const std::string full = bare ? name : prefix_ + name;
    const TensorView* t = f_.find(full);
    if (!t) return not_found("model.safetensors has no tensor '" + full + "' (is this an XLM-RoBERTa cross-encoder?)");
    if (t->shape != shape) return invalid_argument("tensor '" + full + "' has an unexpected shape for this config");
    const size_t n = static_cast<size_t>(t->numel());
    out->resize(n);
    switch (t->dtype) {
      case DType::kF32:
        std::memcpy(out->data(), t->data, n * 4);
        break;
      case DType::kF16:
        for (size_t i = 0; i < n; ++i) {
          uint16_t h;
          std::memcpy(&h, t->data + 2 * i, 2);
          (*out)[i] = half_to_float(h);
        }
        break;
      case DType::kBF16:
        for (size_t i = 0; i < n; ++i) {
          uint16_t h;
          std::memcpy(&h, t->data + 2 * i, 2);
          const uint32_t bits = uint32_t(h) << 16;
          std::memcpy(&(*out)[i], &bits, 4);
        }
        break;
      default:
        return invalid_argument("tensor '" + full + "' has dtype " + safetensors::dtype_name(t->dtype) +
                                "; convert reads F32, F16 or BF16");
    }
    for (const float x : *out)
      if (!std::isfinite(x)) return invalid_argument("tensor '" + full + "' contains NaN or infinity");
    return ok_status();
  }

 private:
  const safetensors::File& f_;
  std::string prefix_;
};

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Symmetric int8 with one scale per row of a [rows, cols] matrix.
void quantize_rows(const std::vector<float>& w, int64_t rows, int64_t cols, std::vector<uint8_t>* q,
                   std::vector<float>* scale) {
  q->resize(static_cast<size_t>(rows * cols));
  scale->resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = w.data() + r * cols;
    float m = 0;
    for (int64_t c = 0; c < cols; ++c) m = std::max(m, std::fabs(row[c]));
    const float s = m > 0 ? m / 127.0f : 0.0f;
    (*scale)[static_cast<size_t>(r)] = s;
    for (int64_t c = 0; c < cols; ++c) {
      const float v = s > 0 ? std::nearbyint(row[c] / s) : 0.0f;
      const auto i8 = static_cast<int8_t>(std::max(-127.0f, std::min(127.0f, v)));
      std::memcpy(&(*q)[static_cast<size_t>(r * cols + c)], &i8, 1);
    }
  }
}

class Writer {
 public:
  explicit Writer(const HfModel& hf) : hf_(hf) {}
  std::vector<TensorToWrite> tensors;

  Status plain(const std::string& hf_name, const std::string& name, std::vector<int64_t> shape) {
    std::vector<float> v;
    INDORERANK_RETURN_IF_ERROR(hf_.get(hf_name, shape, &v));
    tensors.push_back({name, DType::kF32, std::move(shape), float_bytes(v)});
    return ok_status();
  }
  Status quantized(const std::string& hf_name, const std::string& name, int64_t rows, int64_t cols,
                   const char* scale_suffix = ".scale") {
    std::vector<float> v, scale;
    INDORERANK_RETURN_IF_ERROR(hf_.get(hf_name, {rows, cols}, &v));
    std::vector<uint8_t> q;
    quantize_rows(v, rows, cols, &q, &scale);
    tensors.push_back({name + ".weight", DType::kI8, {rows, cols}, std::move(q)});
    tensors.push_back({name + scale_suffix, DType::kF32, {rows}, float_bytes(scale)});
    return ok_status();
  }
  Status linear(const std::string& hf_prefix, const std::string& name, int64_t out, int64_t in) {
    INDORERANK_RETURN_IF_ERROR(quantized(hf_prefix + ".weight", name, out, in));
    return plain(hf_prefix + ".bias", name + ".bias", {out});
  }
  Status norm(const std::string& hf_prefix, const std::string& name, int64_t h) {
    INDORERANK_RETURN_IF_ERROR(plain(hf_prefix + ".weight", name + ".weight", {h}));
    return plain(hf_prefix + ".bias", name + ".bias", {h});
  }

 private:
  const HfModel& hf_;
};

// `path` names the file in messages.
StatusOr<ModelConfig> parse_hf_config(std::string_view text, const std::string& path) {
  auto parsed = json::parse(text);
  if (!parsed.ok()) return invalid_argument(path + ": " + parsed.status().message());
  const json::Value& v = parsed.value();
  const json::Value* mt = v.find("model_type");
  if (!mt || !mt->is_string() || (mt->as_string() != "xlm-roberta" && mt->as_string() != "roberta"))
    return invalid_argument(path + ": model_type must be \"xlm-roberta\" (an XLM-RoBERTa cross-encoder)");
  auto int_field = [&](const char* name, int* out) -> Status {
    const json::Value* x = v.find(name);
    if (!x || !x->is_integer() || x->as_int() <= 0 || x->as_int() > (1 << 30))
      return invalid_argument(path + ": missing or bad \"" + name + "\"");
    *out = static_cast<int>(x->as_int());
    return ok_status();
  };
  ModelConfig c;
  INDORERANK_RETURN_IF_ERROR(int_field("vocab_size", &c.vocab_size));
  INDORERANK_RETURN_IF_ERROR(int_field("hidden_size", &c.hidden_size));
  INDORERANK_RETURN_IF_ERROR(int_field("num_hidden_layers", &c.num_layers));
  INDORERANK_RETURN_IF_ERROR(int_field("num_attention_heads", &c.num_heads));
  INDORERANK_RETURN_IF_ERROR(int_field("intermediate_size", &c.intermediate_size));
  INDORERANK_RETURN_IF_ERROR(int_field("max_position_embeddings", &c.max_position_embeddings));
  if (const json::Value* eps = v.find("layer_norm_eps"); eps && eps->is_number())
    c.layer_norm_eps = static_cast<float>(eps->as_number());
  if (const json::Value* act = v.find("hidden_act"); act && (!act->is_string() || act->as_string() != "gelu"))
    return invalid_argument(path + ": hidden_act must be \"gelu\"");
  if (const json::Value* tv = v.find("type_vocab_size"); tv && (!tv->is_integer() || tv->as_int() < 1))
    return invalid_argument(path + ": bad type_vocab_size");
  if (const json::Value* pe = v.find("position_embedding_type");
      pe && (!pe->is_string() || pe->as_string() != "absolute"))
    return invalid_argument(path + ": only absolute position embeddings are supported");
  if (const json::Value* labels = v.find("id2label"); labels && labels->is_object() && labels->members().size() != 1)
    return invalid_argument(path + ": a reranker has one output label; this model has " +
                            std::to_string(labels->members().size()));
  INDORERANK_RETURN_IF_ERROR(validate_config(c));
  return c;
}

struct Converted {
  std::map<std::string, std::string> meta;
  std::vector<TensorToWrite> tensors;
};

// The block layout (model_file.hpp): the word embeddings become the last
// data, with a CRC-32 per block of rows and one for everything before them.
void put_table_last(const ModelConfig& c, Converted* out) {
  auto& ts = out->tensors;
  const auto it =
      std::find_if(ts.begin(), ts.end(), [](const TensorToWrite& t) { return t.name == "embeddings.word.weight"; });
  TensorToWrite table = std::move(*it);
  ts.erase(it);
  const size_t block_bytes = static_cast<size_t>(kEmbeddingBlockRows) * static_cast<size_t>(c.hidden_size);
  const size_t blocks = (table.bytes.size() + block_bytes - 1) / block_bytes;
  std::vector<uint8_t> crcs(blocks * 4);
  for (size_t b = 0; b < blocks; ++b) {
    const size_t begin = b * block_bytes, n = std::min(block_bytes, table.bytes.size() - begin);
    const uint32_t crc = crc32(table.bytes.data() + begin, n);
    for (int i = 0; i < 4; ++i) crcs[b * 4 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (8 * i));
  }
  ts.push_back({kBlockCrcTensor, DType::kI32, {static_cast<int64_t>(blocks)}, std::move(crcs)});
  uint32_t head = 0;
  for (const auto& t : ts) head = crc32(t.bytes.data(), t.bytes.size(), head);
  ts.push_back(std::move(table));
  out->meta[kBlockRowsKey] = std::to_string(kEmbeddingBlockRows);
  out->meta[kHeadCrcKey] = std::to_string(head);
}

// The int8 model file's contents from a checkpoint's three parts.
StatusOr<Converted> convert_checkpoint(std::string_view config_json, const std::string& config_name,
                                       std::vector<uint8_t> spm, const uint8_t* st_data, size_t st_size) {
  INDORERANK_ASSIGN_OR_RETURN(ModelConfig c, parse_hf_config(config_json, config_name));
  INDORERANK_ASSIGN_OR_RETURN(safetensors::File f, safetensors::parse(st_data, st_size));
  const std::string prefix = f.find("roberta.embeddings.word_embeddings.weight") ? "roberta." : "";
  HfModel hf(f, prefix);
  Writer w(hf);
  const int64_t H = c.hidden_size, I = c.intermediate_size;

  INDORERANK_RETURN_IF_ERROR(w.quantized("embeddings.word_embeddings.weight", "embeddings.word", c.vocab_size, H));
  INDORERANK_RETURN_IF_ERROR(w.plain("embeddings.position_embeddings.weight", "embeddings.position.weight",
                                     {c.max_position_embeddings, H}));
  {
    // Only token type 0 is ever used by a single-segment XLM-R model.
    const TensorView* tt = f.find(prefix + "embeddings.token_type_embeddings.weight");
    if (!tt || tt->shape.size() != 2 || tt->shape[1] != H)
      return not_found("model.safetensors has no usable embeddings.token_type_embeddings.weight");
    std::vector<float> all;
    INDORERANK_RETURN_IF_ERROR(hf.get("embeddings.token_type_embeddings.weight", tt->shape, &all));
    all.resize(static_cast<size_t>(H));
    w.tensors.push_back({"embeddings.token_type.weight", DType::kF32, {1, H}, float_bytes(all)});
  }
  INDORERANK_RETURN_IF_ERROR(w.norm("embeddings.LayerNorm", "embeddings.norm", H));
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string hp = "encoder.layer." + std::to_string(i) + ".";
    const std::string p = "layers." + std::to_string(i) + ".";
    INDORERANK_RETURN_IF_ERROR(w.linear(hp + "attention.self.query", p + "attention.query", H, H));
    INDORERANK_RETURN_IF_ERROR(w.linear(hp + "attention.self.key", p + "attention.key", H, H));
    INDORERANK_RETURN_IF_ERROR(w.linear(hp + "attention.self.value", p + "attention.value", H, H));
    INDORERANK_RETURN_IF_ERROR(w.linear(hp + "attention.output.dense", p + "attention.output", H, H));
    INDORERANK_RETURN_IF_ERROR(w.norm(hp + "attention.output.LayerNorm", p + "attention.norm", H));
    INDORERANK_RETURN_IF_ERROR(w.linear(hp + "intermediate.dense", p + "ffn.up", I, H));
    INDORERANK_RETURN_IF_ERROR(w.linear(hp + "output.dense", p + "ffn.down", H, I));
    INDORERANK_RETURN_IF_ERROR(w.norm(hp + "output.LayerNorm", p + "ffn.norm", H));
  }
  // The classifier head is never under the "roberta." prefix.
  HfModel head(f, "");
  Writer hw(head);
  // The head runs once per pair: it stays fp32, where int8 would only add error.
  INDORERANK_RETURN_IF_ERROR(hw.plain("classifier.dense.weight", "head.dense.weight", {H, H}));
  INDORERANK_RETURN_IF_ERROR(hw.plain("classifier.dense.bias", "head.dense.bias", {H}));
  INDORERANK_RETURN_IF_ERROR(hw.plain("classifier.out_proj.weight", "head.out_proj.weight", {1, H}));
  INDORERANK_RETURN_IF_ERROR(hw.plain("classifier.out_proj.bias", "head.out_proj.bias", {1}));
  for (auto& t : hw.tensors) w.tensors.push_back(std::move(t));
  w.tensors.push_back({"tokenizer.sentencepiece", DType::kU8, {static_cast<int64_t>(spm.size())}, std::move(spm)});

  Converted out;
  out.meta = {{"format", kFormatName},
              {"format_version", kFormatVersion},
              {"config", config_to_json(c)},
              {"architecture", "XLMRobertaForSequenceClassification"}};
  out.tensors = std::move(w.tensors);
  put_table_last(c, &out);
  return out;
}

}  // namespace

namespace {

// Conversion holds the whole model in memory more than once: running out is
// an error that says so, not an abort.
Status out_of_memory(const std::string& what) {
  return resource_exhausted("out of memory converting " + what + " (the conversion needs about twice the "
                            "checkpoint's size in RAM)");
}

Status convert_files(const std::string& hf_dir, const std::string& out_path) {
  const std::string st_path = hf_dir + "/model.safetensors";
  INDORERANK_ASSIGN_OR_RETURN(std::vector<uint8_t> config, read_file(hf_dir + "/config.json"));
  const std::string_view config_text(reinterpret_cast<const char*>(config.data()), config.size());
  INDORERANK_RETURN_IF_ERROR(parse_hf_config(config_text, hf_dir + "/config.json").status());  // a bad config first
  INDORERANK_ASSIGN_OR_RETURN(std::vector<uint8_t> spm, read_file(hf_dir + "/sentencepiece.bpe.model"));
  INDORERANK_ASSIGN_OR_RETURN(auto blob, map_file(st_path));
  auto out = convert_checkpoint(config_text, hf_dir + "/config.json", std::move(spm), blob->data(), blob->size());
  // Every message names the file it is about.
  if (!out.ok()) {
    const std::string& m = out.status().message();
    if (m.find(hf_dir) != std::string::npos || m.find("model.safetensors") != std::string::npos) return out.status();
    return Status(out.status().code(), st_path + ": " + m);
  }
  return safetensors::write(out_path, out->meta, out->tensors);
}

}  // namespace

Status convert_hf_model(const std::string& hf_dir, const std::string& out_path) {
  try {
    return convert_files(hf_dir, out_path);
  } catch (const std::bad_alloc&) {
    return out_of_memory(hf_dir);  // (safetensors::write removes a half-written file itself)
  }
}

StatusOr<std::vector<uint8_t>> convert_hf_model_bytes(std::string_view config_json, std::vector<uint8_t> spm,
                                                      const uint8_t* safetensors_data, size_t safetensors_size) {
  try {
    INDORERANK_ASSIGN_OR_RETURN(Converted out, convert_checkpoint(config_json, "config.json", std::move(spm),
                                                                  safetensors_data, safetensors_size));
    return safetensors::serialize(out.meta, &out.tensors);
  } catch (const std::bad_alloc&) {
    return out_of_memory("the checkpoint");
  }
}

}  // namespace indorerank
