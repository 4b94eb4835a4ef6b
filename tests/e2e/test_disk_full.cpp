// `sillok crawl` on a disk that fills up: the crawl stops with a clear error and exit 74,
// leaves no partial file and no broken ledger, and once there is room again the same crawl
// completes to an archive that `sillok verify` finds clean. Needs root, for a small tmpfs.
#include "tests/e2e/crawl_session.hpp"
#include "tests/e2e/service_process.hpp"

#include <doctest/doctest.h>

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sillok::test;

constexpr int k_articles = 150; // about 8 KiB of tmpfs each, with their ledger rows: over 2 MiB
constexpr auto k_run_bound = 120s;

const FixtureArticle& sample() { return fixture_article("018_0005316196"); }

// A tmpfs mounted for the test and unmounted when it ends, whatever happened. On failure its
// files are first copied next to it, so that the kept scratch directory shows them.
class SmallDisk {
public:
    SmallDisk(fs::path dir, const std::string& size) : m_dir(std::move(dir))
    {
        fs::create_directories(m_dir);
        m_error = mount(size, 0);
        m_mounted = m_error.empty();
    }
    ~SmallDisk()
    {
        if (!m_mounted) {
            return;
        }
        if (current_test_failed()) {
            std::error_code ignored;
            fs::copy(m_dir, m_dir.string() + ".kept", fs::copy_options::recursive, ignored);
        }
        if (::umount2(m_dir.c_str(), 0) != 0) {
            ::umount2(m_dir.c_str(), MNT_DETACH);
        }
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    [[nodiscard]] bool mounted() const { return m_mounted; }
    [[nodiscard]] const std::string& error() const { return m_error; }
    // Gives the mounted tmpfs a new size, keeping its files.
    void resize(const std::string& size)
    {
        REQUIRE_MESSAGE(mount(size, MS_REMOUNT).empty(), "cannot resize the tmpfs");
    }

private:
    std::string mount(const std::string& size, unsigned long flags) const
    {
        auto options = "size=" + size;
        if (::mount("tmpfs", m_dir.c_str(), "tmpfs", flags, options.c_str()) != 0) {
            return std::strerror(errno);
        }
        return {};
    }

    fs::path m_dir;
    bool m_mounted = false;
    std::string m_error;
};

struct Run {
    int exit_code = -1;
    std::string log;
};

Run crawl_into(const NaverStandIn& server, const fs::path& archive, const fs::path& url_file, const fs::path& log_dir)
{
    std::vector<std::string> args{"crawl",  "--archive", archive.string(), "--url-file", url_file.string(),
                                  "--rate", "0",         "--concurrency",  "4",          "--retries",
                                  "0"};
    auto server_args = server.curl_args();
    args.insert(args.end(), server_args.begin(), server_args.end());
    ServiceProcess process(args, log_dir);
    auto code = process.wait(k_run_bound);
    Run run{code.value_or(-1), process.log()};
    INFO("log:\n" << run.log);
    REQUIRE_MESSAGE(code.has_value(), "the crawl still ran after " << k_run_bound.count() << " s");
    return run;
}

} // namespace

TEST_CASE("faults::disk_full: a crawl that fills the disk exits 74 and completes once there is room")
{
    if (::geteuid() != 0) {
        MESSAGE("skipped: mounting a small tmpfs needs root");
        return;
    }
    ScratchDir scratch;
    SmallDisk disk(scratch.path() / "disk", "2m");
    if (!disk.mounted()) {
        MESSAGE("skipped: cannot mount a tmpfs: " << disk.error());
        return;
    }
    NaverStandIn server;
    const auto refs = made_up_refs(k_articles);
    serve_articles(server, refs, article_page(sample().id));
    std::string urls;
    std::vector<std::string> expected;
    const auto date_folder = fs::path(sample().archive_path).parent_path().string();
    for (const auto& ref : refs) {
        urls += ref.canonical_url() + "\n";
        expected.push_back(date_folder + "/" + ref.id() + ".md");
    }
    std::ranges::sort(expected);
    const auto url_file = scratch.path() / "urls.txt";
    write_file(url_file, urls);
    const auto archive = scratch.path() / "disk" / "archive";
    const auto ledger = archive / "ledger.sqlite3";
    const auto logs = scratch.path() / "logs";

    auto full = crawl_into(server, archive, url_file, logs);
    INFO("log of the crawl on the full disk:\n" << full.log);
    CHECK(full.exit_code == 74);
    CHECK(full.log.contains("sillok: error:"));
    CHECK_MESSAGE(mentions_any(full.log, {"No space left", "disk is full"}), "the error does not say the disk is full");
    CHECK(files_under(archive / ".tmp").empty());
    CHECK(article_files(archive).size() < expected.size());

    disk.resize("64m");
    CHECK(ledger_text(ledger, "PRAGMA integrity_check") == "ok");
    // What a full disk may leave: files whose ledger rows it refused; never a damaged file.
    auto after_failure = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    std::istringstream lines(after_failure.out);
    for (std::string line; std::getline(lines, line);) {
        CAPTURE(line);
        CHECK((line.starts_with("orphan\t") || line.starts_with("summary\t")));
    }

    auto roomy = crawl_into(server, archive, url_file, logs);
    INFO("log of the crawl with room:\n" << roomy.log);
    CHECK(roomy.exit_code == 0);
    auto verify = run_command({SILLOK_BINARY, "verify", "--archive", archive.string()});
    CHECK_MESSAGE(verify.exit_code == 0, "sillok verify:\n" << verify.out << verify.err);
    CHECK(files_under(archive / ".tmp").empty());
    CHECK(article_files(archive) == expected);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM versions") == k_articles);
    CHECK(ledger_count(ledger, "SELECT count(*) FROM articles WHERE state = 'archived'") == k_articles);
}
