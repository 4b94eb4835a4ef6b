#include "daemon/commands/search_command.hpp"

#include "daemon/ledger/ledger_reader.hpp"
#include "daemon/search/search_index.hpp"
#include "daemon/search/search_tokens.hpp"
#include "daemon/search/snippet.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/kst.hpp"
#include "parsers/article_ref.hpp"
#include "parsers/listing_urls.hpp"
#include "parsers/search_query.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>

namespace sillok::daemon {
namespace {

namespace fs = std::filesystem;

// Text from the archive or the user, safe on a terminal: control characters as '?'.
std::string printable(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        out += byte < 0x20 || byte == 0x7F ? '?' : c;
    }
    return out;
}

// "2024-05-30T11:41:15+09:00" as "2024-05-30 11:41".
std::string minute(std::string_view iso)
{
    if (iso.size() >= 16 && iso[10] == 'T') {
        return std::string(iso.substr(0, 10)) + " " + std::string(iso.substr(11, 5));
    }
    return printable(iso);
}

size_t character_of(std::string_view text, size_t byte)
{
    size_t characters = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
        characters += (static_cast<unsigned char>(text[i]) & 0xC0u) != 0x80u ? 1 : 0;
    }
    return characters;
}

struct Prepared {
    std::string match;
    std::vector<TermTokens> highlight;
    std::vector<std::string> notes;
    SearchFilters filters;
};

std::expected<Prepared, std::string> prepare(const SearchCommand& command)
{
    Prepared prepared;
    auto query = parsers::parse_search_query(command.query);
    if (!query) {
        return std::unexpected(fmt::format("the query cannot be read at character {}: {}",
                                           character_of(command.query, query.error().position), query.error().message));
    }
    for (const auto& clause : query->clauses) {
        for (const auto& term : clause.alternatives) {
            auto tokens = search_tokens(term.text);
            if (tokens.empty()) {
                return std::unexpected(fmt::format("'{}' at character {} has no letter or digit to search for",
                                                   printable(term.text), character_of(command.query, term.position)));
            }
            if (tokens.size() == 1 && tokens.front().lone_cjk && !term.phrase) {
                prepared.notes.push_back(fmt::format(
                    "'{}' is one syllable: it is found where it stands alone (尹 대통령, 美·中), not inside longer "
                    "words; search for two syllables or more to find it in them",
                    printable(term.text)));
            }
            if (!clause.negated) {
                TermTokens highlight;
                for (auto& token : tokens) {
                    highlight.tokens.push_back(std::move(token.text));
                }
                highlight.prefix = term.prefix;
                prepared.highlight.push_back(std::move(highlight));
            }
        }
    }
    prepared.match = parsers::fts5_match(*query);

    auto& filters = prepared.filters;
    auto from = date_option(command.from, "--from", wall_now());
    auto to = date_option(command.to, "--to", wall_now());
    if (!from || !to) {
        return std::unexpected(!from ? from.error() : to.error());
    }
    filters.from = *from;
    filters.to = *to;
    if (filters.from && filters.to && *filters.from > *filters.to) {
        return std::unexpected("--from " + *filters.from + " is after --to " + *filters.to);
    }
    for (const auto& section : command.sections) {
        auto slash = section.find('/');
        if (slash != std::string::npos && parsers::section_name(section.substr(0, slash))) {
            return std::unexpected("--section '" + printable(section)
                                   + "': the archive's files do not record sub-sections (SID2); give SID1 (100-105) "
                                     "or the section's name");
        }
        auto named = parsers::section_name(section);
        filters.sections.push_back(named ? std::string(*named) : section);
    }
    for (const auto& oid : command.presses) {
        if (!parsers::is_press_id(oid)) {
            return std::unexpected("--press '" + printable(oid) + "' is not a press id (3 digits, e.g. 015)");
        }
    }
    filters.presses = command.presses;
    filters.all_versions = command.versions == "all";
    filters.sort = command.sort == "newest"   ? SearchSort::newest
                   : command.sort == "oldest" ? SearchSort::oldest
                                              : SearchSort::relevance;
    filters.limit = command.limit;
    filters.offset = command.offset;
    return prepared;
}

// A bar on standard error when it is a terminal, redrawn when the percentage moves.
IndexProgress progress_bar()
{
    if (isatty(STDERR_FILENO) != 1) {
        return {};
    }
    return [percent_shown = -1](size_t done, size_t total) mutable {
        auto percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
        if (percent == percent_shown) {
            return;
        }
        percent_shown = percent;
        constexpr int k_width = 40;
        auto filled = static_cast<size_t>(percent * k_width / 100);
        std::cerr << fmt::format("\rsearch index [{}{}] {:3}% {}/{}", std::string(filled, '#'),
                                 std::string(k_width - filled, ' '), percent, done, total)
                  << (done >= total ? "\n" : "") << std::flush;
    };
}

