// `sillok crawl` against servers that misbehave at the HTTP level: refused connections,
// resets, truncated, corrupt and oversized bodies, redirect loops, pages that are no article,
// bodies that trickle in, wrong charsets and broken bytes. Whatever the fault, the crawl ends
// within a bounded time with a typed outcome on stdout and in the ledger, leaves no partial
// file behind and leaves an archive that `sillok verify` finds clean.
#include "parsers/text.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/raw_server.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

// No fault may hold a crawl longer than this; the slowest one (a trickle) takes --timeout 3.
constexpr auto k_run_bound = 60s;
constexpr size_t k_huge_page_bytes = 30'000'000; // over the default cap of 20 MiB

const FixtureArticle& sample() { return fixture_article("003_0012577249"); }
std::string sample_path() { return canonical_path(sample().oid, sample().aid); }
std::string sample_url() { return canonical_url(sample().oid, sample().aid); }

// The crawl lines of a log that holds stdout and stderr together.
std::string crawl_lines(const std::string& log)
{
    static const std::regex k_crawl_line("(saved|unchanged|updated|gone|skipped|failed)\t.*");
    std::istringstream in(log);
    std::string lines;
    for (std::string line; std::getline(in, line);) {
        if (std::regex_match(line, k_crawl_line)) {
            lines += line + "\n";
        }
    }
    return lines;
}

std::string gzip(const std::string& bytes)
{
    auto zipped = run_command({"/usr/bin/gzip", "-9", "-c", "-n"}, bytes);
    REQUIRE_MESSAGE(zipped.exit_code == 0, "gzip failed: " << zipped.err);
    return zipped.out;
}

// The fixture page with `extra` inserted right after the opening of the article body.
std::string with_body_prefix(std::string page, const std::string& extra)
{
    const std::string opening = R"(<article id="dic_area" class="go_trans _article_content">)";
    auto at = page.find(opening);
    REQUIRE(at != std::string::npos);
    page.insert(at + opening.size(), extra);
    return page;
}

// The fixture page grown to `size` bytes by filler text outside the article.
std::string huge_page(size_t size)
{
    auto page = article_page(sample().id);
    const std::string sentence = "<p>본문과 관계없는 채움 문장입니다. Filler outside the article.</p>\n";
    const std::string closing = "</div>\n";
    std::string filler = "<div class=\"filler\">\n";
    while (page.size() + filler.size() + sentence.size() + closing.size() < size) {
        filler += sentence;
    }
    filler += std::string(size - page.size() - filler.size() - closing.size(), ' ') + closing;
    auto at = page.rfind("</body>");
    REQUIRE(at != std::string::npos);
    page.insert(at, filler);
    REQUIRE(page.size() == size);
    return page;
}

// A 1x1 PNG image.
std::string png_image()
{
    static const unsigned char k_png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
        0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xff, 0xff, 0x3f, 0x00, 0x05, 0xfe, 0x02, 0xfe, 0xa7,
        0x35, 0x81, 0x84, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    };
    return {reinterpret_cast<const char*>(k_png), sizeof k_png};
}

// Makes `server` answer the sample article with status 200, `body` and Content-Type `type`.
void answer_with(NaverStandIn& server, std::string body, std::string type)
{
    server.on("n.news.naver.com", sample_path(),
              [body = std::move(body), type = std::move(type)](const httplib::Request&, httplib::Response& response) {
                  response.set_content(body, type);
              });
}

// For a page the crawler may save or refuse: saved as the golden file (the fault is outside
// the article), or failed as a page the parser typed.
void check_saved_as_golden_or_typed(const CrawlRun& run, const fs::path& archive)
{
    auto line = run.line(sample().id);
    if (line.outcome == "saved") {
        CHECK(with_golden_crawled_at(read_file(archive / line.path), run) == golden_file(sample().id));
        return;
    }
    CHECK(line.outcome == "failed");
    CHECK_MESSAGE((line.reason.starts_with("not_an_article:") || line.reason.starts_with("incomplete:")),
                  "not a typed parse outcome: " << line.reason);
}

// A raw server that answers every request with `head` and `body`.
std::unique_ptr<RawTlsServer> raw_answer(std::string head, std::string body)
{
    return std::make_unique<RawTlsServer>([head = std::move(head), body = std::move(body)](RawConnection& connection) {
        if (connection.send(head)) {
            connection.send(body);
        }
    });
}

