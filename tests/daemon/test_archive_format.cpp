#include "daemon/archive/archive_format.hpp"
#include "daemon/util/digest.hpp"
#include "parsers/article.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using sillok::daemon::render_archive_file;
using sillok::test::fixtures_dir;
using sillok::test::read_file;

namespace {

const std::vector<std::string> k_keys = {"id",         "title", "category", "publisher", "author",      "published_at",
                                         "crawled_at", "url",   "oid",      "aid",       "content_hash"};

std::string front_matter(const std::string& file)
{
    REQUIRE(file.starts_with("---\n"));
    auto end = file.find("\n---\n", 3);
    REQUIRE(end != std::string::npos);
    return file.substr(4, end - 3);
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    return lines;
}

// Keys of a front matter in order, read line by line (the seed's front matter is not valid YAML).
std::vector<std::string> keys_in_order(const std::string& front)
{
    std::vector<std::string> keys;
    static const std::regex k_key(R"(^([a-z_]+):( |$))");
    for (const auto& line : lines_of(front)) {
        std::smatch match;
        if (std::regex_search(line, match, k_key)) {
            keys.push_back(match[1]);
        }
    }
    return keys;
}

// The body's skeleton: one token per line shape, with the content between the two
// rules reduced to a single token.
std::vector<std::string> body_skeleton(const std::string& file)
{
    auto body = file.substr(file.find("\n---\n", 3) + 5);
    static const std::regex k_byline(R"(^\*\*.+\*\* \| .+ \| ?.*$)");
    static const std::regex k_crawled(R"(^\*Crawled at: .+\*$)");
    static const std::regex k_source(
        R"(^\*Source: \[원문 보기\]\(https://n\.news\.naver\.com/mnews/article/\d+/\d+\)\*$)");
    std::vector<std::string> shape;
    int rules = 0;
    for (const auto& line : lines_of(body)) {
        if (line == "---") {
            ++rules;
            shape.emplace_back("rule");
        } else if (rules == 1) {
            if (shape.back() == "rule") {
                shape.emplace_back("content");
            }
        } else if (line.empty()) {
            shape.emplace_back("blank");
        } else if (rules == 0 && line.starts_with("# ")) {
            shape.emplace_back("title");
        } else if (rules == 0 && std::regex_match(line, k_byline)) {
            shape.emplace_back("byline");
        } else if (std::regex_match(line, k_crawled)) {
            shape.emplace_back("crawled");
        } else if (std::regex_match(line, k_source)) {
            shape.emplace_back("source");
        } else {
            shape.emplace_back("other: " + line);
        }
    }
    return shape;
}

struct Golden {
    std::string id;
    nlohmann::json fields;
    std::string markdown;
    sillok::parsers::Article article;
};

std::vector<Golden> goldens()
{
    std::vector<Golden> all;
    for (const auto& entry : fs::directory_iterator(fixtures_dir() / "naver" / "article")) {
        auto id = entry.path().stem().string();
        auto expected = fixtures_dir() / "expected" / (id + ".md");
        if (!fs::exists(expected)) {
            continue;
        }
        auto fields = nlohmann::json::parse(read_file(fixtures_dir() / "expected" / (id + ".json")));
        auto url = "https://n.news.naver.com/mnews/article/" + id.substr(0, 3) + "/" + id.substr(4);
        auto article = sillok::parsers::parse_article(read_file(entry.path()), url);
        REQUIRE_MESSAGE(article.has_value(), id << ": " << article.error().message);
        all.push_back(Golden{id, fields, read_file(expected), *article});
    }
    REQUIRE(all.size() >= 3);
    return all;
}

} // namespace

TEST_CASE("daemon::render_archive_file writes the golden file of every modern fixture page")
{
    for (const auto& golden : goldens()) {
        CAPTURE(golden.id);
        auto hash = sillok::daemon::content_hash(golden.article.content);
        auto written = render_archive_file(golden.article, hash, golden.fields.at("crawled_at").get<std::string>());
        CHECK(written == golden.markdown);
    }
}

TEST_CASE("daemon::render_archive_file front matter is YAML whose every value is a string")
{
    for (const auto& golden : goldens()) {
        CAPTURE(golden.id);
        const auto& a = golden.article;
        auto file = render_archive_file(a, sillok::daemon::content_hash(a.content), "2026-01-01T09:00:00+09:00");
        auto yaml = YAML::Load(front_matter(file));
        REQUIRE(yaml.IsMap());
        std::vector<std::string> keys;
        for (const auto& pair : yaml) {
            keys.push_back(pair.first.as<std::string>());
            CHECK(pair.second.IsScalar());
            CHECK(pair.second.Tag() == "!"); // a quoted scalar: a string for every YAML reader
        }
        REQUIRE(keys.size() >= k_keys.size());
        CHECK(std::vector<std::string>(keys.begin(), keys.begin() + 11) == k_keys);
        CHECK(yaml["id"].as<std::string>() == a.ref.id());
        CHECK(yaml["oid"].as<std::string>() == a.ref.oid);
        CHECK(yaml["aid"].as<std::string>() == a.ref.aid);
        CHECK(yaml["title"].as<std::string>() == a.title);
        CHECK(yaml["author"].as<std::string>() == a.author);
        CHECK(yaml["published_at"].as<std::string>() == a.published_at);
    }
}

