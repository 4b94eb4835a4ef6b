#include "tests/e2e/crawl_session.hpp"

#include "daemon/util/c_handles.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <regex>
#include <sstream>

namespace sillok::test {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_golden_crawled_at = "crawled_at: \"2026-01-01T09:00:00+09:00\"";
constexpr std::string_view k_golden_crawled_footer = "*Crawled at: 2026-01-01 09:00:00*";
constexpr std::time_t k_kst_offset_seconds = 9 * 3600;
constexpr std::array<std::string_view, 11> k_required_keys{
    "id", "title", "category", "publisher", "author", "published_at", "crawled_at", "url", "oid", "aid", "content_hash",
};
constexpr std::array<std::string_view, 2> k_optional_keys{"modified_at", "original_url"};

std::vector<std::string> split(std::string_view text, char separator)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        auto end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

bool is_lower_hex(std::string_view text, size_t length)
{
    return text.size() == length
           && std::ranges::all_of(text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "2024-05-30T11:40:08+09:00" (KST) as a UTC time_t; -1 when malformed.
std::time_t parse_kst(const std::string& text)
{
    static const std::regex k_shape(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00)");
    if (!std::regex_match(text, k_shape)) {
        return -1;
    }
    std::tm parts{};
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                    &parts.tm_hour, &parts.tm_min, &parts.tm_sec)
        != 6) {
        return -1;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    return timegm(&parts) - k_kst_offset_seconds;
}

} // namespace

CrawlLine CrawlRun::line(std::string_view id) const
{
    auto matching = std::ranges::count_if(lines, [&](const CrawlLine& l) { return l.id == id; });
    INFO("stdout:\n" << result.out << "stderr:\n" << result.err);
    REQUIRE_MESSAGE(matching == 1, "expected exactly one output line for " << id);
    return *std::ranges::find_if(lines, [&](const CrawlLine& l) { return l.id == id; });
}

CrawlRun crawl(const NaverStandIn& server, const fs::path& archive, std::vector<std::string> args,
               const CrawlOptions& options)
{
    REQUIRE_MESSAGE(fs::exists(SILLOK_BINARY), "sillok binary not built at " << SILLOK_BINARY);
    std::vector<std::string> argv{SILLOK_BINARY, "crawl", "--archive", archive.string()};
    auto given = [&](std::string_view option) { return std::ranges::find(args, option) != args.end(); };
    if (!given("--rate")) {
        argv.insert(argv.end(), {"--rate", "0"});
    }
    if (!given("--timeout")) {
        argv.insert(argv.end(), {"--timeout", "20"});
    }
    auto server_args = server.curl_args();
    if (!options.trust_test_ca) {
        server_args.resize(server_args.size() - 2); // drops "--cacert FILE"
    }
    argv.insert(argv.end(), server_args.begin(), server_args.end());
    argv.insert(argv.end(), args.begin(), args.end());

    CrawlRun run;
    run.started = std::chrono::system_clock::now();
    auto start = std::chrono::steady_clock::now();
    run.result = run_command(argv, options.stdin_text);
    run.elapsed = std::chrono::steady_clock::now() - start;
    run.finished = std::chrono::system_clock::now();
    INFO("stderr:\n" << run.result.err);
    run.lines = parse_crawl_output(run.result.out);
    return run;
}

std::vector<CrawlLine> parse_crawl_output(const std::string& out)
{
    static const std::regex k_id(R"(\d{3}_\d{10})");
    static const std::regex k_path(R"(\d{4}/\d\d/\d\d/\d{3}_\d{10}\.md)");
    std::vector<CrawlLine> lines;
    if (out.empty()) {
        return lines;
    }
    CHECK_MESSAGE(out.ends_with('\n'), "stdout does not end with a newline: " << out);
    auto rows = split(out.ends_with('\n') ? std::string_view(out).substr(0, out.size() - 1) : out, '\n');
    for (const auto& row : rows) {
        CAPTURE(row);
        auto fields = split(row, '\t');
        REQUIRE((fields.size() == 4 || fields.size() == 5));
        CrawlLine line{fields[0], fields[1], fields[2], fields[3], fields.size() == 5 ? fields[4] : ""};
        CHECK(std::regex_match(line.id, k_id));
        CHECK((line.hash.empty() || is_lower_hex(line.hash, 64)));
        CHECK((line.path.empty() || std::regex_match(line.path, k_path)));
        if (line.outcome == "saved" || line.outcome == "unchanged" || line.outcome == "updated") {
            CHECK(fields.size() == 4);
            CHECK(is_lower_hex(line.hash, 64));
            CHECK(line.path.ends_with(line.id + ".md"));
        } else if (line.outcome == "archived") { // not fetched: the note says when it last was
            CHECK(fields.size() == 5);
            CHECK(line.path.ends_with(line.id + ".md"));
        } else {
            CHECK((line.outcome == "gone" || line.outcome == "skipped" || line.outcome == "failed"));
            CHECK_MESSAGE(!line.reason.empty(), "a " << line.outcome << " line gives a reason");
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

const std::vector<FixtureArticle>& fixture_articles()
{
    static const std::vector<FixtureArticle> k_articles{
        {"003_0012577249", "003", "0012577249", "2024/05/30/003_0012577249.md"},
        {"018_0005316196", "018", "0005316196", "2022/09/14/018_0005316196.md"},
        {"421_0008770777", "421", "0008770777", "2026/02/12/421_0008770777.md"},
    };
    return k_articles;
}

const FixtureArticle& fixture_article(std::string_view id)
{
    const auto& articles = fixture_articles();
    auto found = std::ranges::find_if(articles, [&](const FixtureArticle& a) { return a.id == id; });
    REQUIRE_MESSAGE(found != articles.end(), "no fixture article " << id);
    return *found;
}

std::string article_page(std::string_view id)
{
    return read_file(fixtures_dir() / "naver" / "article" / (std::string(id) + ".html"));
}

std::string golden_file(std::string_view id)
{
    return read_file(fixtures_dir() / "expected" / (std::string(id) + ".md"));
}

std::string canonical_path(std::string_view oid, std::string_view aid)
{
    return "/mnews/article/" + std::string(oid) + "/" + std::string(aid);
}

std::string canonical_url(std::string_view oid, std::string_view aid)
{
    return "https://n.news.naver.com" + canonical_path(oid, aid);
}

void serve_fixture(NaverStandIn& server, std::string_view id)
{
    const auto& article = fixture_article(id);
    server.serve_html("n.news.naver.com", canonical_path(article.oid, article.aid), article_page(id));
}

CrawlRun crawl_fixtures(NaverStandIn& server, const std::filesystem::path& archive)
{
    std::vector<std::string> args;
    for (const auto& article : fixture_articles()) {
        serve_fixture(server, article.id);
        args.insert(args.end(), {"--url", canonical_url(article.oid, article.aid)});
    }
    return crawl(server, archive, args);
}

std::vector<std::pair<std::string, std::string>> front_matter(const std::string& file_text)
{
    static const std::regex k_line(R"re([a-z_]+: ".*")re");
    REQUIRE_MESSAGE(file_text.starts_with("---\n"), "the file starts with front matter");
    auto end = file_text.find("\n---\n", 3);
    REQUIRE_MESSAGE(end != std::string::npos, "the front matter is closed by ---");
    const std::string block = file_text.substr(4, end - 3);
    for (const auto& line : split(block.substr(0, block.size() - 1), '\n')) {
        CHECK_MESSAGE(std::regex_match(line, k_line), "not a key with a double-quoted value: " << line);
    }

    std::vector<std::pair<std::string, std::string>> fields;
    YAML::Node root;
    try {
        root = YAML::Load(block);
    } catch (const YAML::Exception& e) {
        FAIL("yaml-cpp rejects the front matter: " << e.what() << "\n" << block);
    }
    REQUIRE(root.IsMap());
    for (const auto& entry : root) {
        auto key = entry.first.as<std::string>();
        CAPTURE(key);
        REQUIRE(entry.second.IsScalar());
        // yaml-cpp tags quoted scalars "!"; plain ones (which YAML may read as numbers) "?".
        CHECK(entry.second.Tag() == "!");
        fields.emplace_back(key, entry.second.as<std::string>());
    }

    // Compared as joined text, so that a failure shows both orders.
    std::string expected;
    for (auto key : k_required_keys) {
        expected += std::string(key) + " ";
    }
    for (auto optional : k_optional_keys) {
        if (std::ranges::any_of(fields, [&](const auto& f) { return f.first == optional; })) {
            expected += std::string(optional) + " ";
        }
    }
    std::string keys;
    for (const auto& f : fields) {
        keys += f.first + " ";
    }
    CHECK(keys == expected);
    return fields;
}

std::string field(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view key)
{
    auto found = std::ranges::find_if(fields, [&](const auto& f) { return f.first == key; });
    return found == fields.end() ? std::string() : found->second;
}

std::string with_golden_crawled_at(const std::string& file_text, const CrawlRun& run)
{
    static const std::regex k_front(R"re(crawled_at: "(.*)")re");
    static const std::regex k_footer(R"(\*Crawled at: (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\*)");
    std::string front_value;
    std::string footer_value;
    std::ostringstream out;
    for (const auto& line : split(file_text, '\n')) {
        std::smatch match;
        if (front_value.empty() && std::regex_match(line, match, k_front)) {
            front_value = match[1];
            out << k_golden_crawled_at;
        } else if (footer_value.empty() && std::regex_match(line, match, k_footer)) {
            footer_value = match[1].str() + "T" + match[2].str() + "+09:00";
            out << k_golden_crawled_footer;
        } else {
            out << line;
        }
        out << '\n';
    }
    CHECK_MESSAGE(!front_value.empty(), "no crawled_at in the front matter");
    CHECK_MESSAGE(!footer_value.empty(), "no *Crawled at: YYYY-MM-DD HH:MM:SS* footer");
    CHECK(front_value == footer_value);

    auto crawled = parse_kst(front_value);
    auto earliest = std::chrono::system_clock::to_time_t(run.started) - 1;
    auto latest = std::chrono::system_clock::to_time_t(run.finished) + 1;
    CHECK_MESSAGE((crawled >= earliest && crawled <= latest),
                  "crawled_at " << front_value << " is not a KST time within the run");
    std::string text = out.str();
    text.pop_back(); // split() yields one more line than there are newlines
    return text;
}

std::vector<std::string> files_under(const fs::path& dir)
{
    std::vector<std::string> files;
    if (!fs::is_directory(dir)) {
        return files;
    }
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) {
            files.push_back(fs::relative(entry.path(), dir).generic_string());
        }
    }
    std::ranges::sort(files);
    return files;
}

std::int64_t ledger_count(const fs::path& ledger, const std::string& sql, const std::vector<std::string>& text)
{
    sqlite3* raw = nullptr;
    int opened = sqlite3_open_v2(ledger.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    daemon::SqliteDb db(raw);
    REQUIRE_MESSAGE(opened == SQLITE_OK, "cannot open the ledger " << ledger);
    sqlite3_stmt* raw_statement = nullptr;
    int prepared = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_statement, nullptr);
    daemon::SqliteStmt statement(raw_statement);
    REQUIRE_MESSAGE(prepared == SQLITE_OK, sql << ": " << sqlite3_errmsg(db.get()));
    for (size_t i = 0; i < text.size(); ++i) {
        sqlite3_bind_text(statement.get(), static_cast<int>(i + 1), text[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    REQUIRE(sqlite3_step(statement.get()) == SQLITE_ROW);
    return sqlite3_column_int64(statement.get(), 0);
}

bool mentions_any(std::string_view text, const std::vector<std::string_view>& words)
{
    auto lower = [](std::string_view s) {
        std::string out(s);
        std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return out;
    };
    const auto haystack = lower(text);
    return std::ranges::any_of(words, [&](std::string_view word) { return haystack.contains(lower(word)); });
}

namespace {
constexpr auto k_arrival_spread = std::chrono::milliseconds(150);
} // namespace

bool keeps_pace(const std::vector<std::chrono::steady_clock::time_point>& times, std::chrono::milliseconds spacing)
{
    auto paced = [&](const std::vector<std::chrono::steady_clock::time_point>& arrived) {
        for (size_t i = 0; i < arrived.size(); ++i) {
            for (size_t j = i + 1; j < arrived.size(); ++j) {
                if (arrived[j] - arrived[i] < static_cast<int>(j - i) * spacing - k_arrival_spread) {
                    return false;
                }
            }
        }
        return true;
    };
    if (paced(times)) {
        return true;
    }
    for (size_t skipped = 0; skipped < times.size(); ++skipped) {
        auto others = times;
        others.erase(others.begin() + static_cast<std::ptrdiff_t>(skipped));
        if (paced(others)) {
            return true;
        }
    }
    return false;
}

} // namespace sillok::test
