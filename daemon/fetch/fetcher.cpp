#include "daemon/fetch/fetcher.hpp"

#include "daemon/fetch/host_schedule.hpp"
#include "daemon/fetch/retry_policy.hpp"
#include "daemon/fetch/transfer.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <memory>
#include <random>
#include <stdexcept>

namespace sillok::daemon {
namespace {

constexpr long k_max_poll_ms = 200;
constexpr auto k_short_hold = k_long_wait; // waits up to this keep their place in the loop

bool is_https_url(std::string_view url)
{
    constexpr std::string_view k_scheme = "https://";
    return url.size() > k_scheme.size()
           && std::ranges::equal(url.substr(0, k_scheme.size()), k_scheme,
                                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

// A curl multi call that fails leaves the loop unable to go on: the run ends with an error.
void check_multi(CURLMcode rc, const char* call)
{
    if (rc != CURLM_OK) {
        throw std::runtime_error(std::string("network loop: ") + call + " failed: " + curl_multi_strerror(rc));
    }
}

class SystemFetchClock final : public FetchClock {
public:
    [[nodiscard]] SteadyClock::time_point steady() const override { return SteadyClock::now(); }
    [[nodiscard]] WallClock::time_point wall() const override { return wall_now(); }
};

// One fetch: a request, its redirects and retries, and the attempt in flight.
struct Job {
    FetchResult result;
    std::string url; // current URL (after redirects)
    std::string referer;
    int retries = 0;
    int redirects = 0;
    std::vector<std::string> hops; // URLs requested so far for this result, the current one last
    SlotTicket ticket;
    Transfer transfer;
};

// The network loop: jobs waiting for their turn and jobs in flight.
class Run {
public:
    Run(const FetchOptions& options, Politeness& politeness, const FetchClock& clock, curl_slist* connect_to,
        FetchFeed& feed)
        : m_options(options), m_clock(clock), m_schedule(politeness, clock, options.concurrency),
          m_retry(options, std::random_device{}()), m_connect_to(connect_to), m_feed(feed), m_multi(curl_multi_init())
    {
        if (!m_multi) {
            throw std::runtime_error("network loop: curl_multi_init failed");
        }
    }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    ~Run()
    {
        // Only when the loop ends by an error: handles leave the multi handle before they are freed.
        for (auto& job : m_running) {
            curl_multi_remove_handle(m_multi.get(), job->transfer.handle());
        }
    }

    void run()
    {
        while (!idle() || !(m_feed.exhausted() || m_feed.stopping())) {
            m_feed.tick();
            if (m_feed.stopping()) {
                interrupt_waiting();
            } else {
                take_more();
            }
            start_ready();
            int still_running = 0;
            check_multi(curl_multi_perform(m_multi.get(), &still_running), "curl_multi_perform");
            int queued = 0;
            bool completed = false;
            while (CURLMsg* msg = curl_multi_info_read(m_multi.get(), &queued)) {
                if (msg->msg == CURLMSG_DONE) {
                    complete(msg->easy_handle, msg->data.result);
                    completed = true;
                }
            }
            // A finished transfer may have made room for a waiting job: go round at once.
            check_multi(
                curl_multi_poll(m_multi.get(), nullptr, 0, completed ? 0 : static_cast<int>(wait_ms()), nullptr),
                "curl_multi_poll");
        }
    }

    // Ends a curl_multi_poll wait from another thread (curl_multi_wakeup is thread-safe).
    [[nodiscard]] std::function<void()> waker() const
    {
        return [multi = m_multi.get()] { curl_multi_wakeup(multi); };
    }

private:
    [[nodiscard]] bool idle() const { return m_waiting.empty() && m_running.empty(); }

    // Keeps a few requests per allowed slot waiting, so that memory stays bounded by the
    // number of requests in flight, never by the length of the caller's queue.
    void take_more()
    {
        size_t capacity = static_cast<size_t>(std::max(4, m_options.concurrency * 8));
        size_t held = m_waiting.size() + m_running.size();
        if (held >= capacity) {
            return;
        }
        for (auto& request : m_feed.take(capacity - held)) {
            auto job = std::make_unique<Job>();
            job->result.tag = request.tag;
            job->result.url = request.url;
            job->url = std::move(request.url);
            job->referer = std::move(request.referer);
            job->ticket.host = parsers::host_of(job->url);
            m_waiting.push_back(std::move(job));
        }
    }

    void interrupt_waiting()
    {
        for (auto& job : m_waiting) {
            m_schedule.give_up(job->ticket);
            job->result.error = FetchError{FetchErrorKind::interrupted, "interrupted before the request was made"};
            m_feed.done(std::move(job->result));
        }
        m_waiting.clear();
    }

    // Starts every waiting job whose host has room and whose reserved slot has come.
    void start_ready()
    {
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            auto& job = **it;
            if (!m_schedule.try_start(job.ticket)) {
                ++it;
                continue;
            }
            auto started = start(job);
            if (!started) {
                spdlog::error("{}: {}", job.url, started.error().message);
                m_schedule.finished(job.ticket.host);
                job.result.final_url = job.url;
                job.result.error = started.error();
                m_feed.done(std::move(job.result));
            } else {
                m_running.push_back(std::move(*it));
            }
            it = m_waiting.erase(it);
        }
    }

    std::expected<void, FetchError> start(Job& job)
    {
        auto begun = job.transfer.begin(m_options, m_connect_to, job.url, job.referer, m_clock);
        if (!begun) {
            return begun;
        }
        spdlog::debug("GET {}", job.url);
        if (CURLMcode rc = curl_multi_add_handle(m_multi.get(), job.transfer.handle()); rc != CURLM_OK) {
            job.transfer.end();
            return std::unexpected(
                FetchError{FetchErrorKind::network,
                           std::string("cannot start the request: curl_multi_add_handle: ") + curl_multi_strerror(rc)});
        }
        return {};
    }

    // No request to host starts before until, including requests that already hold a slot.
    // When the wait is long, those go back to the feed (interrupted, not failed) instead of
    // filling the loop's queue, so that work for other hosts goes on meanwhile.
    void hold_host(const std::string& host, WallClock::time_point until, const std::string& why)
    {
        auto steady_until = m_schedule.hold(host, until, why);
        bool long_wait = steady_until - m_clock.steady() > k_short_hold;
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            auto& job = **it;
            if (job.ticket.host != host) {
                ++it;
                continue;
            }
            if (!long_wait || !m_feed.hands_back_held()) {
                job.ticket.ready_at = std::max(job.ticket.ready_at, steady_until);
                ++it;
                continue;
            }
            m_schedule.give_up(job.ticket);
            job.result.error = FetchError{FetchErrorKind::interrupted, "not started: " + host + " " + why};
            m_feed.done(std::move(job.result));
            it = m_waiting.erase(it);
        }
    }

    Verdict judge_response(Job& job, long status)
    {
        if (status >= 300 && status < 400) {
            return follow_redirect(job, status);
        }
        if (status >= 200 && status < 300) {
            return {};
        }
        auto error = FetchError{FetchErrorKind::http_status, "HTTP " + std::to_string(status)};
        if (status == 429 || status >= 500) {
            return {true, error};
        }
        return {false, error};
    }

    Verdict follow_redirect(Job& job, long status)
    {
        auto location = job.transfer.redirect_url();
        if (!location) {
            return {false,
                    FetchError{FetchErrorKind::http_status, "HTTP " + std::to_string(status) + " without Location"}};
        }
        const std::string& target = *location;
        if (auto refused = refuse_redirect(job, target)) {
            return {false, std::move(*refused)};
        }
        auto host = parsers::host_of(target);
        if (!parsers::is_news_host(host)) {
            job.result.redirect_target = target;
            return {false, FetchError{FetchErrorKind::off_site_redirect,
                                      "redirect to " + parsers::quoted_for_message(target) + " refused"}};
        }
        if (job.redirects >= m_options.max_redirects) {
            return {false, FetchError{FetchErrorKind::too_many_redirects,
                                      "more than " + std::to_string(m_options.max_redirects) + " redirects"}};
        }
        ++job.redirects;
        if (job.hops.empty()) {
            job.hops.push_back(job.url);
        }
        job.hops.push_back(target);
        job.url = target;
        job.ticket.host = host;
        return {};
    }

    // A redirect that leaves HTTPS, or that leads back to a URL of this fetch (itself
    // included), is refused whatever its host.
    static std::optional<FetchError> refuse_redirect(const Job& job, const std::string& target)
    {
        if (!is_https_url(target)) {
            return FetchError{FetchErrorKind::insecure_redirect,
                              "redirect to " + parsers::quoted_for_message(target) + " refused: HTTPS only"};
        }
        if (target == job.url || std::ranges::find(job.hops, target) != job.hops.end()) {
            return FetchError{FetchErrorKind::redirect_loop, "redirect back to " + parsers::quoted_for_message(target)};
        }
        return std::nullopt;
    }

    // The running job of a finished handle, taken out of the running set.
    std::unique_ptr<Job> take_running(CURL* easy)
    {
        Transfer* transfer = Transfer::of(easy);
        auto found = std::ranges::find_if(m_running, [&](const auto& job) { return &job->transfer == transfer; });
        if (found == m_running.end()) {
            throw std::runtime_error("network loop: curl reported a transfer it was not given");
        }
        auto job = std::move(*found);
        m_running.erase(found);
        if (CURLMcode rc = curl_multi_remove_handle(m_multi.get(), easy); rc != CURLM_OK) {
            spdlog::error("network loop: curl_multi_remove_handle failed: {}", curl_multi_strerror(rc));
        }
        return job;
    }

    void complete(CURL* easy, CURLcode code)
    {
        auto owned = take_running(easy);
        auto& job = *owned;
        m_schedule.finished(job.ticket.host);

        long status = job.transfer.status();
        if (status > 0) {
            if (auto paused = m_schedule.record_answer(job.ticket.host, status)) {
                hold_host(job.ticket.host, *paused, "is paused after repeated 403/429 answers");
            }
        }
        auto previous_url = job.url;
        auto previous_host = job.ticket.host;
        Verdict verdict = code == CURLE_OK ? judge_response(job, status) : job.transfer.transport_error(code);
        record_attempt(job, previous_url, status, verdict.error);

        bool redirected = !verdict.error && job.url != previous_url;
        if (redirected) {
            job.ticket.ready_at = m_clock.steady();
            m_waiting.push_front(std::move(owned));
            return;
        }
        if (verdict.error && verdict.retryable) {
            if (schedule_retry(job, previous_host, status, *verdict.error)) {
                m_waiting.push_back(std::move(owned));
                return;
            }
        }
        finish(job, status, std::move(verdict.error));
    }

    void record_attempt(Job& job, const std::string& url, long status, const std::optional<FetchError>& error)
    {
        const auto& transfer = job.transfer;
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.steady() - transfer.started);
        FetchRecord record{url,
                           kst_iso_millis(transfer.started_wall),
                           std::nullopt,
                           static_cast<int64_t>(transfer.body.size()),
                           elapsed.count(),
                           {}};
        if (status > 0) {
            record.status = status;
        }
        if (error) {
            record.error = std::string(to_string(error->kind)) + ": " + error->message;
        }
        spdlog::debug("{} {} in {} ms{}", status, url, elapsed.count(),
                      record.error.empty() ? "" : " (" + record.error + ")");
        job.result.attempts.push_back(std::move(record));
        job.result.fetched_at = transfer.started_wall;
    }

