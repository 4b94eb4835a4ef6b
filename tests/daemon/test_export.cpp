// `sillok export` on a made-up archive: every record, filters, formats and failures.
#include "daemon/history/export.hpp"
#include "daemon/util/digest.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/synthetic_archive.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sstream>

using sillok::daemon::ExportFormat;
using sillok::daemon::ExportRequest;
using sillok::daemon::run_export;
using sillok::test::ScratchDir;
using sillok::test::synthetic_article;

namespace {

constexpr size_t k_articles = 2000;

std::vector<nlohmann::json> json_lines(const std::string& text)
{
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

struct Exported {
    int exit_code = 0;
    std::string out;
};

Exported export_with(ExportRequest request)
{
    std::ostringstream out;
    int code = run_export(request, out);
    return {code, out.str()};
}

} // namespace

TEST_CASE("daemon::export of a made-up archive")
{
    ScratchDir dir;
    const auto archive = dir.path() / "archive";
    sillok::test::write_synthetic_archive(archive, k_articles);
    ExportRequest request;
    request.archive = archive;
    request.ledger = archive / "ledger.sqlite3";

    SUBCASE("every article as JSON Lines, every field equal to what was written")
    {
        auto result = export_with(request);
        REQUIRE(result.exit_code == 0);
        auto lines = json_lines(result.out);
        REQUIRE(lines.size() == k_articles);
        for (size_t n = 0; n < k_articles; ++n) {
            auto expected = synthetic_article(n);
            const auto& line = lines[n];
            CAPTURE(n);
            CHECK(line["id"] == expected.id);
            CHECK(line["version"] == 1);
            CHECK(line["title"] == expected.title);
            CHECK(line["category"] == expected.category);
            CHECK(line["publisher"] == "합성일보");
            CHECK(line["author"] == expected.author);
            CHECK(line["published_at"] == expected.published_at);
            CHECK(line["crawled_at"] == "2024-02-01T10:00:00+09:00");
            CHECK(line["url"] == "https://n.news.naver.com/mnews/article/001/" + expected.aid);
            CHECK(line["oid"] == "001");
            CHECK(line["aid"] == expected.aid);
            CHECK(line["modified_at"].is_null());
            CHECK(line["original_url"].is_null());
            auto plain = fmt::format("첫 문단 {} & 둘째 줄.\n\n둘째 문단, \"인용\" <표>\n줄바꿈 뒤.", n);
            CHECK(line["content"] == plain);
            CHECK(line["content_hash"] == sillok::daemon::sha256_hex(plain));
        }
    }
    SUBCASE("filters")
    {
        request.from = "2024-01-05";
        request.to = "2024-01-06";
        auto dated = json_lines(export_with(request).out);
        size_t expected = 0;
        for (size_t n = 0; n < k_articles; ++n) {
            expected += (n % 28 == 4 || n % 28 == 5) ? 1 : 0;
        }
        CHECK(dated.size() == expected);
        for (const auto& line : dated) {
            auto day = line["published_at"].get<std::string>().substr(0, 10);
            CHECK((day == "2024-01-05" || day == "2024-01-06"));
        }
        request.from.reset();
        request.to.reset();
        request.sections = {"105"}; // IT/과학: the odd ones, listed second in their category
        auto it = json_lines(export_with(request).out);
        CHECK(it.size() == k_articles / 2);
        request.sections = {"경제"};
        CHECK(json_lines(export_with(request).out).size() == k_articles / 2);
        request.sections = {"생활/문화"};
        CHECK(json_lines(export_with(request).out).empty());
        request.sections.clear();
        request.presses = {"002"};
        CHECK(json_lines(export_with(request).out).empty());
        request.presses = {"001"};
        request.states = {"archived"};
        CHECK(json_lines(export_with(request).out).size() == k_articles);
        request.states = {"gone"};
        CHECK(json_lines(export_with(request).out).empty());
    }
    SUBCASE("CSV by RFC 4180 with a header")
    {
        request.format = ExportFormat::csv;
        request.presses = {"001"};
        request.from = "2024-01-01";
        request.to = "2024-01-01";
        auto result = export_with(request);
        REQUIRE(result.exit_code == 0);
        auto header = result.out.substr(0, result.out.find("\r\n"));
        CHECK(header
              == "\"id\",\"version\",\"title\",\"category\",\"publisher\",\"author\",\"published_at\","
                 "\"crawled_at\",\"url\",\"oid\",\"aid\",\"content_hash\",\"modified_at\",\"original_url\","
                 "\"content\"");
        auto row = "\"001_0000000000\",\"1\",\"합성 기사 0 \"\"따옴표\"\", 쉼표\",\"경제\",\"합성일보\",\"기자 0\","
                   "\"2024-01-01T09:00:00+09:00\"";
        CHECK(result.out.substr(header.size() + 2, std::string_view(row).size()) == row);
        CHECK(result.out.ends_with("줄바꿈 뒤.\"\r\n"));
    }
    SUBCASE("to a file, complete or not at all")
    {
        request.output = dir.path() / "out.jsonl";
        CHECK(export_with(request).exit_code == 0);
        CHECK(json_lines(sillok::test::read_file(request.output)).size() == k_articles);
        for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
            CHECK_FALSE(entry.path().filename().string().contains(".partial-"));
        }
        request.from = "2024-13-01";
        request.output = dir.path() / "bad.jsonl";
        CHECK(export_with(request).exit_code == 64);
        CHECK_FALSE(std::filesystem::exists(request.output));
    }
    SUBCASE("stopped by a signal: exit 1 and no output file")
    {
        std::atomic<bool> stop{true};
        request.stop = &stop;
        request.output = dir.path() / "stopped.jsonl";
        CHECK(export_with(request).exit_code == 1);
        CHECK_FALSE(std::filesystem::exists(request.output));
        for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
            CHECK_FALSE(entry.path().filename().string().contains(".partial-"));
        }
    }
    SUBCASE("a missing file is named, the rest exported, exit 1")
    {
        std::filesystem::remove(archive / synthetic_article(3).path);
        auto result = export_with(request);
        CHECK(result.exit_code == 1);
        CHECK(json_lines(result.out).size() == k_articles - 1);
    }
}

TEST_CASE("daemon::csv_field quotes every field and doubles quotes")
{
    CHECK(sillok::daemon::csv_field("plain") == "\"plain\"");
    CHECK(sillok::daemon::csv_field("a \"b\", c\r\nd") == "\"a \"\"b\"\", c\r\nd\"");
    CHECK(sillok::daemon::csv_field("") == "\"\"");
}

TEST_CASE("daemon::csv_field puts a ' before a field a spreadsheet would run as a formula")
{
    using sillok::daemon::csv_field;
    CHECK(csv_field("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    CHECK(csv_field("+1") == "\"'+1\"");
    CHECK(csv_field("-2+3") == "\"'-2+3\"");
    CHECK(csv_field("@SUM(A1)") == "\"'@SUM(A1)\"");
    CHECK(csv_field("\t=1") == "\"'\t=1\"");
    CHECK(csv_field("\r=1") == "\"'\r=1\"");
    // A field that already begins with ' gets one more, so one dropped always gives the text.
    CHECK(csv_field("'quoted") == "\"''quoted\"");
    // Only the first character counts.
    CHECK(csv_field("a=b") == "\"a=b\"");
    CHECK(csv_field("1-2") == "\"1-2\"");
    CHECK(csv_field("") == "\"\"");
}
