#include "daemon/fetch/transfer.hpp"
#include "tests/support/fake_clock.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using sillok::daemon::FetchErrorKind;
using sillok::daemon::FetchOptions;
using sillok::daemon::Transfer;
using sillok::test::FakeClock;

TEST_CASE("daemon::Transfer is found again from its curl handle, and started on the injected clocks")
{
    sillok::daemon::init_curl_once();
    FakeClock clock(sillok::daemon::from_unix_ms(1'780'000'000'000));
    FetchOptions options;
    Transfer transfer;
    auto begun = transfer.begin(options, nullptr, "https://n.news.naver.com/article/015/0005230666", "", clock);
    REQUIRE(begun.has_value());
    REQUIRE(transfer.handle() != nullptr);
    CHECK(Transfer::of(transfer.handle()) == &transfer);
    CHECK(transfer.started_wall == clock.wall());
    CHECK(transfer.started == clock.steady());
    CHECK(transfer.max_body == options.max_body_bytes);
    // No answer yet: no status, no redirect.
    CHECK(transfer.status() == 0);
    CHECK_FALSE(transfer.redirect_url());
}

TEST_CASE("daemon::Transfer names the curl option it could not set")
{
    sillok::daemon::init_curl_once();
    FakeClock clock(sillok::daemon::from_unix_ms(1'780'000'000'000));
    FetchOptions options;
    options.user_agent = std::string(8'000'001, 'a'); // longer than curl takes a string option
    Transfer transfer;
    auto begun = transfer.begin(options, nullptr, "https://n.news.naver.com/", "", clock);
    REQUIRE_FALSE(begun.has_value());
    CHECK(begun.error().kind == FetchErrorKind::network);
    CHECK(begun.error().message.find("CURLOPT_USERAGENT") != std::string::npos);
    CHECK(transfer.handle() == nullptr);
}
