// The HTTP/1.1 layer of `indorerank serve`, on GNU libmicrohttpd.
//
// One event-loop thread (epoll) owns every socket, so a slow, idle or hostile
// client costs a connection slot and a few KiB, never a thread. Requests that
// do real work run on a fixed pool of worker threads while their connection is
// suspended; the loop keeps serving everyone else meanwhile. Pipelined
// requests are answered in order, and a client that half-closes after its
// request still gets the answer.
//
// Bounds, all set by HttpLimits:
// - connections: at most max_connections (and max_connections_per_ip);
// - headers: the request line and headers together fit in max_header_bytes
//   (431 otherwise), so their count is bounded too;
// - time: a request must arrive whole, and its answer be read, within
//   request_timeout each, however the bytes trickle; a silent connection is
//   closed after idle_timeout;
// - memory: a body larger than max_body_bytes is refused (413), and each
//   request holds cost(body) bytes of request_memory from its headers to its
//   answer; when that is spent, new requests get 503 with Retry-After.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "indorerank/status.hpp"

namespace indorerank::cli {

struct HttpLimits {
  size_t max_connections = 256;
  size_t max_connections_per_ip = 0;  ///< 0: no per-address limit
  size_t max_header_bytes = 32 << 10;
  size_t max_body_bytes = 8 << 20;
  size_t request_memory = 64 << 20;
  unsigned idle_timeout_s = 10;
  unsigned request_timeout_s = 30;
  int listen_backlog = 1024;
  int workers = 1;  ///< threads that run Handlers::work
};

struct HttpRequest {
  std::string method, path;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string body;
  /// The first header named `lower_case_name`, or nullptr.
  const std::string* header(const std::string& lower_case_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpHandlers {
  /// On the event loop, once a request's headers are in; must be quick. A
  /// response is sent at once (the body, if any, is never read); nullopt reads
  /// the body and runs `work`.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> head;
  /// On a worker thread, with the whole body.
  std::function<HttpResponse(HttpRequest&)> work;
  /// The server's own refusals (413, 503, 500) in the caller's error format.
  std::function<HttpResponse(const HttpRequest&, int status, const std::string& type, const std::string& message)> error;
  /// Every response passes here last, on the event loop (CORS headers, say).
  std::function<void(const HttpRequest&, HttpResponse&)> finish;
  /// Bytes a request with a body of n bytes may hold while in the server.
  std::function<size_t(size_t)> cost;
};

class HttpServer {
 public:
  /// Binds host:port (port 0: any free port) and starts serving.
  static StatusOr<std::unique_ptr<HttpServer>> start(const std::string& host, int port, const HttpLimits& limits,
                                                     HttpHandlers handlers);
  ~HttpServer();
  int port() const;
  /// Request memory held right now, and connections open.
  size_t memory_in_use() const;
  size_t connections() const;
  /// Stops accepting, answers queued work with 503, lets running work finish
  /// and its answers go out (for up to a few seconds), then closes everything.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace indorerank::cli
