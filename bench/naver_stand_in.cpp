// A stand-in for Naver on 127.0.0.1 as a process of its own, for benchmarks that compare
// sillok with other crawlers: the per-date list pages of section 100 for a range of dates
// and every article they list. Prints "port N" and "cacert FILE", then "ready", and serves
// until SIGINT or SIGTERM.
#include "bench/site.hpp"
#include "daemon/util/kst.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

namespace {

int serve(const std::string& from, int days, int pages_per_day, const std::string& url_list)
{
    using namespace sillok;
    auto first_date = daemon::parse_kst_date(from, daemon::WallClock::now());
    if (!first_date) {
        std::cerr << "naver_stand_in: --from is YYYY-MM-DD, got '" << from << "'\n";
        return 64;
    }
    // Blocked before the server's threads start, so that only sigwait below takes them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    auto pages = bench::load_saved_pages();
    test::NaverStandIn server;
    auto refs = bench::serve_listings(server, pages, {*first_date, days, pages_per_day});
    bench::serve_articles(server, pages, refs);
    if (!url_list.empty()) {
        std::ofstream out(url_list, std::ios::trunc);
        for (const auto& ref : refs) {
            out << ref.canonical_url() << '\n';
        }
        if (!out) {
            std::cerr << "naver_stand_in: cannot write " << url_list << '\n';
            return 74;
        }
    }
    std::cout << "port " << server.port() << '\n'
              << "cacert " << server.ca_file().string() << '\n'
              << "articles " << refs.size() << '\n'
              << "ready" << std::endl;
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::cerr << "naver_stand_in: answered " << server.requests().size() << " requests\n";
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"A local HTTPS stand-in for Naver News: per-date list pages of section 100 and their articles"};
    std::string from = "2020-09-15";
    int days = 5;
    int pages_per_day = 50;
    std::string url_list;
    app.add_option("--from", from, "First listed date, YYYY-MM-DD");
    app.add_option("--days", days, "Listed dates")->check(CLI::Range(1, 366));
    app.add_option("--pages", pages_per_day, "List pages per date, 20 articles each")->check(CLI::Range(1, 1000));
    app.add_option("--url-list", url_list, "Write the canonical URL of every listed article to this file");
    CLI11_PARSE(app, argc, argv);
    try {
        return serve(from, days, pages_per_day, url_list);
    } catch (const std::exception& error) {
        std::cerr << "naver_stand_in: " << error.what() << '\n';
        return 1;
    }
}