// Catching up with fewer versions than this goes unsaid.
constexpr int64_t k_backlog_said = 1000;

bool writable(const fs::path& path) { return access(path.c_str(), W_OK) == 0; }

Result<void> build(const fs::path& archive, sqlite3* ledger, std::string_view why, const std::atomic<bool>* stop)
{
    auto target = SearchIndex::path_in(archive);
    if (!writable(archive)) {
        return std::unexpected(Error{ErrorKind::storage_unwritable,
                                     fmt::format("{} {}, and the archive cannot be written: build it with "
                                                 "`sillok search --rebuild --archive {}` where it can be written",
                                                 why, target.string(), archive.string())});
    }
    std::cerr << "sillok: search: " << why << ' ' << target.string() << ": building it from the archive\n";
    auto started = std::chrono::steady_clock::now();
    SILLOK_TRY_ASSIGN(built, build_search_index(archive, ledger, progress_bar(), stop));
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << fmt::format("sillok: search: indexed {} versions in {:.1f} s", built.added, seconds);
    if (built.unreadable > 0) {
        std::cerr << fmt::format(" ({} could not be read from their files and are found by their ledger fields "
                                 "only: sillok verify)",
                                 built.unreadable);
    }
    std::cerr << '\n';
    return {};
}

// The index, built when missing and brought up to the ledger when it can be written.
Result<SearchIndex> ready_index(const fs::path& archive, sqlite3* ledger, bool rebuild, const std::atomic<bool>* stop)
{
    auto file = SearchIndex::path_in(archive);
    std::error_code ec;
    if (rebuild || !fs::exists(file, ec)) {
        SILLOK_TRY(build(archive, ledger, rebuild ? "rebuilding the search index" : "no search index at", stop));
    }
    bool can_write = writable(archive) && writable(file);
    SILLOK_TRY_ASSIGN(index, SearchIndex::open(file, can_write));
    if (!can_write) {
        SILLOK_TRY_ASSIGN(missing, index.behind(ledger));
        if (missing > 0) {
            std::cerr << fmt::format("sillok: search: the index lacks the {} versions recorded since it was last "
                                     "brought up to date, and it cannot be written here\n",
                                     missing);
        }
        return index;
    }
    // A long backlog (a backfill since the last search) is said, with a bar on a terminal.
    SILLOK_TRY_ASSIGN(missing, index.behind(ledger));
    bool long_backlog = missing >= k_backlog_said;
    if (long_backlog) {
        std::cerr << fmt::format("sillok: search: adding the {} versions recorded since the last search to the index\n",
                                 missing);
    }
    SILLOK_TRY_ASSIGN(caught, index.catch_up(ledger, archive, long_backlog ? progress_bar() : IndexProgress{}, stop));
    if (caught.stopped) {
        return std::unexpected(Error{ErrorKind::interrupted, "stopped while adding versions to the search index; "
                                                             "the next search goes on from there"});
    }
    if (caught.out_of_step) {
        SILLOK_TRY(build(archive, ledger, "the ledger (restored or replaced?) does not match the search index", stop));
        return SearchIndex::open(file, true);
    }
    if (caught.unreadable > 0) {
        std::cerr << fmt::format("sillok: search: {} new versions could not be read from their files (sillok verify)\n",
                                 caught.unreadable);
    }
    return index;
}

void write_text(std::ostream& out, const SearchHit& hit, const Prepared& prepared, bool colour)
{
    auto snippet = make_snippet(hit.text, prepared.highlight, colour ? "\x1b[1;31m" : "[", colour ? "\x1b[0m" : "]");
    out << minute(hit.published_at) << " | " << printable(hit.press) << " | " << printable(hit.section) << '\n';
    out << (colour ? "\x1b[1m" : "") << printable(hit.title) << (colour ? "\x1b[0m" : "") << '\n';
    out << hit.id << "  " << printable(hit.path) << '\n';
    out << "  " << snippet << '\n';
    out << fmt::format("  version {} of {}, seen {}", hit.version, hit.versions, minute(hit.seen_at));
    if (hit.current) {
        out << " (current)";
    } else if (hit.removed_in) {
        out << fmt::format("; removed in the version of {} (version {})", minute(hit.removed_in->second),
                           hit.removed_in->first);
    } else {
        out << "; not in the current version";
    }
    out << "\n\n";
}