TEST_CASE("daemon::render_archive_file keeps the seed crawler's layout without its defects")
{
    auto seed = read_file(sillok::test::seed_example_path());
    auto seed_front = front_matter(seed);
    auto seed_keys = keys_in_order(seed_front);
    REQUIRE(seed_keys == k_keys);
    // The seed's defects, as the old crawler wrote them.
    CHECK_THROWS(YAML::Load(seed_front)); // raw tabs in author
    CHECK(seed.find("&#x27;") != std::string::npos);
    CHECK(seed_front.find("published_at: 2025-12-30 00:00\n") != std::string::npos);
    const std::vector<std::string> k_skeleton = {"blank",   "title", "blank", "byline",  "blank", "rule",
                                                 "content", "rule",  "blank", "crawled", "source"};
    REQUIRE(body_skeleton(seed) == k_skeleton);

    for (const auto& golden : goldens()) {
        CAPTURE(golden.id);
        auto file = render_archive_file(golden.article, sillok::daemon::content_hash(golden.article.content),
                                        "2026-01-01T09:00:00+09:00");
        auto keys = keys_in_order(front_matter(file));
        CHECK(std::vector<std::string>(keys.begin(), keys.begin() + 11) == seed_keys);
        CHECK(body_skeleton(file) == body_skeleton(seed));
        // Defects gone: valid YAML, strings, no entities, times with zone, category present.
        auto yaml = YAML::Load(front_matter(file));
        CHECK(yaml["id"].Tag() == "!");
        CHECK(file.find("&#x") == std::string::npos);
        CHECK(file.find("&quot;") == std::string::npos);
        CHECK(std::regex_match(yaml["published_at"].as<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00)")));
        CHECK_FALSE(yaml["category"].as<std::string>().empty());
        CHECK(file.ends_with(")*\n"));
        CHECK_FALSE(file.ends_with("\n\n"));
    }
}

TEST_CASE("daemon::render_archive_file survives hostile field values")
{
    sillok::parsers::Article a;
    a.ref = {"001", "0000000001"};
    a.title = "---\ntitle: injected\n--- \"quoted\" \\back\\slash !!python/object:os.system <script>alert(1)</script>";
    a.category = "사회, 경제";
    a.publisher = "&amp; \t tab";
    a.author = std::string("ctl\x01\x1f\x7f") + "\u2028sep\u2029\u0085nel\ufeffbom\u0080c1\u009f\uffff";
    a.published_at = "2024-01-02T03:04:05+09:00";
    a.original_url = "https://example.com/?a=1&b=\"2\"";
    a.content = "&lt;script&gt;alert('x')&lt;/script&gt; &amp; more\n\n---\n\n> quote";
    auto hash = sillok::daemon::content_hash(a.content);
    CHECK(hash == sillok::daemon::sha256_hex("<script>alert('x')</script> & more\n\n---\n\n> quote"));
    auto file = render_archive_file(a, hash, "2026-01-01T09:00:00+09:00");

    auto yaml = YAML::Load(front_matter(file));
    CHECK(yaml["title"].as<std::string>() == a.title);
    CHECK(yaml["publisher"].as<std::string>() == a.publisher);
    CHECK(yaml["author"].as<std::string>() == a.author);
    CHECK(yaml["original_url"].as<std::string>() == *a.original_url);
    CHECK(yaml["content_hash"].as<std::string>() == hash);
    CHECK_FALSE(yaml["injected"]);
    // The body: no live HTML, and the hash is of the unescaped content.
    auto body = file.substr(file.find("\n---\n", 3) + 5);
    CHECK(body.find("<script>") == std::string::npos);
    CHECK(file.find("&lt;script&gt;alert('x')&lt;/script&gt; &amp; more") != std::string::npos);
    CHECK(sillok::daemon::front_matter_hash(file) == hash);
    // Nothing a YAML reader would refuse or take for a line break is written raw.
    auto front = front_matter(file);
    for (const char* raw : {"\u0080", "\u009f", "\u0085", "\u2028", "\ufeff", "\uffff", "\x7f"}) {
        CAPTURE(raw);
        CHECK(front.find(raw) == std::string::npos);
    }
}

TEST_CASE("daemon::yaml_quote writes ill-formed UTF-8 as U+FFFD")
{
    CHECK(sillok::daemon::yaml_quote("a\xff\xc3"
                                     "b")
          == "\"a\uFFFD\uFFFDb\"");
}

TEST_CASE("daemon::archive paths")
{
    sillok::parsers::Article a;
    a.ref = {"003", "0012577249"};
    a.published_at = "2024-05-30T11:40:08+09:00";
    CHECK(sillok::daemon::archive_relative_path(a) == "2024/05/30/003_0012577249.md");
    CHECK(sillok::daemon::version_relative_path("2024/05/30/003_0012577249.md",
                                                "c48dfd45d4aa5c3ff8cf341643c004941804d6e6234f842be4e111566acb3d06")
          == "2024/05/30/003_0012577249.c48dfd45d4aa.md");
}

TEST_CASE("daemon::front_matter_hash reads ours and the seed crawler's")
{
    auto seed = read_file(sillok::test::seed_example_path());
    CHECK(sillok::daemon::front_matter_hash(seed)
          == "ee574a5bea5b0a95af1977adcaed3c6c4b6bea51002a460711ca72b976a4bb9b");
    CHECK_FALSE(sillok::daemon::front_matter_hash("no front matter").has_value());
    CHECK_FALSE(sillok::daemon::front_matter_hash("---\ncontent_hash: \"short\"\n---\n").has_value());
}
