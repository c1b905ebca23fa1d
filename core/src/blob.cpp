#include "blob.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#if defined(__unix__) && !defined(__EMSCRIPTEN__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define INDORERANK_HAVE_MMAP 1
#endif

namespace indorerank {
namespace {

class VectorBlob final : public Blob {
 public:
  explicit VectorBlob(std::vector<uint8_t> v) : v_(std::move(v)) {}
  const uint8_t* data() const override { return v_.data(); }
  size_t size() const override { return v_.size(); }

 private:
  std::vector<uint8_t> v_;
};

#if defined(INDORERANK_HAVE_MMAP)
class MappedBlob final : public Blob {
 public:
  MappedBlob(void* p, size_t n) : p_(p), n_(n) {}
  ~MappedBlob() override { munmap(p_, n_); }
  const uint8_t* data() const override { return static_cast<const uint8_t*>(p_); }
  size_t size() const override { return n_; }
  void release(size_t offset, size_t n) const override {
    const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t begin = (offset + page - 1) / page * page, end = std::min(n_, offset + n) / page * page;
    if (end > begin) madvise(static_cast<uint8_t*>(p_) + begin, end - begin, MADV_DONTNEED);
  }

 private:
  void* p_;
  size_t n_;
};
#endif

}  // namespace

std::shared_ptr<const Blob> blob_from_vector(std::vector<uint8_t> bytes) {
  return std::make_shared<VectorBlob>(std::move(bytes));
}

StatusOr<std::vector<uint8_t>> read_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return not_found("cannot open " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  const bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return io_error("error reading " + path);
  return out;
}

StatusOr<std::shared_ptr<const Blob>> map_file(const std::string& path) {
#if defined(INDORERANK_HAVE_MMAP)
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return not_found("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return invalid_argument(path + " is not a regular file");
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return std::shared_ptr<const Blob>(blob_from_vector({}));
  }
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return io_error("cannot map " + path + ": " + std::strerror(errno));
  return std::shared_ptr<const Blob>(std::make_shared<MappedBlob>(p, size));
#else
  INDORERANK_ASSIGN_OR_RETURN(auto bytes, read_file(path));
  return blob_from_vector(std::move(bytes));
#endif
}

}  // namespace indorerank
