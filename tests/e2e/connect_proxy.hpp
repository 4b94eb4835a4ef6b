#pragma once
// A tiny HTTP CONNECT proxy on 127.0.0.1 that tunnels every CONNECT to one local port: how a
// client without curl's --connect-to (wget) reaches the NaverStandIn under Naver's real host
// names, with TLS and the certificate check end to end.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sillok::test {

class ConnectProxy {
public:
    explicit ConnectProxy(int target_port);
    ~ConnectProxy();
    ConnectProxy(const ConnectProxy&) = delete;
    ConnectProxy& operator=(const ConnectProxy&) = delete;

    [[nodiscard]] int port() const { return m_port; }
    // The CONNECT targets asked for ("n.news.naver.com:443"), in order.
    [[nodiscard]] std::vector<std::string> targets() const;

private:
    void accept_loop();
    void tunnel(int client);

    int m_target_port;
    int m_listener = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_targets;
    std::vector<std::thread> m_tunnels;
    std::thread m_acceptor;
};

} // namespace sillok::test