    // Returns false when no retry is left or the server asks for a longer wait than allowed.
    bool schedule_retry(Job& job, const std::string& host, long status, FetchError& error)
    {
        std::optional<std::chrono::seconds> retry_after;
        if (auto value = status > 0 ? job.transfer.header("Retry-After") : std::nullopt) {
            retry_after = parse_retry_after(*value, m_clock.wall());
        }
        auto decision = m_retry.decide(AttemptOutcome{error, true, status, retry_after}, job.retries, m_clock.steady());
        if (decision.hold) {
            auto reason = "asked to wait (Retry-After " + std::to_string(retry_after->count()) + " s, held "
                          + std::to_string(decision.hold->count()) + " s)";
            if (decision.hold_shortened) {
                spdlog::warn("{} {}", host, reason);
            } else {
                spdlog::info("{} {}", host, reason);
            }
            hold_host(host, m_clock.wall() + *decision.hold, reason);
        }
        error = std::move(decision.error);
        if (!decision.retry) {
            return false;
        }
        ++job.retries;
        job.ticket.ready_at = decision.retry_at;
        spdlog::info(
            "retrying {} in {} ms ({}: {})", job.url,
            std::chrono::duration_cast<std::chrono::milliseconds>(decision.retry_at - m_clock.steady()).count(),
            to_string(error.kind), error.message);
        return true;
    }

