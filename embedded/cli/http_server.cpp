#include "http_server.hpp"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace indorerank::cli {

using Clock = std::chrono::steady_clock;

const std::string* HttpRequest::header(const std::string& name) const {
  for (const auto& h : headers)
    if (h.first == name) return &h.second;
  return nullptr;
}

namespace {

// Where a connection is, for the deadline reaper.
enum class Phase { kReading, kWorking, kReplying, kIdle };

struct Conn {
  int fd = -1;
  Phase phase = Phase::kReading;
  Clock::time_point deadline;
  bool reaped = false;
};

struct Req {
  HttpRequest request;
  MHD_Connection* mhd = nullptr;
  Conn* conn = nullptr;
  size_t reserved = 0;
  std::optional<HttpResponse> refusal;  // answered once the body is read (and dropped)
  std::optional<HttpResponse> answer;   // set by a worker before it resumes the connection
};

}  // namespace

struct HttpServer::Impl {
  HttpLimits limits;
  HttpHandlers handlers;
  MHD_Daemon* daemon = nullptr;
  int port = 0;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable work_cv, idle_cv;
  std::set<Conn*> conns;
  size_t memory_in_use = 0;
  size_t requests_open = 0;
  std::deque<Req*> queue;
  bool stopping = false;
  std::vector<std::thread> workers;
  std::thread reaper;

  void set_phase(Conn* c, Phase p, std::chrono::seconds budget) {
    std::lock_guard<std::mutex> lock(mu);
    c->phase = p;
    c->deadline = Clock::now() + budget;
  }

