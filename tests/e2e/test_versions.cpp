// One article served in successive edits: every edit is a version with what changed, earlier
// files are kept, `log` lists them, `diff` shows the change, `verify` stays clean.
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;

std::string replace_all(std::string text, std::string_view from, std::string_view to)
{
    size_t count = 0;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
        ++count;
    }
    REQUIRE_MESSAGE(count > 0, "not in the page: " << from);
    return text;
}

struct LogLine {
    std::string version, seen, hash, rules, change, path;
};

std::vector<LogLine> parse_log(const std::string& out)
{
    std::vector<LogLine> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::istringstream fields(line);
        std::string cell;
        while (std::getline(fields, cell, '\t')) {
            cells.push_back(cell);
        }
        REQUIRE_MESSAGE(cells.size() == 6, "log line: " << line);
        lines.push_back({cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]});
    }
    return lines;
}

CommandResult run_sillok(std::vector<std::string> args)
{
    args.insert(args.begin(), SILLOK_BINARY);
    return run_command(args);
}

const std::string k_old_title = "AI 노트북 3대 중 2대…삼성 '갤럭시 북4 엣지' 뜬다";
const std::string k_new_title = "AI 노트북 3대 중 2대는 삼성 '갤럭시 북4 엣지'";
const std::string k_old_sentence = "삼성전자는 신제품 노트북인 '갤럭시 북4 엣지' 출시를 앞두고";
const std::string k_new_sentence = "삼성전자는 새 노트북 '갤럭시 북4 엣지' 출시를 앞두고";
const std::string k_old_byline = "<span class=\"byline_s\">이현주 기자(lovelypsyche@newsis.com)</span>";
const std::string k_new_byline = "<span class=\"byline_s\">이현주 김철수 기자(lovelypsyche@newsis.com)</span>";
const std::string k_old_modified = "data-modify-date-time=\"2024-05-30 11:41:15\"";
const std::string k_new_modified = "data-modify-date-time=\"2024-05-30 15:02:00\"";

} // namespace

