#include "daemon/history/text_diff.hpp"

#include <doctest/doctest.h>

using sillok::daemon::diff_inline;
using sillok::daemon::diff_paragraphs;
using sillok::daemon::DiffOp;
using sillok::daemon::DiffPart;

namespace {

// "[-removed-]{+added+}" marks around the runs, the rest as it is.
std::string marked(const std::vector<DiffPart>& parts)
{
    std::string out;
    for (const auto& part : parts) {
        out += part.op == DiffOp::removed ? "[-" + part.text + "-]"
               : part.op == DiffOp::added ? "{+" + part.text + "+}"
                                          : part.text;
    }
    return out;
}

} // namespace

TEST_CASE("daemon::diff_inline")
{
    SUBCASE("a replaced word")
    {
        CHECK(marked(diff_inline("the old house", "the new house")) == "the [-old-]{+new+} house");
    }
    SUBCASE("a Korean particle is a character, not the whole word")
    {
        CHECK(marked(diff_inline("정부는 발표했다", "정부가 발표했다")) == "정부[-는-]{+가+} 발표했다");
        CHECK(marked(diff_inline("삼성전자는 신제품 노트북인 '갤럭시'", "삼성전자는 새 노트북 '갤럭시'"))
              == "삼성전자는 [-신제품-]{+새+} 노트북[-인-] '갤럭시'");
    }
    SUBCASE("words added and removed") { CHECK(marked(diff_inline("가 나 다", "가 다 라")) == "가 [-나 -]다{+ 라+}"); }
    SUBCASE("identical")
    {
        auto parts = diff_inline("같은 문장", "같은 문장");
        REQUIRE(parts.size() == 1);
        CHECK(parts[0].op == DiffOp::same);
    }
}

TEST_CASE("daemon::diff_paragraphs")
{
    auto diff = diff_paragraphs("첫 문단\n\n둘째 문단은 길다\n\n셋째 문단\n\n넷째",
                                "첫 문단\n\n둘째 문단이 길다\n\n완전히 다른 글\n\n넷째\n\n다섯째");
    REQUIRE(diff.size() == 6);
    CHECK(diff[0].op == DiffOp::same);
    CHECK(diff[0].text == "첫 문단");
    CHECK(diff[1].op == DiffOp::changed);
    CHECK(marked(diff[1].parts) == "둘째 문단[-은-]{+이+} 길다");
    CHECK(diff[2].op == DiffOp::removed);
    CHECK(diff[2].text == "셋째 문단");
    CHECK(diff[3].op == DiffOp::added);
    CHECK(diff[3].text == "완전히 다른 글");
    CHECK(diff[4].op == DiffOp::same);
    CHECK(diff[5].op == DiffOp::added);
    CHECK(diff[5].text == "다섯째");
}