  bool reserve(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu);
    if (memory_in_use + bytes > limits.request_memory) return false;
    memory_in_use += bytes;
    return true;
  }

  MHD_Result send(MHD_Connection* c, Req* req, HttpResponse r) {
    if (handlers.finish) handlers.finish(req->request, r);
    auto* body = new std::string(std::move(r.body));
    MHD_Response* resp = MHD_create_response_from_buffer_with_free_callback_cls(
        body->size(), body->data(), [](void* p) { delete static_cast<std::string*>(p); }, body);
    if (!resp) {
      delete body;
      return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
    for (const auto& h : r.headers) MHD_add_response_header(resp, h.first.c_str(), h.second.c_str());
    set_phase(req->conn, Phase::kReplying, std::chrono::seconds(limits.request_timeout_s));
    const MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
    MHD_destroy_response(resp);
    return ok;
  }

  HttpResponse error(const Req* req, int status, const char* type, const std::string& message) {
    HttpResponse r = handlers.error(req->request, status, type, message);
    if (status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }

  // The access handler: called once with the headers, then per piece of body,
  // then with no data once the body is whole (and again after a resume).
  // Answers are queued only in that last call: one queued with the headers
  // makes libmicrohttpd drop the connection (and any pipelined requests).
  MHD_Result on_request(MHD_Connection* c, const char* url, const char* method, const char* data, size_t* size,
                        void** con_cls) {
    auto* req = static_cast<Req*>(*con_cls);
    if (!req) {
      req = new Req;
      *con_cls = req;
      {
        std::lock_guard<std::mutex> lock(mu);
        ++requests_open;
      }
      return on_headers(c, req, url, method);
    }
    if (*size != 0) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (req->conn->reaped || Clock::now() > req->conn->deadline) return MHD_NO;  // drop the connection
      }
      if (!req->refusal && req->request.body.size() + *size > limits.max_body_bytes) {
        // A chunked body past the limit: the rest is dropped as it comes
        // (within the request deadline) and the answer is 413.
        req->refusal = error(req, 413, "payload_too_large",
                             "request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
        std::string().swap(req->request.body);
      }
      if (!req->refusal) req->request.body.append(data, *size);
      *size = 0;
      return MHD_YES;
    }
    if (req->answer) return send(c, req, std::move(*req->answer));
    if (req->refusal) return send(c, req, std::move(*req->refusal));
    // The whole request is in: a worker takes it while the connection sleeps.
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!stopping) {
        req->conn->phase = Phase::kWorking;
        MHD_suspend_connection(c);
        queue.push_back(req);
        work_cv.notify_one();
        return MHD_YES;
      }
    }
    return send(c, req, error(req, 503, "shutting_down", "the server is shutting down"));
  }

  MHD_Result on_headers(MHD_Connection* c, Req* req, const char* url, const char* method) {
    req->mhd = c;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    req->conn = static_cast<Conn*>(info->socket_context);
    req->request.method = method;
    req->request.path = url;
    MHD_get_connection_values(
        c, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
          std::string name = key;
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
          static_cast<HttpRequest*>(cls)->headers.emplace_back(std::move(name), value ? value : "");
          return MHD_YES;
        },
        &req->request);

    const std::string* length = req->request.header("content-length");
    const std::string* expect = req->request.header("expect");
    unsigned long long declared = 0;
    bool length_ok = true;
    if (length) {
      char* end = nullptr;
      errno = 0;
      declared = std::strtoull(length->c_str(), &end, 10);
      length_ok = !errno && end != length->c_str() && !*end;
    }
    const bool has_body = (length && declared > 0) || req->request.header("transfer-encoding");
    std::optional<HttpResponse> refusal = handlers.head(req->request);
    size_t cost = 0;
    if (!refusal) {
      const size_t expected = length ? static_cast<size_t>(std::min<unsigned long long>(declared, SIZE_MAX))
                                     : limits.max_body_bytes;
      if (!length_ok || declared > limits.max_body_bytes) {
        refusal = error(req, 413, "payload_too_large",
                        "request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
      } else if (cost = handlers.cost(expected); !reserve(cost)) {
        refusal = error(req, 503, "server_busy",
                        "the server's request memory (" + std::to_string(limits.request_memory >> 20) +
                            " MiB) is in use by other requests; retry shortly");
        cost = 0;
      } else if (length) {
        req->request.body.reserve(expected);
      }
    }
    req->reserved = cost;
    if (!refusal) return MHD_YES;
    // Refused. A client waiting for "100 Continue", or announcing a body far
    // past the limit, gets the answer now and the connection closes. Others
    // are answered after their body is read and dropped, so that they are not
    // reset while still sending and the connection stays usable.
    if (has_body && ((expect && *expect == "100-continue") || !length_ok || declared > 4 * limits.max_body_bytes))
      return send(c, req, std::move(*refusal));
    req->refusal = std::move(refusal);
    return MHD_YES;
  }

  void on_completed(void** con_cls) {
    auto* req = static_cast<Req*>(*con_cls);
    if (!req) return;
    *con_cls = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu);
      memory_in_use -= req->reserved;
      --requests_open;
      req->conn->phase = Phase::kIdle;
      req->conn->deadline = Clock::now() + std::chrono::seconds(limits.idle_timeout_s + limits.request_timeout_s);
    }
    idle_cv.notify_all();
    delete req;
  }

  void worker_loop() {
    for (;;) {
      Req* req = nullptr;
      bool shutting_down = false;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        req = queue.front();
        queue.pop_front();
        shutting_down = stopping;
      }
      HttpResponse r;
      if (shutting_down) {
        r = handlers.error(req->request, 503, "shutting_down", "the server is shutting down");
      } else {
        try {
          r = handlers.work(req->request);
        } catch (const std::bad_alloc&) {
          r = handlers.error(req->request, 503, "out_of_memory", "out of memory while answering; retry shortly");
        } catch (const std::exception& e) {
          r = handlers.error(req->request, 500, "internal_error", e.what());
        }
      }
      if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
      std::string().swap(req->request.body);
      req->answer = std::move(r);
      MHD_resume_connection(req->mhd);
    }
  }

  // Closes connections past their deadline. shutdown() (not close) wakes the
  // event loop, which then closes the socket itself; the map entry goes away in
  // the CLOSED notification, under the same lock, before MHD closes the fd.
  void reaper_loop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      idle_cv.wait_for(lock, std::chrono::milliseconds(250));
      const auto now = Clock::now();
      for (Conn* c : conns)
        if (c->phase != Phase::kWorking && !c->reaped && now > c->deadline) {
          ::shutdown(c->fd, SHUT_RDWR);
          c->reaped = true;
        }
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->port; }

