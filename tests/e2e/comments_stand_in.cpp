#include "tests/e2e/comments_stand_in.hpp"

#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace sillok::test {
namespace {

nlohmann::json unwrap(const std::string& jsonp)
{
    const auto open = jsonp.find('(');
    const auto close = jsonp.rfind(')');
    REQUIRE((open != std::string::npos && close != std::string::npos && close > open));
    return nlohmann::json::parse(jsonp.substr(open + 1, close - open - 1));
}

std::string saved(const std::string& name) { return read_file(fixtures_dir() / "naver" / "comments" / name); }

// "YYYY-MM-DDTHH:MM:SS" minus `minutes`, as Naver writes KST: "...+0900".
std::string minutes_before(const std::string& wall, std::size_t minutes)
{
    std::tm tm{};
    REQUIRE(std::sscanf(wall.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec)
            == 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::time_t t = timegm(&tm) - static_cast<std::time_t>(minutes) * 60;
    std::tm out{};
    gmtime_r(&t, &out);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+0900", &out);
    return text;
}

std::string cursor_of(std::size_t index) { return "c" + std::to_string(index); }

} // namespace

std::string saved_comment_number(std::size_t i) { return std::to_string(750015397515755651ULL - 1000ULL * i); }

std::vector<nlohmann::json> saved_comment_items(std::size_t n, const std::string& newest)
{
    std::vector<nlohmann::json> real;
    for (const char* name :
         {"214_0001179316.p1.size10.jsonp", "015_0002303155.p1.size100.jsonp", "001_0009205077.p1.size10.jsonp"}) {
        const auto answer = unwrap(saved(name));
        for (const auto& item : answer["result"]["commentList"]) {
            real.push_back(item);
        }
    }
    REQUIRE(real.size() == 14);
    std::vector<nlohmann::json> items;
    for (std::size_t i = 0; i < n; ++i) {
        auto item = real[i % real.size()];
        item["commentNo"] = saved_comment_number(i);
        item["parentCommentNo"] = saved_comment_number(i);
        item["regTime"] = minutes_before(newest, i);
        item["modTime"] = minutes_before(newest, i);
        items.push_back(std::move(item));
    }
    return items;
}

CommentsStandIn::CommentsStandIn(NaverStandIn& server) : m_server(server)
{
    m_frame = unwrap(saved("214_0001179316.p1.size10.jsonp"));
    m_server.on("apis.naver.com", "/commentBox/cbox/web_naver_list_jsonp.json",
                [this](const httplib::Request& request, httplib::Response& response) { answer(request, response); });
}

void CommentsStandIn::set(const std::string& oid, const std::string& aid, CommentBoard board)
{
    std::lock_guard lock(m_mutex);
    m_boards["news" + oid + "," + aid] = std::move(board);
}

void CommentsStandIn::answer(const httplib::Request& request, httplib::Response& response)
{
    std::unique_lock lock(m_mutex);
    const auto found = m_boards.find(request.get_param_value("objectId"));
    if (found == m_boards.end()) {
        response.status = 404;
        return;
    }
    const CommentBoard& board = found->second;
    nlohmann::json answer = m_frame;
    if (board.refuse) {
        answer["success"] = false;
        answer["code"] = "3999";
        answer["message"] = "잘못된 요청입니다.";
        answer.erase("result");
    } else {
        const auto size = static_cast<std::size_t>(std::stoul(request.get_param_value("pageSize")));
        std::size_t first = 0;
        if (request.has_param("moreParam.next")) {
            first = std::stoul(request.get_param_value("moreParam.next").substr(1)) + 1;
        }
        static const std::vector<nlohmann::json> k_none;
        const std::vector<nlohmann::json>* listed = &board.items;
        if (request.has_param("parentCommentNo")) {
            const auto replies = board.replies.find(request.get_param_value("parentCommentNo"));
            listed = replies == board.replies.end() ? &k_none : &replies->second;
        }
        const auto& items = *listed;
        const std::size_t available = std::min(items.size(), board.served_limit);
        const std::size_t last = std::min(available, first + size); // one past
        auto& result = answer["result"];
        result["commentList"] = nlohmann::json::array();
        for (std::size_t i = first; i < last; ++i) {
            result["commentList"].push_back(items[i]);
        }
        std::int64_t top = 0;
        for (const auto& item : board.items) {
            top += item["commentNo"] == item["parentCommentNo"] ? 1 : 0;
        }
        const std::int64_t claimed = board.claimed.value_or(top);
        const auto replies = static_cast<std::int64_t>(board.items.size()) - top;
        result["count"] = {{"comment", claimed},    {"reply", replies},          {"exposeCount", claimed},
                           {"delCommentByUser", 0}, {"delCommentByMon", 0},      {"blindCommentByUser", 0},
                           {"blindReplyByUser", 0}, {"total", claimed + replies}};
        const std::string prev = cursor_of(first);
        const std::string next = cursor_of(last == 0 ? 0 : last - 1);
        result["morePage"] = {
            {"prev", prev}, {"next", next}, {"start", prev}, {"end", cursor_of(available == 0 ? 0 : available - 1)}};
        result["exposureConfig"] = {{"reason", nullptr}, {"status", board.status}};
        if (first > 0 && board.later_pages_delay.count() > 0) {
            const auto delay = board.later_pages_delay;
            lock.unlock();
            m_server.sleep_unless_stopped(delay);
        }
    }
    response.status = 200;
    response.set_content("_callback(" + answer.dump() + ");", "application/javascript;charset=UTF-8");
}

} // namespace sillok::test
