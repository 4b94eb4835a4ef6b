#pragma once
// A made-up archive of many articles, written quickly (plain file writes, one ledger
// transaction), for export tests and the export benchmark. Article n (0-based) is
// 001_<n as 10 digits>, published on 2024-01-01 plus n % 28 days, with the fields below.
#include <cstddef>
#include <filesystem>
#include <string>

namespace sillok::test {

struct SyntheticArticle {
    std::string id, oid, aid, title, category, author, published_at, content, path;
};

SyntheticArticle synthetic_article(std::size_t n);

// Writes `count` articles' files under archive and their rows into archive/ledger.sqlite3.
void write_synthetic_archive(const std::filesystem::path& archive, std::size_t count);

} // namespace sillok::test