TEST_CASE("e2e::every edit of an article is a version: log, diff, verify and export show them")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article("003_0012577249");
    const auto path = canonical_path(article.oid, article.aid);
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> args{"--url", canonical_url(article.oid, article.aid)};
    const auto original = article_page(article.id);
    const auto headline = replace_all(original, k_old_title, k_new_title);
    const auto body = replace_all(headline, k_old_sentence, k_new_sentence);
    const auto byline = replace_all(replace_all(body, k_old_byline, k_new_byline), k_old_modified, k_new_modified);
    const auto back = replace_all(byline, k_new_sentence, k_old_sentence);

    // Each edit's file as the crawl wrote it.
    std::vector<std::string> texts;
    for (const auto* page : {&original, &headline, &body, &byline, &back}) {
        server.serve_html("n.news.naver.com", path, *page);
        auto run = crawl(server, archive, args);
        INFO("stderr:\n" << run.result.err);
        REQUIRE(run.result.exit_code == 0);
        CHECK(run.line(article.id).outcome == (texts.empty() ? "saved" : "updated"));
        texts.push_back(read_file(archive / article.archive_path));
    }
    // The same page again is no version.
    auto again = crawl(server, archive, args);
    CHECK(again.line(article.id).outcome == "unchanged");

    auto log = run_sillok({"log", "--archive", archive.string(), article.id});
    INFO("log:\n" << log.out << log.err);
    REQUIRE(log.exit_code == 0);
    auto lines = parse_log(log.out);
    REQUIRE(lines.size() == 5);
    const std::vector<std::string> changes{"new", "edit:title", "edit:content", "edit:author,modified_at",
                                           "edit:content"};
    for (size_t i = 0; i < lines.size(); ++i) {
        CAPTURE(i);
        CHECK(lines[i].version == std::to_string(i + 1));
        CHECK(lines[i].change == changes[i]);
        CHECK(lines[i].rules == "1");
        CHECK(lines[i].hash == field(front_matter(texts[i]), "content_hash"));
        CHECK(lines[i].seen == field(front_matter(texts[i]), "crawled_at"));
        // Every version's file is kept, as it was written.
        REQUIRE(fs::is_regular_file(archive / lines[i].path));
        CHECK(read_file(archive / lines[i].path) == texts[i]);
    }
    CHECK(lines[4].path == article.archive_path);
    CHECK(lines[0].hash == lines[4].hash); // back to the first body
    CHECK(files_under(archive / "2024").size() == 5);
    CHECK(field(front_matter(texts[1]), "title") == k_new_title);
    CHECK(field(front_matter(texts[3]), "author") == "이현주 김철수 기자(lovelypsyche@newsis.com)");

    // The ledger's article row holds the current fields.
    const auto ledger = archive / "ledger.sqlite3";
    CHECK(ledger_count(ledger,
                       "SELECT count(*) FROM articles WHERE title = ? AND author = ? AND modified_at = ?"
                       " AND current_version = 5",
                       {k_new_title, "이현주 김철수 기자(lovelypsyche@newsis.com)", "2024-05-30T15:02:00+09:00"})
          == 1);

    SUBCASE("diff shows exactly the change")
    {
        auto headline_diff =
            run_sillok({"diff", "--archive", archive.string(), article.id, "1", "2", "--format", "json"});
        REQUIRE(headline_diff.exit_code == 0);
        auto json = nlohmann::json::parse(headline_diff.out);
        REQUIRE(json["fields"].size() == 1);
        CHECK(json["fields"][0]["field"] == "title");
        CHECK(json["fields"][0]["from"] == k_old_title);
        CHECK(json["fields"][0]["to"] == k_new_title);
        for (const auto& paragraph : json["content"]) {
            CHECK(paragraph["op"] == "same");
        }

        auto body_diff = run_sillok({"diff", "--archive", archive.string(), article.id, "2", "3"});
        INFO("diff:\n" << body_diff.out);
        REQUIRE(body_diff.exit_code == 0);
        CHECK(body_diff.out.contains("삼성전자는 [-신제품-]{+새+} 노트북[-인-] '갤럭시 북4 엣지' 출시를 앞두고"));
        CHECK_FALSE(body_diff.out.contains("title:"));
        CHECK_FALSE(body_diff.out.contains("\033["));
        auto changed = std::ranges::count(body_diff.out, '~');
        CHECK(changed == 1);

        auto byline_diff =
            run_sillok({"diff", "--archive", archive.string(), article.id, "3", "4", "--format", "json"});
        json = nlohmann::json::parse(byline_diff.out);
        REQUIRE(json["fields"].size() == 2);
        CHECK(json["fields"][0]["field"] == "author");
        CHECK(json["fields"][1]["field"] == "modified_at");
        CHECK(json["fields"][1]["from"] == "2024-05-30T11:41:15+09:00");
        CHECK(json["fields"][1]["to"] == "2024-05-30T15:02:00+09:00");

        // By default, the last two: back to the earlier sentence.
        auto last = run_sillok({"diff", "--archive", archive.string(), canonical_url(article.oid, article.aid)});
        CHECK(last.exit_code == 0);
        CHECK(last.out.starts_with("diff 003_0012577249 v4 v5\n"));
        CHECK(last.out.contains("삼성전자는 [-새-]{+신제품+} 노트북{+인+} '갤럭시"));

        auto missing = run_sillok({"diff", "--archive", archive.string(), article.id, "2", "9"});
        CHECK(missing.exit_code == 1);
        CHECK(missing.err.contains("no version 9"));
    }
    SUBCASE("verify stays clean")
    {
        auto verify = run_sillok({"verify", "--archive", archive.string()});
        INFO(verify.out << verify.err);
        CHECK(verify.exit_code == 0);
    }
    SUBCASE("export of every version")
    {
        auto all = run_sillok({"export", "--archive", archive.string(), "--versions", "all"});
        REQUIRE(all.exit_code == 0);
        std::istringstream in(all.out);
        std::string line;
        int version = 0;
        while (std::getline(in, line)) {
            auto record = nlohmann::json::parse(line);
            ++version;
            CHECK(record["version"] == version);
            CHECK(record["title"] == field(front_matter(texts[static_cast<size_t>(version - 1)]), "title"));
        }
        CHECK(version == 5);
        auto current = run_sillok({"export", "--archive", archive.string()});
        CHECK(std::ranges::count(current.out, '\n') == 1);
        CHECK(nlohmann::json::parse(current.out)["version"] == 5);
    }
    SUBCASE("an unknown article is exit 1 with a clear message")
    {
        auto unknown = run_sillok({"log", "--archive", archive.string(), "003_0000000001"});
        CHECK(unknown.exit_code == 1);
        CHECK(unknown.err.contains("no archived version of 003_0000000001"));
        auto bad = run_sillok({"log", "--archive", archive.string(), "not-an-id"});
        CHECK(bad.exit_code == 64);
    }
}
