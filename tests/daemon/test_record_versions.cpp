// Versions of the whole record in the ledger, and ledgers from before them.
#include "daemon/history/history.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/migrations.hpp"
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using sillok::daemon::Ledger;
using sillok::daemon::SavedVersion;
using sillok::daemon::SaveResult;
using sillok::test::sample_article;
using sillok::test::ScratchDir;

namespace {

void exec(sqlite3* db, const std::string& sql)
{
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    INFO(sql << ": " << (message != nullptr ? message : ""));
    sqlite3_free(message);
    REQUIRE(rc == SQLITE_OK);
}

// A ledger as sillok wrote it before versions of the whole record: schema 001 and 002 only,
// with one article of three content versions, the third under new content rules.
void write_old_ledger(const std::filesystem::path& ledger)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(ledger.c_str(), &db) == SQLITE_OK);
    const auto& all = sillok::daemon::migrations();
    REQUIRE(all.size() > 2);
    REQUIRE(all[0].name.starts_with("001_"));
    REQUIRE(all[1].name.starts_with("002_"));
    exec(db, std::string(all[0].sql));
    exec(db, std::string(all[1].sql));
    exec(db, "PRAGMA user_version = 2");
    exec(db, "INSERT INTO articles (id, oid, aid, url, state, title, publisher, author, category, published_at,"
             " content_hash, current_version, path, first_seen, last_checked) VALUES (7, '003', '0012577249',"
             " 'https://n.news.naver.com/mnews/article/003/0012577249', 'archived', '제목', '뉴시스', '기자', '경제',"
             " '2024-05-30T11:40:08+09:00', '"
                 + std::string(64, 'c')
                 + "', 3, '2024/05/30/003_0012577249.md',"
                   " '2024-05-30T12:00:00+09:00', '2024-06-01T12:00:00+09:00')");
    for (int v = 1; v <= 3; ++v) {
        auto hash = std::string(64, static_cast<char>('a' + v - 1));
        auto path = v == 3 ? std::string("2024/05/30/003_0012577249.md")
                           : "2024/05/30/003_0012577249." + hash.substr(0, 12) + ".md";
        exec(db, "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path)"
                 " VALUES (7, "
                     + std::to_string(v) + ", '" + hash + "', " + (v == 3 ? "2" : "1") + ", '2024-05-3"
                     + std::to_string(v - 1) + "T12:00:00+09:00', '" + path + "')");
    }
    sqlite3_close(db);
}

} // namespace

TEST_CASE("daemon::Ledger records which fields each version changed")
{
    ScratchDir dir;
    auto ledger = Ledger::open(dir.path() / "ledger.sqlite3");
    REQUIRE(ledger.has_value());
    auto article = sample_article();
    const std::string path = "2024/05/30/003_0012577249.md";
    const std::string hash_a(64, 'a');
    const std::string hash_b(64, 'b');
    REQUIRE(ledger->record_version(SavedVersion{article, hash_a, path, "2026-01-01T09:00:00+09:00", {}}, {})
            == SaveResult::inserted);

    SUBCASE("a new headline alone is a version")
    {
        article.title = "새 제목";
        CHECK(ledger->record_version(SavedVersion{article, hash_a, path, "2026-01-02T09:00:00+09:00", "x.md"}, {})
              == SaveResult::inserted);
        auto found = ledger->find(article.ref);
        REQUIRE(found.has_value());
        REQUIRE((*found)->record.has_value());
        CHECK((*found)->record->title == "새 제목");
        auto versions = ledger->versions(article.ref);
        REQUIRE(versions->size() == 2);
        CHECK((*versions)[0].change.reason == "new");
        CHECK((*versions)[0].change.fields.empty());
        CHECK((*versions)[1].change.reason == "edit");
        CHECK((*versions)[1].change.fields == std::vector<std::string>{"title"});
    }
    SUBCASE("content, byline and modification time together")
    {
        article.author = "다른 기자";
        article.modified_at = "2024-05-30T12:00:00+09:00";
        CHECK(ledger->record_version(SavedVersion{article, hash_b, path, "2026-01-02T09:00:00+09:00", "x.md"}, {})
              == SaveResult::inserted);
        auto versions = ledger->versions(article.ref);
        REQUIRE(versions->size() == 2);
        CHECK((*versions)[1].change.fields == std::vector<std::string>{"content", "author", "modified_at"});
    }
    SUBCASE("the same record again is no version")
    {
        CHECK(ledger->record_version(SavedVersion{article, hash_a, path, "2026-01-02T09:00:00+09:00", {}}, {})
              == SaveResult::already_current);
        CHECK(ledger->versions(article.ref)->size() == 1);
    }
    SUBCASE("a changed publisher name alone is not part of the record")
    {
        article.publisher = "뉴시스 (newsis)";
        CHECK(ledger->record_version(SavedVersion{article, hash_a, path, "2026-01-02T09:00:00+09:00", {}}, {})
              == SaveResult::already_current);
    }
}

