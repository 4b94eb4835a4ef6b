#include "tests/e2e/raw_server.hpp"

#include "tests/support/https_server.hpp"
#include "tests/support/test_tls.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <stdexcept>

namespace sillok::test {
namespace {

using namespace std::chrono_literals;

constexpr auto k_socket_timeout = 10s;
constexpr size_t k_max_request_head = 65536;

struct SslDeleter {
    void operator()(SSL* p) const { SSL_free(p); }
};

void check(bool ok, const std::string& what)
{
    if (!ok) {
        ERR_clear_error();
        throw std::runtime_error("raw TLS server: " + what);
    }
}

// A self-signed certificate for every Naver host the stand-in answers for: clients trust it
// directly through --cacert.
tls::X509Cert make_certificate(EVP_PKEY* key)
{
    std::string names;
    for (const auto& host : NaverStandIn::certificate_hosts()) {
        names += (names.empty() ? "DNS:" : ",DNS:") + host;
    }
    return tls::make_certificate("sillok raw test server", key, nullptr, nullptr,
                                 {{NID_basic_constraints, "critical,CA:TRUE"},
                                  {NID_key_usage, "critical,digitalSignature,keyCertSign"},
                                  {NID_subject_alt_name, names + ",IP:127.0.0.1"}});
}

} // namespace

std::string response_head(int status, const std::vector<std::pair<std::string, std::string>>& headers)
{
    std::string head = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Status") + "\r\n";
    for (const auto& [name, value] : headers) {
        head += name + ": " + value + "\r\n";
    }
    return head + "Connection: close\r\n\r\n";
}

bool RawConnection::send(std::string_view bytes)
{
    while (!bytes.empty() && !m_reset && !m_server.m_stopping) {
        int chunk = static_cast<int>(std::min<size_t>(bytes.size(), 1 << 20));
        int written = SSL_write(m_ssl, bytes.data(), chunk);
        if (written <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(written));
    }
    return bytes.empty();
}

bool RawConnection::pause(std::chrono::steady_clock::duration duration)
{
    return m_server.wait_unless_stopped(duration);
}

void RawConnection::reset()
{
    if (m_reset) {
        return;
    }
    linger abort{1, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(m_fd);
    m_reset = true;
}

RawTlsServer::RawTlsServer(Handler handler) : m_context(nullptr, SSL_CTX_free), m_handler(std::move(handler))
{
    auto key = tls::make_key();
    auto cert = make_certificate(key.get());
    m_cert_file = m_dir.path() / "raw-server.pem";
    tls::write_pem(m_cert_file, cert.get());
    m_context.reset(SSL_CTX_new(TLS_server_method()));
    check(m_context != nullptr && SSL_CTX_use_certificate(m_context.get(), cert.get()) == 1
              && SSL_CTX_use_PrivateKey(m_context.get(), key.get()) == 1,
          "cannot set up the TLS context");

    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    check(m_listener >= 0 && ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0
              && ::listen(m_listener, 64) == 0
              && ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) == 0,
          "cannot listen on 127.0.0.1");
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

RawTlsServer::~RawTlsServer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_stop_signal.notify_all();
    m_acceptor.join();
    ::close(m_listener);
    // The acceptor has stopped: nothing adds to m_connections any more.
    for (auto& connection : m_connections) {
        connection.join();
    }
}

std::vector<std::string> RawTlsServer::curl_args() const
{
    std::vector<std::string> args;
    for (const auto& host : NaverStandIn::certificate_hosts()) {
        if (!host.starts_with("*.")) {
            args.insert(args.end(), {"--connect-to", host + ":443:127.0.0.1:" + std::to_string(m_port)});
        }
    }
    args.insert(args.end(), {"--cacert", m_cert_file.string()});
    return args;
}

bool RawTlsServer::wait_unless_stopped(std::chrono::steady_clock::duration duration)
{
    std::unique_lock lock(m_mutex);
    return !m_stop_signal.wait_for(lock, duration, [this] { return m_stopping.load(); });
}

void RawTlsServer::accept_loop()
{
    // A client that hangs up mid-response must not end the test process with SIGPIPE; the
    // connection threads inherit this thread's mask.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
    while (!m_stopping) {
        pollfd waiting{m_listener, POLLIN, 0};
        if (::poll(&waiting, 1, 50) <= 0) {
            continue;
        }
        int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            std::lock_guard lock(m_mutex);
            m_connections.emplace_back([this, fd] { serve(fd); });
        }
    }
}

void RawTlsServer::serve(int fd)
{
    timeval timeout{std::chrono::duration_cast<std::chrono::seconds>(k_socket_timeout).count(), 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(m_context.get()));
    RawConnection connection(*this, ssl.get(), fd);
    bool served = false;
    if (ssl != nullptr && SSL_set_fd(ssl.get(), fd) == 1 && SSL_accept(ssl.get()) == 1) {
        std::string head;
        std::array<char, 4096> buffer{};
        while (!head.contains("\r\n\r\n") && head.size() < k_max_request_head) {
            int n = SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
            if (n <= 0) {
                break;
            }
            head.append(buffer.data(), static_cast<size_t>(n));
        }
        auto first_space = head.find(' ');
        auto second_space = head.find(' ', first_space + 1);
        if (head.contains("\r\n\r\n") && first_space != std::string::npos && second_space != std::string::npos) {
            connection.m_target = head.substr(first_space + 1, second_space - first_space - 1);
            ++m_requests;
            m_handler(connection);
            served = true;
        }
    }
    if (connection.m_reset) {
        return;
    }
    if (served) {
        SSL_shutdown(ssl.get());
    }
    ::close(fd);
}

} // namespace sillok::test
