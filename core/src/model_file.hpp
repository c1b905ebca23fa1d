// The int8 model file (`*.int8.safetensors`) and the weights loaded from it.
//
// A safetensors container with metadata
//   format = "indorerank-int8", format_version = "1",
//   config = JSON {vocab_size, hidden_size, num_layers, num_heads,
//                  intermediate_size, max_position_embeddings, layer_norm_eps}
// and these tensors (H hidden, I intermediate, V vocab, P positions):
//   embeddings.word.weight I8 [V,H]  + embeddings.word.scale F32 [V] (per row)
//   embeddings.position.weight F32 [P,H], embeddings.token_type.weight F32 [1,H]
//   embeddings.norm.{weight,bias} F32 [H]
//   layers.{i}.attention.{query,key,value,output}.{weight I8 [H,H], scale F32 [H], bias F32 [H]}
//   layers.{i}.attention.norm.{weight,bias} F32 [H]
//   layers.{i}.ffn.up.{weight I8 [I,H], scale F32 [I], bias F32 [I]}
//   layers.{i}.ffn.down.{weight I8 [H,I], scale F32 [H], bias F32 [H]}
//   layers.{i}.ffn.norm.{weight,bias} F32 [H]
//   head.dense.{weight F32 [H,H], bias F32 [H]}  (runs once per pair: kept fp32)
//   head.out_proj.weight F32 [1,H], head.out_proj.bias F32 [1]
//   tokenizer.sentencepiece U8 [n]  (the serialized sentencepiece model)
// Int8 weights are symmetric with one scale per output row: w = q * scale.
//
// Block layout (every file `indorerank convert` writes; older files lack it
// and load whole): embeddings.word.weight is the file's last data, in blocks
// of `embedding_block_rows` rows (metadata), with
//   embeddings.word.block_crc32 I32 [blocks]  (CRC-32 of each block's bytes)
// and metadata head_crc32, the CRC-32 of all data before the table. So the
// head (every byte before the table) is a model without word embeddings,
// and each block is one byte range: see ModelLayout and EmbeddingTable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "blob.hpp"
#include "embedding_table.hpp"
#include "indorerank/indorerank.hpp"
#include "kernels/kernels.hpp"

namespace indorerank {

constexpr const char* kFormatName = "indorerank-int8";
constexpr const char* kFormatVersion = "1";
constexpr const char* kBlockRowsKey = "embedding_block_rows";
constexpr const char* kHeadCrcKey = "head_crc32";
constexpr const char* kBlockCrcTensor = "embeddings.word.block_crc32";
constexpr int kEmbeddingBlockRows = 16;

/// An int8 linear layer y = x W^T + b, W packed for the kernels.
struct QuantLinear {
  kernels::PackedWeights w;
  std::vector<float> scale;  // per output channel
  std::vector<float> bias;
  int out() const { return w.n; }
  int in() const { return w.k; }
};

struct Norm {
  std::vector<float> gamma, beta;
};

struct EncoderLayer {
  QuantLinear qkv;  // query, key and value rows stacked: [3H, H]
  QuantLinear attn_out;
  Norm attn_norm;
  QuantLinear ffn_up, ffn_down;
  Norm ffn_norm;
};

struct ModelWeights {
  ModelConfig config;
  ModelLayout layout;
  std::shared_ptr<const Blob> file;         // keeps word_embeddings alive; null when loaded from a head
  EmbeddingTable word_embeddings;           // [V,H], in `file` or added block by block
  std::vector<float> word_scale;            // [V]
  std::vector<float> position_embeddings;   // [P,H]
  std::vector<float> token_type_embedding;  // [H]
  Norm embedding_norm;
  std::vector<EncoderLayer> layers;
  std::vector<float> head_dense;       // [H,H], fp32
  std::vector<float> head_dense_bias;  // [H]
  std::vector<float> out_proj;  // [H]
  float out_proj_bias = 0;
  std::string sentencepiece_model;  // emptied once the reranker has made its tokenizer
  size_t packed_bytes() const;
};

/// Validates and loads a model file, or with `head_only` the head of one
/// (ModelLayout::head_bytes bytes; no embedding rows). Every header field,
/// dtype, shape, offset and checksum is checked; problems come back as
/// kDataLoss naming the tensor.
StatusOr<std::unique_ptr<ModelWeights>> load_model(std::shared_ptr<const Blob> file, bool head_only = false);

/// The layout from a file's first bytes (see Reranker::read_layout).
StatusOr<ModelLayout> read_layout(const uint8_t* data, size_t size);

/// Checks a config's numbers are sane for this engine (shared with convert).
Status validate_config(const ModelConfig& c);
/// Config <-> the JSON stored in the file's metadata.
std::string config_to_json(const ModelConfig& c);
StatusOr<ModelConfig> config_from_json(const std::string& text);

}  // namespace indorerank
