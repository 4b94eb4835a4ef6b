// The Naver stand-in used by the end-to-end tests, checked with libcurl directly: routing,
// TLS verification against its throwaway CA, request recording and prompt shutdown.
#include "daemon/util/c_handles.hpp"
#include "tests/support/https_server.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using sillok::test::NaverStandIn;

struct Reply {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
};

struct FetchOptions {
    bool trust_test_ca = true;
    long timeout_ms = 5000;
    std::string user_agent = "sillok-self-test";
    std::vector<std::string> extra_connect_to; // HOST:PORT:ADDR:PORT beyond the server's own
};

size_t append_body(char* data, size_t size, size_t count, void* body)
{
    static_cast<std::string*>(body)->append(data, size * count);
    return size * count;
}

// Fetches `url` with peer and host verification on, routed to the stand-in by the same
// --connect-to pairs that the crawler is given.
Reply fetch(const NaverStandIn& server, const std::string& url, const FetchOptions& options = {})
{
    sillok::daemon::CurlEasy easy(curl_easy_init());
    REQUIRE(easy != nullptr);
    sillok::daemon::CurlSlist connect_to;
    const auto args = server.curl_args();
    auto pairs = options.extra_connect_to;
    for (size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--connect-to") {
            pairs.push_back(args[i + 1]);
        }
    }
    for (const auto& pair : pairs) {
        connect_to.reset(curl_slist_append(connect_to.release(), pair.c_str()));
    }
    Reply reply;
    CURL* handle = easy.get();
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_CONNECT_TO, connect_to.get());
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (options.trust_test_ca) {
        curl_easy_setopt(handle, CURLOPT_CAINFO, server.ca_file().c_str());
    }
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &reply.body);
    reply.code = curl_easy_perform(handle);
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
}

} // namespace

