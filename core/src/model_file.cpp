#include "model_file.hpp"

#include <cmath>
#include <cstring>

#include "crc32.hpp"
#include "json.hpp"
#include "safetensors.hpp"

namespace indorerank {

using safetensors::DType;
using safetensors::TensorView;

size_t ModelWeights::packed_bytes() const {
  auto lin = [](const QuantLinear& l) {
    return l.w.data.size() + l.w.col_sums.size() * 4 + (l.scale.size() + l.bias.size()) * 4;
  };
  size_t n = (head_dense.size() + head_dense_bias.size() + word_scale.size() + position_embeddings.size()) * 4;
  for (const auto& l : layers) n += lin(l.qkv) + lin(l.attn_out) + lin(l.ffn_up) + lin(l.ffn_down);
  return n;
}

Status validate_config(const ModelConfig& c) {
  auto bad = [](const std::string& what) { return data_loss("model config: " + what); };
  if (c.vocab_size < 5 || c.vocab_size > 2000000) return bad("vocab_size " + std::to_string(c.vocab_size) + " out of range");
  if (c.hidden_size < 1 || c.hidden_size > 8192) return bad("hidden_size out of range");
  if (c.num_layers < 1 || c.num_layers > 128) return bad("num_layers out of range");
  if (c.num_heads < 1 || c.hidden_size % c.num_heads != 0) return bad("hidden_size must be a multiple of num_heads");
  if (c.hidden_size / c.num_heads > 256) return bad("head size above 256 is not supported");
  if (c.intermediate_size < 1 || c.intermediate_size > 65536) return bad("intermediate_size out of range");
  if (c.max_position_embeddings < 8 || c.max_position_embeddings > 65536) return bad("max_position_embeddings out of range");
  if (!(c.layer_norm_eps > 0 && c.layer_norm_eps < 1)) return bad("layer_norm_eps out of range");
  return ok_status();
}

std::string config_to_json(const ModelConfig& c) {
  json::Value v = json::Value::object();
  v.set("vocab_size", json::Value::number(c.vocab_size));
  v.set("hidden_size", json::Value::number(c.hidden_size));
  v.set("num_layers", json::Value::number(c.num_layers));
  v.set("num_heads", json::Value::number(c.num_heads));
  v.set("intermediate_size", json::Value::number(c.intermediate_size));
  v.set("max_position_embeddings", json::Value::number(c.max_position_embeddings));
  v.set("layer_norm_eps", json::Value::number(c.layer_norm_eps));
  return json::dump(v);
}

StatusOr<ModelConfig> config_from_json(const std::string& text) {
  auto parsed = json::parse(text);
  if (!parsed.ok()) return data_loss("model config is not valid JSON: " + parsed.status().message());
  const json::Value& v = parsed.value();
  ModelConfig c;
  struct Field { const char* name; int* out; };
  const Field fields[] = {{"vocab_size", &c.vocab_size}, {"hidden_size", &c.hidden_size},
                          {"num_layers", &c.num_layers}, {"num_heads", &c.num_heads},
                          {"intermediate_size", &c.intermediate_size},
                          {"max_position_embeddings", &c.max_position_embeddings}};
  for (const Field& f : fields) {
    const json::Value* x = v.find(f.name);
    if (!x || !x->is_integer() || x->as_int() < 0 || x->as_int() > (1 << 30))
      return data_loss(std::string("model config: missing or bad ") + f.name);
    *f.out = static_cast<int>(x->as_int());
  }
  const json::Value* eps = v.find("layer_norm_eps");
  if (!eps || !eps->is_number()) return data_loss("model config: missing layer_norm_eps");
  c.layer_norm_eps = static_cast<float>(eps->as_number());
  INDORERANK_RETURN_IF_ERROR(validate_config(c));
  return c;
}

namespace {

class Reader {
 public:
  explicit Reader(const safetensors::File& f) : f_(f) {}

