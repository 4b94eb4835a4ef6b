#include "parsers/comments.hpp"

#include "parsers/calendar_time.hpp"
#include "parsers/text.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>

namespace sillok::parsers {

namespace {

using Json = nlohmann::json;

// The longest comment number accepted: 2022's are 18 digits, an unsigned 64-bit one 20.
constexpr std::size_t k_max_comment_no = 40;

std::unexpected<CommentError> failure(CommentErrorKind kind, std::string message)
{
    return std::unexpected(CommentError{kind, std::move(message)});
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$'
           || c == '.';
}

// `name(` ... `)` with an optional `;`: the text between the parentheses.
std::expected<std::string_view, CommentError> unwrap(std::string_view body)
{
    std::string_view text = trim(body);
    if (text.starts_with("\xEF\xBB\xBF")) {
        text = trim(text.substr(3));
    }
    if (text.ends_with(';')) {
        text = trim(text.substr(0, text.size() - 1));
    }
    std::size_t name = 0;
    while (name < text.size() && is_name_char(text[name])) {
        ++name;
    }
    if (name > 0 && text[0] >= '0' && text[0] <= '9') {
        return failure(CommentErrorKind::no_wrapper, "the callback name starts with a digit");
    }
    if (name == text.size() || text[name] != '(' || !text.ends_with(')') || text.size() < name + 2) {
        return failure(CommentErrorKind::no_wrapper,
                       "not a JSONP answer name(...): begins " + quoted_for_message(text.substr(0, 40)) + ", ends "
                           + quoted_for_message(text.substr(text.size() > 40 ? text.size() - 40 : 0)));
    }
    return text.substr(name + 1, text.size() - name - 2);
}

// The deepest nesting of arrays and objects, strings skipped; stops counting past limit.
int nesting_depth(std::string_view json, int limit)
{
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit) {
                return deepest;
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return deepest;
}

const Json* member(const Json& object, const char* key)
{
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string bad_type(std::string_view where, const Json& value)
{
    return std::string(where) + " is " + value.type_name() + ", not what the API serves";
}

// An integer field: absent or null is fallback; a fraction, a float or a number beyond
// 64 bits (nlohmann reads those as floats) is a wrong shape.
std::expected<std::int64_t, CommentError> integer(const Json& object, const char* key, std::string_view where,
                                                  std::int64_t fallback = 0)
{
    const Json* value = member(object, key);
    if (value == nullptr) {
        return fallback;
    }
    if (value->is_number_unsigned()) {
        const auto n = value->get<std::uint64_t>();
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return failure(CommentErrorKind::bad_shape, std::string(where) + "." + key + " is beyond 63 bits");
        }
        return static_cast<std::int64_t>(n);
    }
    if (value->is_number_integer()) {
        return value->get<std::int64_t>();
    }
    if (value->is_number_float()) {
        return failure(CommentErrorKind::bad_shape,
                       std::string(where) + "." + key + " is not an integer (or beyond 64 bits)");
    }
    return failure(CommentErrorKind::bad_shape, bad_type(std::string(where) + "." + key, *value));
}

std::expected<bool, CommentError> flag(const Json& object, const char* key, bool fallback)
{
    const Json* value = member(object, key);
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_boolean()) {
        return failure(CommentErrorKind::bad_shape, bad_type(std::string("comment.") + key, *value));
    }
    return value->get<bool>();
}

std::expected<std::string, CommentError> text_field(const Json& object, const char* key, std::string_view where)
{
    const Json* value = member(object, key);
    if (value == nullptr) {
        return std::string();
    }
    if (!value->is_string()) {
        return failure(CommentErrorKind::bad_shape, bad_type(std::string(where) + "." + key, *value));
    }
    return value->get<std::string>();
}

// A comment number as served: a string of ASCII digits taken as is, or a JSON integer's
// digits. Never a float: a number beyond 64 bits has lost its digits already.
std::expected<std::string, CommentError> comment_number(const Json& value, const char* key)
{
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        const bool digits = !text.empty() && text.size() <= k_max_comment_no
                            && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits) {
            return failure(CommentErrorKind::bad_shape,
                           std::string("comment.") + key + " is not a number: " + quoted_for_message(text, 60));
        }
        return text;
    }
    if (value.is_number_unsigned()) {
        return std::to_string(value.get<std::uint64_t>());
    }
    if (value.is_number_integer()) {
        return failure(CommentErrorKind::bad_shape, std::string("comment.") + key + " is negative");
    }
    if (value.is_number_float()) {
        return failure(CommentErrorKind::bad_shape,
                       std::string("comment.") + key + " is not an integer or is beyond 64 bits");
    }
    return failure(CommentErrorKind::bad_shape, bad_type(std::string("comment.") + key, value));
}

