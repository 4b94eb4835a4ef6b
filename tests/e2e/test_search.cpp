// `sillok search` on the saved articles, crawled from the HTTPS stand-in: words known to be
// in a paragraph, a caption, the summary or the headline only are found in their article and
// nowhere else; every two-syllable piece of every saved paragraph finds its article; a
// sentence an edit removed is found in the past version and said to be removed; bad queries
// and options are refused with 64; a read-only archive without an index with 74.
#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/search/search_index.hpp"
#include "parsers/search_query.hpp"
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/read_only_mount.hpp"
#include "tests/support/synthetic_archive.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace sillok::test;
using Ids = std::set<std::string>;

CommandResult search(const fs::path& archive, std::vector<std::string> args)
{
    args.insert(args.begin(), {SILLOK_BINARY, "search", "--archive", archive.string()});
    return run_command(args);
}

std::vector<nlohmann::json> json_lines(const std::string& out)
{
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

// The ids `search QUERY [args] --format jsonl` finds; CHECKs the exit code says the same.
Ids found(const fs::path& archive, const std::string& query, std::vector<std::string> args = {})
{
    if (std::ranges::find(args, "--limit") == args.end()) {
        args.insert(args.end(), {"--limit", "100"});
    }
    args.insert(args.end(), {"--format", "jsonl", "--", query});
    auto result = search(archive, args);
    INFO("search " << query << ": " << result.err);
    Ids ids;
    for (const auto& line : json_lines(result.out)) {
        ids.insert(line["id"].get<std::string>());
    }
    CHECK(result.exit_code == (ids.empty() ? 1 : 0));
    return ids;
}

const std::string k_samsung = "003_0012577249";
const std::string k_court = "018_0005316196";
const std::string k_fire = "421_0008770777";

// The paragraphs of a golden file's content: what lies between the rules after the byline
// and before the footer, cut at blank lines.
std::vector<std::string> golden_paragraphs(const std::string& id)
{
    auto text = golden_file(id);
    auto first = text.find("\n---\n", text.find("\n---\n") + 1); // after the front matter's closing rule
    auto last = text.rfind("\n---\n");
    REQUIRE(first != std::string::npos);
    REQUIRE(last > first);
    std::vector<std::string> paragraphs;
    std::string content = text.substr(first + 5, last - first - 5);
    size_t at = 0;
    while (at < content.size()) {
        auto end = content.find("\n\n", at);
        if (end == std::string::npos) {
            end = content.size();
        }
        auto paragraph = content.substr(at, end - at);
        if (!paragraph.empty() && !paragraph.starts_with("![")) { // images: their captions are checked apart
            paragraphs.push_back(paragraph);
        }
        at = end + 2;
    }
    return paragraphs;
}

bool hangul_syllable(std::string_view text, size_t at)
{
    if (at + 3 > text.size()) {
        return false;
    }
    auto c0 = static_cast<unsigned char>(text[at]);
    auto c1 = static_cast<unsigned char>(text[at + 1]);
    auto c2 = static_cast<unsigned char>(text[at + 2]);
    uint32_t code = ((c0 & 0x0Fu) << 12) | ((c1 & 0x3Fu) << 6) | (c2 & 0x3Fu);
    return (c0 & 0xF0u) == 0xE0u && code >= 0xAC00 && code <= 0xD7A3;
}

} // namespace