// Runs `sillok crawl` of the sample article once per fault, each in its own archive, and
// CHECKs the contract every fault shares.
class FaultSuite {
public:
    explicit FaultSuite(fs::path dir) : m_dir(std::move(dir)) {}

    // Crawls through `server_args` (plus `options`) and returns the run after the shared checks.
    CrawlRun crawl(const std::string& fault, const std::vector<std::string>& server_args,
                   const std::vector<std::string>& options = {});
    // Crawls, and CHECKs that the crawl failed with a reason of one of `kinds` that the ledger
    // records too.
    void expect_failure(const std::string& fault, const std::vector<std::string>& server_args,
                        const std::vector<std::string>& kinds, const std::vector<std::string>& options = {});

    [[nodiscard]] size_t exercised() const { return m_exercised; }
    // The archive of the latest crawl.
    [[nodiscard]] fs::path archive() const { return m_dir / std::to_string(m_exercised) / "archive"; }

private:
    fs::path m_dir;
    size_t m_exercised = 0;
};

CrawlRun FaultSuite::crawl(const std::string& fault, const std::vector<std::string>& server_args,
                           const std::vector<std::string>& options)
{
    ++m_exercised;
    const auto archive = this->archive();
    std::vector<std::string> args{"crawl", "--archive", archive.string(), "--url", sample_url(), "--rate", "0"};
    for (const auto& [option, value] : {std::pair{"--timeout", "20"}, std::pair{"--retries", "0"}}) {
        if (std::ranges::find(options, option) == options.end()) {
            args.insert(args.end(), {option, value});
        }
    }
    args.insert(args.end(), server_args.begin(), server_args.end());
    args.insert(args.end(), options.begin(), options.end());

    CrawlRun run;
    run.started = std::chrono::system_clock::now();
    auto start = std::chrono::steady_clock::now();
    ServiceProcess process(args, archive.parent_path() / "logs");
    auto exit_code = process.wait(k_run_bound);
    run.elapsed = std::chrono::steady_clock::now() - start;
    run.finished = std::chrono::system_clock::now();
    run.result.exit_code = exit_code.value_or(-1);
    run.result.err = process.log();
    run.result.out = crawl_lines(run.result.err);

    INFO("fault: " << fault << "\nlog:\n" << run.result.err);
    REQUIRE_MESSAGE(exit_code.has_value(), "the crawl still ran after " << k_run_bound.count() << " s");
    CHECK_MESSAGE((run.result.exit_code == 0 || run.result.exit_code == 1),
                  "exit code " << run.result.exit_code << " (128 + N: ended by signal N)");
    run.lines = parse_crawl_output(run.result.out);
    auto line = run.line(sample().id);
    CHECK_MESSAGE(files_under(archive / ".tmp").empty(), "temp files left behind");
    auto verify = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    CHECK_MESSAGE(verify.exit_code == 0, "sillok verify:\n" << verify.out << verify.err);

    auto articles = files_under(archive);
    std::erase_if(articles, [](const std::string& f) { return !f.ends_with(".md"); });
    if (line.outcome == "saved") {
        REQUIRE(articles == std::vector<std::string>{line.path});
        auto text = read_file(archive / line.path);
        CHECK_MESSAGE(sillok::parsers::is_valid_utf8(text), "the saved file is not valid UTF-8");
        static_cast<void>(front_matter(text));
    } else {
        CHECK_MESSAGE(articles.empty(), "a file exists for an article that was not saved");
    }
    return run;
}

void FaultSuite::expect_failure(const std::string& fault, const std::vector<std::string>& server_args,
                                const std::vector<std::string>& kinds, const std::vector<std::string>& options)
{
    auto run = crawl(fault, server_args, options);
    const auto ledger = archive() / "ledger.sqlite3";
    INFO("fault: " << fault << "\nlog:\n" << run.result.err);
    auto line = run.line(sample().id);
    CHECK(run.result.exit_code == 1);
    CHECK(line.outcome == "failed");
    auto kind = line.reason.substr(0, line.reason.find(':'));
    CHECK_MESSAGE(std::ranges::find(kinds, kind) != kinds.end(), "reason of an unexpected kind: " << line.reason);
    // A failure of the fetch belongs in its fetches row; a page that is no article may be
    // recorded there or as the article's reason, but the ledger must say why.
    CHECK_MESSAGE(ledger_count(ledger,
                               "SELECT (SELECT count(*) FROM fetches WHERE error LIKE ?1)"
                               " + (SELECT count(*) FROM articles WHERE reason LIKE ?1)",
                               {kind + ": %"})
                      >= 1,
                  "the ledger records no " << kind << " for the failed article");
}

