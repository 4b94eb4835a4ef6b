#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using sillok::daemon::content_hash;
using sillok::daemon::parse_front_matter;
using sillok::daemon::read_archive_file;
using sillok::daemon::written_content;
using sillok::daemon::yaml_quote;
using sillok::daemon::yaml_unquote;
using sillok::test::fixtures_dir;
using sillok::test::read_file;

namespace {

std::vector<std::string> keys_of(const sillok::daemon::FrontMatter& front)
{
    std::vector<std::string> keys;
    for (const auto& field : front.fields) {
        keys.push_back(field.key);
    }
    return keys;
}

} // namespace

TEST_CASE("daemon::front_matter: read_archive_file reads sillok's files back")
{
    for (std::string id : {"003_0012577249", "018_0005316196", "421_0008770777"}) {
        CAPTURE(id);
        auto text = read_file(fixtures_dir() / "expected" / (id + ".md"));
        auto expected = nlohmann::json::parse(read_file(fixtures_dir() / "expected" / (id + ".json")));
        auto parsed = read_archive_file(text);
        REQUIRE(parsed.has_value());
        const auto& front = parsed->front_matter;
        CHECK_FALSE(front.is_legacy());
        auto keys = keys_of(front);
        std::vector<std::string> first_eleven(keys.begin(), keys.begin() + 11);
        CHECK(first_eleven
              == std::vector<std::string>{"id", "title", "category", "publisher", "author", "published_at",
                                          "crawled_at", "url", "oid", "aid", "content_hash"});
        // Every value agrees with the golden fields and with an independent YAML parser.
        auto yaml = YAML::Load(text.substr(4, text.find("\n---\n", 3) - 3));
        for (const auto& field : front.fields) {
            CAPTURE(field.key);
            CHECK(field.value == expected[field.key].get<std::string>());
            CHECK(field.value == yaml[field.key].as<std::string>());
        }
        REQUIRE(parsed->content.has_value());
        CHECK(*parsed->content == expected["content"].get<std::string>());
        CHECK(content_hash(*parsed->content) == *front.find("content_hash"));
        CHECK(front.find("no_such_key") == nullptr);
    }
}

TEST_CASE("daemon::front_matter: yaml_unquote undoes yaml_quote and YAML's escapes")
{
    SUBCASE("round trip of every character yaml_quote escapes")
    {
        std::string all_controls;
        for (int c = 0; c < 0x20; ++c) {
            all_controls.push_back(static_cast<char>(c));
        }
        for (std::string text :
             {std::string("plain 한국어 text"), all_controls, std::string("\x7f \"quoted\" back\\slash"),
              std::string("NEL \xc2\x85 LS \xe2\x80\xa8 PS \xe2\x80\xa9 BOM \xef\xbb\xbf end"), std::string()}) {
            auto quoted = yaml_quote(text);
            CAPTURE(quoted);
            CHECK(yaml_unquote(quoted) == text);
            CHECK(YAML::Load("k: " + quoted)["k"].as<std::string>() == text);
        }
    }
    SUBCASE("every YAML escape")
    {
        CHECK(yaml_unquote(R"("\0\a\b\t\n\v\f\r\e\ \"\/\\")") == std::string("\0\a\b\t\n\v\f\r\x1b \"/\\", 13));
        CHECK(yaml_unquote("\"\\\t\"") == "\t");
        CHECK(yaml_unquote(R"("\N\_\L\P")") == "\xc2\x85\xc2\xa0\xe2\x80\xa8\xe2\x80\xa9");
        CHECK(yaml_unquote(R"("\x41\xe9\u00E9\uac00\U0001F600")") == "A\xc3\xa9\xc3\xa9\xea\xb0\x80\xf0\x9f\x98\x80");
        CHECK(yaml_unquote("\"raw\ttab\"") == "raw\ttab");
    }
    SUBCASE("invalid scalars are rejected with a reason")
    {
        for (std::string bad :
             {R"("\q")", R"("\x4")", R"("\xZZ")", R"("\uD800")", R"("\U00110000")", R"("\")", R"("open)", R"("a"b")",
              R"(plain)", "\"raw \x01 control\"", "\"raw \x7f delete\"", "\"bad \xff utf-8\"", "\"overlong \xc0\xaf\"",
              "\"surrogate \xed\xa0\x80\"", "\"BOM \xef\xbb\xbf\""}) {
            CAPTURE(bad);
            auto result = yaml_unquote(bad);
            REQUIRE_FALSE(result.has_value());
            CHECK_FALSE(result.error().empty());
        }
        CHECK(yaml_unquote(R"("\q")").error() == "invalid escape '\\q'");
    }
}