TEST_CASE("e2e::search finds words of the saved articles in their article and nowhere else")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl_fixtures(server, archive).result.exit_code == 0);

    // The first search builds the index, and says so.
    auto first = search(archive, {"퀄컴"});
    INFO("first search: " << first.out << first.err);
    CHECK(first.exit_code == 0);
    CHECK(first.err.contains("no search index at"));
    CHECK(first.err.contains("indexed 3 versions"));
    CHECK(fs::is_regular_file(archive / "search.sqlite3"));
    // Not a terminal: the matches between brackets, the block's lines as documented.
    CHECK(first.out.contains("2024-05-30 11:40 | 뉴시스 | 경제\n"));
    CHECK(first.out.contains("AI 노트북 3대 중 2대…삼성 '갤럭시 북4 엣지' 뜬다\n"));
    CHECK(first.out.contains(k_samsung + "  2024/05/30/003_0012577249.md\n"));
    CHECK(first.out.contains("[퀄컴]의 '스냅드래곤® X 엘리트"));
    CHECK(first.out.contains("  version 1 of 1, seen 2026-"));
    CHECK(first.out.contains("(current)"));
    auto again = search(archive, {"퀄컴"});
    CHECK(again.err.empty());
    // On a terminal the matches are coloured instead of bracketed; NO_COLOR keeps brackets.
    const std::string on_terminal = std::string(SILLOK_BINARY) + " search --archive " + archive.string() + " 퀄컴";
    auto coloured = run_command({"/usr/bin/script", "-qec", on_terminal, "/dev/null"});
    INFO("terminal:\n" << coloured.out);
    CHECK(coloured.exit_code == 0);
    CHECK(coloured.out.contains("\033[1;31m퀄컴\033[0m의 '스냅드래곤"));
    CHECK_FALSE(coloured.out.contains("[퀄컴]"));
    auto plain = run_command({"/usr/bin/script", "-qec", "NO_COLOR=1 " + on_terminal, "/dev/null"});
    CHECK(plain.out.contains("[퀄컴]의 '스냅드래곤"));
    CHECK(plain.out.find('\033') == std::string::npos);

    CHECK(found(archive, "퀄컴") == Ids{k_samsung});          // in paragraphs
    CHECK(found(archive, "양천구") == Ids{k_court});          // in a photo's caption only
    CHECK(found(archive, "\"다툼이 쟁점\"") == Ids{k_court}); // in the summary
    CHECK(found(archive, "뜬다") == Ids{k_samsung});          // in the headline only
    CHECK(found(archive, "기고") == Ids{k_fire});             // in the headline only
    CHECK(found(archive, "예비주수") == Ids{k_fire});
    CHECK(found(archive, "국민") == Ids{k_court, k_fire});           // inside 국민의힘, 국민의, 국민
    CHECK(found(archive, "의힘") == Ids{k_court});                   // two syllables inside a word
    CHECK(found(archive, "SNAPDRAGON") == Ids{k_samsung});           // Latin, case folded
    CHECK(found(archive, "ＳＮＡＰＤＲＡＧＯＮ") == Ids{k_samsung}); // full-width forms
    CHECK(found(archive, "snap*") == Ids{k_samsung});
    CHECK(found(archive, "豫備") == Ids{k_fire});        // Hanja
    CHECK(found(archive, "2280") == Ids{k_fire});        // digits before 개소
    CHECK(found(archive, "MX사업부") == Ids{k_samsung}); // Latin and Hangul mixed
    CHECK(found(archive, "퀄컴 OR 이준석") == Ids{k_samsung, k_court});
    CHECK(found(archive, "삼성전자 -퀄컴").empty());
    CHECK(found(archive, "title:이준석") == Ids{k_court});
    CHECK(found(archive, "title:퀄컴").empty());
    CHECK(found(archive, "press:뉴시스") == Ids{k_samsung});
    CHECK(found(archive, "byline:조민정") == Ids{k_court});
    CHECK(found(archive, "\"갤럭시 북4 엣지\"") == Ids{k_samsung});
    CHECK(found(archive, "\"엣지 북4 갤럭시\"").empty());
    CHECK(found(archive, "^퀄컴") == Ids{k_samsung}); // FTS5's ^ is data, not syntax
    CHECK(found(archive, "NEAR(퀄컴 PC)").empty());   // a phrase "near 퀄컴 pc", which no article has
    CHECK(found(archive, "국민", {"--press", "421"}) == Ids{k_fire});
    CHECK(found(archive, "국민", {"--section", "102"}) == Ids{k_court, k_fire}); // 사회
    CHECK(found(archive, "국민", {"--section", "오피니언"}) == Ids{k_fire});
    CHECK(found(archive, "국민", {"--from", "2023-01-01"}) == Ids{k_fire});
    CHECK(found(archive, "국민", {"--to", "2023-01-01"}) == Ids{k_court});
    CHECK(found(archive, "국민", {"--limit", "1", "--offset", "5"}).empty());

    auto newest = search(archive, {"--sort", "newest", "--format", "jsonl", "국민"});
    auto lines = json_lines(newest.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["id"] == k_fire);
    CHECK(lines[0]["published_at"] == "2026-02-12T10:30:00+09:00");
    CHECK(lines[0]["press"] == "뉴스1");
    CHECK(lines[0]["section"] == "오피니언, 사회");
    CHECK(lines[0]["path"] == "2026/02/12/421_0008770777.md");
    CHECK(lines[0]["version"] == 1);
    CHECK(lines[0]["current"] == true);
    CHECK(lines[0]["snippet"].get<std::string>().contains("[국민]"));
    CHECK(lines[0]["score"].is_number());
    CHECK(lines[1]["id"] == k_court);

    // One syllable: found where it stands alone (단 3분만, 단 몇 줄의), with a note.
    auto one = search(archive, {"--format", "jsonl", "--limit", "100", "단"});
    CHECK(one.err.contains("one syllable"));
    Ids one_ids;
    for (const auto& line : json_lines(one.out)) {
        one_ids.insert(line["id"].get<std::string>());
    }
    CHECK(one_ids.contains(k_samsung));
    CHECK(one_ids.contains(k_fire));
}