void exercise_connection_faults(FaultSuite& suite)
{
    const auto page = article_page(sample().id);
    const auto head = response_head(
        200, {{"Content-Type", "text/html; charset=UTF-8"}, {"Content-Length", std::to_string(page.size())}});
    {
        // A bound socket that never listens refuses every connection, and no one else gets its port.
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        auto target = "n.news.naver.com:443:127.0.0.1:" + std::to_string(ntohs(address.sin_port));
        suite.expect_failure("connection refused", {"--connect-to", target}, {"connect"});
        ::close(fd);
    }
    {
        RawTlsServer server([&](RawConnection& connection) {
            if (connection.send(head)) {
                connection.send(page.substr(0, page.size() / 2));
            }
            connection.reset();
        });
        suite.expect_failure("connection reset mid-body", server.curl_args(), {"network"});
    }
    {
        auto server = raw_answer(head, page.substr(0, page.size() / 2));
        suite.expect_failure("body shorter than its Content-Length", server->curl_args(), {"network"});
    }
    {
        RawTlsServer server([&](RawConnection& connection) {
            if (connection.send(head)) {
                for (char byte : page) {
                    if (!connection.send(std::string(1, byte)) || !connection.pause(1s)) {
                        break;
                    }
                }
            }
        });
        auto run = suite.crawl("a body trickling at one byte per second", server.curl_args(), {"--timeout", "3"});
        auto line = run.line(sample().id);
        CHECK(line.outcome == "failed");
        CHECK(line.reason.starts_with("timeout: "));
        CHECK(run.elapsed >= 3s);
        CHECK(run.elapsed < 15s);
    }
}

