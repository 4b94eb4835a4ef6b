#include "tests/e2e/service_process.hpp"

#include "daemon/util/c_handles.hpp"
#include "parsers/listing.hpp"
#include "tests/e2e/crawl_session.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

extern char** environ;

namespace sillok::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view k_fragment_name = "SECTION_ARTICLE_LIST_FOR_LATEST";
constexpr int k_busy_timeout_ms = 10000;

std::string next_page_url()
{
    return "https://news.naver.com" + std::string(k_next_page_path)
           + "?sid=100&sid2=&cluid=&pageNo=2&date=&next=20260530010909";
}

// Variables the service reads from systemd; a test passes them explicitly or not at all.
bool is_systemd_variable(std::string_view entry)
{
    for (std::string_view name : {"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=", "LISTEN_FDS=", "LISTEN_PID=",
                                  "LISTEN_FDNAMES=", "JOURNAL_STREAM="}) {
        if (entry.starts_with(name)) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& env)
{
    std::vector<std::string> entries;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto name = std::string(text.substr(0, text.find('=')));
        if (!is_systemd_variable(text) && !env.contains(name)) {
            entries.emplace_back(text);
        }
    }
    for (const auto& [name, value] : env) {
        entries.push_back(name + "=" + value);
    }
    return entries;
}

std::vector<char*> pointers(std::vector<std::string>& strings)
{
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

struct ReadOnlyLedger {
    daemon::SqliteDb db;
    daemon::SqliteStmt statement;
};

// nullopt when the ledger does not exist yet or the statement does not prepare (no table yet).
std::optional<ReadOnlyLedger> prepare(const fs::path& ledger, const std::string& sql)
{
    if (!fs::exists(ledger)) {
        return std::nullopt;
    }
    sqlite3* raw = nullptr;
    int opened = sqlite3_open_v2(ledger.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    daemon::SqliteDb db(raw);
    if (opened != SQLITE_OK) {
        return std::nullopt;
    }
    sqlite3_busy_timeout(db.get(), k_busy_timeout_ms);
    sqlite3_stmt* raw_statement = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_statement, nullptr) != SQLITE_OK) {
        return std::nullopt;
    }
    daemon::SqliteStmt statement(raw_statement);
    return ReadOnlyLedger{std::move(db), std::move(statement)};
}

} // namespace

std::string section_page() { return read_file(fixtures_dir() / "naver" / "list" / "section_100_20260530.html"); }

std::vector<parsers::ArticleRef> listed_refs(const std::string& page)
{
    auto listing = parsers::parse_listing(page, k_section_url);
    REQUIRE_MESSAGE(listing.has_value(), "the section page does not parse: " << listing.error().message);
    return listing->listed;
}

std::string with_refs_replaced(std::string page, const std::vector<parsers::ArticleRef>& from,
                               const std::vector<parsers::ArticleRef>& to)
{
    REQUIRE(from.size() == to.size());
    for (size_t i = 0; i < from.size(); ++i) {
        const auto old_text = "/" + from[i].oid + "/" + from[i].aid;
        const auto new_text = "/" + to[i].oid + "/" + to[i].aid;
        size_t replaced = 0;
        for (auto at = page.find(old_text); at != std::string::npos; at = page.find(old_text, at + new_text.size())) {
            page.replace(at, old_text.size(), new_text);
            ++replaced;
        }
        REQUIRE_MESSAGE(replaced > 0, "the page does not link " << from[i].id());
    }
    return page;
}

std::string next_page_json(const std::vector<parsers::ArticleRef>& refs)
{
    std::string html = "<div class=\"section_latest_article _CONTENT_LIST _PERSIST_META\" data-has-next=\"false\""
                       " data-cursor=\"\"><ul class=\"sa_list\">";
    for (const auto& ref : refs) {
        html += "<li class=\"sa_item\"><a href=\"" + ref.canonical_url() + "\" class=\"sa_text_title\">"
                + "<strong class=\"sa_text_strong\">기사 " + ref.aid + "</strong></a></li>";
    }
    html += "</ul></div>";
    nlohmann::json json;
    json["renderedComponent"][std::string(k_fragment_name)] = html;
    return json.dump();
}

std::vector<parsers::ArticleRef> next_page_refs(const std::string& json)
{
    auto listing = parsers::parse_listing(json, next_page_url());
    REQUIRE_MESSAGE(listing.has_value(), "the next page does not parse: " << listing.error().message);
    CHECK_FALSE(listing->has_next);
    return listing->listed.empty() ? listing->refs : listing->listed;
}