TEST_CASE("e2e::search: every two-syllable piece of every saved paragraph finds its article")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl_fixtures(server, archive).result.exit_code == 0);
    REQUIRE(search(archive, {"--rebuild"}).exit_code == 0);

    auto ledger = sillok::daemon::open_ledger_read_only(archive / "ledger.sqlite3");
    REQUIRE(ledger);
    auto index = sillok::daemon::SearchIndex::open(sillok::daemon::SearchIndex::path_in(archive), false);
    REQUIRE(index);
    sillok::daemon::SearchFilters filters;
    filters.limit = 10;
    size_t checked = 0;
    for (const auto& article : fixture_articles()) {
        for (const auto& paragraph : golden_paragraphs(article.id)) {
            for (size_t at = 0; at + 6 <= paragraph.size(); ++at) {
                if (!hangul_syllable(paragraph, at) || !hangul_syllable(paragraph, at + 3)) {
                    continue;
                }
                auto piece = paragraph.substr(at, 6);
                auto query = sillok::parsers::parse_search_query(piece);
                REQUIRE(query);
                auto hits = index->search(sillok::parsers::fts5_match(*query), filters, archive, ledger->get());
                REQUIRE(hits);
                bool found_it = std::ranges::any_of(*hits, [&](const auto& hit) { return hit.id == article.id; });
                CHECK_MESSAGE(found_it, article.id << ": " << piece << " in: " << paragraph);
                ++checked;
            }
        }
    }
    CHECK(checked > 1000);
}

TEST_CASE("e2e::search --versions all finds a sentence an edit removed and says when it was removed")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto& article = fixture_article(k_samsung);
    const auto archive = scratch.path() / "archive";
    const std::vector<std::string> args{"--url", canonical_url(article.oid, article.aid)};
    auto page = article_page(article.id);
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), page);
    REQUIRE(crawl(server, archive, args).result.exit_code == 0);
    // The index is built before the edit: the edit reaches it through the ledger's watermark.
    REQUIRE(search(archive, {"--rebuild"}).exit_code == 0);
    const std::string old_sentence = "삼성전자는 신제품 노트북인";
    page.replace(page.find(old_sentence), old_sentence.size(), "삼성전자는 새 노트북인");
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), page);
    REQUIRE(crawl(server, archive, args).result.exit_code == 0);
    const auto edited = read_file(archive / article.archive_path);
    const auto edited_at = field(front_matter(edited), "crawled_at");

    auto current = search(archive, {"\"신제품 노트북인\""});
    INFO("current: " << current.out << current.err);
    CHECK(current.exit_code == 1);
    CHECK(current.out.empty());
    CHECK(found(archive, "\"새 노트북인\"") == Ids{k_samsung});

    auto all = search(archive, {"--versions", "all", "--format", "jsonl", "\"신제품 노트북인\""});
    INFO("all: " << all.out << all.err);
    REQUIRE(all.exit_code == 0);
    auto lines = json_lines(all.out);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["id"] == k_samsung);
    CHECK(lines[0]["version"] == 1);
    CHECK(lines[0]["current"] == false);
    CHECK(lines[0]["matched_versions"] == nlohmann::json::array({1}));
    CHECK(lines[0]["removed_in"]["version"] == 2);
    CHECK(lines[0]["removed_in"]["seen_at"] == edited_at);
    CHECK(lines[0]["snippet"].get<std::string>().contains("[신제품 노트북인]"));
    // The earlier file, kept under another name by the edit, where the ledger says it is now.
    const auto kept_path = lines[0]["path"].get<std::string>();
    CHECK(kept_path != article.archive_path);
    REQUIRE(fs::is_regular_file(archive / kept_path));
    CHECK(read_file(archive / kept_path).contains("삼성전자는 신제품 노트북인"));

    auto text = search(archive, {"--versions", "all", "\"신제품 노트북인\""});
    const auto minute = edited_at.substr(0, 10) + " " + edited_at.substr(11, 5);
    CHECK(text.out.contains("version 1 of 2, seen "));
    CHECK(text.out.contains("; removed in the version of " + minute + " (version 2)"));

    // A sentence both versions have: the current version, which still has it.
    auto kept = search(archive, {"--versions", "all", "--format", "jsonl", "퀄컴"});
    auto kept_lines = json_lines(kept.out);
    REQUIRE(kept_lines.size() == 1);
    CHECK(kept_lines[0]["version"] == 2);
    CHECK(kept_lines[0]["current"] == true);
    CHECK(kept_lines[0]["matched_versions"] == nlohmann::json::array({1, 2}));
    CHECK(kept_lines[0]["removed_in"].is_null());

    // The index beside the ledger is no problem of the archive's.
    auto verify = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    INFO("verify: " << verify.out << verify.err);
    CHECK(verify.exit_code == 0);
}

