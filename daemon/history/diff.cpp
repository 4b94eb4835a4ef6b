#include "daemon/history/diff.hpp"

#include "daemon/archive/archive_format.hpp"
#include "daemon/archive/front_matter.hpp"
#include "daemon/history/history.hpp"
#include "daemon/history/log.hpp"
#include "daemon/history/text_diff.hpp"
#include "daemon/util/exit_codes.hpp"
#include "parsers/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <ostream>

namespace sillok::daemon {
namespace {

// One version as its file holds it.
struct VersionFile {
    HistoryVersion version;
    Record record;
    std::string content; // plain: the text content_hash is the hash of
};

std::expected<VersionFile, std::string> read_version(const std::filesystem::path& archive,
                                                     const HistoryVersion& version)
{
    auto text = read_file_bytes(archive / version.path);
    if (!text) {
        return std::unexpected("cannot read " + parsers::quoted_for_message((archive / version.path).string(), SIZE_MAX)
                               + ", the file of version " + std::to_string(version.version));
    }
    auto parsed = read_archive_file(*text);
    auto record = parsed ? record_of(parsed->front_matter) : std::nullopt;
    if (!parsed || !record || !parsed->content) {
        return std::unexpected(parsers::quoted_for_message((archive / version.path).string(), SIZE_MAX)
                               + " is not an archive file sillok can read"
                               + (parsed ? std::string{} : ": " + parsers::quoted_for_message(parsed.error().message)));
    }
    return VersionFile{version, std::move(*record), unescape_body(*parsed->content)};
}

struct FieldChange {
    std::string_view name;
    std::optional<std::string> before, after;
};

std::vector<FieldChange> changed_field_values(const Record& before, const Record& after)
{
    auto a = record_fields(before);
    auto b = record_fields(after);
    std::vector<FieldChange> out;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].second != b[i].second) {
            out.push_back({a[i].first, a[i].second, b[i].second});
        }
    }
    return out;
}

nlohmann::ordered_json version_json(const VersionFile& file)
{
    return {{"version", file.version.version},
            {"first_seen", file.version.first_seen},
            {"content_hash", file.record.content_hash},
            {"rules_version", file.version.rules_version},
            {"change", describe_change(file.version.change)},
            {"path", file.version.path}};
}