void exercise_encoding_faults(FaultSuite& suite)
{
    const auto page = article_page(sample().id);
    {
        auto zipped = gzip(page);
        // Garbage in the middle of the deflate stream: whatever it decodes to, the CRC fails.
        std::fill_n(zipped.begin() + static_cast<std::ptrdiff_t>(zipped.size() / 2), 64, '\xa5');
        auto server = raw_answer(response_head(200, {{"Content-Type", "text/html; charset=UTF-8"},
                                                     {"Content-Encoding", "gzip"},
                                                     {"Content-Length", std::to_string(zipped.size())}}),
                                 zipped);
        suite.expect_failure("corrupt gzip body", server->curl_args(), {"network"});
    }
    {
        const auto bomb = gzip("<!DOCTYPE html><html><body>" + std::string(size_t{64} << 20, ' '));
        REQUIRE(bomb.size() < 200'000);
        auto server = raw_answer(response_head(200, {{"Content-Type", "text/html; charset=UTF-8"},
                                                     {"Content-Encoding", "gzip"},
                                                     {"Content-Length", std::to_string(bomb.size())}}),
                                 bomb);
        suite.expect_failure("gzip bomb: small compressed, 64 MiB decompressed", server->curl_args(), {"too_large"});
    }
}

void exercise_redirect_faults(FaultSuite& suite)
{
    NaverStandIn server;
    server.on("n.news.naver.com", sample_path(), [](const httplib::Request& request, httplib::Response& response) {
        response.set_redirect(request.target == sample_path() ? sample_url() + "?loop=1" : sample_url(), 302);
    });
    suite.expect_failure("redirect loop on Naver", server.curl_args(), {"redirect_loop"});

    server.on("n.news.naver.com", sample_path(), [](const httplib::Request& request, httplib::Response& response) {
        auto hop = request.has_param("hop") ? std::stoi(request.get_param_value("hop")) : 0;
        response.set_redirect(sample_url() + "?hop=" + std::to_string(hop + 1), 301);
    });
    suite.expect_failure("endless redirects on Naver", server.curl_args(), {"too_many_redirects"});
    CHECK(server.count("n.news.naver.com", sample_path()) < 20);

    server.on("n.news.naver.com", sample_path(), [](const httplib::Request&, httplib::Response& response) {
        response.set_redirect("https://evil.example.com/x", 302);
    });
    server.serve_html("evil.example.com", "/x", article_page(sample().id));
    suite.expect_failure("redirect to another host", server.curl_args(), {"off_site_redirect"});
    CHECK(server.count("evil.example.com") == 0);
}

void exercise_content_faults(FaultSuite& suite)
{
    NaverStandIn server;
    auto answer = [&server](std::string body, std::string type) { answer_with(server, body, type); };
    const std::vector<std::string> not_an_article{"not_an_article", "incomplete"};
    answer("", "text/html;charset=UTF-8");
    suite.expect_failure("200 with an empty body", server.curl_args(), not_an_article);
    answer(R"({"error":{"code":"NOT_FOUND","message":"article not found"}})", "application/json");
    suite.expect_failure("200 with JSON", server.curl_args(), not_an_article);
    answer(png_image(), "image/png");
    suite.expect_failure("200 with a PNG image", server.curl_args(), not_an_article);
}

void exercise_text_faults(FaultSuite& suite)
{
    NaverStandIn server;
    auto answer = [&server](std::string body, std::string type) { answer_with(server, body, type); };
    auto page = article_page(sample().id);
    const std::string utf8_meta = R"(<meta charset="utf-8">)";
    REQUIRE(page.find(utf8_meta) != std::string::npos);
    answer(std::string(page).replace(page.find(utf8_meta), utf8_meta.size(), R"(<meta charset="euc-kr">)"),
           "text/html; charset=EUC-KR");
    auto run = suite.crawl("UTF-8 page declaring euc-kr", server.curl_args());
    auto line = run.line(sample().id);
    REQUIRE(line.outcome == "saved");
    CHECK(with_golden_crawled_at(read_file(suite.archive() / line.path), run) == golden_file(sample().id));

    // Bytes no UTF-8 decoder accepts: 0xFF, an overlong '/', a lone continuation byte, a
    // truncated three-byte sequence.
    answer(with_body_prefix(page, "<p>깨진 \xff\xfe 바이트 \xc0\xaf 사이 \x80 끝 \xed\x95</p>"),
           "text/html;charset=UTF-8");
    run = suite.crawl("invalid UTF-8 in the body", server.curl_args());
    line = run.line(sample().id);
    if (line.outcome == "saved") {
        auto fields = front_matter(read_file(suite.archive() / line.path));
        auto golden = front_matter(golden_file(sample().id));
        CHECK_MESSAGE(field(fields, "title") == field(golden, "title"), "the title's Korean text did not survive");
        CHECK(read_file(suite.archive() / line.path).contains("올해 국내 AI 노트북 시장에서 3대 중 2대는"));
    } else {
        CHECK(line.outcome == "failed");
        CHECK_MESSAGE((line.reason.starts_with("not_an_article:") || line.reason.starts_with("incomplete:")),
                      "not a typed parse outcome: " << line.reason);
    }

    // Valid UTF-8, but C1 control characters (U+0080, U+009C, U+009F) in the headline: the
    // front matter must escape them (YAML does not allow them raw).
    const std::string headline = R"(<span>AI 노트북 3대 중 2대)";
    REQUIRE(page.find(headline) != std::string::npos);
    answer(std::string(page).replace(page.find(headline), headline.size(),
                                     "<span>AI \xc2\x80노트북 3대\xc2\x9c 중\xc2\x9f 2대"),
           "text/html;charset=UTF-8");
    run = suite.crawl("control characters in the headline", server.curl_args());
    CHECK(run.line(sample().id).outcome == "saved");
}

void exercise_size_faults(FaultSuite& suite)
{
    const auto page = huge_page(k_huge_page_bytes);
    auto server = raw_answer(response_head(200, {{"Content-Type", "text/html; charset=UTF-8"},
                                                 {"Content-Length", std::to_string(page.size())}}),
                             page);
    suite.expect_failure("30 MB page under the default cap", server->curl_args(), {"too_large"});

    auto run = suite.crawl("30 MB page under --max-bytes 40000000", server->curl_args(), {"--max-bytes", "40000000"});
    check_saved_as_golden_or_typed(run, suite.archive());
}

} // namespace

TEST_CASE("faults::http: every injected fault ends in a typed outcome, in bounded time, with no partial file")
{
    ScratchDir scratch;
    FaultSuite suite(scratch.path());
    exercise_connection_faults(suite);
    exercise_encoding_faults(suite);
    exercise_redirect_faults(suite);
    exercise_content_faults(suite);
    exercise_text_faults(suite);
    exercise_size_faults(suite);
    MESSAGE("faults exercised: " << suite.exercised());
}
