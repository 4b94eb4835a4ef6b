// `sillok run` end to end under a stand-in for systemd: the notifications it sends to
// NOTIFY_SOCKET (READY, STATUS, WATCHDOG, RELOADING, STOPPING), in order and in time.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stop_token>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;
using Clock = std::chrono::steady_clock;

struct Notification {
    std::string text;
    Clock::time_point at; // when the kernel received it
};

// An AF_UNIX datagram socket bound at a path, as systemd offers one to a Type=notify service;
// records each datagram with the time the kernel queued it.
class NotifySocket {
public:
    explicit NotifySocket(fs::path path) : m_path(std::move(path))
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(m_path.string().size() < sizeof(address.sun_path));
        std::strncpy(address.sun_path, m_path.c_str(), sizeof(address.sun_path) - 1);
        REQUIRE(::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
        int on = 1;
        REQUIRE(::setsockopt(m_fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on)) == 0);
        m_thread = std::jthread([this](const std::stop_token& stop) { receive(stop); });
    }
    ~NotifySocket()
    {
        m_thread.request_stop();
        m_thread.join();
        ::close(m_fd);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    [[nodiscard]] const fs::path& path() const { return m_path; }
    [[nodiscard]] std::vector<Notification> received() const
    {
        std::lock_guard lock(m_mutex);
        return m_received;
    }

private:
    void receive(const std::stop_token& stop)
    {
        while (!stop.stop_requested()) {
            pollfd ready{m_fd, POLLIN, 0};
            if (::poll(&ready, 1, 50) <= 0) {
                continue;
            }
            std::array<char, 4096> data{};
            std::array<char, CMSG_SPACE(sizeof(timeval)) + CMSG_SPACE(256)> control{};
            iovec part{data.data(), data.size()};
            msghdr message{};
            message.msg_iov = &part;
            message.msg_iovlen = 1;
            message.msg_control = control.data();
            message.msg_controllen = control.size();
            auto n = ::recvmsg(m_fd, &message, 0);
            if (n < 0) {
                continue;
            }
            // The kernel's receive time (wall clock), moved onto the steady clock that the
            // stand-in stamps requests with.
            auto steady_now = Clock::now();
            auto wall_now = std::chrono::system_clock::now();
            auto at = steady_now;
            for (auto* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
                if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMP) {
                    timeval stamp{};
                    std::memcpy(&stamp, CMSG_DATA(header), sizeof(stamp));
                    auto queued = std::chrono::system_clock::time_point(std::chrono::seconds(stamp.tv_sec)
                                                                        + std::chrono::microseconds(stamp.tv_usec));
                    at = steady_now - std::chrono::duration_cast<Clock::duration>(wall_now - queued);
                }
            }
            std::lock_guard lock(m_mutex);
            m_received.push_back({std::string(data.data(), static_cast<size_t>(n)), at});
        }
    }

    fs::path m_path;
    int m_fd = -1;
    mutable std::mutex m_mutex;
    std::vector<Notification> m_received;
    std::jthread m_thread;
};

bool has_line(const Notification& notification, std::string_view prefix)
{
    size_t start = 0;
    const auto& text = notification.text;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        auto line = std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (line.starts_with(prefix)) {
            return true;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return false;
}

// The notifications with a line starting with `prefix`, from index `from` on.
std::vector<size_t> with_line(const std::vector<Notification>& all, std::string_view prefix, size_t from = 0)
{
    std::vector<size_t> found;
    for (size_t i = from; i < all.size(); ++i) {
        if (has_line(all[i], prefix)) {
            found.push_back(i);
        }
    }
    return found;
}

std::string transcript(const std::vector<Notification>& all)
{
    std::string out;
    for (const auto& n : all) {
        auto text = n.text;
        std::ranges::replace(text, '\n', '|');
        out += text + "\n";
    }
    return out;
}

} // namespace

TEST_CASE("e2e::run tells systemd: READY, STATUS, WATCHDOG, RELOADING and STOPPING")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto page = section_page();
    serve_section(server, page);
    serve_articles(server, listed_refs(page), article_page("003_0012577249"));
    NotifySocket systemd(scratch.path() / "notify");
    ServiceProcess service(
        run_args(server, scratch.path() / "archive", {"--section", "100", "--poll-interval", "1", "--rate", "0"}),
        scratch.path(), {{"NOTIFY_SOCKET", systemd.path().string()}, {"WATCHDOG_USEC", "1000000"}});
    INFO("service log:\n" << service.log());
    INFO("notifications:\n" << transcript(systemd.received()));

    REQUIRE(wait_until([&] { return !with_line(systemd.received(), "READY=1").empty(); }, 10s));
    // Three watchdog pings at least, and one status line that counts the queue.
    REQUIRE(wait_until(
        [&] {
            auto all = systemd.received();
            return with_line(all, "WATCHDOG=1").size() >= 3 && !with_line(all, "STATUS=queue").empty();
        },
        10s));

    const auto before_reload = systemd.received().size();
    service.signal(SIGHUP);
    REQUIRE(wait_until(
        [&] {
            auto all = systemd.received();
            auto reloading = with_line(all, "RELOADING=1", before_reload);
            return !reloading.empty() && !with_line(all, "READY=1", reloading.front() + 1).empty();
        },
        10s));

    const auto before_stop = systemd.received().size();
    service.signal(SIGTERM);
    REQUIRE(service.wait(10s) == 0);
    // The last datagrams may still be on their way to the receiving thread.
    REQUIRE(wait_until([&] { return !with_line(systemd.received(), "STOPPING=1", before_stop).empty(); }, 2s));

    const auto all = systemd.received();
    const auto ready = with_line(all, "READY=1");
    const auto first_request = std::ranges::min(server.requests(), {}, &SeenRequest::at).at;
    CHECK(all[ready.front()].at <= first_request);
    CHECK(with_line(all, "READY=1", 0).front() < with_line(all, "STATUS=queue").front());
    CHECK(with_line(all, "STOPPING=1").size() == 1);
    CHECK(with_line(all, "STOPPING=1", before_stop).size() == 1);
    CHECK(with_line(all, "RELOADING=1").size() == 1);
    // systemd's notify-reload protocol wants the monotonic time with RELOADING=1.
    CHECK(has_line(all[with_line(all, "RELOADING=1").front()], "MONOTONIC_USEC="));
    // Half the watchdog interval apart, never the whole of it.
    const auto pings = with_line(all, "WATCHDOG=1");
    for (size_t i = 1; i < pings.size(); ++i) {
        auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(all[pings[i]].at - all[pings[i - 1]].at);
        CAPTURE(gap.count());
        CHECK(gap >= 400ms);
        CHECK(gap < 1000ms);
    }
    const auto status = with_line(all, "STATUS=queue");
    CHECK(all[status.front()].text.contains("pending"));
    CHECK(all[status.front()].text.contains("saved today"));
    // Demand against the budget (rate 0: none) and how far behind the queue is.
    CHECK(all[status.front()].text.contains(" requests/h, no limit; "));
    CHECK(all[status.front()].text.contains(" due, oldest waiting "));
}