    void finish(Job& job, long status, std::optional<FetchError> error)
    {
        job.result.status = status;
        job.result.final_url = job.url;
        job.result.error = std::move(error);
        bool answered = !job.result.error || job.result.error->kind == FetchErrorKind::http_status;
        if (answered) {
            auto& transfer = job.transfer;
            job.result.content_type = transfer.content_type();
            job.result.body = std::move(transfer.body);
            job.result.peer_ip = transfer.peer_ip();
            job.result.request_head = std::move(transfer.request_head);
            job.result.response_head = std::move(transfer.response_head);
        }
        job.transfer.end();
        m_feed.done(std::move(job.result));
    }

    [[nodiscard]] long wait_ms() const
    {
        // A job whose time has come but whose host is at its concurrency limit waits for a
        // transfer to finish, and curl_multi_poll wakes up for that by itself.
        auto now = m_clock.steady();
        auto next = now + std::chrono::milliseconds(k_max_poll_ms);
        for (const auto& job : m_waiting) {
            if (job->ticket.ready_at > now) {
                next = std::min(next, job->ticket.ready_at);
            }
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
        return std::clamp<long>(static_cast<long>(ms), 0, k_max_poll_ms);
    }

    const FetchOptions& m_options;
    const FetchClock& m_clock;
    HostSchedule m_schedule;
    RetryPolicy m_retry;
    curl_slist* m_connect_to;
    FetchFeed& m_feed;
    CurlMulti m_multi;
    std::deque<std::unique_ptr<Job>> m_waiting;
    std::vector<std::unique_ptr<Job>> m_running;
};

} // namespace

const FetchClock& system_fetch_clock()
{
    static const SystemFetchClock clock;
    return clock;
}

std::string default_user_agent()
{
    return std::string("sillok/") + SILLOK_VERSION
           + " (Naver News archiver; +https://github.com/sillok-archive/sillok)";
}

std::string_view to_string(FetchErrorKind kind)
{
    switch (kind) {
    case FetchErrorKind::timeout:
        return "timeout";
    case FetchErrorKind::connect:
        return "connect";
    case FetchErrorKind::tls:
        return "tls";
    case FetchErrorKind::http_status:
        return "http_status";
    case FetchErrorKind::too_large:
        return "too_large";
    case FetchErrorKind::off_site_redirect:
        return "off_site_redirect";
    case FetchErrorKind::too_many_redirects:
        return "too_many_redirects";
    case FetchErrorKind::insecure_redirect:
        return "insecure_redirect";
    case FetchErrorKind::redirect_loop:
        return "redirect_loop";
    case FetchErrorKind::throttled:
        return "throttled";
    case FetchErrorKind::network:
        return "network";
    case FetchErrorKind::interrupted:
        return "interrupted";
    }
    return "unknown";
}

Fetcher::Fetcher(FetchOptions options, Politeness& politeness)
    : Fetcher(std::move(options), politeness, system_fetch_clock())
{
}

Fetcher::Fetcher(FetchOptions options, Politeness& politeness, const FetchClock& clock)
    : m_options(std::move(options)), m_politeness(politeness), m_clock(clock)
{
    init_curl_once();
}

Fetcher::~Fetcher() = default;

void Fetcher::run(FetchFeed& feed)
{
    CurlSlist connect_to;
    for (const auto& entry : m_options.connect_to) {
        auto* list = curl_slist_append(connect_to.get(), entry.c_str());
        if (list == nullptr) {
            throw std::bad_alloc();
        }
        static_cast<void>(connect_to.release());
        connect_to.reset(list);
    }
    Run loop(m_options, m_politeness, m_clock, connect_to.get(), feed);
    // The waker goes before the loop's multi handle does, whichever way run() ends.
    struct Unwake {
        FetchFeed& feed;
        ~Unwake() { feed.wake_with({}); }
    } unwake{feed};
    feed.wake_with(loop.waker());
    loop.run();
}

} // namespace sillok::daemon