TEST_CASE("daemon::front_matter: parse_front_matter marks older crawlers' front matter as legacy")
{
    SUBCASE("the seed example: unquoted values and an author over several lines")
    {
        auto parsed = read_archive_file(read_file(sillok::test::seed_example_path()));
        REQUIRE(parsed.has_value());
        const auto& front = parsed->front_matter;
        CHECK(front.is_legacy());
        CHECK(front.legacy == "the value of 'id' is not double-quoted");
        CHECK(*front.find("id") == "015_0005230666");
        CHECK(*front.find("oid") == "015");
        CHECK(front.find("category")->empty());
        CHECK(front.find("author")->find("박수빈 한경닷컴 기자 waterbean@hankyung.com") != std::string::npos);
        CHECK(front.find("author")->find('\t') != std::string::npos);
        CHECK(*front.find("published_at") == "2025-12-30 00:00");
        CHECK(keys_of(front).size() == 11);
        CHECK(parsed->content.has_value());
    }
    SUBCASE("every file of the earlier crawler's archive is read or refused, never trusted")
    {
        size_t files = 0;
        for (const auto& entry : fs::directory_iterator(fixtures_dir() / "baram-output")) {
            CAPTURE(entry.path());
            auto parsed = read_archive_file(read_file(entry.path()));
            CHECK((!parsed.has_value() || parsed->front_matter.is_legacy()));
            ++files;
        }
        CHECK(files > 300);
    }
    SUBCASE("a quoted value followed by an indented line is several lines too")
    {
        auto front = parse_front_matter("id: \"1\"\nauthor: \"a\"\n\t\tb\n");
        REQUIRE(front.has_value());
        CHECK(front->legacy == "the value of 'author' runs over several lines");
        CHECK(*front->find("author") == "a\n\t\tb");
    }
}

TEST_CASE("daemon::front_matter: parse_front_matter refuses what is not key/value lines")
{
    auto error_of = [](std::string_view file) {
        auto parsed = read_archive_file(file);
        REQUIRE_FALSE(parsed.has_value());
        return parsed.error();
    };
    CHECK(error_of("# no front matter\n").line == 1);
    CHECK(error_of("---\nid: \"1\"\n").message == "the front matter has no closing '---' line");
    auto bad_line = error_of("---\nid: \"1\"\nthis is junk\n---\n");
    CHECK(bad_line.line == 3);
    CHECK(bad_line.message == "not a 'key: value' line");
    CHECK(error_of("---\nid: \"1\"\nid: \"2\"\n---\n").message == "key 'id' appears twice");
    CHECK(error_of("---\nurl:https://x\n---\n").line == 2);
    CHECK(error_of("---\n\tindented: \"x\"\n---\n").line == 2);
    auto bad_escape = error_of("---\nid: \"1\"\ntitle: \"a \\q b\"\n---\n");
    CHECK(bad_escape.line == 3);
    CHECK(bad_escape.message == "value of 'title': invalid escape '\\q'");

    auto empty = read_archive_file("---\n---\n");
    REQUIRE(empty.has_value());
    CHECK(empty->front_matter.fields.empty());
    CHECK_FALSE(empty->content.has_value());
}

TEST_CASE("daemon::front_matter: written_content finds the content between the body's rules")
{
    auto body = [](std::string_view content) {
        return "\n# t\n\n**p** | 2024-05-30 11:40 | c\n\n---\n\n" + std::string(content)
               + "\n\n---\n\n*Crawled at: 2026-01-01 09:00:00*\n*Source: [원문 보기](https://x)*\n";
    };
    CHECK(written_content(body("one\n\ntwo")) == "one\n\ntwo");
    // A rule inside the content does not cut it short.
    CHECK(written_content(body("one\n\n---\n\ntwo")) == "one\n\n---\n\ntwo");
    CHECK(written_content(body("")) == "");
    CHECK_FALSE(written_content("\n# t\n\n---\n\nno second rule\n").has_value());
    CHECK_FALSE(written_content("\n---\nno blank lines\n---\n").has_value());
    CHECK_FALSE(written_content("").has_value());
}
