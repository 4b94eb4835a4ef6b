#pragma once
// A TLS server on 127.0.0.1 that answers with raw bytes, for the faults an HTTP library will
// not produce: a connection reset mid-body, a body shorter than its Content-Length, a corrupt
// or oversized compressed body, a body that trickles in, a page too large to compress on the
// fly. It answers under Naver's host names with a throwaway self-signed certificate.
#include "tests/support/fixtures.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sillok::test {

class RawTlsServer;

// One accepted connection, handed to the server's handler once the request head was read.
class RawConnection {
public:
    // The request target of the request line, e.g. "/mnews/article/003/0012577249".
    [[nodiscard]] const std::string& target() const { return m_target; }
    // Writes all of `bytes`; false once the client is gone or the server stops.
    bool send(std::string_view bytes);
    // Waits `duration`; false (early) when the server stops.
    bool pause(std::chrono::steady_clock::duration duration);
    // Ends the connection with a TCP reset instead of a TLS close, at once.
    void reset();

private:
    friend class RawTlsServer;
    RawConnection(RawTlsServer& server, SSL* ssl, int fd) : m_server(server), m_ssl(ssl), m_fd(fd) {}

    RawTlsServer& m_server;
    SSL* m_ssl;
    int m_fd;
    std::string m_target;
    bool m_reset = false;
};

// An HTTP/1.1 response head ending in the blank line, with "Connection: close" added.
std::string response_head(int status, const std::vector<std::pair<std::string, std::string>>& headers);

class RawTlsServer {
public:
    using Handler = std::function<void(RawConnection&)>;

    // Generates the certificate, binds 127.0.0.1 on a free port and accepts on a background
    // thread; each connection gets its own thread that runs `handler` and then closes the
    // connection with a TLS close. Throws std::runtime_error when setting up fails.
    explicit RawTlsServer(Handler handler);
    // Stops accepting, wakes handlers in pause() and joins every thread.
    ~RawTlsServer();
    RawTlsServer(const RawTlsServer&) = delete;
    RawTlsServer& operator=(const RawTlsServer&) = delete;

    [[nodiscard]] int port() const { return m_port; }
    // --connect-to HOST:443:127.0.0.1:PORT for each Naver host, then --cacert CERT_FILE.
    [[nodiscard]] std::vector<std::string> curl_args() const;
    // Requests whose head was read.
    [[nodiscard]] size_t requests() const { return m_requests.load(); }

private:
    friend class RawConnection;
    void accept_loop();
    void serve(int fd);
    bool wait_unless_stopped(std::chrono::steady_clock::duration duration);

    ScratchDir m_dir;
    std::filesystem::path m_cert_file;
    std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> m_context;
    Handler m_handler;
    int m_listener = -1;
    int m_port = 0;
    std::atomic<size_t> m_requests{0};

    std::mutex m_mutex;
    std::condition_variable m_stop_signal;
    std::atomic<bool> m_stopping{false};
    std::vector<std::thread> m_connections;
    std::thread m_acceptor;
};

} // namespace sillok::test