void serve_section(NaverStandIn& server, std::string page, std::string next_page)
{
    // The per-date list of the day, as the complete source: the same articles as the page's
    // own list, on one page.
    std::string per_date = "<html><body><ul class=\"type06_headline\">";
    for (const auto& ref : listed_refs(page)) {
        per_date += "<li><a href=\"https://n.news.naver.com/mnews/article/" + ref.oid + "/" + ref.aid + "\">x</a></li>";
    }
    per_date += "</ul><div class=\"paging\"><strong>1</strong></div></body></html>";
    server.on(std::string(k_section_host), "/main/list.naver",
              [html = std::move(per_date)](const httplib::Request&, httplib::Response& response) {
                  response.set_content(html, std::string(k_html_uncompressed));
              });
    server.on(std::string(k_section_host), std::string(k_section_path),
              [html = std::move(page)](const httplib::Request&, httplib::Response& response) {
                  response.set_content(html, std::string(k_html_uncompressed));
              });
    server.on(std::string(k_section_host), std::string(k_next_page_path),
              [json = std::move(next_page)](const httplib::Request&, httplib::Response& response) {
                  response.set_content(json, "application/json;charset=UTF-8");
              });
}

void serve_articles(NaverStandIn& server, const std::vector<parsers::ArticleRef>& refs, const std::string& page,
                    std::chrono::milliseconds delay)
{
    serve_articles(server, refs, page, [delay](int) { return delay; });
}

void serve_articles(NaverStandIn& server, const std::vector<parsers::ArticleRef>& refs, const std::string& page,
                    std::function<std::chrono::milliseconds(int)> delay_of)
{
    auto shared = std::make_shared<const std::string>(page);
    auto answered = std::make_shared<std::atomic<int>>(0);
    for (const auto& ref : refs) {
        server.on(std::string(k_article_host), canonical_path(ref.oid, ref.aid),
                  [&server, shared, answered, delay_of](const httplib::Request&, httplib::Response& response) {
                      auto delay = delay_of((*answered)++);
                      if (delay.count() > 0 && !server.sleep_unless_stopped(delay)) {
                          response.status = 503;
                          return;
                      }
                      response.set_content(*shared, std::string(k_html_uncompressed));
                  });
    }
}

std::vector<parsers::ArticleRef> made_up_refs(int count, int first)
{
    std::vector<parsers::ArticleRef> refs;
    for (int i = first; i < first + count; ++i) {
        std::array<char, 16> aid{};
        std::snprintf(aid.data(), aid.size(), "099%07d", i);
        refs.push_back({"003", aid.data()});
    }
    return refs;
}

std::vector<std::chrono::steady_clock::time_point> arrivals(const NaverStandIn& server, std::string_view host,
                                                            std::string_view path_prefix)
{
    std::vector<std::chrono::steady_clock::time_point> times;
    for (const auto& request : server.requests()) {
        if (request.host == host && request.path.starts_with(path_prefix)) {
            times.push_back(request.at);
        }
    }
    std::ranges::sort(times);
    return times;
}

std::vector<std::chrono::milliseconds> gaps(const std::vector<std::chrono::steady_clock::time_point>& times)
{
    std::vector<std::chrono::milliseconds> out;
    for (size_t i = 1; i < times.size(); ++i) {
        out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(times[i] - times[i - 1]));
    }
    return out;
}

