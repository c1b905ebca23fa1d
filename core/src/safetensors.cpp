#include "safetensors.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "json.hpp"

namespace indorerank::safetensors {

namespace {
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

bool dtype_from_name(const std::string& s, DType* d) {
  static const std::pair<const char*, DType> kNames[] = {
      {"F32", DType::kF32}, {"F16", DType::kF16}, {"BF16", DType::kBF16}, {"I8", DType::kI8},
      {"U8", DType::kU8},   {"I32", DType::kI32}, {"I64", DType::kI64}};
  for (const auto& n : kNames)
    if (s == n.first) { *d = n.second; return true; }
  return false;
}
}  // namespace

const char* dtype_name(DType d) {
  switch (d) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kI8: return "I8";
    case DType::kU8: return "U8";
    case DType::kI32: return "I32";
    case DType::kI64: return "I64";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::kF32: case DType::kI32: return 4;
    case DType::kF16: case DType::kBF16: return 2;
    case DType::kI8: case DType::kU8: return 1;
    case DType::kI64: return 8;
  }
  return 0;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

const TensorView* File::find(const std::string& name) const {
  const auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

StatusOr<File> parse(const uint8_t* data, size_t size, Extent extent) {
  if (size < 8) return data_loss("not a safetensors file: " + std::to_string(size) + " bytes, need at least 8");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | data[i];
  if (header_len > kMaxHeaderBytes) return data_loss("safetensors header length " + std::to_string(header_len) + " is implausible (corrupted file?)");
  if (header_len > size - 8)
    return data_loss("file truncated: the header needs " + std::to_string(header_len + 8) + " bytes, the file has " + std::to_string(size));
  const std::string_view header(reinterpret_cast<const char*>(data + 8), header_len);
  auto parsed = json::parse(header);
  if (!parsed.ok()) return data_loss("safetensors header is not valid JSON (" + parsed.status().message() + ")");
  const json::Value& root = parsed.value();
  if (!root.is_object()) return data_loss("safetensors header is not a JSON object");

  const uint8_t* base = data + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  File file;
  file.header_bytes = 8 + header_len;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, entry] : root.members()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) return data_loss("safetensors __metadata__ is not an object");
      for (const auto& [k, v] : entry.members()) {
        if (!v.is_string()) return data_loss("safetensors metadata value \"" + k + "\" is not a string");
        file.metadata[k] = v.as_string();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object()) return data_loss(where + ": header entry is not an object");
    const json::Value* dt = entry.find("dtype");
    const json::Value* shape = entry.find("shape");
    const json::Value* offs = entry.find("data_offsets");
    if (!dt || !dt->is_string()) return data_loss(where + ": missing dtype");
    if (!shape || !shape->is_array()) return data_loss(where + ": missing shape");
    if (!offs || !offs->is_array() || offs->items().size() != 2) return data_loss(where + ": data_offsets must be [begin, end]");
    TensorView t;
    t.name = name;
    if (!dtype_from_name(dt->as_string(), &t.dtype)) return data_loss(where + ": unsupported dtype " + dt->as_string());
    uint64_t numel = 1;
    for (const auto& d : shape->items()) {
      if (!d.is_integer() || d.as_int() < 0) return data_loss(where + ": shape has a bad dimension");
      const auto dim = static_cast<uint64_t>(d.as_int());
      if (dim != 0 && numel > (uint64_t(1) << 62) / dim) return data_loss(where + ": shape overflows");
      numel *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    if (!offs->items()[0].is_integer() || !offs->items()[1].is_integer() || offs->items()[0].as_int() < 0 ||
        offs->items()[1].as_int() < 0)
      return data_loss(where + ": bad data_offsets");
    const auto begin = static_cast<uint64_t>(offs->items()[0].as_int());
    const auto end = static_cast<uint64_t>(offs->items()[1].as_int());
    if (begin > end) return data_loss(where + ": data_offsets begin after end");
    t.offset = 8 + header_len + begin;
    t.nbytes = static_cast<size_t>(end - begin);
    const bool absent = extent == Extent::kHeaderOnly || (extent == Extent::kMayEnd && begin >= data_size);
    if (!absent && end > data_size)
      return data_loss("file truncated: " + where + " ends at data byte " + std::to_string(end) + " but only " +
                       std::to_string(data_size) + " data bytes are present");
    if (end - begin != numel * dtype_size(t.dtype))
      return data_loss(where + ": " + std::to_string(end - begin) + " bytes stored but shape and dtype need " +
                       std::to_string(numel * dtype_size(t.dtype)));
    t.data = absent ? nullptr : base + begin;
    ranges.emplace_back(begin, end);
    file.tensors.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) return data_loss("safetensors tensors overlap (corrupted header)");
  return file;
}

namespace {

// The 8-byte length and the JSON header (padded to 8 bytes) for `tensors`
// stored back to back in the given order.
std::string file_header(const std::map<std::string, std::string>& metadata, const std::vector<TensorToWrite>& tensors) {
  json::Value header = json::Value::object();
  json::Value meta = json::Value::object();
  for (const auto& [k, v] : metadata) meta.set(k, json::Value::string(v));
  header.set("__metadata__", std::move(meta));
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    json::Value e = json::Value::object();
    e.set("dtype", json::Value::string(dtype_name(t.dtype)));
    json::Value shape = json::Value::array();
    for (const int64_t d : t.shape) shape.push_back(json::Value::number(static_cast<double>(d)));
    e.set("shape", std::move(shape));
    json::Value offs = json::Value::array();
    offs.push_back(json::Value::number(static_cast<double>(offset)));
    offs.push_back(json::Value::number(static_cast<double>(offset + t.bytes.size())));
    e.set("data_offsets", std::move(offs));
    header.set(t.name, std::move(e));
    offset += t.bytes.size();
  }
  std::string h = json::dump(header);
  while (h.size() % 8 != 0) h += ' ';
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((uint64_t(h.size()) >> (8 * i)) & 0xFF);
  return out + h;
}

}  // namespace

Status write(const std::string& path, const std::map<std::string, std::string>& metadata,
             const std::vector<TensorToWrite>& tensors) {
  const std::string h = file_header(metadata, tensors);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return io_error("cannot open " + path + " for writing: " + std::strerror(errno));
  int err = 0;  // the first failure's errno (ENOSPC on a full disk)
  auto put = [&](const void* data, size_t n) {
    if (err == 0 && n > 0 && std::fwrite(data, 1, n, f) != n) err = errno ? errno : EIO;
  };
  put(h.data(), h.size());
  for (const auto& t : tensors) put(t.bytes.data(), t.bytes.size());
  if (err == 0 && std::fflush(f) != 0) err = errno ? errno : EIO;
  if (std::fclose(f) != 0 && err == 0) err = errno ? errno : EIO;
  if (err != 0) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) std::remove(path.c_str());  // no half-written file left
    return io_error("failed writing " + path + ": " + std::strerror(err));
  }
  return ok_status();
}

std::vector<uint8_t> serialize(const std::map<std::string, std::string>& metadata, std::vector<TensorToWrite>* tensors) {
  const std::string h = file_header(metadata, *tensors);
  size_t total = h.size();
  for (const auto& t : *tensors) total += t.bytes.size();
  std::vector<uint8_t> out;
  out.reserve(total);
  out.insert(out.end(), h.begin(), h.end());
  for (auto& t : *tensors) {
    out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    std::vector<uint8_t>().swap(t.bytes);  // each tensor's memory goes as soon as it is copied
  }
  return out;
}

}  // namespace indorerank::safetensors
