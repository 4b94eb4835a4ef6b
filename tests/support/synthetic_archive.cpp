#include "tests/support/synthetic_archive.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/ledger/ledger.hpp"
#include "daemon/ledger/sql.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace sillok::test {

SyntheticArticle synthetic_article(std::size_t n)
{
    SyntheticArticle a;
    a.oid = "001";
    a.aid = fmt::format("{:010}", n);
    a.id = a.oid + "_" + a.aid;
    a.title = fmt::format("합성 기사 {} \"따옴표\", 쉼표", n);
    a.category = n % 2 == 0 ? "경제" : "사회, IT/과학";
    a.author = fmt::format("기자 {}", n % 97);
    a.published_at = fmt::format("2024-01-{:02}T09:{:02}:00+09:00", 1 + n % 28, n % 60);
    a.content = fmt::format("첫 문단 {} &amp; 둘째 줄.\n\n둘째 문단, \"인용\" &lt;표&gt;\n줄바꿈 뒤.", n);
    a.path = a.published_at.substr(0, 4) + "/" + a.published_at.substr(5, 2) + "/" + a.published_at.substr(8, 2) + "/"
             + a.id + ".md";
    return a;
}

namespace {

parsers::Article as_article(const SyntheticArticle& s)
{
    parsers::Article a;
    a.ref = {s.oid, s.aid};
    a.title = s.title;
    a.category = s.category;
    a.publisher = "합성일보";
    a.author = s.author;
    a.published_at = s.published_at;
    a.content = s.content;
    return a;
}

void exec(sqlite3* db, const char* sql)
{
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        throw std::runtime_error(std::string("synthetic ledger: ") + sqlite3_errmsg(db));
    }
}

} // namespace

void write_synthetic_archive(const std::filesystem::path& archive, std::size_t count)
{
    namespace fs = std::filesystem;
    fs::create_directories(archive);
    auto ledger_path = archive / "ledger.sqlite3";
    if (!daemon::Ledger::open(ledger_path)) {
        throw std::runtime_error("synthetic ledger: cannot create " + ledger_path.string());
    }
    sqlite3* raw = nullptr;
    sqlite3_open(ledger_path.c_str(), &raw);
    daemon::SqliteDb db(raw);
    exec(db.get(), "BEGIN");
    auto article_row = daemon::sql::prepare(
        db.get(), "INSERT INTO articles (oid, aid, url, state, title, publisher, author, category, published_at,"
                  " content_hash, current_version, path, first_seen, last_checked)"
                  " VALUES (?1, ?2, ?3, 'archived', ?4, '합성일보', ?5, ?6, ?7, ?8, 1, ?9, ?10, ?10)");
    auto version_row = daemon::sql::prepare(
        db.get(), "INSERT INTO versions (article_id, version, content_hash, rules_version, first_seen, path)"
                  " VALUES (last_insert_rowid(), 1, ?1, 1, ?2, ?3)");
    const std::string crawled_at = "2024-02-01T10:00:00+09:00";
    for (std::size_t n = 0; n < count; ++n) {
        auto s = synthetic_article(n);
        auto article = as_article(s);
        auto hash = daemon::content_hash(s.content);
        fs::create_directories((archive / s.path).parent_path());
        std::ofstream(archive / s.path, std::ios::binary) << daemon::render_archive_file(article, hash, crawled_at);
        daemon::sql::Bound(article_row.get())
            .text(s.oid)
            .text(s.aid)
            .text(article.ref.canonical_url())
            .text(s.title)
            .text(s.author)
            .text(s.category)
            .text(s.published_at)
            .text(hash)
            .text(s.path)
            .text(crawled_at)
            .step();
        if (daemon::sql::Bound(version_row.get()).text(hash).text(crawled_at).text(s.path).step() != SQLITE_DONE) {
            throw std::runtime_error(std::string("synthetic ledger: ") + sqlite3_errmsg(db.get()));
        }
    }
    exec(db.get(), "COMMIT");
}

} // namespace sillok::test