size_t HttpServer::memory_in_use() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->memory_in_use;
}

size_t HttpServer::connections() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->conns.size();
}

namespace {

// A listening socket of our own, so the backlog is ours to size.
StatusOr<int> listen_on(const std::string& host, int port, int backlog, int* bound_port, bool* ipv6) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return io_error("cannot resolve " + host + ": " + gai_strerror(rc));
  std::string why = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, backlog) == 0) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
      *ipv6 = ss.ss_family == AF_INET6;
      *bound_port = ntohs(*ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
      freeaddrinfo(found);
      return fd;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  return io_error("cannot listen on " + host + ":" + service + ": " + why);
}

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& host, int port, const HttpLimits& limits,
                                                        HttpHandlers handlers) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->handlers = std::move(handlers);
  bool ipv6 = false;
  INDORERANK_ASSIGN_OR_RETURN(const int fd, listen_on(host, port, limits.listen_backlog, &impl->port, &ipv6));

  Impl* self = impl.get();
  auto access = [](void* cls, MHD_Connection* c, const char* url, const char* method, const char*, const char* data,
                   size_t* size, void** con_cls) -> MHD_Result {
    return static_cast<Impl*>(cls)->on_request(c, url, method, data, size, con_cls);
  };
  auto completed = [](void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    static_cast<Impl*>(cls)->on_completed(con_cls);
  };
  auto notify = [](void* cls, MHD_Connection* c, void** socket_context, MHD_ConnectionNotificationCode code) {
    auto* s = static_cast<Impl*>(cls);
    std::lock_guard<std::mutex> lock(s->mu);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* conn = new Conn;
      conn->fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd;
      conn->deadline = Clock::now() + std::chrono::seconds(s->limits.request_timeout_s);
      s->conns.insert(conn);
      *socket_context = conn;
    } else {
      auto* conn = static_cast<Conn*>(*socket_context);
      s->conns.erase(conn);
      delete conn;
      *socket_context = nullptr;
    }
  };
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
  if (ipv6) flags |= MHD_USE_IPv6;
  impl->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, access, self,
      MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(limits.max_connections),
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<unsigned>(limits.max_connections_per_ip),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, limits.max_header_bytes,
      MHD_OPTION_CONNECTION_TIMEOUT, limits.idle_timeout_s,
      MHD_OPTION_NOTIFY_COMPLETED, static_cast<MHD_RequestCompletedCallback>(completed), self,
      MHD_OPTION_NOTIFY_CONNECTION, static_cast<MHD_NotifyConnectionCallback>(notify), self,
      MHD_OPTION_END);
  if (!impl->daemon) {
    ::close(fd);
    return io_error("cannot start the HTTP server on " + host + ":" + std::to_string(impl->port));
  }
  for (int i = 0; i < std::max(1, limits.workers); ++i) impl->workers.emplace_back([self] { self->worker_loop(); });
  impl->reaper = std::thread([self] { self->reaper_loop(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.daemon) return;
  const int listen_fd = MHD_quiesce_daemon(s.daemon);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stopping = true;
  }
  s.work_cv.notify_all();
  s.idle_cv.notify_all();
  for (auto& t : s.workers) t.join();
  s.reaper.join();
  // Give the answers the workers just finished a moment to go out.
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.idle_cv.wait_for(lock, std::chrono::seconds(3), [&] { return s.requests_open == 0; });
  }
  MHD_stop_daemon(s.daemon);
  s.daemon = nullptr;
  if (listen_fd >= 0) ::close(listen_fd);
}

}  // namespace indorerank::cli
