#include "daemon/fetcher.hpp"

#include "daemon/c_handles.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace sillok::daemon {
namespace {

using Steady = std::chrono::steady_clock;
constexpr long k_max_poll_ms = 200;

bool is_https_url(std::string_view url)
{
    constexpr std::string_view k_scheme = "https://";
    return url.size() > k_scheme.size()
        && std::ranges::equal(url.substr(0, k_scheme.size()), k_scheme,
                              [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}
constexpr auto k_late_start = std::chrono::milliseconds(100);
constexpr auto k_short_hold = k_long_wait; // waits up to this keep their place in the loop

struct Job {
    FetchResult result;
    std::string url;  // current URL (after redirects)
    std::string host; // its host: the politeness budget it draws on
    std::string referer;
    int retries = 0;
    int redirects = 0;
    std::vector<std::string> hops; // URLs requested so far for this result, the current one last
    Steady::time_point ready_at{};
    bool has_slot = false; // a politeness slot is reserved (and counted in the host's in_flight)
    // The attempt in flight.
    CurlEasy easy;
    std::string body;
    std::string request_head;
    std::string response_head;
    size_t max_body = 0;
    bool too_large = false;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    WallClock::time_point started_wall{};
    Steady::time_point started{};
};

struct HostBudget {
    int in_flight = 0; // running, or holding a reserved slot
    Steady::time_point last_start{};
};

struct Verdict {
    bool retryable = false;
    std::optional<FetchError> error;
};

size_t write_body(char* data, size_t size, size_t count, void* user)
{
    auto* job = static_cast<Job*>(user);
    size_t bytes = size * count;
    if (job->body.size() + bytes > job->max_body) {
        job->too_large = true;
        return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    job->body.append(data, bytes);
    return bytes;
}

// The status line and header lines of each response, as received; a new status line
// (an interim 1xx answer was followed by the real one) starts the head again.
size_t keep_header(char* data, size_t size, size_t count, void* user)
{
    auto* job = static_cast<Job*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        job->response_head.clear();
    }
    job->response_head.append(line);
    return size * count;
}

// The request head, as sent.
int keep_request_head(CURL* /*easy*/, curl_infotype type, char* data, size_t size, void* user)
{
    if (type == CURLINFO_HEADER_OUT) {
        static_cast<Job*>(user)->request_head.append(data, size);
    }
    return 0;
}

Verdict classify_transport_error(CURLcode code, const Job& job, const FetchOptions& options)
{
    std::string detail = job.error_buffer[0] != '\0' ? job.error_buffer.data() : curl_easy_strerror(code);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return {true, FetchError{FetchErrorKind::timeout, detail}};
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return {true, FetchError{FetchErrorKind::connect, detail}};
    case CURLE_SSL_CONNECT_ERROR:
        return {true, FetchError{FetchErrorKind::tls, detail}};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return {false, FetchError{FetchErrorKind::tls, detail}};
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
        if (code == CURLE_FILESIZE_EXCEEDED || job.too_large) {
            return {false, FetchError{FetchErrorKind::too_large,
                                      "body larger than the cap of " + std::to_string(options.max_body_bytes) + " bytes"}};
        }
        return {false, FetchError{FetchErrorKind::network, detail}};
    case CURLE_BAD_CONTENT_ENCODING:
        return {false, FetchError{FetchErrorKind::network, "corrupt compressed body: " + detail}};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return {true, FetchError{FetchErrorKind::network, detail}};
    default:
        return {false, FetchError{FetchErrorKind::network, detail}};
    }
}

// The network loop: jobs waiting for their turn, jobs in flight, and the per-host budgets.
class Run {
public:
    Run(const FetchOptions& options, Politeness& politeness, curl_slist* connect_to, FetchFeed& feed)
        : m_options(options), m_politeness(politeness), m_connect_to(connect_to), m_feed(feed),
          m_multi(curl_multi_init()), m_random(std::random_device{}())
    {
        if (!m_multi) {
            throw std::runtime_error("curl_multi_init failed");
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
            curl_multi_perform(m_multi.get(), &still_running);
            int queued = 0;
            bool completed = false;
            while (CURLMsg* msg = curl_multi_info_read(m_multi.get(), &queued)) {
                if (msg->msg == CURLMSG_DONE) {
                    complete(msg->easy_handle, msg->data.result);
                    completed = true;
                }
            }
            // A finished transfer may have made room for a waiting job: go round at once.
            curl_multi_poll(m_multi.get(), nullptr, 0, completed ? 0 : static_cast<int>(wait_ms()), nullptr);
        }
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
            job->host = parsers::host_of(job->url);
            job->max_body = m_options.max_body_bytes;
            m_waiting.push_back(std::move(job));
        }
    }

    void interrupt_waiting()
    {
        for (auto& job : m_waiting) {
            if (job->has_slot) {
                --m_hosts[job->host].in_flight;
            }
            job->result.error = FetchError{FetchErrorKind::interrupted, "interrupted before the request was made"};
            m_feed.done(std::move(job->result));
        }
        m_waiting.clear();
    }

    // Starts every waiting job whose host has room and whose reserved slot has come.
    void start_ready()
    {
        auto now = Steady::now();
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            auto& job = **it;
            if (job.ready_at > now) {
                ++it;
                continue;
            }
            if (!job.has_slot) {
                auto& budget = m_hosts[job.host];
                if (budget.in_flight >= m_options.concurrency) {
                    ++it;
                    continue;
                }
                auto wall = wall_now();
                auto slot = m_politeness.reserve(job.host, wall);
                ++budget.in_flight;
                job.has_slot = true;
                if (slot > wall) {
                    job.ready_at = now + std::chrono::duration_cast<Steady::duration>(slot - wall);
                    ++it;
                    continue;
                }
                job.ready_at = now; // its slot is now
            }
            // A slot missed by more than 100 ms (the loop was busy) is given up for a fresh
            // one, so that every start keeps close to a reserved slot and no two starts, of
            // this process or another, come closer than the spacing.
            if (now - job.ready_at > k_late_start) {
                auto wall = wall_now();
                auto slot = m_politeness.reserve(job.host, wall);
                if (slot > wall) {
                    job.ready_at = now + std::chrono::duration_cast<Steady::duration>(slot - wall);
                    ++it;
                    continue;
                }
            }
            // Within this process, the next start also keeps one spacing after the last one.
            auto& budget = m_hosts[job.host];
            auto spacing = m_politeness.spacing();
            if (spacing.count() > 0 && budget.last_start + spacing > now) {
                job.ready_at = budget.last_start + spacing;
                ++it;
                continue;
            }
            budget.last_start = now;
            job.has_slot = false; // the slot is used; in_flight now counts the running request
            start(job);
            CURL* easy = job.easy.get();
            m_running.emplace(easy, std::move(*it));
            it = m_waiting.erase(it);
        }
    }

