#pragma once
// A real HTTPS server on 127.0.0.1 that stands in for Naver: it answers at Naver's real host
// names and paths, so the crawler under test records real Naver URLs. Clients reach it with
// curl's --connect-to and trust it through the throwaway CA in ca_file().
#include "tests/support/fixtures.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sillok::test {

// One request as the server received it. `path` and `query` are the raw request target
// split at '?'; header names are lower case.
struct SeenRequest {
    std::string host;
    std::string method;
    std::string path;
    std::string query;
    std::map<std::string, std::string> headers;
    std::chrono::steady_clock::time_point at;
};

class NaverStandIn {
public:
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    // Generates the CA and server certificate, binds 127.0.0.1 on a free port and serves on
    // a background thread. Throws std::runtime_error when any of that fails.
    NaverStandIn();
    // Stops serving and joins; handlers blocked in sleep_unless_stopped() return at once.
    ~NaverStandIn();
    NaverStandIn(const NaverStandIn&) = delete;
    NaverStandIn& operator=(const NaverStandIn&) = delete;

    // The DNS names the server certificate holds (the wildcard *.naver.com included).
    static const std::vector<std::string>& certificate_hosts();

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] const std::filesystem::path& ca_file() const { return m_ca_file; }
    // --connect-to HOST:443:127.0.0.1:PORT for every concrete certificate host, then
    // --cacert CA_FILE: the arguments that point sillok (or curl) at this server.
    [[nodiscard]] std::vector<std::string> curl_args() const;

    // Routes requests for `host` (compared without port, case-insensitively) to `handler`.
    // `target` is either a path, matching any query, or "path?query", matching that query
    // exactly; an exact match wins. A later call for the same host and target replaces the
    // handler, so a test can change a page between two crawls.
    void on(std::string host, std::string target, Handler handler);
    // Serves `body` with status 200 as text/html;charset=UTF-8.
    void serve_html(std::string host, std::string path, std::string body);

    // Every request received so far, in arrival order (unrouted ones included).
    [[nodiscard]] std::vector<SeenRequest> requests() const;
    // How many requests arrived for `host` and `path` (any query); an empty path counts
    // every request for the host.
    [[nodiscard]] std::size_t count(std::string_view host, std::string_view path = {}) const;

    // For handlers: waits `duration` or until the server stops, whichever comes first.
    // Returns false when the server is stopping, so the handler can give up.
    bool sleep_unless_stopped(std::chrono::steady_clock::duration duration);
    [[nodiscard]] bool stopping() const { return m_stopping.load(); }

private:
    void route(const httplib::Request& request, httplib::Response& response);
    void serve();

    ScratchDir m_dir;
    std::filesystem::path m_ca_file;
    std::unique_ptr<httplib::SSLServer> m_server;
    int m_port = 0;
    std::thread m_thread;
    std::atomic<bool> m_serve_returned{false};

    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, std::string>, Handler> m_routes;
    std::vector<SeenRequest> m_seen;

    std::mutex m_stop_mutex;
    std::condition_variable m_stop_signal;
    std::atomic<bool> m_stopping{false};
};

} // namespace sillok::test
