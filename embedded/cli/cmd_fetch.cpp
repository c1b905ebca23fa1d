// `indorerank fetch`: download a model folder from a Hugging Face style hub
// ({base}/{repo}/resolve/{revision}/{file}) and convert it to one int8 file.
//
// Each file goes to FILE.part first and is renamed only when complete and,
// where the hub gives a sha256 (X-Linked-Etag / ETag of LFS files), verified.
// A .part left by a broken run or connection is resumed with a Range request.
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "args.hpp"
#include "blob.hpp"
#include "json.hpp"
#include "progress.hpp"
#include "safetensors.hpp"
#include "sha256.hpp"
#include "tokenizer.hpp"

namespace indorerank::cli {
namespace {

const char* kDefaultRepo = "madebyaris/rerank-indonesia";
const char* kDefaultHub = "https://huggingface.co";

struct Url {
  std::string origin;  // scheme://host[:port]
  std::string path;    // starts with '/'
};

StatusOr<Url> split_url(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return invalid_argument("not an http(s) URL: '" + url + "'");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return invalid_argument("not an http(s) URL: '" + url + "'");
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") return unimplemented("this build has no HTTPS support; use an http:// --base-url");
#endif
  const size_t slash = url.find('/', scheme_end + 3);
  if (slash == std::string::npos) return Url{url, "/"};
  return Url{url.substr(0, slash), url.substr(slash)};
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// An ETag value without W/ and quotes, lower-cased.
std::string clean_etag(std::string e) {
  if (e.compare(0, 2, "W/") == 0) e = e.substr(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

// Size of a regular file, -1 when there is none.
long long file_size(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<long long>(st.st_size) : -1;
}

Status make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    const std::string d = dir.substr(0, i);
    if (mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) return io_error("cannot create " + d + ": " + std::strerror(errno));
  }
  return ok_status();
}

std::string mb(long long bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return b;
}

// A bar redrawn in place on a terminal; otherwise a plain line per 10%.
class ProgressBar {
 public:
  ProgressBar(std::string name, long long total) : name_(std::move(name)), total_(total), tty_(isatty(2)) {}
  void update(long long done, bool final = false) {
    // A server may send more than it announced: never draw past 100%.
    if (total_ > 0 && done > total_) total_ = done;
    if (done < 0) done = 0;
    const auto now = std::chrono::steady_clock::now();
    if (tty_) {
      if (!final && now - last_ < std::chrono::milliseconds(100)) return;
      last_ = now;
      if (total_ > 0) {
        const int width = 30, fill = static_cast<int>(width * done / total_);
        std::fprintf(stderr, "\r  %-28s [%s%s] %3d%% %s / %s ", name_.c_str(), std::string(fill, '#').c_str(),
                     std::string(width - fill, '.').c_str(), static_cast<int>(100 * done / total_), mb(done).c_str(),
                     mb(total_).c_str());
      } else {
        std::fprintf(stderr, "\r  %-28s %s ", name_.c_str(), mb(done).c_str());
      }
      if (final) std::fputc('\n', stderr);
      return;
    }
    const int step = total_ > 0 ? static_cast<int>(10 * done / total_) : static_cast<int>(done >> 23);
    if ((final && step != last_step_) || step > last_step_) {
      last_step_ = step;
      if (total_ > 0)
        std::fprintf(stderr, "  %s: %d%% (%s of %s)\n", name_.c_str(), static_cast<int>(100 * done / total_),
                     mb(done).c_str(), mb(total_).c_str());
      else
        std::fprintf(stderr, "  %s: %s\n", name_.c_str(), mb(done).c_str());
    }
  }

 private:
  std::string name_;
  long long total_;
  bool tty_;
  int last_step_ = -1;
  std::chrono::steady_clock::time_point last_{};
};

// What a downloaded file must look like to be kept. A proxy's or captive
// portal's HTML page, a login page, or a stale .part grown past the real file
// must never pass for the model when the hub sends no checksum.
Status check_file(const std::string& name, const std::string& path) {
  const long long size = file_size(path);
  if (size <= 0) return data_loss(path + " is empty");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return io_error("cannot read " + path + ": " + std::strerror(errno));
  char head[16] = {};
  const size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  const std::string start(head, n);
  const bool html = start.find('<') != std::string::npos && start.find_first_not_of(" \t\r\n") == start.find('<');
  if (html) return data_loss(path + " is an HTML page, not " + name + " (a proxy, captive portal or login page answered?)");
  if (name == "config.json") {
    auto bytes = read_file(path);
    if (!bytes.ok()) return bytes.status();
    auto v = json::parse(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
    if (!v.ok() || !v->is_object())
      return data_loss(path + " is not a JSON object" + (v.ok() ? std::string() : ": " + v.status().message()));
  } else if (name == "sentencepiece.bpe.model") {
    auto bytes = read_file(path);
    if (!bytes.ok()) return bytes.status();
    auto t = Tokenizer::create(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), 1 << 30);
    if (!t.ok()) return Status(t.status().code(), path + ": " + t.status().message());
  } else if (name == "model.safetensors") {
    auto blob = map_file(path);
    if (!blob.ok()) return blob.status();
    auto parsed = safetensors::parse(blob.value()->data(), blob.value()->size());
    if (!parsed.ok()) return Status(parsed.status().code(), path + ": " + parsed.status().message());
  }
  return ok_status();
}

struct Download {
  std::string url;
  std::string dest;
  std::string name;  // for messages
  bool optional = false;
};

// One GET (no redirects followed) appending to `part` from its current size.
struct Attempt {
  int status = 0;
  std::string location, linked_etag, etag, error_body;
  long long total = -1;     // whole file size, when the server said
  bool restarted = false;   // the server ignored Range and sent the whole file
  bool stale_part = false;  // the server says the file is shorter than the .part already is
  Status write_error;
  httplib::Error net_error = httplib::Error::Success;
};

Attempt get_once(const std::string& url, const std::string& part, ProgressBar** bar, const std::string& name) {
  Attempt at;
  auto u = split_url(url);
  if (!u.ok()) {
    at.write_error = u.status();
    return at;
  }
  const long long offset = std::max(0LL, file_size(part));
  httplib::Client cli(u->origin);
  cli.set_connection_timeout(15);
  cli.set_read_timeout(60);
  cli.set_follow_location(false);
  cli.set_decompress(false);
  httplib::Headers headers = {{"Accept-Encoding", "identity"}, {"User-Agent", "indorerank-fetch/0.1"}};
  if (offset > 0) headers.emplace("Range", "bytes=" + std::to_string(offset) + "-");
  std::FILE* f = nullptr;
  long long done = offset;
  auto on_response = [&](const httplib::Response& r) {
    at.status = r.status;
    at.location = r.get_header_value("Location");
    at.linked_etag = clean_etag(r.get_header_value("X-Linked-Etag"));
    at.etag = clean_etag(r.get_header_value("ETag"));
    if (r.status == 200) {
      at.restarted = offset > 0;
      done = 0;
      if (r.has_header("Content-Length")) at.total = std::atoll(r.get_header_value("Content-Length").c_str());
      f = std::fopen(part.c_str(), "wb");
    } else if (r.status == 206) {
      // Content-Range: bytes START-END/TOTAL
      const std::string cr = r.get_header_value("Content-Range");
      long long start = -1, end = -1, total = -1;
      if (std::sscanf(cr.c_str(), "bytes %lld-%lld/%lld", &start, &end, &total) >= 2 && total >= 0 && total < offset) {
        at.stale_part = true;  // a .part from another version of the file
        return false;
      }
      if (std::sscanf(cr.c_str(), "bytes %lld-%lld/%lld", &start, &end, &total) < 2 || start != offset) {
        at.write_error = data_loss(name + ": server answered the range request for " + std::to_string(offset) +
                                   " bytes already in " + part + " with '" + cr + "'");
        return false;
      }
      at.total = total;
      f = std::fopen(part.c_str(), "ab");
    } else if (r.status == 416) {
      const std::string cr = r.get_header_value("Content-Range");  // bytes */TOTAL
      long long total = -1;
      if (std::sscanf(cr.c_str(), "bytes */%lld", &total) == 1) at.total = total;
      return true;
    } else {
      return true;  // redirects and errors: the body is read for the message only
    }
    if (!f) {
      at.write_error = io_error("cannot write " + part + ": " + std::strerror(errno));
      return false;
    }
    if (!*bar) *bar = new ProgressBar(name, at.total);
    return true;
  };
  auto on_data = [&](const char* data, size_t n) {
    if (!f) {
      if (at.error_body.size() < 512) at.error_body.append(data, std::min<size_t>(n, 512));
      return true;
    }
    if (std::fwrite(data, 1, n, f) != n) {
      at.write_error = io_error("write to " + part + " failed: " + std::strerror(errno));
      return false;
    }
    done += static_cast<long long>(n);
    (*bar)->update(done);
    return true;
  };
  auto res = cli.Get(u->path, headers, on_response, on_data);
  if (f && std::fclose(f) != 0 && at.write_error.ok())
    at.write_error = io_error("write to " + part + " failed: " + std::strerror(errno));
  if (!res && at.write_error.ok()) at.net_error = res.error();
  return at;
}

std::string resolve_location(const std::string& from, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  auto u = split_url(from);
  if (!u.ok()) return location;
  if (!location.empty() && location[0] == '/') return u->origin + location;
  return u->origin + u->path.substr(0, u->path.rfind('/') + 1) + location;
}

// Downloads d.url to d.dest via d.dest + ".part". *missing is set (and ok
// returned) when an optional file does not exist.
Status download(const Download& d, bool* missing) {
  *missing = false;
  const std::string part = d.dest + ".part";
  const size_t slash = d.dest.rfind('/');
  if (slash != std::string::npos) INDORERANK_RETURN_IF_ERROR(make_dirs(d.dest.substr(0, slash)));
  ProgressBar* bar = nullptr;
  struct BarOwner {
    ProgressBar*& b;
    ~BarOwner() { delete b; }
  } owner{bar};
  std::string sha;  // expected sha256, when known
  long long total = -1;
  const int kAttempts = 4;
  bool complete = false;
  for (int attempt = 1; attempt <= kAttempts && !complete; ++attempt) {
    std::string url = d.url, linked;
    Attempt at;
    for (int hop = 0;; ++hop) {
      if (hop > 10) return data_loss(d.name + ": too many redirects from " + d.url);
      at = get_once(url, part, &bar, d.name);
      if (linked.empty() && is_sha256_hex(at.linked_etag)) linked = at.linked_etag;
      if (at.status >= 300 && at.status < 400 && !at.location.empty() && at.write_error.ok()) {
        url = resolve_location(url, at.location);
        continue;
      }
      break;
    }
    if (!at.write_error.ok()) return at.write_error;
    if (at.stale_part) {
      std::fprintf(stderr, "  %s: %s is longer than the file on the server; starting over\n", d.name.c_str(),
                   part.c_str());
      std::remove(part.c_str());
      continue;
    }
    if (!linked.empty()) sha = linked;
    if (at.net_error != httplib::Error::Success && at.status == 0) {
      const std::string why = at.net_error == httplib::Error::Connection
                                  ? "connection refused or host unreachable"
                                  : httplib::to_string(at.net_error);
      return io_error("cannot reach " + url + ": " + why);
    }
    if (at.status == 404) {
      if (d.optional) {
        *missing = true;
        return ok_status();
      }
      return not_found(d.name + " not found (HTTP 404) at " + d.url + " - check the repo id and revision");
    }
    if (at.status == 401 || at.status == 403)
      return not_found(d.name + ": HTTP " + std::to_string(at.status) + " at " + d.url +
                       " - the repo does not exist or is private");
    if (at.status == 416) {
      // The .part already holds the whole file (or is longer than it).
      if (at.total >= 0 && file_size(part) == at.total) {
        total = at.total;
        complete = true;
        continue;
      }
      std::remove(part.c_str());
      continue;
    }
    if (at.status != 200 && at.status != 206)
      return io_error(d.name + ": HTTP " + std::to_string(at.status) + " from " + url +
                      (at.error_body.empty() ? "" : ": " + at.error_body.substr(0, 200)));
    if (at.restarted) std::fprintf(stderr, "  %s: the server ignored the range request; downloading from the start\n", d.name.c_str());
    if (linked.empty() && is_sha256_hex(at.etag)) sha = at.etag;
    total = at.total;
    const long long have = file_size(part);
    if (at.net_error != httplib::Error::Success || (total >= 0 && have < total)) {
      std::fprintf(stderr, "  %s: connection lost after %s (%s); resuming\n", d.name.c_str(), mb(have).c_str(),
                   httplib::to_string(at.net_error).c_str());
      continue;
    }
    complete = true;
  }
  if (!complete) return io_error(d.name + ": download did not complete after " + std::to_string(kAttempts) + " attempts; run fetch again to resume");
  const long long have = file_size(part);
  if (bar) bar->update(have, true);
  if (total >= 0 && have != total) {
    std::remove(part.c_str());
    return data_loss(d.name + ": got " + std::to_string(have) + " bytes, the server said " + std::to_string(total));
  }
  if (!sha.empty()) {
    INDORERANK_ASSIGN_OR_RETURN(std::string got, sha256_file(part));
    if (got != sha) {
      std::remove(part.c_str());
      return data_loss(d.name + ": checksum mismatch (sha256 " + got + ", the server says " + sha +
                       "); the corrupted download was removed, run fetch again");
    }
  }
  if (Status s = check_file(d.name, part); !s.ok()) {
    std::remove(part.c_str());
    return Status(s.code(), s.message() + " (downloaded from " + d.url + "; removed)");
  }
  if (std::rename(part.c_str(), d.dest.c_str()) != 0)
    return io_error("cannot rename " + part + " to " + d.dest + ": " + std::strerror(errno));
  return ok_status();
}

std::string encode_revision(const std::string& rev) {
  std::string out;
  for (char c : rev) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

}  // namespace

int cmd_fetch(int argc, char** argv) {
  auto args = parse_args(argc, argv, 2, {"dir", "revision", "base-url"}, {}, 1);
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (a.positional.size() > 1) return usage_error("fetch takes one REPO_ID");
  const std::string repo = a.positional.empty() ? kDefaultRepo : a.positional[0];
  if (repo.empty() || repo.find("..") != std::string::npos || repo.front() == '/' || repo.back() == '/')
    return usage_error("bad REPO_ID '" + repo + "' (expected owner/name)");
  const char* env_hub = std::getenv("INDORERANK_HUB_URL");
  std::string base = a.get("base-url", env_hub && *env_hub ? env_hub : kDefaultHub);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (auto u = split_url(base); !u.ok()) return usage_error("--base-url: " + u.status().message());
  const std::string revision = a.get("revision", "main");
  std::string dir = a.get("dir", repo.substr(repo.rfind('/') + 1));
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  signal(SIGPIPE, SIG_IGN);

  struct File {
    const char* name;
    bool optional;
  };
  const File files[] = {{"config.json", false},
                        {"sentencepiece.bpe.model", false},
                        {"model.safetensors", false},
                        {"onnx/model.onnx", true}};
  std::fprintf(stderr, "fetch: %s (revision %s) from %s into %s/\n", repo.c_str(), revision.c_str(), base.c_str(),
               dir.c_str());
  if (Status s = make_dirs(dir); !s.ok()) return fail(s);
  for (const File& f : files) {
    Download d;
    d.name = f.name;
    d.optional = f.optional;
    d.dest = dir + "/" + f.name;
    d.url = base + "/" + repo + "/resolve/" + encode_revision(revision) + "/" + f.name;
    if (file_size(d.dest) >= 0) {
      const Status ok = check_file(f.name, d.dest);
      if (ok.ok()) {
        std::fprintf(stderr, "  %s: already present\n", f.name);
        continue;
      }
      // A broken file from an earlier run is never taken as present.
      std::fprintf(stderr, "  %s: the file here is not usable (%s); downloading it again\n", f.name, ok.message().c_str());
      std::remove(d.dest.c_str());
    }
    bool missing = false;
    if (Status s = download(d, &missing); !s.ok()) return fail(s);
    if (missing) std::fprintf(stderr, "  %s: not in this repo (optional)\n", f.name);
  }

  // Convert to a temporary name, check it loads, then rename into place.
  const std::string out = dir + "/model.int8.safetensors", tmp = out + ".part";
  std::fprintf(stderr, "fetch: converting to %s\n", out.c_str());
  Status converted = [&] {
    TerminalTicker ticker("converting");
    return convert_hf_model(dir, tmp);
  }();
  if (Status s = converted; !s.ok()) {
    std::remove(tmp.c_str());
    return fail(s);
  }
  {
    auto check = Reranker::load(tmp);
    if (!check.ok()) {
      std::remove(tmp.c_str());
      return fail(check.status());
    }
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0)
    return fail(io_error("cannot rename " + tmp + " to " + out + ": " + std::strerror(errno)));
  std::printf("%s\n", out.c_str());
  std::fprintf(stderr, "fetch: ready; try `indorerank serve -m %s`\n", out.c_str());
  return 0;
}

}  // namespace indorerank::cli
