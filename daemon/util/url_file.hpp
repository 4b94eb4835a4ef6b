#pragma once
// `crawl --url-file`: one URL per line, blank lines and '#' comments skipped, a UTF-8
// byte-order mark (Excel, Notepad) ignored, read within bounds (a line of at most k_max_url_line bytes, at most
// k_max_url_lines URLs) so that a wrong file (a folder, /dev/zero, a huge binary) is refused at once with a clear
// message.
#include <cstddef>
#include <expected>
#include <istream>
#include <string>
#include <vector>

namespace sillok::daemon {

inline constexpr std::size_t k_max_url_line = 4096;
inline constexpr std::size_t k_max_url_lines = 1'000'000;

// One URL and where it was read: "urls.txt:6".
struct ListedUrl {
    std::string url;
    std::string where;
};

// name "-" reads standard input. The error names the file and the line.
std::expected<std::vector<ListedUrl>, std::string> read_url_file(const std::string& name);
std::expected<std::vector<ListedUrl>, std::string> read_url_lines(std::istream& in, const std::string& shown_name);

} // namespace sillok::daemon
