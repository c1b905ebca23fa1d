// `indorerank serve`: the rerank HTTP API (see rerank_api.hpp) on cpp-httplib.
//
// Concurrency and memory: the server holds --workers Rerankers (default 1).
// A request borrows one for its rerank call and waits while all are busy, so
// at most `workers` reranks run at once. --memory-limit is the working-memory
// cap of the whole server: each worker gets memory-limit / workers. Weights
// are held per worker on top of that (reported by /health as weight_bytes).
// Request bodies are bounded by --max-body-bytes per HTTP thread.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "args.hpp"
#include "json.hpp"
#include "rerank_api.hpp"

namespace indorerank::cli {
namespace {

// Rerankers lent to one request at a time.
class RerankerPool {
 public:
  void add(std::unique_ptr<Reranker> r) {
    free_.push_back(r.get());
    all_.push_back(std::move(r));
  }
  Reranker* acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    Reranker* r = free_.back();
    free_.pop_back();
    return r;
  }
  void release(Reranker* r) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(r);
    }
    cv_.notify_one();
  }
  size_t size() const { return all_.size(); }

 private:
  std::vector<std::unique_ptr<Reranker>> all_;
  std::vector<Reranker*> free_;
  std::mutex mu_;
  std::condition_variable cv_;
};

class Lease {
 public:
  explicit Lease(RerankerPool& pool) : pool_(pool), r_(pool.acquire()) {}
  ~Lease() { pool_.release(r_); }
  Reranker* operator->() { return r_; }

 private:
  RerankerPool& pool_;
  Reranker* r_;
};