  StatusOr<const TensorView*> get(const std::string& name, DType dtype, std::vector<int64_t> shape) const {
    const TensorView* t = f_.find(name);
    if (!t) return data_loss("model file has no tensor '" + name + "' (not an indorerank int8 model, or a different architecture)");
    if (t->dtype != dtype)
      return data_loss("tensor '" + name + "' has dtype " + safetensors::dtype_name(t->dtype) + ", expected " +
                       safetensors::dtype_name(dtype));
    if (t->shape != shape) return data_loss("tensor '" + name + "' has shape " + shape_str(t->shape) + ", expected " + shape_str(shape));
    if (!t->data) return data_loss("file truncated: tensor '" + name + "' is not in the bytes given");
    return t;
  }

  Status floats(const std::string& name, std::vector<int64_t> shape, std::vector<float>* out) const {
    INDORERANK_ASSIGN_OR_RETURN(const TensorView* t, get(name, DType::kF32, std::move(shape)));
    out->resize(static_cast<size_t>(t->numel()));
    std::memcpy(out->data(), t->data, t->nbytes);
    for (const float x : *out)
      if (!std::isfinite(x)) return data_loss("tensor '" + name + "' contains NaN or infinity");
    return ok_status();
  }

  Status linear(const std::string& prefix, int out, int in, QuantLinear* l) const {
    INDORERANK_ASSIGN_OR_RETURN(const TensorView* w, get(prefix + ".weight", DType::kI8, {out, in}));
    INDORERANK_RETURN_IF_ERROR(floats(prefix + ".scale", {out}, &l->scale));
    INDORERANK_RETURN_IF_ERROR(floats(prefix + ".bias", {out}, &l->bias));
    for (const float s : l->scale)
      if (s < 0) return data_loss("tensor '" + prefix + ".scale' has a negative scale");
    l->w = kernels::pack_weights(reinterpret_cast<const int8_t*>(w->data), out, in);
    return ok_status();
  }

  Status norm(const std::string& prefix, int h, Norm* n) const {
    INDORERANK_RETURN_IF_ERROR(floats(prefix + ".weight", {h}, &n->gamma));
    return floats(prefix + ".bias", {h}, &n->beta);
  }

