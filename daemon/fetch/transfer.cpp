#include "daemon/fetch/transfer.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <stdexcept>

namespace sillok::daemon {
namespace {

size_t write_body(char* data, size_t size, size_t count, void* user)
{
    auto* transfer = static_cast<Transfer*>(user);
    size_t bytes = size * count;
    if (transfer->body.size() + bytes > transfer->max_body) {
        transfer->too_large = true;
        return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    if (transfer->body.empty()) {
        // The announced length, when there is one within the cap, sizes the body once
        // instead of in doublings (each a copy of everything received so far).
        curl_off_t announced = -1;
        if (curl_easy_getinfo(transfer->handle(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) == CURLE_OK
            && announced > 0 && static_cast<size_t>(announced) <= transfer->max_body) {
            transfer->body.reserve(static_cast<size_t>(announced));
        }
    }
    transfer->body.append(data, bytes);
    return bytes;
}

// The status line and header lines of each response, as received; a new status line
// (an interim 1xx answer was followed by the real one) starts the head again.
size_t keep_header(char* data, size_t size, size_t count, void* user)
{
    auto* transfer = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        transfer->response_head.clear();
    }
    transfer->response_head.append(line);
    return size * count;
}

// The request head, as sent.
int keep_request_head(CURL* /*easy*/, curl_infotype type, char* data, size_t size, void* user)
{
    if (type == CURLINFO_HEADER_OUT) {
        static_cast<Transfer*>(user)->request_head.append(data, size);
    }
    return 0;
}

// Sets options in order until curl refuses one; then names it.
class EasySetup {
public:
    explicit EasySetup(CURL* easy) : m_easy(easy) {}
    template <typename Value>
    EasySetup& set(CURLoption option, const char* name, Value value)
    {
        if (m_failed == nullptr) {
            if (CURLcode rc = curl_easy_setopt(m_easy, option, value); rc != CURLE_OK) {
                m_failed = name;
                m_code = rc;
            }
        }
        return *this;
    }
    [[nodiscard]] std::optional<FetchError> error() const
    {
        if (m_failed == nullptr) {
            return std::nullopt;
        }
        return FetchError{FetchErrorKind::network, std::string("cannot set up the request: curl refused ") + m_failed
                                                       + ": " + curl_easy_strerror(m_code)};
    }

private:
    CURL* m_easy;
    const char* m_failed = nullptr;
    CURLcode m_code = CURLE_OK;
};

} // namespace

void init_curl_once()
{
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK) {
        throw std::runtime_error(std::string("cannot initialise libcurl: ") + curl_easy_strerror(result));
    }
}

std::expected<void, FetchError> Transfer::begin(const FetchOptions& options, curl_slist* connect_to,
                                                const std::string& url, const std::string& referer,
                                                const FetchClock& clock)
{
    m_easy.reset(curl_easy_init());
    if (!m_easy) {
        return std::unexpected(FetchError{FetchErrorKind::network, "cannot set up the request: curl_easy_init failed"});
    }
    body.clear();
    request_head.clear();
    response_head.clear();
    too_large = false;
    max_body = options.max_body_bytes;
    m_error_buffer[0] = '\0';
    EasySetup setup(m_easy.get());
    setup.set(CURLOPT_PRIVATE, "CURLOPT_PRIVATE", static_cast<void*>(this))
        .set(CURLOPT_URL, "CURLOPT_URL", url.c_str())
        // HTTPS only, at every hop: curl itself refuses anything else, should a redirect
        // ever be followed by it rather than by the network loop.
        .set(CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR", "https")
        .set(CURLOPT_REDIR_PROTOCOLS_STR, "CURLOPT_REDIR_PROTOCOLS_STR", "https")
        .set(CURLOPT_FOLLOWLOCATION, "CURLOPT_FOLLOWLOCATION", 0L) // each hop is checked and paced
        // HTTP/1.1 only: the behaviour the fault suite exercises (resets, short bodies,
        // stalls) is HTTP/1.1's; HTTP/2 stream errors would be an untested path.
        .set(CURLOPT_HTTP_VERSION, "CURLOPT_HTTP_VERSION", static_cast<long>(CURL_HTTP_VERSION_1_1))
        .set(CURLOPT_ACCEPT_ENCODING, "CURLOPT_ACCEPT_ENCODING", "gzip, deflate, br")
        .set(CURLOPT_USERAGENT, "CURLOPT_USERAGENT", options.user_agent.c_str())
        .set(CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL", 1L)
        .set(CURLOPT_CONNECTTIMEOUT_MS, "CURLOPT_CONNECTTIMEOUT_MS", static_cast<long>(options.connect_timeout.count()))
        .set(CURLOPT_TIMEOUT_MS, "CURLOPT_TIMEOUT_MS", static_cast<long>(options.total_timeout.count()))
        .set(CURLOPT_LOW_SPEED_LIMIT, "CURLOPT_LOW_SPEED_LIMIT", options.low_speed_bytes_per_second)
        .set(CURLOPT_LOW_SPEED_TIME, "CURLOPT_LOW_SPEED_TIME", static_cast<long>(options.low_speed_time.count()))
        .set(CURLOPT_MAXFILESIZE_LARGE, "CURLOPT_MAXFILESIZE_LARGE", static_cast<curl_off_t>(options.max_body_bytes))
        .set(CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION", write_body)
        .set(CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", static_cast<void*>(this))
        .set(CURLOPT_HEADERFUNCTION, "CURLOPT_HEADERFUNCTION", keep_header)
        .set(CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA", static_cast<void*>(this))
        .set(CURLOPT_DEBUGFUNCTION, "CURLOPT_DEBUGFUNCTION", keep_request_head)
        .set(CURLOPT_DEBUGDATA, "CURLOPT_DEBUGDATA", static_cast<void*>(this))
        .set(CURLOPT_VERBOSE, "CURLOPT_VERBOSE", 1L) // feeds keep_request_head
        .set(CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER", m_error_buffer.data());
    if (!referer.empty()) {
        setup.set(CURLOPT_REFERER, "CURLOPT_REFERER", referer.c_str());
    }
    if (connect_to != nullptr) {
        setup.set(CURLOPT_CONNECT_TO, "CURLOPT_CONNECT_TO", connect_to);
    }
    if (!options.cacert.empty()) {
        setup.set(CURLOPT_CAINFO, "CURLOPT_CAINFO", options.cacert.c_str());
    }
    if (auto failed = setup.error()) {
        m_easy.reset();
        return std::unexpected(std::move(*failed));
    }
    started_wall = clock.wall();
    started = clock.steady();
    return {};
}

Transfer* Transfer::of(CURL* easy)
{
    char* owner = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &owner) != CURLE_OK) {
        return nullptr;
    }
    return reinterpret_cast<Transfer*>(owner);
}

template <typename Value>
std::optional<Value> Transfer::info(CURLINFO what, const char* name) const
{
    Value value{};
    if (CURLcode rc = curl_easy_getinfo(m_easy.get(), what, &value); rc != CURLE_OK) {
        spdlog::error("curl cannot tell {} of a finished request: {}", name, curl_easy_strerror(rc));
        return std::nullopt;
    }
    return value;
}

long Transfer::status() const { return info<long>(CURLINFO_RESPONSE_CODE, "its status").value_or(0); }

std::optional<std::string> Transfer::redirect_url() const
{
    auto* location = info<char*>(CURLINFO_REDIRECT_URL, "its redirect URL").value_or(nullptr);
    return location != nullptr ? std::optional<std::string>(location) : std::nullopt;
}

std::string Transfer::content_type() const
{
    auto* type = info<char*>(CURLINFO_CONTENT_TYPE, "its content type").value_or(nullptr);
    return type != nullptr ? type : "";
}

std::string Transfer::peer_ip() const
{
    auto* ip = info<char*>(CURLINFO_PRIMARY_IP, "its peer address").value_or(nullptr);
    return ip != nullptr ? ip : "";
}

std::optional<std::string> Transfer::header(const char* name) const
{
    curl_header* found = nullptr;
    CURLHcode rc = curl_easy_header(m_easy.get(), name, 0, CURLH_HEADER, -1, &found);
    if (rc == CURLHE_OK && found != nullptr) {
        // The last of repeated headers is the one that counts.
        auto last = found->amount > 1
                        ? curl_easy_header(m_easy.get(), name, found->amount - 1, CURLH_HEADER, -1, &found)
                        : CURLHE_OK;
        if (last == CURLHE_OK) {
            return std::string(found->value);
        }
        rc = last;
    }
    if (rc != CURLHE_MISSING && rc != CURLHE_NOHEADERS && rc != CURLHE_NOREQUEST) {
        spdlog::error("curl cannot read the {} header of a finished request (error {})", name, static_cast<int>(rc));
    }
    return std::nullopt;
}

Verdict Transfer::transport_error(CURLcode code) const
{
    std::string detail = m_error_buffer[0] != '\0' ? m_error_buffer.data() : curl_easy_strerror(code);
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
        if (code == CURLE_FILESIZE_EXCEEDED || too_large) {
            return {false, FetchError{FetchErrorKind::too_large,
                                      "body larger than the cap of " + std::to_string(max_body) + " bytes"}};
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

} // namespace sillok::daemon
