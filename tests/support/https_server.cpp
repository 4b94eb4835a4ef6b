#include "tests/support/https_server.hpp"

#include "tests/support/test_tls.hpp"

#include <openssl/x509v3.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace sillok::test {
namespace {

using tls::check;
using tls::EvpPkey;
using tls::make_certificate;
using tls::make_key;
using tls::write_pem;
using tls::X509Cert;

using namespace std::chrono_literals;

constexpr int k_thread_count = 32;
constexpr auto k_start_timeout = 10s;

std::string lower(std::string text)
{
    std::ranges::transform(text, text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string host_without_port(std::string host)
{
    if (host.starts_with('[')) {
        auto end = host.find(']');
        return lower(host.substr(1, end == std::string::npos ? std::string::npos : end - 1));
    }
    if (auto colon = host.rfind(':'); colon != std::string::npos) {
        host.resize(colon);
    }
    return lower(std::move(host));
}

std::string subject_alt_names()
{
    std::string names;
    for (const auto& host : NaverStandIn::certificate_hosts()) {
        names += (names.empty() ? "DNS:" : ",DNS:") + host;
    }
    return names + ",IP:127.0.0.1";
}

// Headers httplib adds to every request itself; they are not what the client sent.
bool is_synthetic_header(const std::string& name)
{
    return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
}

} // namespace

const std::vector<std::string>& NaverStandIn::certificate_hosts()
{
    static const std::vector<std::string> k_hosts{
        "n.news.naver.com",   "news.naver.com",        "m.news.naver.com", "*.naver.com",
        "m.sports.naver.com", "m.entertain.naver.com", "evil.example.com", "localhost",
    };
    return k_hosts;
}

NaverStandIn::NaverStandIn()
{
    EvpPkey ca_key = make_key();
    X509Cert ca = make_certificate("sillok test CA", ca_key.get(), nullptr, nullptr,
                                   {{NID_basic_constraints, "critical,CA:TRUE"},
                                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                    {NID_subject_key_identifier, "hash"}});
    EvpPkey server_key = make_key();
    X509Cert server_cert = make_certificate("n.news.naver.com", server_key.get(), ca.get(), ca_key.get(),
                                            {{NID_basic_constraints, "critical,CA:FALSE"},
                                             {NID_key_usage, "critical,digitalSignature"},
                                             {NID_ext_key_usage, "serverAuth"},
                                             {NID_subject_key_identifier, "hash"},
                                             {NID_authority_key_identifier, "keyid:always"},
                                             {NID_subject_alt_name, subject_alt_names()}});
    m_ca_file = m_dir.path() / "ca.pem";
    write_pem(m_ca_file, ca.get());

    // SSLServer takes its own references to the certificate and key.
    m_server = std::make_unique<httplib::SSLServer>(server_cert.get(), server_key.get());
    check(m_server->is_valid(), "cannot set up the TLS context");
    m_server->new_task_queue = [] { return new httplib::ThreadPool(k_thread_count); };
    m_server->set_keep_alive_timeout(2);
    // Like a real front end, a connection serves many requests; new TLS handshakes would
    // otherwise shift the arrival times that the pacing tests measure.
    m_server->set_keep_alive_max_count(1000);
    m_server->set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
        route(request, response);
        return httplib::Server::HandlerResponse::Handled;
    });
    m_port = m_server->bind_to_any_port("127.0.0.1");
    check(m_port > 0, "cannot bind 127.0.0.1");

    m_thread = std::thread([this] { serve(); });
    // stop() is a no-op before the accept loop runs, so the destructor must not race it.
    auto deadline = std::chrono::steady_clock::now() + k_start_timeout;
    while (!m_server->is_running() && !m_serve_returned && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    if (!m_server->is_running()) {
        m_stopping = true;
        m_server->stop();
        m_thread.join();
        throw std::runtime_error("test HTTPS server: did not start serving");
    }
}

NaverStandIn::~NaverStandIn()
{
    {
        std::lock_guard lock(m_stop_mutex);
        m_stopping = true;
    }
    m_stop_signal.notify_all();
    m_server->stop();
    m_thread.join();
}

void NaverStandIn::serve()
{
    // A client that hangs up mid-response must not kill the test process with SIGPIPE. The
    // worker threads start inside listen_after_bind() and inherit this thread's mask.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
    m_server->listen_after_bind();
    m_serve_returned = true;
}

std::vector<std::string> NaverStandIn::curl_args() const
{
    std::vector<std::string> args;
    for (const auto& host : certificate_hosts()) {
        if (!host.starts_with("*.")) {
            args.emplace_back("--connect-to");
            args.push_back(host + ":443:127.0.0.1:" + std::to_string(m_port));
        }
    }
    args.emplace_back("--cacert");
    args.push_back(m_ca_file.string());
    return args;
}

void NaverStandIn::on(std::string host, std::string target, Handler handler)
{
    std::lock_guard lock(m_mutex);
    m_routes[{lower(std::move(host)), std::move(target)}] = std::move(handler);
}

void NaverStandIn::serve_html(std::string host, std::string path, std::string body)
{
    on(std::move(host), std::move(path),
       [body = std::move(body)](const httplib::Request& /*request*/, httplib::Response& response) {
           response.status = 200;
           response.set_content(body, "text/html;charset=UTF-8");
       });
}

void NaverStandIn::route(const httplib::Request& request, httplib::Response& response)
{
    SeenRequest seen;
    seen.at = std::chrono::steady_clock::now();
    seen.host = host_without_port(request.get_header_value("Host"));
    seen.method = request.method;
    auto question = request.target.find('?');
    seen.path = request.target.substr(0, question);
    seen.query = question == std::string::npos ? std::string() : request.target.substr(question + 1);
    for (const auto& [name, value] : request.headers) {
        if (!is_synthetic_header(name)) {
            seen.headers[lower(name)] = value;
        }
    }

    Handler handler;
    {
        std::lock_guard lock(m_mutex);
        auto found = m_routes.end();
        if (!seen.query.empty()) {
            found = m_routes.find({seen.host, request.target});
        }
        if (found == m_routes.end()) {
            found = m_routes.find({seen.host, seen.path});
        }
        if (found != m_routes.end()) {
            handler = found->second;
        }
        m_seen.push_back(std::move(seen));
    }

    // Handlers run outside the lock: they may sleep, and they may change routes.
    if (handler) {
        handler(request, response);
        return;
    }
    response.status = 404;
    response.set_content("<!DOCTYPE html><html><head><title>404</title></head>"
                         "<body><h1>Not Found</h1></body></html>\n",
                         "text/html;charset=UTF-8");
}

std::vector<SeenRequest> NaverStandIn::requests() const
{
    std::lock_guard lock(m_mutex);
    return m_seen;
}

std::size_t NaverStandIn::count(std::string_view host, std::string_view path) const
{
    std::string wanted_host = lower(std::string(host));
    std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(std::ranges::count_if(m_seen, [&](const SeenRequest& seen) {
        return seen.host == wanted_host && (path.empty() || seen.path == path);
    }));
}

bool NaverStandIn::sleep_unless_stopped(std::chrono::steady_clock::duration duration)
{
    std::unique_lock lock(m_stop_mutex);
    return !m_stop_signal.wait_for(lock, duration, [this] { return m_stopping.load(); });
}

} // namespace sillok::test