void write_json(std::ostream& out, const SearchHit& hit, const Prepared& prepared)
{
    nlohmann::ordered_json record;
    record["id"] = hit.id;
    record["version"] = hit.version;
    record["seen_at"] = hit.seen_at;
    record["published_at"] = hit.published_at;
    record["press"] = hit.press;
    record["section"] = hit.section;
    record["title"] = hit.title;
    record["path"] = hit.path;
    record["snippet"] = make_snippet(hit.text, prepared.highlight, "[", "]");
    record["score"] = std::round(hit.score * 1000) / 1000;
    record["current"] = hit.current;
    if (prepared.filters.all_versions) {
        record["matched_versions"] = hit.matched;
        record["removed_in"] = hit.removed_in ? nlohmann::ordered_json{{"version", hit.removed_in->first},
                                                                       {"seen_at", hit.removed_in->second}}
                                              : nlohmann::ordered_json(nullptr);
    }
    out << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

} // namespace

CLI::App* add_search_command(CLI::App& app, SearchCommand& command)
{
    auto* cmd = app.add_subcommand(
        "search",
        "Find articles (or past versions) by words: 정부 \"a phrase\" A OR B -word prefix* title: byline: press:");
    cmd->add_option("QUERY", command.query, "The query (see the README); put -- before a query that begins with '-'");
    cmd->add_option("--from", command.from, "First publication date, YYYY-MM-DD (KST), or today, yesterday, today-N");
    cmd->add_option("--to", command.to, "Last publication date, same forms");
    cmd->add_option("--section", command.sections,
                    "SID1 (100-105) or the section's name as the page shows it (repeatable)");
    cmd->add_option("--press", command.presses, "Press id (oid, e.g. 015) (repeatable)");
    cmd->add_option("--versions", command.versions, "current (default): current versions; all: every version")
        ->check(CLI::IsMember({"current", "all"}));
    cmd->add_option("--sort", command.sort, "relevance (default), newest or oldest (publication date)")
        ->check(CLI::IsMember({"relevance", "newest", "oldest"}));
    cmd->add_option("--limit", command.limit, "At most N results (default 20)")
        ->check(CLI::Range(int64_t{1}, int64_t{10000}));
    cmd->add_option("--offset", command.offset, "Skip the first N results")
        ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}));
    cmd->add_option("--format", command.format, "text (default) or jsonl")->check(CLI::IsMember({"text", "jsonl"}));
    cmd->add_flag("--rebuild", command.rebuild,
                  "Build the search index again from the archive, then search (if a query is given)");
    cmd->add_flag("--no-color", command.no_colour, "No colours, even on a terminal");
    return cmd;
}

int run_search_command(const SearchCommand& command, const Config& config, std::ostream& out,
                       const std::atomic<bool>* stop)
{
    if (command.query.empty() && !command.rebuild) {
        return fail(k_exit_usage, "search needs a query (or --rebuild)");
    }
    std::optional<Prepared> prepared;
    if (!command.query.empty()) {
        auto checked = prepare(command);
        if (!checked) {
            return fail(k_exit_usage, checked.error());
        }
        prepared = std::move(*checked);
    }
    std::error_code ec;
    if (!fs::is_regular_file(config.ledger_path(), ec)) {
        return fail(k_exit_io, "no ledger at " + config.ledger_path().string());
    }
    auto ledger = open_ledger_read_only(config.ledger_path());
    if (!ledger) {
        return fail(k_exit_io, ledger.error());
    }
    auto index = ready_index(config.archive, ledger->get(), command.rebuild, stop);
    if (!index) {
        return fail(index.error());
    }
    if (!prepared) {
        return k_exit_ok;
    }
    for (const auto& note : prepared->notes) {
        std::cerr << "sillok: search: " << note << '\n';
    }
    auto hits = index->search(prepared->match, prepared->filters, config.archive, ledger->get());
    if (!hits) {
        return fail(hits.error());
    }
    bool colour = command.format == "text" && !command.no_colour && std::getenv("NO_COLOR") == nullptr
                  && isatty(STDOUT_FILENO) == 1;
    for (const auto& hit : *hits) {
        if (command.format == "jsonl") {
            write_json(out, hit, *prepared);
        } else {
            write_text(out, hit, *prepared, colour);
        }
    }
    out.flush();
    if (!out) {
        return fail(k_exit_io, "cannot write the results to standard output");
    }
    return hits->empty() ? k_exit_some_failed : k_exit_ok;
}

} // namespace sillok::daemon
