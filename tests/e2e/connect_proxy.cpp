#include "tests/e2e/connect_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace sillok::test {
namespace {

int connect_local(int port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, const char* data, size_t size)
{
    while (size > 0) {
        auto sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent <= 0) {
            return false;
        }
        data += sent;
        size -= static_cast<size_t>(sent);
    }
    return true;
}

} // namespace

ConnectProxy::ConnectProxy(int target_port) : m_target_port(target_port)
{
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
        || ::listen(m_listener, 16) != 0
        || ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("connect proxy: cannot listen on 127.0.0.1");
    }
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

ConnectProxy::~ConnectProxy()
{
    m_stopping = true;
    ::shutdown(m_listener, SHUT_RDWR);
    m_acceptor.join();
    ::close(m_listener);
    for (auto& tunnel : m_tunnels) {
        tunnel.join();
    }
}

std::vector<std::string> ConnectProxy::targets() const
{
    std::lock_guard lock(m_mutex);
    return m_targets;
}

void ConnectProxy::accept_loop()
{
    while (!m_stopping) {
        pollfd waiting{m_listener, POLLIN, 0};
        if (::poll(&waiting, 1, 100) <= 0) {
            continue;
        }
        int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            continue;
        }
        m_tunnels.emplace_back([this, client] { tunnel(client); });
    }
}

// Reads the CONNECT request, answers 200, then copies bytes both ways until one side closes.
void ConnectProxy::tunnel(int client)
{
    std::string head;
    std::array<char, 16384> buffer{};
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
        auto got = ::recv(client, buffer.data(), buffer.size(), 0);
        if (got <= 0) {
            ::close(client);
            return;
        }
        head.append(buffer.data(), static_cast<size_t>(got));
    }
    int server = head.starts_with("CONNECT ") ? connect_local(m_target_port) : -1;
    if (server < 0) {
        static constexpr std::string_view k_refused = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
        send_all(client, k_refused.data(), k_refused.size());
        ::close(client);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_targets.push_back(head.substr(8, head.find(' ', 8) - 8));
    }
    static constexpr std::string_view k_established = "HTTP/1.1 200 Connection established\r\n\r\n";
    send_all(client, k_established.data(), k_established.size());
    std::array<pollfd, 2> ends{pollfd{client, POLLIN, 0}, pollfd{server, POLLIN, 0}};
    bool open = true;
    while (open && !m_stopping) {
        if (::poll(ends.data(), ends.size(), 100) <= 0) {
            continue;
        }
        for (size_t i = 0; i < 2 && open; ++i) {
            if ((ends[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            auto got = ::recv(ends[i].fd, buffer.data(), buffer.size(), 0);
            open = got > 0 && send_all(ends[1 - i].fd, buffer.data(), static_cast<size_t>(got));
        }
    }
    ::close(server);
    ::close(client);
}

} // namespace sillok::test