std::expected<CommentState, CommentError> state_of(const Json& item)
{
    bool deleted = false;
    bool blind = false;
    bool hidden = false;
    for (const char* key : {"deleted"}) {
        auto value = flag(item, key, false);
        if (!value) {
            return std::unexpected(value.error());
        }
        deleted = deleted || *value;
    }
    for (const char* key : {"blind", "blindReport", "userBlind"}) {
        auto value = flag(item, key, false);
        if (!value) {
            return std::unexpected(value.error());
        }
        blind = blind || *value;
    }
    for (const char* key : {"hiddenByCleanbot", "secret"}) {
        auto value = flag(item, key, false);
        if (!value) {
            return std::unexpected(value.error());
        }
        hidden = hidden || *value;
    }
    auto visible = flag(item, "visible", true);
    if (!visible) {
        return std::unexpected(visible.error());
    }
    if (deleted) {
        return CommentState::deleted;
    }
    if (blind) {
        return CommentState::blind;
    }
    if (hidden || !*visible) {
        return CommentState::hidden;
    }
    return CommentState::visible;
}

#define SILLOK_COMMENT_TRY(var, expr)                                                                                  \
    auto var##_result = (expr);                                                                                        \
    if (!var##_result) {                                                                                               \
        return std::unexpected(var##_result.error());                                                                  \
    }                                                                                                                  \
    auto var = std::move(*var##_result)

std::expected<std::string, CommentError> time_field(const Json& item, const char* key, bool required)
{
    SILLOK_COMMENT_TRY(text, text_field(item, key, "comment"));
    if (text.empty()) {
        if (required) {
            return failure(CommentErrorKind::bad_shape, std::string("comment.") + key + " is missing");
        }
        return std::string();
    }
    auto kst = comment_time_kst(text);
    if (!kst) {
        return failure(CommentErrorKind::bad_shape,
                       std::string("comment.") + key + " is not a time: " + quoted_for_message(text, 60));
    }
    return *kst;
}

std::expected<Comment, CommentError> read_comment(const Json& item)
{
    if (!item.is_object()) {
        return failure(CommentErrorKind::bad_shape, bad_type("a commentList item", item));
    }
    Comment comment;
    const Json* number = member(item, "commentNo");
    if (number == nullptr) {
        return failure(CommentErrorKind::bad_shape, "a comment has no commentNo");
    }
    SILLOK_COMMENT_TRY(comment_no, comment_number(*number, "commentNo"));
    comment.comment_no = std::move(comment_no);
    if (const Json* parent = member(item, "parentCommentNo")) {
        SILLOK_COMMENT_TRY(parent_no, comment_number(*parent, "parentCommentNo"));
        comment.parent_no = std::move(parent_no);
    } else {
        comment.parent_no = comment.comment_no;
    }
    SILLOK_COMMENT_TRY(level, integer(item, "replyLevel", "comment", 1));
    if (level < 0 || level > 100) {
        return failure(CommentErrorKind::bad_shape, "comment.replyLevel is out of range");
    }
    comment.reply_level = static_cast<int>(level);
    SILLOK_COMMENT_TRY(text, text_field(item, "contents", "comment"));
    comment.text = std::move(text);
    SILLOK_COMMENT_TRY(author, text_field(item, "userName", "comment"));
    comment.author = std::move(author);
    SILLOK_COMMENT_TRY(posted, time_field(item, "regTime", true));
    comment.posted_at = std::move(posted);
    SILLOK_COMMENT_TRY(modified, time_field(item, "modTime", false));
    comment.modified_at = std::move(modified);
    SILLOK_COMMENT_TRY(likes, integer(item, "sympathyCount", "comment"));
    SILLOK_COMMENT_TRY(dislikes, integer(item, "antipathyCount", "comment"));
    SILLOK_COMMENT_TRY(reply_count, integer(item, "replyCount", "comment"));
    SILLOK_COMMENT_TRY(reply_all, integer(item, "replyAllCount", "comment", reply_count));
    comment.likes = likes;
    comment.dislikes = dislikes;
    comment.replies = reply_all;
    SILLOK_COMMENT_TRY(state, state_of(item));
    comment.state = state;
    SILLOK_COMMENT_TRY(best, flag(item, "best", false));
    comment.best = best;
    if (const Json* id = member(item, "userIdNo"); id != nullptr && id->is_string()) {
        comment.user_id_no = id->get<std::string>();
    }
    if (const Json* image = member(item, "userProfileImage"); image != nullptr && image->is_string()) {
        comment.profile_image = image->get<std::string>();
    }
    return comment;
}

std::expected<CommentTotals, CommentError> read_totals(const Json& result)
{
    const Json* count = member(result, "count");
    if (count == nullptr || !count->is_object()) {
        return failure(CommentErrorKind::bad_shape, "result.count is missing or not an object");
    }
    CommentTotals totals;
    struct Field {
        const char* key;
        std::int64_t CommentTotals::*field;
    };
    for (const Field& f :
         {Field{"comment", &CommentTotals::comment}, Field{"reply", &CommentTotals::reply},
          Field{"exposeCount", &CommentTotals::expose}, Field{"delCommentByUser", &CommentTotals::deleted_by_user},
          Field{"delCommentByMon", &CommentTotals::deleted_by_monitor},
          Field{"blindCommentByUser", &CommentTotals::blind_comments},
          Field{"blindReplyByUser", &CommentTotals::blind_replies}, Field{"total", &CommentTotals::total}}) {
        SILLOK_COMMENT_TRY(value, integer(*count, f.key, "result.count"));
        if (value < 0) {
            return failure(CommentErrorKind::bad_shape, std::string("result.count.") + f.key + " is negative");
        }
        totals.*(f.field) = value;
    }
    return totals;
}

std::expected<std::optional<std::string>, CommentError> cursor(const Json& more, const char* key)
{
    const Json* value = member(more, key);
    if (value == nullptr) {
        return std::optional<std::string>();
    }
    if (!value->is_string()) {
        return failure(CommentErrorKind::bad_shape, bad_type(std::string("result.morePage.") + key, *value));
    }
    const auto& text = value->get_ref<const std::string&>();
    if (text.empty()) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(text);
}

std::expected<CommentPage, CommentError> read_result(const Json& result)
{
    CommentPage page;
    const Json* list = member(result, "commentList");
    if (list == nullptr || !list->is_array()) {
        return failure(CommentErrorKind::bad_shape, "result.commentList is missing or not an array");
    }
    page.comments.reserve(list->size());
    for (const Json& item : *list) {
        SILLOK_COMMENT_TRY(comment, read_comment(item));
        page.comments.push_back(std::move(comment));
    }
    SILLOK_COMMENT_TRY(totals, read_totals(result));
    page.totals = totals;
    if (const Json* more = member(result, "morePage")) {
        if (!more->is_object()) {
            return failure(CommentErrorKind::bad_shape, bad_type("result.morePage", *more));
        }
        SILLOK_COMMENT_TRY(next, cursor(*more, "next"));
        SILLOK_COMMENT_TRY(end, cursor(*more, "end"));
        page.next = std::move(next);
        page.end = std::move(end);
    }
    if (const Json* exposure = member(result, "exposureConfig")) {
        if (!exposure->is_object()) {
            return failure(CommentErrorKind::bad_shape, bad_type("result.exposureConfig", *exposure));
        }
        SILLOK_COMMENT_TRY(status, text_field(*exposure, "status", "result.exposureConfig"));
        if (!status.empty()) {
            page.exposure = std::move(status);
        }
    }
    SILLOK_COMMENT_TRY(sort, text_field(result, "sort", "result"));
    page.sort = std::move(sort);
    return page;
}

#undef SILLOK_COMMENT_TRY

} // namespace

std::string_view to_string(CommentState state)
{
    switch (state) {
    case CommentState::visible:
        return "visible";
    case CommentState::deleted:
        return "deleted";
    case CommentState::blind:
        return "blind";
    case CommentState::hidden:
        return "hidden";
    }
    return "visible";
}

std::optional<CommentState> comment_state_from(std::string_view text)
{
    for (auto state : {CommentState::visible, CommentState::deleted, CommentState::blind, CommentState::hidden}) {
        if (to_string(state) == text) {
            return state;
        }
    }
    return std::nullopt;
}

std::string_view to_string(CommentErrorKind kind)
{
    switch (kind) {
    case CommentErrorKind::no_wrapper:
        return "no_wrapper";
    case CommentErrorKind::not_json:
        return "not_json";
    case CommentErrorKind::too_deep:
        return "too_deep";
    case CommentErrorKind::refused:
        return "refused";
    case CommentErrorKind::no_result:
        return "no_result";
    case CommentErrorKind::bad_shape:
        return "bad_shape";
    }
    return "bad_shape";
}

std::optional<std::string> comment_time_kst(std::string_view text)
{
    // "YYYY-MM-DDTHH:MM:SS" then "+HHMM" or "+HH:MM".
    if (text.size() < 24 || text[10] != 'T') {
        return std::nullopt;
    }
    std::string wall(text.substr(0, 19));
    wall[10] = ' ';
    const auto local = parse_calendar_time(wall, TimeShape::seconds);
    std::string_view zone = text.substr(19);
    if (!local || (zone[0] != '+' && zone[0] != '-')) {
        return std::nullopt;
    }
    std::string digits;
    if (zone.size() == 5) {
        digits = std::string(zone.substr(1));
    } else if (zone.size() == 6 && zone[3] == ':') {
        digits = std::string(zone.substr(1, 2)) + std::string(zone.substr(4, 2));
    } else {
        return std::nullopt;
    }
    if (digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const int hours = (digits[0] - '0') * 10 + (digits[1] - '0');
    const int minutes = (digits[2] - '0') * 10 + (digits[3] - '0');
    if (hours > 14 || minutes > 59) {
        return std::nullopt;
    }
    const auto offset = std::chrono::minutes((hours * 60 + minutes) * (zone[0] == '-' ? -1 : 1));
    const auto kst = *local - offset + std::chrono::hours(9);
    const auto day = std::chrono::floor<std::chrono::days>(kst);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{kst - day};
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d+09:00", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return std::string(out);
}

std::expected<CommentPage, CommentError> parse_comment_page(std::string_view body)
{
    auto inner = unwrap(body);
    if (!inner) {
        return std::unexpected(inner.error());
    }
    if (nesting_depth(*inner, k_comment_json_depth) > k_comment_json_depth) {
        return failure(CommentErrorKind::too_deep,
                       "the answer nests deeper than " + std::to_string(k_comment_json_depth) + " levels");
    }
    const Json root = Json::parse(inner->begin(), inner->end(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
        return failure(CommentErrorKind::not_json, "the JSONP wrapper does not hold one JSON value");
    }
    if (!root.is_object()) {
        return failure(CommentErrorKind::bad_shape, bad_type("the answer", root));
    }
    const Json* success = member(root, "success");
    const Json* code = member(root, "code");
    const Json* message = member(root, "message");
    const std::string said = message != nullptr && message->is_string()
                                 ? " (" + quoted_for_message(message->get<std::string>(), 120) + ")"
                                 : std::string();
    if (success == nullptr || !success->is_boolean()) {
        return failure(CommentErrorKind::bad_shape, "the answer has no boolean success");
    }
    if (!success->get<bool>()) {
        const std::string code_text = code == nullptr ? std::string("none") : quoted_for_message(code->dump(), 40);
        return failure(CommentErrorKind::refused, "success is false, code " + code_text + said);
    }
    if (code == nullptr || !code->is_string() || code->get<std::string>() != "1000") {
        const std::string code_text = code == nullptr ? std::string("none") : quoted_for_message(code->dump(), 40);
        return failure(CommentErrorKind::refused, "code " + code_text + ", not \"1000\"" + said);
    }
    const Json* result = member(root, "result");
    if (result == nullptr) {
        return failure(CommentErrorKind::no_result, "success, but no result");
    }
    if (!result->is_object()) {
        return failure(CommentErrorKind::no_result, bad_type("result", *result));
    }
    return read_result(*result);
}

} // namespace sillok::parsers