TEST_CASE("daemon::Ledger migrates a ledger from before record versions and keeps its versions")
{
    ScratchDir dir;
    auto path = dir.path() / "ledger.sqlite3";
    write_old_ledger(path);

    SUBCASE("read as it is, without migrating it")
    {
        auto history = sillok::daemon::History::open(path);
        REQUIRE(history.has_value());
        CHECK_FALSE(history->records_changes());
        auto article = history->article({"003", "0012577249"});
        REQUIRE(article.has_value());
        REQUIRE(article->has_value());
        const auto& versions = (*article)->versions;
        REQUIRE(versions.size() == 3);
        CHECK(versions[0].change.reason == "new");
        CHECK(versions[2].change.fields == std::vector<std::string>{"content"});
    }
    SUBCASE("migrated")
    {
        auto ledger = Ledger::open(path);
        REQUIRE(ledger.has_value());
        CHECK(ledger->schema_version() == static_cast<int>(sillok::daemon::migrations().size()));
        auto versions = ledger->versions({"003", "0012577249"});
        REQUIRE(versions.has_value());
        REQUIRE(versions->size() == 3);
        for (int v = 1; v <= 3; ++v) {
            const auto& version = (*versions)[static_cast<size_t>(v - 1)];
            CAPTURE(v);
            CHECK(version.version == v);
            CHECK(version.content_hash == std::string(64, static_cast<char>('a' + v - 1)));
            CHECK(version.rules_version == (v == 3 ? 2 : 1));
            CHECK(version.first_seen == "2024-05-3" + std::to_string(v - 1) + "T12:00:00+09:00");
        }
        CHECK((*versions)[0].path == "2024/05/30/003_0012577249.aaaaaaaaaaaa.md");
        CHECK((*versions)[2].path == "2024/05/30/003_0012577249.md");
        CHECK((*versions)[0].change.reason == "new");
        CHECK((*versions)[0].change.fields.empty());
        CHECK((*versions)[1].change.reason == "edit");
        CHECK((*versions)[1].change.fields == std::vector<std::string>{"content"});
        CHECK((*versions)[2].change.reason == "rules");
        CHECK((*versions)[2].change.fields == std::vector<std::string>{"content"});
        // The article row is the current version's, fields included.
        auto found = ledger->find({"003", "0012577249"});
        REQUIRE(found.has_value());
        REQUIRE((*found)->record.has_value());
        CHECK((*found)->record->content_hash == std::string(64, 'c'));
        CHECK((*found)->record->title == "제목");
        CHECK((*found)->current_version == 3);

        // A row written without saying what changed (verify --repair's) says it does not know.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        exec(db, "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path)"
                 " VALUES (7, 4, '"
                     + std::string(64, 'd') + "', 0, '2024-06-02T12:00:00+09:00', 'x.md')");
        sqlite3_close(db);
        versions = ledger->versions({"003", "0012577249"});
        REQUIRE(versions->size() == 4);
        CHECK((*versions)[3].change.reason == "unknown");
        CHECK((*versions)[3].change.fields.empty());
    }
}