TEST_CASE("test::NaverStandIn")
{
    NaverStandIn server;
    REQUIRE(server.port() > 0);

    SUBCASE("curl_args point every concrete certificate host at the server, then name the CA")
    {
        const auto args = server.curl_args();
        const std::string target = ":443:127.0.0.1:" + std::to_string(server.port());
        REQUIRE(args.size() >= 4);
        CHECK(args[0] == "--connect-to");
        CHECK(args[1] == "n.news.naver.com" + target);
        CHECK(args[args.size() - 2] == "--cacert");
        CHECK(args.back() == server.ca_file().string());
        for (const char* host : {"news.naver.com", "m.news.naver.com", "m.sports.naver.com", "m.entertain.naver.com",
                                 "evil.example.com"}) {
            CHECK(std::ranges::find(args, host + target) != args.end());
        }
        CHECK(std::ranges::none_of(args, [](const std::string& arg) { return arg.starts_with("*."); }));
    }

    SUBCASE("routes by host and path; a route with a query matches only that query")
    {
        server.serve_html("n.news.naver.com", "/mnews/article/015/0005230666", "<p>article</p>");
        server.serve_html("n.news.naver.com", "/x?sid=101", "<p>exact</p>");
        server.serve_html("n.news.naver.com", "/x", "<p>any query</p>");

        auto article = fetch(server, "https://n.news.naver.com/mnews/article/015/0005230666?sid=105");
        REQUIRE(article.code == CURLE_OK);
        CHECK(article.status == 200);
        CHECK(article.body == "<p>article</p>");

        CHECK(fetch(server, "https://n.news.naver.com/x?sid=101").body == "<p>exact</p>");
        CHECK(fetch(server, "https://n.news.naver.com/x?sid=102").body == "<p>any query</p>");
        CHECK(fetch(server, "https://n.news.naver.com/x").body == "<p>any query</p>");

        auto other_host = fetch(server, "https://news.naver.com/mnews/article/015/0005230666");
        REQUIRE(other_host.code == CURLE_OK);
        CHECK(other_host.status == 404);
        CHECK(other_host.body.find("Not Found") != std::string::npos);
    }

    SUBCASE("a later route replaces an earlier one")
    {
        server.serve_html("n.news.naver.com", "/page", "first");
        CHECK(fetch(server, "https://n.news.naver.com/page").body == "first");
        server.serve_html("n.news.naver.com", "/page", "second");
        CHECK(fetch(server, "https://n.news.naver.com/page").body == "second");
    }

    SUBCASE("TLS verifies with the test CA for every host in the certificate, and only with it")
    {
        FetchOptions untrusted;
        untrusted.trust_test_ca = false;
        CHECK(fetch(server, "https://n.news.naver.com/", untrusted).code == CURLE_PEER_FAILED_VERIFICATION);
        CHECK(server.count("n.news.naver.com") == 0);

        for (const char* host : {"n.news.naver.com", "news.naver.com", "m.news.naver.com", "m.sports.naver.com",
                                 "m.entertain.naver.com", "evil.example.com", "localhost"}) {
            CAPTURE(host);
            auto reply = fetch(server, std::string("https://") + host + "/");
            CHECK(reply.code == CURLE_OK);
            CHECK(reply.status == 404);
        }
        auto by_address = fetch(server, "https://127.0.0.1:" + std::to_string(server.port()) + "/");
        CHECK(by_address.code == CURLE_OK);

        const std::string here = ":443:127.0.0.1:" + std::to_string(server.port());
        FetchOptions extra;
        extra.extra_connect_to = {"www.naver.com" + here, "www.example.org" + here};
        CHECK(fetch(server, "https://www.naver.com/", extra).code == CURLE_OK);
        CHECK(fetch(server, "https://www.example.org/", extra).code == CURLE_PEER_FAILED_VERIFICATION);
        CHECK(server.count("www.example.org") == 0);
    }

    SUBCASE("records every request with host, method, path, query and headers")
    {
        server.serve_html("n.news.naver.com", "/mnews/article/003/0012577249", "ok");
        FetchOptions options;
        options.user_agent = "recorder-check/1.0";
        auto before = std::chrono::steady_clock::now();
        fetch(server, "https://n.news.naver.com/mnews/article/003/0012577249?sid=101", options);
        fetch(server, "https://m.news.naver.com/unrouted");

        auto seen = server.requests();
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].host == "n.news.naver.com");
        CHECK(seen[0].method == "GET");
        CHECK(seen[0].path == "/mnews/article/003/0012577249");
        CHECK(seen[0].query == "sid=101");
        CHECK(seen[0].headers.at("user-agent") == "recorder-check/1.0");
        CHECK(seen[0].headers.contains("host"));
        CHECK_FALSE(seen[0].headers.contains("remote_addr"));
        CHECK(seen[0].at >= before);
        CHECK(seen[1].at >= seen[0].at);
        CHECK(seen[1].host == "m.news.naver.com");
        CHECK(seen[1].query.empty());

        CHECK(server.count("n.news.naver.com", "/mnews/article/003/0012577249") == 1);
        CHECK(server.count("N.NEWS.NAVER.COM") == 1);
        CHECK(server.count("m.news.naver.com", "/unrouted") == 1);
        CHECK(server.count("news.naver.com") == 0);
    }
}

TEST_CASE("test::NaverStandIn stops promptly while a handler stalls")
{
    auto server = std::make_unique<NaverStandIn>();
    NaverStandIn* self = server.get();
    server->on("n.news.naver.com", "/stall", [self](const httplib::Request&, httplib::Response& response) {
        self->sleep_unless_stopped(60s);
        response.set_content("late", "text/plain");
    });
    FetchOptions quick;
    quick.timeout_ms = 300;
    CHECK(fetch(*server, "https://n.news.naver.com/stall", quick).code == CURLE_OPERATION_TIMEDOUT);
    CHECK(server->count("n.news.naver.com", "/stall") == 1);

    auto started = std::chrono::steady_clock::now();
    server.reset();
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}
