#pragma once
// Running the real `sillok run` in the background against a NaverStandIn: the saved section
// page and articles it serves, the service process (spawned, signalled, awaited with a
// deadline, its log in a file) and a reader for the ledger it writes while it runs.
#include "parsers/article_ref.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/https_server.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::test {

// Section 100 (정치) as the service polls it, and where its list continues: the template its
// wrapper names (data-template="SECTION_ARTICLE_LIST" on the saved page).
inline constexpr std::string_view k_section_host = "news.naver.com";
inline constexpr std::string_view k_section_path = "/section/100";
inline constexpr std::string_view k_section_url = "https://news.naver.com/section/100";
inline constexpr std::string_view k_next_page_path = "/section/template/SECTION_ARTICLE_LIST";
inline constexpr std::string_view k_article_host = "n.news.naver.com";
// The stand-in's HTTP library compresses text/* answers with brotli at its slowest setting,
// about half a second of CPU per saved page, and the service polls and fetches dozens of them.
// It matches "text/" case-sensitively while MIME types are case-insensitive, so pages served
// as this type go uncompressed (the crawl tests cover compressed answers).
inline constexpr std::string_view k_html_uncompressed = "Text/HTML;charset=UTF-8";

// The saved list page of section 100 (2026-05-30) and the articles of its own list, as the
// listing parser reads them.
std::string section_page();
std::vector<parsers::ArticleRef> listed_refs(const std::string& page);
// The page with every link to each of `from` pointing at the same-numbered ref of `to`
// instead: the list as it looks after new articles pushed others out.
std::string with_refs_replaced(std::string page, const std::vector<parsers::ArticleRef>& from,
                               const std::vector<parsers::ArticleRef>& to);

// The paging endpoint's answer: a fragment listing `refs`, with nothing behind it.
std::string next_page_json(const std::vector<parsers::ArticleRef>& refs);
std::vector<parsers::ArticleRef> next_page_refs(const std::string& json);

// Serves `page` as section 100, `next_page` (a next_page_json) behind any cursor, and a
// per-date list of the articles of the page's own list.
void serve_section(NaverStandIn& server, std::string page, std::string next_page = next_page_json({}));
// Serves `page` at the canonical path of every ref, each answer taking `delay` (or as long as
// `delay_of` says for the n-th answer, counting from 0).
void serve_articles(NaverStandIn& server, const std::vector<parsers::ArticleRef>& refs, const std::string& page,
                    std::chrono::milliseconds delay = std::chrono::milliseconds(0));
void serve_articles(NaverStandIn& server, const std::vector<parsers::ArticleRef>& refs, const std::string& page,
                    std::function<std::chrono::milliseconds(int)> delay_of);
// Refs numbered 003_0990000000 + first ... that no saved page lists.
std::vector<parsers::ArticleRef> made_up_refs(int count, int first = 0);

// When each request to `host` arrived, in order; `path_prefix` narrows them.
std::vector<std::chrono::steady_clock::time_point> arrivals(const NaverStandIn& server, std::string_view host,
                                                            std::string_view path_prefix = {});
// The gaps between consecutive arrivals.
std::vector<std::chrono::milliseconds> gaps(const std::vector<std::chrono::steady_clock::time_point>& times);

// `run --archive ARCHIVE`, the stand-in's --connect-to and --cacert, --timeout 20, then args.
std::vector<std::string> run_args(const NaverStandIn& server, const std::filesystem::path& archive,
                                  const std::vector<std::string>& args);
// The same connection settings as TOML lines, for a config file.
std::string connection_toml(const NaverStandIn& server);

// One `sillok` process in the background. Its stdout and stderr go to one file in log_dir,
// sillok.N.log, N counting the processes started there.
class ServiceProcess {
public:
    // Runs SILLOK_BINARY with args. env adds variables to the test's environment, from which
    // the systemd ones (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*, JOURNAL_STREAM) are removed.
    ServiceProcess(const std::vector<std::string>& args, const std::filesystem::path& log_dir,
                   const std::map<std::string, std::string>& env = {});
    // Kills (SIGKILL) and reaps a process still running.
    ~ServiceProcess();
    ServiceProcess(const ServiceProcess&) = delete;
    ServiceProcess& operator=(const ServiceProcess&) = delete;

    [[nodiscard]] pid_t pid() const { return m_pid; }
    void signal(int number) const;
    // Reaps the process: its exit code (128 + signal number when a signal ended it), or
    // nullopt when it still runs after `timeout`.
    std::optional<int> wait(std::chrono::steady_clock::duration timeout);
    // SIGKILL, then reap.
    int kill();
    [[nodiscard]] bool exited() const { return m_exit_code.has_value(); }
    [[nodiscard]] std::string log() const;

private:
    pid_t m_pid = -1;
    std::optional<int> m_exit_code;
    std::filesystem::path m_log;
};

// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& condition, std::chrono::steady_clock::duration timeout);

// Reads a ledger that a running process writes: each call opens it read-only, waiting out
// locks. nullopt while the ledger or the table does not exist yet.
std::optional<std::int64_t> ledger_number(const std::filesystem::path& ledger, const std::string& sql,
                                          const std::vector<std::string>& text = {});
std::string ledger_text(const std::filesystem::path& ledger, const std::string& sql);

struct FrontierCounts {
    std::int64_t pending = 0;
    std::int64_t in_flight = 0;
    std::int64_t done = 0;
    std::int64_t failed = 0;
    std::int64_t gone = 0;
};
FrontierCounts frontier_counts(const std::filesystem::path& ledger);
// Articles in state archived (0 before the ledger exists).
std::int64_t archived_count(const std::filesystem::path& ledger);

// The article files (*.md) of an archive, relative to it, outside .tmp; sorted.
std::vector<std::string> article_files(const std::filesystem::path& archive);

} // namespace sillok::test