void print_json(const std::string& id, const VersionFile& a, const VersionFile& b,
                const std::vector<FieldChange>& fields, const std::vector<ParagraphDiff>& paragraphs, std::ostream& out)
{
    auto optional = [](const std::optional<std::string>& v) {
        return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
    };
    nlohmann::ordered_json json{{"id", id}, {"from", version_json(a)}, {"to", version_json(b)}};
    json["fields"] = nlohmann::ordered_json::array();
    for (const auto& field : fields) {
        json["fields"].push_back(
            {{"field", field.name}, {"from", optional(field.before)}, {"to", optional(field.after)}});
    }
    json["content"] = nlohmann::ordered_json::array();
    for (const auto& paragraph : paragraphs) {
        nlohmann::ordered_json entry{{"op", to_string(paragraph.op)}};
        if (paragraph.op == DiffOp::changed) {
            entry["parts"] = nlohmann::ordered_json::array();
            for (const auto& part : paragraph.parts) {
                entry["parts"].push_back({{"op", to_string(part.op)}, {"text", part.text}});
            }
        } else {
            entry["text"] = paragraph.text;
        }
        json["content"].push_back(std::move(entry));
    }
    out << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// Text from the archive as a terminal may show it: each line escaped as every message that
// quotes outside text is (control characters, C1 and bad bytes as \xNN, a backslash as \\),
// never cut; the line breaks stay for print_lines. The ledger's paths and times too.
std::string shown(std::string_view text)
{
    std::string out;
    for (size_t start = 0;;) {
        auto end = text.find('\n', start);
        out += parsers::quoted_for_message(text.substr(start, end == std::string_view::npos ? end : end - start),
                                           SIZE_MAX);
        if (end == std::string_view::npos) {
            return out;
        }
        out += '\n';
        start = end + 1;
    }
}

// Plain text marks removed and added runs as [-...-] and {+...+}; on a terminal, colours do.
class TextStyle {
public:
    explicit TextStyle(bool colour) : m_colour(colour) {}
    [[nodiscard]] std::string removed(std::string_view text, bool inline_run) const
    {
        return m_colour ? "\033[31m" + std::string(text) + "\033[m"
                        : (inline_run ? "[-" + std::string(text) + "-]" : std::string(text));
    }
    [[nodiscard]] std::string added(std::string_view text, bool inline_run) const
    {
        return m_colour ? "\033[32m" + std::string(text) + "\033[m"
                        : (inline_run ? "{+" + std::string(text) + "+}" : std::string(text));
    }
    [[nodiscard]] std::string heading(std::string_view text) const
    {
        return m_colour ? "\033[1m" + std::string(text) + "\033[m" : std::string(text);
    }

private:
    bool m_colour;
};

// Every line of a paragraph behind the same marker.
void print_lines(std::ostream& out, std::string_view marker, std::string_view text)
{
    size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        out << marker << text.substr(start, end == std::string_view::npos ? end : end - start) << '\n';
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
}

void print_text(const std::string& id, const VersionFile& a, const VersionFile& b,
                const std::vector<FieldChange>& fields, const std::vector<ParagraphDiff>& paragraphs,
                const TextStyle& style, std::ostream& out)
{
    out << style.heading("diff " + id + " v" + std::to_string(a.version.version) + " v"
                         + std::to_string(b.version.version))
        << '\n';
    for (const auto* file : {&a, &b}) {
        out << "v" << file->version.version << '\t' << shown(file->version.first_seen) << '\t'
            << shown(file->version.path) << '\n';
    }
    for (const auto& field : fields) {
        if (field.name == "content") {
            continue;
        }
        out << style.heading(std::string(field.name) + ":") << '\n';
        print_lines(out, "- ", style.removed(field.before ? shown(*field.before) : "(none)", false));
        print_lines(out, "+ ", style.added(field.after ? shown(*field.after) : "(none)", false));
    }
    if (a.record.content_hash == b.record.content_hash) {
        out << "content: unchanged\n";
        return;
    }
    out << style.heading("content:") << '\n';
    size_t kept = 0;
    auto flush_kept = [&] {
        if (kept > 0) {
            out << "  (" << kept << (kept == 1 ? " paragraph" : " paragraphs") << " unchanged)\n";
            kept = 0;
        }
    };
    for (const auto& paragraph : paragraphs) {
        if (paragraph.op == DiffOp::same) {
            ++kept;
            continue;
        }
        flush_kept();
        if (paragraph.op == DiffOp::changed) {
            std::string text;
            for (const auto& part : paragraph.parts) {
                auto part_text = shown(part.text);
                text += part.op == DiffOp::removed ? style.removed(part_text, true)
                        : part.op == DiffOp::added ? style.added(part_text, true)
                                                   : part_text;
            }
            print_lines(out, "~ ", text);
        } else if (paragraph.op == DiffOp::removed) {
            print_lines(out, "- ", style.removed(shown(paragraph.text), false));
        } else {
            print_lines(out, "+ ", style.added(shown(paragraph.text), false));
        }
    }
    flush_kept();
}

const HistoryVersion* find_version(const ArticleHistory& history, int number)
{
    auto it = std::ranges::find(history.versions, number, &HistoryVersion::version);
    return it == history.versions.end() ? nullptr : &*it;
}

} // namespace

int run_diff(const DiffRequest& request, std::ostream& out)
{
    auto ref = parse_article_id(request.article);
    if (!ref) {
        return fail(k_exit_usage, ref.error());
    }
    auto history = History::open(request.ledger);
    if (!history) {
        return fail(k_exit_io, history.error());
    }
    auto found = history->article(*ref);
    if (!found) {
        return fail(k_exit_io, found.error());
    }
    if (!*found || (*found)->versions.empty()) {
        return fail(k_exit_some_failed, "no archived version of " + ref->id() + " in " + request.ledger.string());
    }
    // By default the last two versions in time (an older capture imported later has a higher
    // number but comes first).
    const auto versions = in_time_order(**found);
    int to = request.to.value_or(versions.back().version);
    int from = request.from.value_or(versions.size() > 1 ? versions[versions.size() - 2].version : to);
    if (!request.from && versions.size() < 2) {
        return fail(k_exit_some_failed, ref->id() + " has one version only (sillok log " + ref->id() + ")");
    }
    const auto* a = find_version(**found, from);
    const auto* b = find_version(**found, to);
    if (a == nullptr || b == nullptr) {
        return fail(k_exit_some_failed, ref->id() + " has no version " + std::to_string(a == nullptr ? from : to)
                                            + " (versions 1 to " + std::to_string(versions.size()) + ")");
    }
    auto before = read_version(request.archive, *a);
    auto after = before ? read_version(request.archive, *b) : std::unexpected(before.error());
    if (!after) {
        return fail(k_exit_io, after.error());
    }
    auto fields = changed_field_values(before->record, after->record);
    auto paragraphs = diff_paragraphs(before->content, after->content);
    if (request.json) {
        print_json(ref->id(), *before, *after, fields, paragraphs, out);
    } else {
        print_text(ref->id(), *before, *after, fields, paragraphs, TextStyle(request.colour), out);
    }
    return k_exit_ok;
}

} // namespace sillok::daemon