std::vector<std::string> run_args(const NaverStandIn& server, const fs::path& archive,
                                  const std::vector<std::string>& args)
{
    std::vector<std::string> argv{"run", "--archive", archive.string(), "--timeout", "20"};
    auto server_args = server.curl_args();
    argv.insert(argv.end(), server_args.begin(), server_args.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::string connection_toml(const NaverStandIn& server)
{
    std::string connect_to;
    std::string cacert;
    auto args = server.curl_args();
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
        if (args[i] == "--connect-to") {
            connect_to += (connect_to.empty() ? "\"" : ", \"") + args[i + 1] + "\"";
        } else if (args[i] == "--cacert") {
            cacert = args[i + 1];
        }
    }
    return "connect_to = [" + connect_to + "]\ncacert = \"" + cacert + "\"\n";
}

ServiceProcess::ServiceProcess(const std::vector<std::string>& args, const fs::path& log_dir,
                               const std::map<std::string, std::string>& env)
{
    REQUIRE_MESSAGE(fs::exists(SILLOK_BINARY), "sillok binary not built at " << SILLOK_BINARY);
    fs::create_directories(log_dir);
    for (int n = 0;; ++n) {
        m_log = log_dir / ("sillok." + std::to_string(n) + ".log");
        if (!fs::exists(m_log)) {
            break;
        }
    }
    std::vector<std::string> argv{SILLOK_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    auto envp_strings = child_environment(env);
    auto argv_pointers = pointers(argv);
    auto envp_pointers = pointers(envp_strings);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, m_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // The child starts with no signal blocked and the signals the tests send at their defaults,
    // whatever the test runner's threads have set.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int number : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) {
        sigaddset(&defaults, number);
    }
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int spawned =
        posix_spawn(&m_pid, argv[0].c_str(), &actions, &attributes, argv_pointers.data(), envp_pointers.data());
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(spawned == 0, "cannot start " << argv[0] << ": " << std::strerror(spawned));
}

ServiceProcess::~ServiceProcess()
{
    if (!m_exit_code) {
        kill();
    }
}

void ServiceProcess::signal(int number) const
{
    REQUIRE_MESSAGE(!m_exit_code, "the process has exited; no signal sent");
    ::kill(m_pid, number);
}

std::optional<int> ServiceProcess::wait(std::chrono::steady_clock::duration timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_exit_code) {
        int status = 0;
        pid_t reaped = ::waitpid(m_pid, &status, WNOHANG);
        if (reaped == m_pid) {
            m_exit_code = exit_code_of(status);
            break;
        }
        if (reaped < 0 && errno != EINTR) {
            m_exit_code = -1;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    return m_exit_code;
}

int ServiceProcess::kill()
{
    if (!m_exit_code) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_exit_code = exit_code_of(status);
    }
    return *m_exit_code;
}

std::string ServiceProcess::log() const
{
    try {
        return read_file(m_log);
    } catch (const std::exception& e) {
        return e.what();
    }
}

bool wait_until(const std::function<bool()>& condition, std::chrono::steady_clock::duration timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(50ms);
    }
}

std::optional<std::int64_t> ledger_number(const fs::path& ledger, const std::string& sql,
                                          const std::vector<std::string>& text)
{
    auto prepared = prepare(ledger, sql);
    if (!prepared) {
        return std::nullopt;
    }
    auto* statement = prepared->statement.get();
    for (size_t i = 0; i < text.size(); ++i) {
        sqlite3_bind_text(statement, static_cast<int>(i + 1), text[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    int stepped = sqlite3_step(statement);
    REQUIRE_MESSAGE((stepped == SQLITE_ROW || stepped == SQLITE_DONE),
                    sql << ": " << sqlite3_errmsg(prepared->db.get()));
    return stepped == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
}

std::string ledger_text(const fs::path& ledger, const std::string& sql)
{
    auto prepared = prepare(ledger, sql);
    REQUIRE_MESSAGE(prepared.has_value(), "cannot query " << ledger << ": " << sql);
    auto* statement = prepared->statement.get();
    REQUIRE_MESSAGE(sqlite3_step(statement) == SQLITE_ROW, sql << ": " << sqlite3_errmsg(prepared->db.get()));
    const auto* text = sqlite3_column_text(statement, 0);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

FrontierCounts frontier_counts(const fs::path& ledger)
{
    FrontierCounts counts;
    auto prepared = prepare(ledger, "SELECT state, count(*) FROM frontier GROUP BY state");
    if (!prepared) {
        return counts;
    }
    auto* statement = prepared->statement.get();
    int stepped = 0;
    while ((stepped = sqlite3_step(statement)) == SQLITE_ROW) {
        std::string state = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        auto n = sqlite3_column_int64(statement, 1);
        if (state == "pending") {
            counts.pending = n;
        } else if (state == "in_flight") {
            counts.in_flight = n;
        } else if (state == "done") {
            counts.done = n;
        } else if (state == "failed") {
            counts.failed = n;
        } else if (state == "gone") {
            counts.gone = n;
        } else {
            FAIL("unknown frontier state " << state);
        }
    }
    REQUIRE_MESSAGE(stepped == SQLITE_DONE, "cannot read the frontier: " << sqlite3_errmsg(prepared->db.get()));
    return counts;
}

std::int64_t archived_count(const fs::path& ledger)
{
    return ledger_number(ledger, "SELECT count(*) FROM articles WHERE state = 'archived'").value_or(0);
}

std::vector<std::string> article_files(const fs::path& archive)
{
    std::vector<std::string> files;
    for (auto& file : files_under(archive)) {
        if (file.ends_with(".md") && !file.starts_with(".tmp/")) {
            files.push_back(std::move(file));
        }
    }
    return files;
}

} // namespace sillok::test
