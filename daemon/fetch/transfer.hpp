#pragma once
// One HTTP exchange: a curl easy handle set up for sillok's rules (HTTPS only, no automatic
// redirects, HTTP/1.1, compression, timeouts, body cap) and what it gathers (body, request
// and response heads, timings). The handle carries a pointer to its Transfer
// (CURLOPT_PRIVATE), so the network loop finds the transfer of a finished handle.
#include "daemon/fetch/fetch_clock.hpp"
#include "daemon/fetch/fetch_types.hpp"
#include "daemon/util/c_handles.hpp"

#include <array>
#include <expected>
#include <optional>
#include <string>

namespace sillok::daemon {

// curl_global_init, once per process; throws std::runtime_error when it fails.
void init_curl_once();

// What a failed exchange means for the fetch.
struct Verdict {
    bool retryable = false;
    std::optional<FetchError> error;
};

class Transfer {
public:
    Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    // A fresh handle for a GET of url, every option checked: an error names the option
    // curl refused. connect_to may be null.
    std::expected<void, FetchError> begin(const FetchOptions& options, curl_slist* connect_to, const std::string& url,
                                          const std::string& referer, const FetchClock& clock);
    // Frees the handle (after it left the multi handle).
    void end() { m_easy.reset(); }
    // The transfer a handle of begin() belongs to; null for any other handle.
    static Transfer* of(CURL* easy);

    [[nodiscard]] CURL* handle() const { return m_easy.get(); }
    // The answer's status; 0 when none came.
    [[nodiscard]] long status() const;
    // Location of a redirect, resolved against the URL; nullopt when the answer had none.
    [[nodiscard]] std::optional<std::string> redirect_url() const;
    [[nodiscard]] std::string content_type() const;
    [[nodiscard]] std::string peer_ip() const;
    // The last value of a response header; nullopt when absent.
    [[nodiscard]] std::optional<std::string> header(const char* name) const;
    // What a transport error (not CURLE_OK) means: retryable or not, and its kind.
    [[nodiscard]] Verdict transport_error(CURLcode code) const;

    std::string body;
    std::string request_head;  // as sent
    std::string response_head; // status line and headers of the last response
    bool too_large = false;    // the body passed the cap, which aborted the transfer
    size_t max_body = 0;
    WallClock::time_point started_wall{};
    SteadyClock::time_point started{};

private:
    template <typename Value>
    [[nodiscard]] std::optional<Value> info(CURLINFO what, const char* name) const;

    CurlEasy m_easy;
    std::array<char, CURL_ERROR_SIZE> m_error_buffer{};
};

} // namespace sillok::daemon
