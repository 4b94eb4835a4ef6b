#include "daemon/commands/import.hpp"

#include "daemon/config/stores.hpp"
#include "daemon/pipeline/crawl.hpp"
#include "daemon/util/exit_codes.hpp"
#include "daemon/util/kst.hpp"
#include "daemon/warc/http_payload.hpp"
#include "daemon/warc/warc_reader.hpp"
#include "parsers/article.hpp"
#include "parsers/text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

namespace sillok::daemon {
namespace {

// Room for a record's WARC head and HTTP head beside a body of max_bytes.
constexpr size_t k_record_head_room = size_t{1} << 20;

// The earliest capture time accepted: before any web archive, and before Naver News.
constexpr std::chrono::year k_earliest_capture_year{1995};

// WARC-Date as WARC 1.1 writes it (W3C's profile of ISO 8601, UTC, to the second):
// "YYYY-MM-DDThh:mm:ssZ", or with a fraction of 1 to 9 digits before the Z. The time must be
// a real calendar time from 1995-01-01 to a day after now (a clock a little ahead is allowed).
std::expected<WallClock::time_point, std::string> warc_date_of(const WarcRecord& record, WallClock::time_point now)
{
    auto field = record.field("WARC-Date");
    if (!field) {
        return std::unexpected("bad_date: no WARC-Date");
    }
    std::string_view text = *field;
    auto bad = [&](std::string_view why) {
        return std::unexpected("bad_date: WARC-Date '" + std::string(text) + "' " + std::string(why));
    };
    constexpr std::string_view k_shape = "dddd-dd-ddTdd:dd:dd";
    bool shaped = text.size() >= k_shape.size() + 1 && text.back() == 'Z';
    for (size_t i = 0; shaped && i < k_shape.size(); ++i) {
        shaped = k_shape[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == k_shape[i];
    }
    if (shaped && text.size() > k_shape.size() + 1) {
        auto fraction = text.substr(k_shape.size(), text.size() - k_shape.size() - 1);
        shaped = fraction.size() >= 2 && fraction.size() <= 10 && fraction.front() == '.'
                 && std::ranges::all_of(fraction.substr(1), [](char c) { return c >= '0' && c <= '9'; });
    }
    if (!shaped) {
        return bad("is not YYYY-MM-DDThh:mm:ss[.fraction]Z");
    }
    auto number = [&](size_t at, size_t digits) {
        int value = 0;
        for (size_t i = at; i < at + digits; ++i) {
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    std::chrono::year_month_day day{std::chrono::year{number(0, 4)},
                                    std::chrono::month{static_cast<unsigned>(number(5, 2))},
                                    std::chrono::day{static_cast<unsigned>(number(8, 2))}};
    int hour = number(11, 2);
    int minute = number(14, 2);
    int second = number(17, 2);
    if (!day.ok() || hour > 23 || minute > 59 || second > 59) {
        return bad("is no calendar time");
    }
    auto latest = std::chrono::floor<std::chrono::days>(now) + std::chrono::days(2);
    if (day.year() < k_earliest_capture_year || std::chrono::sys_days{day} > latest) {
        return bad("lies outside 1995-01-01 to a day from now");
    }
    auto at = std::chrono::sys_days{day} + std::chrono::hours(hour) + std::chrono::minutes(minute)
              + std::chrono::seconds(second);
    if (at > now + std::chrono::hours(24)) {
        return bad("lies outside 1995-01-01 to a day from now");
    }
    return std::chrono::time_point_cast<WallClock::duration>(at);
}

std::string target_of(const WarcRecord& record)
{
    std::string target(record.field("WARC-Target-URI").value_or(""));
    if (target.size() >= 2 && target.front() == '<' && target.back() == '>') { // WARC/1.0 writers
        target = target.substr(1, target.size() - 2);
    }
    return target;
}

class Importer {
public:
    Importer(ArticlePipeline& pipeline, std::ostream& out, int64_t max_bytes)
        : m_pipeline(pipeline), m_out(out), m_max_body(static_cast<size_t>(max_bytes))
    {
    }

    // False when the archive or ledger failed (exit 74).
    bool import_file(const std::string& file);
    [[nodiscard]] int exit_code() const
    {
        return m_storage_failed ? k_exit_io : m_counts.contains(Outcome::failed) ? k_exit_some_failed : k_exit_ok;
    }
    void summary() const
    {
        auto count = [&](Outcome o) { return m_counts.contains(o) ? m_counts.at(o) : size_t{0}; };
        spdlog::info("import finished: {} saved, {} updated, {} unchanged, {} failed; {} records of other pages",
                     count(Outcome::saved), count(Outcome::updated), count(Outcome::unchanged), count(Outcome::failed),
                     m_other_pages);
    }

private:
    bool import_record(const std::string& file, const WarcEntry& entry);
    // One line, flushed at once: a line the ledger has is never lost in a buffer. Text from
    // outside (file names, field values) is escaped: no control character reaches the terminal,
    // and no tab or newline can forge a field or a line.
    void report(Outcome outcome, std::string_view id, std::string_view path, std::string_view hash,
                std::string_view reason)
    {
        ++m_counts[outcome];
        constexpr size_t k_shown = 4096;
        m_out << to_string(outcome) << '\t' << parsers::quoted_for_message(id, k_shown) << '\t'
              << parsers::quoted_for_message(path, k_shown) << '\t' << parsers::quoted_for_message(hash, k_shown);
        if (!reason.empty()) {
            m_out << '\t' << parsers::quoted_for_message(reason, k_shown);
        }
        m_out << '\n';
        m_out.flush();
    }

    ArticlePipeline& m_pipeline;
    std::ostream& m_out;
    size_t m_max_body;
    std::map<Outcome, size_t> m_counts;
    size_t m_other_pages = 0;
    bool m_storage_failed = false;
};

bool Importer::import_file(const std::string& file)
{
    // A record holds at most a body of max_bytes and its heads; a larger one is skipped unread.
    auto reader = WarcReader::open(file, WarcReadLimits{m_max_body + k_record_head_room});
    if (!reader) {
        report(Outcome::failed, "-", "", "", reader.error().message); // it names the file
        return true;
    }
    for (;;) {
        auto entry = reader->next();
        if (!entry) { // that record is lost; the reader goes on after it, or says it cannot
            report(Outcome::failed, "-", "", "",
                   fmt::format("{}@{}: {}", file, entry.error().offset, entry.error().message));
            continue;
        }
        if (!*entry) {
            return true;
        }
        if ((*entry)->record.type() == "response" && !import_record(file, **entry)) {
            return false;
        }
    }
}

bool Importer::import_record(const std::string& file, const WarcEntry& entry)
{
    auto where = fmt::format("{}@{}", file, entry.offset);
    auto target = target_of(entry.record);
    auto ref = parsers::parse_url(target);
    if (!ref) {
        ++m_other_pages; // a page that is no Naver News article: not sillok's to archive
        spdlog::debug("{}: {} is not a Naver News article", parsers::quoted_for_message(where, 4096),
                      parsers::quoted_for_message(target));
        return true;
    }
    auto failed = [&](const std::string& reason) {
        report(Outcome::failed, ref->id(), "", "", where + ": " + reason);
        return true;
    };
    if (auto digests = check_digests(entry.record); !digests) {
        return failed(digests.error());
    }
    for (const auto& unchecked : unchecked_digests(entry.record)) {
        spdlog::warn("{}: {} not checked: sillok checks sha1 and sha256 digests",
                     parsers::quoted_for_message(where, 4096), parsers::quoted_for_message(unchecked));
    }
    auto date = warc_date_of(entry.record, wall_now());
    if (!date) {
        return failed(date.error());
    }
    auto response = decode_http_response(entry.record.block, m_max_body);
    if (!response) {
        return failed(response.error());
    }
    if (response->status != 200) {
        return failed(fmt::format("http_status: HTTP {}", response->status));
    }
    auto page = parsers::parse_article(response->body, target);
    if (!page) {
        return failed(std::string(parsers::to_string(page.error().kind)) + ": " + page.error().message);
    }
    // A page is archived only under the article it names itself, as a crawl refuses a
    // redirect to another article: a record's URL is the other tool's word, the page is Naver's.
    auto named = parsers::parse_url(page->own_url);
    if (!named) {
        return failed("names_no_article: the page gives no article address of its own (og:url)");
    }
    if (*named != *ref) {
        return failed("names_other_article: the record is of " + ref->id() + ", the page it holds is of "
                      + named->id());
    }
    if (auto published = parse_kst_iso(page->published_at); published && *date < *published) {
        return failed("bad_date: captured at " + kst_iso(*date) + ", before the page's publication time "
                      + page->published_at);
    }
    page->ref = *ref;
    FetchRecord fetch{target, kst_iso_millis(*date), 200, static_cast<int64_t>(response->body.size()), 0, {}};
    VersionSource source{kst_iso(*date), nullptr, {fetch}, std::nullopt, "import", &entry.record};
    auto saved = m_pipeline.save(*page, source);
    if (!saved) {
        std::cerr << "sillok: error: archive or ledger not writable: " << saved.error().message << '\n';
        m_storage_failed = true;
        return false;
    }
    report(saved->outcome, saved->id, saved->path, saved->hash, saved->reason);
    return true;
}

} // namespace

int run_import(const Config& config, const std::vector<std::string>& files, std::ostream& out)
{
    auto stores = open_stores(config);
    if (!stores) {
        return fail(stores.error());
    }
    // The records are kept whatever `warc` says, unless it is "off".
    ArticlePipeline pipeline(stores->archive, stores->ledger, stores->keeper());
    Importer importer(pipeline, out, config.max_bytes);
    for (const auto& file : files) {
        if (!importer.import_file(file)) {
            break;
        }
    }
    out.flush();
    importer.summary();
    return importer.exit_code();
}

} // namespace sillok::daemon