    void start(Job& job)
    {
        job.easy.reset(curl_easy_init());
        job.body.clear();
        job.request_head.clear();
        job.response_head.clear();
        job.too_large = false;
        job.error_buffer[0] = '\0';
        CURL* easy = job.easy.get();
        curl_easy_setopt(easy, CURLOPT_URL, job.url.c_str());
        // HTTPS only, at every hop: curl itself refuses anything else, should a redirect ever
        // be followed by it rather than by follow_redirect.
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L); // each hop is checked and paced here
        // HTTP/1.1 only: the behaviour the fault suite exercises (resets, short bodies,
        // stalls) is HTTP/1.1's; HTTP/2 stream errors would be an untested path.
        curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br");
        curl_easy_setopt(easy, CURLOPT_USERAGENT, m_options.user_agent.c_str());
        if (!job.referer.empty()) {
            curl_easy_setopt(easy, CURLOPT_REFERER, job.referer.c_str());
        }
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_options.connect_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(m_options.total_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, m_options.low_speed_bytes_per_second);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(m_options.low_speed_time.count()));
        curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(m_options.max_body_bytes));
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &job);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, keep_header);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, &job);
        curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, keep_request_head);
        curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &job);
        curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L); // feeds keep_request_head
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, job.error_buffer.data());
        if (m_connect_to != nullptr) {
            curl_easy_setopt(easy, CURLOPT_CONNECT_TO, m_connect_to);
        }
        if (!m_options.cacert.empty()) {
            curl_easy_setopt(easy, CURLOPT_CAINFO, m_options.cacert.c_str());
        }
        job.started_wall = wall_now();
        job.started = Steady::now();
        spdlog::debug("GET {}", job.url);
        curl_multi_add_handle(m_multi.get(), easy);
    }

    // No request to host starts before until, including requests that already hold a slot.
    // When the wait is long, those go back to the feed (interrupted, not failed) instead of
    // filling the loop's queue, so that work for other hosts goes on meanwhile.
    void hold_host(const std::string& host, WallClock::time_point until, const std::string& why)
    {
        m_politeness.hold(host, until, why);
        auto wait = until - wall_now();
        auto steady_until = Steady::now() + std::chrono::duration_cast<Steady::duration>(wait);
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            auto& job = **it;
            if (job.host != host) {
                ++it;
                continue;
            }
            if (wait <= k_short_hold || !m_feed.hands_back_held()) {
                job.ready_at = std::max(job.ready_at, steady_until);
                ++it;
                continue;
            }
            if (job.has_slot) {
                --m_hosts[host].in_flight;
            }
            job.result.error = FetchError{FetchErrorKind::interrupted, "not started: " + host + " " + why};
            m_feed.done(std::move(job.result));
            it = m_waiting.erase(it);
        }
    }

    Steady::duration backoff(int retry)
    {
        auto base = std::chrono::duration<double, std::milli>(m_options.backoff_base) * std::pow(2.0, retry);
        base = std::min(base, std::chrono::duration<double, std::milli>(m_options.backoff_max));
        std::uniform_real_distribution<double> jitter(0.5, 1.0);
        return std::chrono::duration_cast<Steady::duration>(base * jitter(m_random));
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
        char* location = nullptr;
        curl_easy_getinfo(job.easy.get(), CURLINFO_REDIRECT_URL, &location);
        if (location == nullptr) {
            return {false, FetchError{FetchErrorKind::http_status, "HTTP " + std::to_string(status) + " without Location"}};
        }
        std::string target = location;
        if (auto refused = refuse_redirect(job, target)) {
            return {false, std::move(*refused)};
        }
        auto host = parsers::host_of(target);
        if (!parsers::is_news_host(host)) {
            job.result.redirect_target = target;
            return {false, FetchError{FetchErrorKind::off_site_redirect, "redirect to " + parsers::quoted_for_message(target) + " refused"}};
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
        job.host = host;
        return {};
    }

    // A redirect that leaves HTTPS, or that leads back to a URL of this fetch (itself
    // included), is refused whatever its host.
    static std::optional<FetchError> refuse_redirect(const Job& job, const std::string& target)
    {
        if (!is_https_url(target)) {
            return FetchError{FetchErrorKind::insecure_redirect, "redirect to " + parsers::quoted_for_message(target) + " refused: HTTPS only"};
        }
        if (target == job.url || std::ranges::find(job.hops, target) != job.hops.end()) {
            return FetchError{FetchErrorKind::redirect_loop, "redirect back to " + parsers::quoted_for_message(target)};
        }
        return std::nullopt;
    }

    void complete(CURL* easy, CURLcode code)
    {
        auto node = m_running.extract(easy);
        auto& job = *node.mapped();
        curl_multi_remove_handle(m_multi.get(), easy);
        --m_hosts[job.host].in_flight;

        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (status > 0) {
            if (auto paused = m_politeness.record_answer(job.host, status, wall_now())) {
                hold_host(job.host, *paused, "is paused after repeated 403/429 answers");
            }
        }
        auto previous_url = job.url;
        Verdict verdict = code == CURLE_OK ? judge_response(job, status) : classify_transport_error(code, job, m_options);
        record_attempt(job, previous_url, status, verdict);

        bool redirected = !verdict.error && job.url != previous_url;
        if (redirected) {
            job.ready_at = Steady::now();
            m_waiting.push_front(std::move(node.mapped()));
            return;
        }
        if (verdict.error && verdict.retryable) {
            if (schedule_retry(job, status, *verdict.error)) {
                m_waiting.push_back(std::move(node.mapped()));
                return;
            }
        }
        finish(job, status, std::move(verdict.error));
    }

    void record_attempt(Job& job, const std::string& url, long status, const Verdict& verdict)
    {
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - job.started);
        FetchRecord record{url, kst_iso_millis(job.started_wall), std::nullopt,
                           static_cast<int64_t>(job.body.size()), elapsed.count(), {}};
        if (status > 0) {
            record.status = status;
        }
        if (verdict.error) {
            record.error = std::string(to_string(verdict.error->kind)) + ": " + verdict.error->message;
        }
        spdlog::debug("{} {} in {} ms{}", status, url, elapsed.count(), record.error.empty() ? "" : " (" + record.error + ")");
        job.result.attempts.push_back(std::move(record));
        job.result.fetched_at = job.started_wall;
    }

    // Returns false when no retry is left or the server asks for a longer wait than allowed.
    bool schedule_retry(Job& job, long status, FetchError& error)
    {
        curl_off_t retry_after = 0;
        curl_easy_getinfo(job.easy.get(), CURLINFO_RETRY_AFTER, &retry_after);
        auto asked = std::chrono::seconds(retry_after);
        if (asked.count() > 0) {
            // Retry-After speaks for the host, not only for this request; a hold never lasts
            // longer than the longest wait honoured, whatever the server asks.
            auto held = std::min<std::chrono::seconds>(asked, std::min(m_options.max_retry_after, Politeness::k_longest_hold));
            auto reason = "asked to wait (Retry-After " + std::to_string(retry_after) + " s, held " + std::to_string(held.count()) + " s)";
            if (asked > held) {
                spdlog::warn("{} {}", job.host, reason);
            } else {
                spdlog::info("{} {}", job.host, reason);
            }
            hold_host(job.host, wall_now() + held, reason);
        }
        if (asked > m_options.max_retry_after) {
            error = FetchError{FetchErrorKind::throttled, error.message + " with Retry-After " + std::to_string(retry_after) + " s"};
            return false;
        }
        if (job.retries >= m_options.max_retries) {
            if (status == 429) {
                error.kind = FetchErrorKind::throttled;
            }
            error.message += " (after " + std::to_string(job.retries + 1) + " attempts)";
            return false;
        }
        auto now = Steady::now();
        auto delay = std::max<Steady::duration>(backoff(job.retries), asked);
        ++job.retries;
        job.ready_at = now + delay;
        spdlog::info("retrying {} in {} ms ({}: {})", job.url,
                     std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(), to_string(error.kind),
                     error.message);
        return true;
    }

    void finish(Job& job, long status, std::optional<FetchError> error)
    {
        job.result.status = status;
        job.result.final_url = job.url;
        job.result.error = std::move(error);
        bool answered = !job.result.error || job.result.error->kind == FetchErrorKind::http_status;
        if (answered) {
            char* type = nullptr;
            curl_easy_getinfo(job.easy.get(), CURLINFO_CONTENT_TYPE, &type);
            job.result.content_type = type != nullptr ? type : "";
            job.result.body = std::move(job.body);
            char* ip = nullptr;
            curl_easy_getinfo(job.easy.get(), CURLINFO_PRIMARY_IP, &ip);
            job.result.peer_ip = ip != nullptr ? ip : "";
            job.result.request_head = std::move(job.request_head);
            job.result.response_head = std::move(job.response_head);
        }
        job.easy.reset();
        m_feed.done(std::move(job.result));
    }

    [[nodiscard]] long wait_ms() const
    {
        // A job whose time has come but whose host is at its concurrency limit waits for a
        // transfer to finish, and curl_multi_poll wakes up for that by itself.
        auto now = Steady::now();
        auto next = now + std::chrono::milliseconds(k_max_poll_ms);
        for (const auto& job : m_waiting) {
            if (job->ready_at > now) {
                next = std::min(next, job->ready_at);
            }
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
        return std::clamp<long>(static_cast<long>(ms), 0, k_max_poll_ms);
    }

    const FetchOptions& m_options;
    Politeness& m_politeness;
    curl_slist* m_connect_to;
    FetchFeed& m_feed;
    CurlMulti m_multi;
    std::deque<std::unique_ptr<Job>> m_waiting;
    std::map<CURL*, std::unique_ptr<Job>> m_running;
    std::unordered_map<std::string, HostBudget> m_hosts;
    std::mt19937 m_random;
};

} // namespace

std::string default_user_agent()
{
    return std::string("sillok/") + SILLOK_VERSION + " (Naver News archiver; +https://github.com/sillok-archive/sillok)";
}

std::string_view to_string(FetchErrorKind kind)
{
    switch (kind) {
    case FetchErrorKind::timeout: return "timeout";
    case FetchErrorKind::connect: return "connect";
    case FetchErrorKind::tls: return "tls";
    case FetchErrorKind::http_status: return "http_status";
    case FetchErrorKind::too_large: return "too_large";
    case FetchErrorKind::off_site_redirect: return "off_site_redirect";
    case FetchErrorKind::too_many_redirects: return "too_many_redirects";
    case FetchErrorKind::insecure_redirect: return "insecure_redirect";
    case FetchErrorKind::redirect_loop: return "redirect_loop";
    case FetchErrorKind::throttled: return "throttled";
    case FetchErrorKind::network: return "network";
    case FetchErrorKind::interrupted: return "interrupted";
    }
    return "unknown";
}

Fetcher::Fetcher(FetchOptions options, Politeness& politeness)
    : m_options(std::move(options)), m_politeness(politeness)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
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
    Run loop(m_options, m_politeness, connect_to.get(), feed);
    loop.run();
}

} // namespace sillok::daemon
