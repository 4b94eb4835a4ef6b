#include "tests/e2e/raw_server.hpp"

#include "tests/support/https_server.hpp"

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

struct EvpPkeyDeleter {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Deleter {
    void operator()(X509* p) const { X509_free(p); }
};
struct X509ExtensionDeleter {
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BioDeleter {
    void operator()(BIO* p) const { BIO_free_all(p); }
};
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
std::unique_ptr<X509, X509Deleter> make_certificate(EVP_PKEY* key)
{
    std::unique_ptr<X509, X509Deleter> cert(X509_new());
    check(cert != nullptr && X509_set_version(cert.get(), X509_VERSION_3) == 1, "cannot create a certificate");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(::getpid()) * 7919 + ::time(nullptr))
              == 1,
          "cannot set the serial number");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr
              && X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) != nullptr,
          "cannot set the validity");
    check(X509_set_pubkey(cert.get(), key) == 1, "cannot set the public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("sillok raw test server"), -1, -1, 0)
                  == 1
              && X509_set_issuer_name(cert.get(), name) == 1,
          "cannot set the names");

    std::string names;
    for (const auto& host : NaverStandIn::certificate_hosts()) {
        names += (names.empty() ? "DNS:" : ",DNS:") + host;
    }
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         std::vector<std::pair<int, std::string>>{{NID_basic_constraints, "critical,CA:TRUE"},
                                                  {NID_key_usage, "critical,digitalSignature,keyCertSign"},
                                                  {NID_subject_alt_name, names + ",IP:127.0.0.1"}}) {
        std::unique_ptr<X509_EXTENSION, X509ExtensionDeleter> extension(
            X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
        check(extension != nullptr && X509_add_ext(cert.get(), extension.get(), -1) == 1,
              "cannot add extension " + value);
    }
    check(X509_sign(cert.get(), key, EVP_sha256()) > 0, "cannot sign the certificate");
    return cert;
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
    std::unique_ptr<EVP_PKEY, EvpPkeyDeleter> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "cannot generate a key");
    auto cert = make_certificate(key.get());
    m_cert_file = m_dir.path() / "raw-server.pem";
    {
        std::unique_ptr<BIO, BioDeleter> out(BIO_new_file(m_cert_file.c_str(), "w"));
        check(out != nullptr && PEM_write_bio_X509(out.get(), cert.get()) == 1, "cannot write the certificate");
    }
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