 private:
  static std::string shape_str(const std::vector<int64_t>& s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
    return r + "]";
  }
  const safetensors::File& f_;
};

// Stacks query, key and value into one [3H, H] layer so one GEMM computes all three.
QuantLinear stack_qkv(const QuantLinear* parts[3], const safetensors::File& f, const std::string& prefix, int h) {
  std::vector<int8_t> w(static_cast<size_t>(3) * h * h);
  QuantLinear out;
  const char* names[3] = {"query", "key", "value"};
  for (int i = 0; i < 3; ++i) {
    const TensorView* t = f.find(prefix + names[i] + ".weight");
    std::memcpy(w.data() + static_cast<size_t>(i) * h * h, t->data, t->nbytes);
    out.scale.insert(out.scale.end(), parts[i]->scale.begin(), parts[i]->scale.end());
    out.bias.insert(out.bias.end(), parts[i]->bias.begin(), parts[i]->bias.end());
  }
  out.w = kernels::pack_weights(w.data(), 3 * h, h);
  return out;
}

}  // namespace

namespace {

StatusOr<ModelConfig> check_format(const safetensors::File& f) {
  const auto fmt = f.metadata.find("format");
  if (fmt == f.metadata.end() || fmt->second != kFormatName)
    return data_loss("not an indorerank int8 model file (metadata 'format' is not '" + std::string(kFormatName) +
                     "'); convert a Hugging Face model with `indorerank convert`");
  const auto ver = f.metadata.find("format_version");
  if (ver == f.metadata.end() || ver->second != kFormatVersion)
    return data_loss("unsupported model file version (this build reads version " + std::string(kFormatVersion) + ")");
  const auto cfg = f.metadata.find("config");
  if (cfg == f.metadata.end()) return data_loss("model file metadata has no 'config'");
  return config_from_json(cfg->second);
}

StatusOr<uint32_t> metadata_u32(const safetensors::File& f, const char* key, uint64_t max) {
  const std::string& v = f.metadata.at(key);
  uint64_t x = 0;
  if (v.empty() || v.size() > 10) return data_loss(std::string("model file metadata '") + key + "' is not a number");
  for (const char ch : v) {
    if (ch < '0' || ch > '9') return data_loss(std::string("model file metadata '") + key + "' is not a number");
    x = x * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (x > max) return data_loss(std::string("model file metadata '") + key + "' is out of range");
  return static_cast<uint32_t>(x);
}

// Where the head ends and the blocks lie; block_rows 0 for a file without blocks.
StatusOr<ModelLayout> layout_of(const safetensors::File& f, const ModelConfig& c) {
  const TensorView* emb = f.find("embeddings.word.weight");
  if (!emb || emb->dtype != DType::kI8 || emb->shape != std::vector<int64_t>{c.vocab_size, c.hidden_size})
    return data_loss("model file has no tensor 'embeddings.word.weight' I8 [vocab_size, hidden_size]");
  ModelLayout l;
  l.header_bytes = f.header_bytes;
  l.row_bytes = static_cast<uint32_t>(c.hidden_size);
  l.file_bytes = f.header_bytes;
  for (const auto& [name, t] : f.tensors) l.file_bytes = std::max<uint64_t>(l.file_bytes, t.offset + t.nbytes);
  l.head_bytes = emb->offset;
  if (f.metadata.count(kBlockRowsKey) == 0) return l;
  INDORERANK_ASSIGN_OR_RETURN(l.block_rows, metadata_u32(f, kBlockRowsKey, 1u << 16));
  if (l.block_rows == 0) return data_loss("model file metadata 'embedding_block_rows' is 0");
  if (emb->offset + emb->nbytes != l.file_bytes)
    return data_loss("model file says it has embedding blocks but the table is not its last data");
  for (const auto& [name, t] : f.tensors)
    if (&t != emb && t.offset + t.nbytes > emb->offset)
      return data_loss("model file says it has embedding blocks but tensor '" + name + "' follows the table");
  l.blocks = static_cast<uint32_t>((static_cast<uint64_t>(c.vocab_size) + l.block_rows - 1) / l.block_rows);
  if (f.metadata.count(kHeadCrcKey) == 0) return data_loss("model file has embedding blocks but no 'head_crc32'");
  return l;
}

}  // namespace

StatusOr<ModelLayout> read_layout(const uint8_t* data, size_t size) {
  if (size < 8) return data_loss("a model file's layout needs its first 8 bytes, got " + std::to_string(size));
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | data[i];
  if (header_len <= size - 8) {
    INDORERANK_ASSIGN_OR_RETURN(safetensors::File f, safetensors::parse(data, size, safetensors::Extent::kHeaderOnly));
    INDORERANK_ASSIGN_OR_RETURN(ModelConfig c, check_format(f));
    return layout_of(f, c);
  }
  if (header_len > (uint64_t(1) << 32)) return data_loss("not a model file: implausible header length");
  ModelLayout l;
  l.header_bytes = 8 + header_len;
  return l;
}

StatusOr<std::unique_ptr<ModelWeights>> load_model(std::shared_ptr<const Blob> file, bool head_only) {
  INDORERANK_ASSIGN_OR_RETURN(
      safetensors::File f, safetensors::parse(file->data(), file->size(),
                                              head_only ? safetensors::Extent::kMayEnd : safetensors::Extent::kWhole));
  auto m = std::make_unique<ModelWeights>();
  INDORERANK_ASSIGN_OR_RETURN(m->config, check_format(f));
  const ModelConfig& c = m->config;
  const int h = c.hidden_size, inter = c.intermediate_size;
  INDORERANK_ASSIGN_OR_RETURN(m->layout, layout_of(f, c));
  const ModelLayout& l = m->layout;
  if (head_only) {
    if (l.block_rows == 0)
      return data_loss(
          "this model file has no embedding blocks (an older converter wrote it): load it whole, or "
          "convert it again");
    if (file->size() != l.head_bytes)
      return data_loss("a model head has " + std::to_string(l.head_bytes) + " bytes, got " +
                       std::to_string(file->size()));
  }
  if (l.block_rows > 0) {
    INDORERANK_ASSIGN_OR_RETURN(const uint32_t want, metadata_u32(f, kHeadCrcKey, 0xFFFFFFFFu));
    if (crc32(file->data() + l.header_bytes, l.head_bytes - l.header_bytes) != want)
      return data_loss("the model file is corrupted: its head fails its checksum (download the model again)");
  }
  Reader r(f);

  std::vector<uint32_t> block_crc;
  if (l.block_rows > 0) {
    INDORERANK_ASSIGN_OR_RETURN(const TensorView* t, r.get(kBlockCrcTensor, DType::kI32, {l.blocks}));
    block_crc.resize(l.blocks);
    std::memcpy(block_crc.data(), t->data, t->nbytes);
  }
  if (head_only) {
    m->word_embeddings.init_absent(c.vocab_size, h, static_cast<int>(l.block_rows), std::move(block_crc));
  } else {
    INDORERANK_ASSIGN_OR_RETURN(const TensorView* emb, r.get("embeddings.word.weight", DType::kI8, {c.vocab_size, h}));
    m->word_embeddings.init_in_file(reinterpret_cast<const int8_t*>(emb->data), c.vocab_size, h,
                                    l.block_rows > 0 ? static_cast<int>(l.block_rows) : c.vocab_size,
                                    std::move(block_crc));
  }
  INDORERANK_RETURN_IF_ERROR(r.floats("embeddings.word.scale", {c.vocab_size}, &m->word_scale));
  INDORERANK_RETURN_IF_ERROR(r.floats("embeddings.position.weight", {c.max_position_embeddings, h}, &m->position_embeddings));
  INDORERANK_RETURN_IF_ERROR(r.floats("embeddings.token_type.weight", {1, h}, &m->token_type_embedding));
  INDORERANK_RETURN_IF_ERROR(r.norm("embeddings.norm", h, &m->embedding_norm));

  m->layers.resize(static_cast<size_t>(c.num_layers));
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    EncoderLayer& l = m->layers[static_cast<size_t>(i)];
    QuantLinear q, k, v;
    INDORERANK_RETURN_IF_ERROR(r.linear(p + "attention.query", h, h, &q));
    INDORERANK_RETURN_IF_ERROR(r.linear(p + "attention.key", h, h, &k));
    INDORERANK_RETURN_IF_ERROR(r.linear(p + "attention.value", h, h, &v));
    const QuantLinear* parts[3] = {&q, &k, &v};
    l.qkv = stack_qkv(parts, f, p + "attention.", h);
    INDORERANK_RETURN_IF_ERROR(r.linear(p + "attention.output", h, h, &l.attn_out));
    INDORERANK_RETURN_IF_ERROR(r.norm(p + "attention.norm", h, &l.attn_norm));
    INDORERANK_RETURN_IF_ERROR(r.linear(p + "ffn.up", inter, h, &l.ffn_up));
    INDORERANK_RETURN_IF_ERROR(r.linear(p + "ffn.down", h, inter, &l.ffn_down));
    INDORERANK_RETURN_IF_ERROR(r.norm(p + "ffn.norm", h, &l.ffn_norm));
  }
  INDORERANK_RETURN_IF_ERROR(r.floats("head.dense.weight", {h, h}, &m->head_dense));
  INDORERANK_RETURN_IF_ERROR(r.floats("head.dense.bias", {h}, &m->head_dense_bias));
  INDORERANK_RETURN_IF_ERROR(r.floats("head.out_proj.weight", {1, h}, &m->out_proj));
  std::vector<float> ob;
  INDORERANK_RETURN_IF_ERROR(r.floats("head.out_proj.bias", {1}, &ob));
  m->out_proj_bias = ob[0];

  const TensorView* spm = f.find("tokenizer.sentencepiece");
  if (!spm || spm->dtype != DType::kU8 || spm->shape.size() != 1 || !spm->data)
    return data_loss("model file has no tokenizer (tensor 'tokenizer.sentencepiece', U8 [n])");
  m->sentencepiece_model.assign(reinterpret_cast<const char*>(spm->data), spm->nbytes);
  // Everything before the table has been copied (packed): a mapped file's
  // pages there need not stay resident. A head's bytes go altogether.
  file->release(0, static_cast<size_t>(l.head_bytes));
  if (!head_only) m->file = std::move(file);
  return m;
}

}  // namespace indorerank