TEST_CASE("e2e::search refuses bad queries and options with 64, an archive it cannot read with 74")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    auto no_ledger = search(archive, {"퀄컴"});
    CHECK(no_ledger.exit_code == 74);
    CHECK(no_ledger.err.contains("there is no archive at"));
    REQUIRE(crawl_fixtures(server, archive).result.exit_code == 0);

    for (const std::vector<std::string>& bad :
         std::vector<std::vector<std::string>>{{"\"퀄컴"},
                                               {"퀄컴 OR"},
                                               {"!!!"},
                                               {"-- -퀄컴"},
                                               {std::string(10'000, 'x')},
                                               {"퀄컴\x01\x02 \"\x1b[31m"},
                                               {"\xff퀄컴"},
                                               {},
                                               {"--section", "101/259", "퀄컴"},
                                               {"--press", "15", "퀄컴"},
                                               {"--from", "2024-13-01", "퀄컴"},
                                               {"--from", "2024-02-01", "--to", "2024-01-01", "퀄컴"},
                                               {"--limit", "0", "퀄컴"},
                                               {"--sort", "random", "퀄컴"},
                                               {"--versions", "some", "퀄컴"},
                                               {"--format", "csv", "퀄컴"}}) {
        auto result = search(archive, bad);
        CAPTURE(bad.empty() ? std::string() : bad.back());
        CHECK(result.exit_code == 64);
        CHECK_FALSE(result.err.empty());
        CHECK(result.out.empty());
        CHECK(result.err.find('\x1b') == std::string::npos); // control bytes never reach the terminal
    }
    auto unclosed = search(archive, {"퀄컴 \"엣지"});
    CHECK(unclosed.err.contains("at character 4: a quote that is not closed"));
    // Nothing was built by a refused search.
    CHECK_FALSE(fs::exists(archive / "search.sqlite3"));
}

TEST_CASE("e2e::search on a read-only archive: without an index it says how to build one (74), with one it answers")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl_fixtures(server, archive).result.exit_code == 0);
    const auto mounted = scratch.path() / "read-only";
    {
        ReadOnlyMount read_only(archive, mounted);
        if (!read_only.error().empty()) {
            MESSAGE("skipped: cannot mount read-only: " << read_only.error());
            return;
        }
        auto without = search(mounted, {"퀄컴"});
        INFO("without: " << without.err);
        CHECK(without.exit_code == 74);
        CHECK(without.err.contains("sillok search --rebuild"));
        CHECK(without.err.contains("cannot be written"));
    }
    REQUIRE(search(archive, {"--rebuild"}).exit_code == 0);
    {
        ReadOnlyMount read_only(archive, mounted);
        REQUIRE(read_only.error().empty());
        auto with = search(mounted, {"--format", "jsonl", "퀄컴"});
        INFO("with: " << with.err);
        CHECK(with.exit_code == 0);
        CHECK(json_lines(with.out).size() == 1);
        CHECK_FALSE(fs::exists(mounted / "search.sqlite3-shm"));
    }
}