void send_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  res.set_content(error_body(type, message), "application/json");
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  std::set<std::string> values = {"model",     "host",          "port",    "max-body-bytes", "max-documents",
                                  "max-document-chars", "workers", "model-name"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {"chunk"});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("model")) return usage_error("serve needs -m MODEL");
  if (!a.positional.empty()) return usage_error("serve takes no positional arguments");
  auto port = a.get_int("port", 8080, 0, 65535);
  auto workers = a.get_int("workers", 1, 1, 64);
  auto max_body = a.get_int("max-body-bytes", 8 << 20, 1024, 1LL << 32);
  auto max_docs = a.get_int("max-documents", 1000, 1, 1 << 24);
  auto max_chars = a.get_int("max-document-chars", 100000, 1, 1 << 30);
  auto opts = load_options(a);
  for (const Status* s : {&port.status(), &workers.status(), &max_body.status(), &max_docs.status(),
                          &max_chars.status(), &opts.status()})
    if (!s->ok()) return usage_error(s->message());
  const std::string host = a.get("host", "127.0.0.1");
  const std::string model_name = a.get("model-name", base_name(a.get("model")));
  const bool chunk = a.has("chunk");
  ApiLimits limits;
  limits.max_body_bytes = static_cast<size_t>(max_body.value());
  limits.max_documents = static_cast<size_t>(max_docs.value());
  limits.max_document_chars = static_cast<size_t>(max_chars.value());

  // SIGINT/SIGTERM are taken by one thread with sigwait(); every other thread
  // (engine pools, HTTP workers) is created after this and inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server

  const int n_workers = static_cast<int>(workers.value());
  LoadOptions lo = opts.value();
  const size_t total_memory = lo.memory_limit;
  lo.memory_limit = total_memory / n_workers;
  if (lo.threads == 0)
    lo.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / n_workers);
  RerankerPool pool;
  for (int i = 0; i < n_workers; ++i) {
    auto r = Reranker::load(a.get("model"), lo);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kResourceExhausted)
        return fail(Status(r.status().code(), "--memory-limit is split over " + std::to_string(n_workers) +
                                                  " workers (" + std::to_string(lo.memory_limit >> 20) +
                                                  " MiB each): " + r.status().message()));
      return fail(r.status());
    }
    pool.add(std::move(r).value());
  }
  Info info;
  {
    Lease l(pool);
    info = l->info();
  }

  httplib::Server svr;
  const size_t http_threads = std::max<size_t>(8, 2 * pool.size());
  svr.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
  svr.set_payload_max_length(limits.max_body_bytes);

  svr.Post("/v1/rerank", [&](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& read) {
    std::string body;
    bool too_large = false;
    const bool ok = read([&](const char* data, size_t n) {
      if (body.size() + n > limits.max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (too_large || res.status == 413)
      return send_error(res, 413, "payload_too_large",
                        "request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
    if (!ok) return send_error(res, 400, "invalid_request_error", "could not read the request body");
    RerankRequest req;
    ApiError err;
    if (!parse_rerank_request(body, limits, &req, &err)) return send_error(res, err.http_status, err.type, err.message);
    body = std::string();
    RerankOptions ro;
    ro.top_k = req.top_n;
    ro.chunk_long_passages = chunk;
    const auto t0 = std::chrono::steady_clock::now();
    StatusOr<std::vector<Result>> results = [&] {
      Lease l(pool);
      return l->rerank(req.query, req.documents, ro);
    }();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!results.ok()) {
      const bool client = results.status().code() == StatusCode::kInvalidArgument;
      return send_error(res, client ? 422 : 500, client ? "unprocessable_entity" : "internal_error",
                        results.status().message());
    }
    res.set_content(rerank_response(model_name, req, results.value(), ms), "application/json");
  });

  svr.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    json::Value o = json::Value::object();
    auto num = [](double d) { return json::Value::number(d); };
    o.set("status", json::Value::string("ok"));
    o.set("model", json::Value::string(model_name));
    o.set("kernel", json::Value::string(info.kernel));
    o.set("workers", num(static_cast<double>(pool.size())));
    o.set("threads_per_worker", num(info.threads));
    o.set("max_length", num(info.max_length));
    o.set("chunk_long_passages", json::Value::boolean(chunk));
    o.set("memory_limit", num(static_cast<double>(total_memory)));
    o.set("memory_limit_per_worker", num(static_cast<double>(info.memory_limit)));
    o.set("weight_bytes_per_worker", num(static_cast<double>(info.weight_bytes)));
    json::Value l = json::Value::object();
    l.set("max_body_bytes", num(static_cast<double>(limits.max_body_bytes)));
    l.set("max_documents", num(static_cast<double>(limits.max_documents)));
    l.set("max_document_chars", num(static_cast<double>(limits.max_document_chars)));
    o.set("limits", std::move(l));
    res.set_content(json::dump(o), "application/json");
  });

  // A known path with the wrong method is 405; anything else falls to 404.
  auto not_allowed = [](const char* allow) {
    return [allow](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", allow);
      send_error(res, 405, "method_not_allowed", req.method + " is not allowed on " + req.path + " (use " + allow + ")");
    };
  };
  for (const char* path : {"/v1/rerank", "/health"}) {
    const char* allow = std::string(path) == "/health" ? "GET" : "POST";
    if (std::string(allow) != "GET") svr.Get(path, not_allowed(allow));
    if (std::string(allow) != "POST") svr.Post(path, not_allowed(allow));
    svr.Put(path, not_allowed(allow));
    svr.Delete(path, not_allowed(allow));
    svr.Patch(path, not_allowed(allow));
    svr.Options(path, not_allowed(allow));
  }

  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404)
      send_error(res, 404, "not_found", "no route for " + req.method + " " + req.path + " (try POST /v1/rerank or GET /health)");
    else if (res.status == 413)
      send_error(res, 413, "payload_too_large", "request too large");
    else
      send_error(res, res.status, "invalid_request_error", "HTTP " + std::to_string(res.status));
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, "internal_error", what);
  });

  const int bound = port.value() == 0 ? svr.bind_to_any_port(host) : (svr.bind_to_port(host, static_cast<int>(port.value())) ? static_cast<int>(port.value()) : -1);
  if (bound < 0) return fail(io_error("cannot listen on " + host + ":" + std::to_string(port.value())));

  std::atomic<bool> signalled{false};
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    signalled = true;
    std::fprintf(stderr, "indorerank: %s, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    svr.stop();
  });
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::printf("indorerank: serving %s on http://%s:%d (POST /v1/rerank, GET /health; %zu workers x %d threads, kernel %s)\n",
              model_name.c_str(), shown_host.c_str(), bound, pool.size(), info.threads, info.kernel.c_str());
  std::fflush(stdout);
  const bool listened = svr.listen_after_bind();
  // listen ended on its own (not by a signal): wake the stopper so it can be joined.
  if (!signalled) kill(getpid(), SIGTERM);
  stopper.join();
  std::fprintf(stderr, "indorerank: stopped\n");
  return listened ? 0 : 1;
}

}  // namespace indorerank::cli
