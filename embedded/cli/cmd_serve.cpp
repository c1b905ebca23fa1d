// `indorerank serve`: the rerank HTTP APIs (rerank_api.hpp) over the HTTP
// layer in http_server.hpp.
//
// Memory: --memory-limit (MiB) is the whole server's working memory.
// --request-memory (MiB) of it holds requests in flight (request_cost() each);
// the rest is split over the --workers Rerankers. Weights are held per worker
// on top of that (reported by /health as weight_bytes_per_worker).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "args.hpp"
#include "http_server.hpp"
#include "json.hpp"
#include "rerank_api.hpp"
#include "sha256.hpp"

namespace indorerank::cli {
namespace {

// Rerankers lent to one request at a time. The HTTP layer runs as many worker
// threads as there are Rerankers, so acquire() never waits long.
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

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct Route {
  const char* path;
  const char* allow;  // methods
  bool rerank;
  Protocol protocol;
  bool needs_key;
};

// Cohere v1, Jina and llama.cpp share /v1/rerank's answer; /rerank is TEI or
// llama.cpp by its body.
constexpr Route kRoutes[] = {
    {"/v1/rerank", "POST, OPTIONS", true, Protocol::kCohereV1, true},
    {"/v2/rerank", "POST, OPTIONS", true, Protocol::kCohereV2, true},
    {"/rerank", "POST, OPTIONS", true, Protocol::kCohereV1, true},
    {"/v1/reranking", "POST, OPTIONS", true, Protocol::kCohereV1, true},
    {"/reranking", "POST, OPTIONS", true, Protocol::kCohereV1, true},
    {"/v1/models", "GET, OPTIONS", false, Protocol::kCohereV1, true},
    {"/health", "GET, OPTIONS", false, Protocol::kCohereV1, false},
};

const Route* find_route(const std::string& path) {
  for (const Route& r : kRoutes)
    if (path == r.path) return &r;
  return nullptr;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse error_response(Protocol protocol, int status, const std::string& type, const std::string& message) {
  return json_response(status, error_body(protocol, ApiError{status, type, message}));
}

// Equal keys in time that depends on neither the position of the first
// difference nor the length of the expected key.
bool same_key(const std::string& given, const std::string& expected_digest) {
  Sha256 h;
  h.update(given.data(), given.size());
  const std::string digest = h.hex_digest();
  unsigned diff = 0;
  for (size_t i = 0; i < digest.size(); ++i) diff |= static_cast<unsigned char>(digest[i] ^ expected_digest[i]);
  return diff == 0;
}

StatusOr<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read --api-key-file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = ss.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (key.empty()) return invalid_argument("--api-key-file " + path + " is empty");
  return key;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  std::set<std::string> values = {"model",         "host",          "port",           "max-body-bytes",
                                  "max-documents", "max-document-chars", "workers",   "model-name",
                                  "request-memory", "max-connections", "max-connections-per-ip",
                                  "max-header-bytes", "idle-timeout", "request-timeout", "cors-allow-origin",
                                  "api-key", "api-key-file"};
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
  auto request_mib = a.get_int("request-memory", 64, 1, 1 << 20);
  auto max_conns = a.get_int("max-connections", 256, 1, 1 << 16);
  auto max_conns_ip = a.get_int("max-connections-per-ip", 0, 0, 1 << 16);
  auto max_header = a.get_int("max-header-bytes", 32 << 10, 1024, 1 << 24);
  auto idle_timeout = a.get_int("idle-timeout", 10, 1, 3600);
  auto request_timeout = a.get_int("request-timeout", 30, 1, 3600);
  auto opts = load_options(a);
  for (const Status* s : {&port.status(), &workers.status(), &max_body.status(), &max_docs.status(),
                          &max_chars.status(), &request_mib.status(), &max_conns.status(), &max_conns_ip.status(),
                          &max_header.status(), &idle_timeout.status(), &request_timeout.status(), &opts.status()})
    if (!s->ok()) return usage_error(s->message());
  const std::string host = a.get("host", "127.0.0.1");
  const std::string model_name = a.get("model-name", base_name(a.get("model")));
  const bool chunk = a.has("chunk");
  ApiLimits limits;
  limits.max_body_bytes = static_cast<size_t>(max_body.value());
  limits.max_documents = static_cast<size_t>(max_docs.value());
  limits.max_document_chars = static_cast<size_t>(max_chars.value());
  const size_t request_memory = static_cast<size_t>(request_mib.value()) << 20;
  if (request_cost(limits.max_body_bytes) > request_memory)
    return usage_error("--request-memory " + std::to_string(request_mib.value()) + " MiB cannot hold one request of --max-body-bytes " +
                       std::to_string(limits.max_body_bytes) + " (it needs " +
                       std::to_string((request_cost(limits.max_body_bytes) + (1 << 20) - 1) >> 20) + " MiB)");

  // The key: --api-key, --api-key-file or INDORERANK_API_KEY; only its digest is kept.
  std::string key;
  if (a.has("api-key") && a.has("api-key-file")) return usage_error("give --api-key or --api-key-file, not both");
  if (a.has("api-key")) key = a.get("api-key");
  if (a.has("api-key-file")) {
    auto k = read_key_file(a.get("api-key-file"));
    if (!k.ok()) return fail(k.status());
    key = k.value();
  }
  if (key.empty())
    if (const char* env = std::getenv("INDORERANK_API_KEY")) key = env;
  std::string key_digest;
  if (!key.empty()) {
    Sha256 h;
    h.update(key.data(), key.size());
    key_digest = h.hex_digest();
    std::fill(key.begin(), key.end(), '\0');
  }
  const std::vector<std::string> cors = split_list(a.get("cors-allow-origin"));
  const bool cors_any = std::find(cors.begin(), cors.end(), "*") != cors.end();

  // SIGINT/SIGTERM are taken by this thread with sigwait(); every other thread
  // (engine pools, HTTP threads) is created after this and inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server

  const int n_workers = static_cast<int>(workers.value());
  LoadOptions lo = opts.value();
  // Without --memory-limit the engine keeps its default and requests come on top.
  const size_t total_memory = a.has("memory-limit") ? lo.memory_limit : lo.memory_limit + request_memory;
  if (total_memory <= request_memory)
    return usage_error("--memory-limit " + std::to_string(total_memory >> 20) + " MiB leaves nothing for the engine after --request-memory " +
                       std::to_string(request_memory >> 20) + " MiB");
  lo.memory_limit = (total_memory - request_memory) / n_workers;
  if (lo.threads == 0)
    lo.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / n_workers);
  RerankerPool pool;
  for (int i = 0; i < n_workers; ++i) {
    auto r = Reranker::load(a.get("model"), lo);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kResourceExhausted)
        return fail(Status(r.status().code(), "--memory-limit less --request-memory is split over " +
                                                  std::to_string(n_workers) + " workers (" +
                                                  std::to_string(lo.memory_limit >> 20) + " MiB each): " +
                                                  r.status().message()));
      return fail(r.status());
    }
    pool.add(std::move(r).value());
  }
  Info info;
  {
    Lease l(pool);
    info = l->info();
  }

  HttpLimits http;
  http.max_connections = static_cast<size_t>(max_conns.value());
  http.max_connections_per_ip = static_cast<size_t>(max_conns_ip.value());
  http.max_header_bytes = static_cast<size_t>(max_header.value());
  http.max_body_bytes = limits.max_body_bytes;
  http.request_memory = request_memory;
  http.idle_timeout_s = static_cast<unsigned>(idle_timeout.value());
  http.request_timeout_s = static_cast<unsigned>(request_timeout.value());
  http.workers = n_workers;

  std::atomic<HttpServer*> server{nullptr};  // set once started; read by /health
  HttpHandlers h;
  h.cost = request_cost;
  h.error = [](const HttpRequest&, int status, const std::string& type, const std::string& message) {
    return error_response(Protocol::kCohereV1, status, type, message);
  };
  h.finish = [&](const HttpRequest& req, HttpResponse& res) {
    const std::string* origin = req.header("origin");
    if (!origin || cors.empty()) return;
    if (!cors_any && std::find(cors.begin(), cors.end(), *origin) == cors.end()) return;
    res.headers.emplace_back("Access-Control-Allow-Origin", cors_any ? "*" : *origin);
    if (!cors_any) res.headers.emplace_back("Vary", "Origin");
  };
  h.head = [&](const HttpRequest& req) -> std::optional<HttpResponse> {
    const Route* route = find_route(req.path);
    if (!route)
      return error_response(Protocol::kCohereV1, 404, "not_found",
                            "no route for " + req.method + " " + req.path +
                                " (try POST /v1/rerank, /v2/rerank or /rerank, GET /health or /v1/models)");
    if (req.method == "OPTIONS") {
      // A CORS preflight (answered only for allowed origins by finish()) or a plain OPTIONS.
      HttpResponse r;
      r.status = 204;
      r.content_type = "text/plain";
      r.headers.emplace_back("Allow", route->allow);
      if (req.header("origin") && !cors.empty()) {
        r.headers.emplace_back("Access-Control-Allow-Methods", route->allow);
        const std::string* asked = req.header("access-control-request-headers");
        r.headers.emplace_back("Access-Control-Allow-Headers", asked && asked->size() < 1024 &&
                                                                       asked->find_first_of("\r\n") == std::string::npos
                                                                   ? *asked
                                                                   : "authorization, content-type");
        r.headers.emplace_back("Access-Control-Max-Age", "600");
      }
      return r;
    }
    const bool post = std::string(route->allow).rfind("POST", 0) == 0;
    if (req.method != (post ? "POST" : "GET") && !(req.method == "HEAD" && !post)) {
      HttpResponse r = error_response(Protocol::kCohereV1, 405, "method_not_allowed",
                                      req.method + " is not allowed on " + req.path + " (use " +
                                          (post ? "POST" : "GET") + ")");
      r.headers.emplace_back("Allow", route->allow);
      return r;
    }
    if (route->needs_key && !key_digest.empty()) {
      const std::string* auth = req.header("authorization");
      const std::string prefix = "Bearer ";
      const bool ok = auth && auth->size() > prefix.size() &&
                      std::equal(prefix.begin(), prefix.end(), auth->begin(),
                                 [](char x, char y) { return std::tolower(x) == std::tolower(y); }) &&
                      same_key(auth->substr(prefix.size()), key_digest);
      if (!ok) {
        HttpResponse r = error_response(Protocol::kCohereV1, 401, "unauthorized",
                                        auth ? "the API key is not valid" : "this server needs 'Authorization: Bearer <key>'");
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
    }
    if (route->rerank) return std::nullopt;  // read the body; work() answers
    json::Value o = json::Value::object();
    auto num = [](double d) { return json::Value::number(d); };
    if (req.path == "/v1/models") {
      json::Value m = json::Value::object();
      m.set("id", json::Value::string(model_name));
      m.set("object", json::Value::string("model"));
      m.set("owned_by", json::Value::string("indorerank"));
      m.set("created", num(0));
      json::Value data = json::Value::array();
      data.push_back(std::move(m));
      o.set("object", json::Value::string("list"));
      o.set("data", std::move(data));
      return json_response(200, json::dump(o));
    }
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
    o.set("request_memory", num(static_cast<double>(request_memory)));
    o.set("request_memory_in_use", num(static_cast<double>(server.load() ? server.load()->memory_in_use() : 0)));
    o.set("connections", num(static_cast<double>(server.load() ? server.load()->connections() : 0)));
    json::Value l = json::Value::object();
    l.set("max_body_bytes", num(static_cast<double>(limits.max_body_bytes)));
    l.set("max_documents", num(static_cast<double>(limits.max_documents)));
    l.set("max_document_chars", num(static_cast<double>(limits.max_document_chars)));
    l.set("max_connections", num(static_cast<double>(http.max_connections)));
    l.set("max_header_bytes", num(static_cast<double>(http.max_header_bytes)));
    l.set("idle_timeout_s", num(http.idle_timeout_s));
    l.set("request_timeout_s", num(http.request_timeout_s));
    o.set("limits", std::move(l));
    o.set("auth", json::Value::boolean(!key_digest.empty()));
    return json_response(200, json::dump(o));
  };
  h.work = [&](HttpRequest& req) -> HttpResponse {
    const Route* route = find_route(req.path);
    RerankRequest rr;
    ApiError err;
    if (!parse_rerank_request(req.body, route->protocol, req.path == "/rerank", limits, &rr, &err))
      return json_response(err.http_status, error_body(rr.protocol, err));
    std::string().swap(req.body);  // the texts are copied out
    RerankOptions ro;
    ro.chunk_long_passages = chunk;
    const auto t0 = std::chrono::steady_clock::now();
    StatusOr<std::vector<Result>> results = [&] {
      Lease l(pool);
      return l->rerank(rr.query, rr.texts, ro);
    }();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!results.ok()) {
      const bool client = results.status().code() == StatusCode::kInvalidArgument;
      return error_response(rr.protocol, client ? 422 : 500, client ? "unprocessable_entity" : "internal_error",
                            results.status().message());
    }
    if (!rr.truncate)
      for (const Result& r : results.value())
        if (r.truncated)
          return error_response(rr.protocol, 413, "validation",
                                "Input validation error: texts[" + std::to_string(r.index) +
                                    "] with the query is longer than " + std::to_string(info.max_length) +
                                    " tokens (send \"truncate\": true to cut it)");
    return json_response(200, rerank_response(model_name, rr, results.value(), ms));
  };

  auto started = HttpServer::start(host, static_cast<int>(port.value()), http, std::move(h));
  if (!started.ok()) return fail(started.status());
  std::unique_ptr<HttpServer> srv = std::move(started).value();
  server = srv.get();

  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::printf("indorerank: serving %s on http://%s:%d (POST /v1/rerank /v2/rerank /rerank, GET /health /v1/models; "
              "%zu workers x %d threads, kernel %s)\n",
              model_name.c_str(), shown_host.c_str(), srv->port(), pool.size(), info.threads, info.kernel.c_str());
  if (!is_loopback(host) && key_digest.empty())
    std::fprintf(stderr, "indorerank: warning: listening on %s without an API key: anyone who can reach it may use it "
                         "(--api-key-file FILE)\n", host.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "indorerank: %s, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  srv->stop();
  std::fprintf(stderr, "indorerank: stopped\n");
  return 0;
}

}  // namespace indorerank::cli