TEST_CASE("e2e::search: an index out of step with its ledger is built again, a version whose file is gone is "
          "found by its ledger fields")
{
    ScratchDir scratch;
    NaverStandIn server;
    const auto archive = scratch.path() / "archive";
    REQUIRE(crawl_fixtures(server, archive).result.exit_code == 0);
    REQUIRE(found(archive, "국민") == Ids{k_court, k_fire});

    // A ledger restored from before two of the articles: the index holds versions it lacks.
    for (const auto& article : fixture_articles()) {
        fs::remove(archive / article.archive_path);
    }
    for (const char* name : {"ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"}) {
        fs::remove(archive / name);
    }
    const auto& fire = fixture_article(k_fire);
    REQUIRE(crawl(server, archive, {"--url", canonical_url(fire.oid, fire.aid)}).result.exit_code == 0);
    // verify says so, and what to do.
    auto verify = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    INFO("verify: " << verify.out << verify.err);
    CHECK(verify.exit_code == 1);
    CHECK(verify.out.contains("search_index\tsearch.sqlite3\tthe search index holds versions the ledger does not"));
    CHECK(verify.out.contains("search_index 1"));
    auto rebuilt = search(archive, {"--format", "jsonl", "국민"});
    INFO("rebuilt: " << rebuilt.err);
    CHECK(rebuilt.err.contains("does not match the search index"));
    CHECK(rebuilt.err.contains("indexed 1 versions"));
    REQUIRE(json_lines(rebuilt.out).size() == 1);
    CHECK(json_lines(rebuilt.out)[0]["id"] == k_fire);
    CHECK(run_command({SILLOK_BINARY, "verify", "--archive", archive.string()}).exit_code == 0);
    CHECK(found(archive, "이준석").empty());

    // Replaced again by a ledger of as many versions, another article's: the version at the
    // watermark is not the one indexed there.
    fs::remove(archive / fire.archive_path);
    for (const char* name : {"ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"}) {
        fs::remove(archive / name);
    }
    const auto& court = fixture_article(k_court);
    REQUIRE(crawl(server, archive, {"--url", canonical_url(court.oid, court.aid)}).result.exit_code == 0);
    auto replaced = search(archive, {"--format", "jsonl", "국민"});
    INFO("replaced: " << replaced.err);
    CHECK(replaced.err.contains("does not match the search index"));
    REQUIRE(json_lines(replaced.out).size() == 1);
    CHECK(json_lines(replaced.out)[0]["id"] == k_court);
    CHECK(found(archive, "예비주수").empty());

    // A version recorded whose file is then lost: indexed by the ledger's fields, and said.
    const auto& samsung = fixture_article(k_samsung);
    REQUIRE(crawl(server, archive, {"--url", canonical_url(samsung.oid, samsung.aid)}).result.exit_code == 0);
    fs::remove(archive / samsung.archive_path);
    auto lost = search(archive, {"--format", "jsonl", "title:뜬다"});
    INFO("lost: " << lost.err);
    CHECK(lost.err.contains("1 new versions could not be read from their files"));
    REQUIRE(json_lines(lost.out).size() == 1);
    CHECK(json_lines(lost.out)[0]["id"] == k_samsung);
    CHECK(found(archive, "퀄컴").empty()); // its text was not read
}

TEST_CASE("e2e::search says when it adds a long backlog of versions to the index, and finds them")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 0);
    auto empty = search(archive, {"문단"});
    CHECK(empty.exit_code == 1); // an empty archive: an empty index, nothing found
    CHECK(empty.err.contains("indexed 0 versions"));
    fs::remove(archive / "ledger.sqlite3");
    write_synthetic_archive(archive, 1200); // a backfill since

    auto caught = search(archive, {"--format", "jsonl", "\"문단 1199\""});
    INFO("caught: " << caught.err);
    CHECK(caught.exit_code == 0);
    CHECK(caught.err.contains("adding the 1200 versions recorded since the last search to the index"));
    REQUIRE(json_lines(caught.out).size() == 1);
    CHECK(json_lines(caught.out)[0]["id"] == "001_0000001199");
    auto small = search(archive, {"문단"});
    CHECK(small.err.empty());
}

TEST_CASE(
    "e2e::search --rebuild stopped by SIGINT leaves no index and no temporary file, a dead build's file is removed")
{
    ScratchDir scratch;
    const auto archive = scratch.path() / "archive";
    write_synthetic_archive(archive, 20000);
    // --foreground: timeout signals sillok alone (not its process group too, which would make
    // a second SIGINT: the one that ends a process at once).
    auto stopped = run_command({"/usr/bin/timeout", "--foreground", "--preserve-status", "-s", "INT", "0.5",
                                SILLOK_BINARY, "search", "--rebuild", "--archive", archive.string()});
    INFO("stopped: " << stopped.err);
    CHECK(stopped.exit_code == 75);
    CHECK(stopped.err.contains("stopped before the search index was complete"));
    for (const auto& entry : fs::directory_iterator(archive)) {
        CHECK_FALSE(entry.path().filename().string().starts_with("search.sqlite3"));
    }

    const auto small = scratch.path() / "small";
    write_synthetic_archive(small, 3);
    const auto dead = small / "search.sqlite3.building-999999999"; // no such process
    write_file(dead, "half an index");
    auto built = search(small, {"--rebuild"});
    CHECK(built.exit_code == 0);
    CHECK_FALSE(fs::exists(dead));
    CHECK(fs::is_regular_file(small / "search.sqlite3"));
}
