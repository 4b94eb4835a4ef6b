#include "daemon/util/url_file.hpp"

#include "parsers/text.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace sillok::daemon {
namespace {

// The line without surrounding blanks; empty for a blank line or a comment.
std::string url_of(const std::string& line)
{
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
        return {};
    }
    return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

} // namespace

std::expected<std::vector<ListedUrl>, std::string> read_url_lines(std::istream& in, const std::string& shown_name)
{
    std::vector<ListedUrl> urls;
    std::string line;
    std::size_t line_number = 1;
    std::array<char, 65536> buffer{};
    auto end_line = [&]() -> std::expected<void, std::string> {
        if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) {
            line.erase(0, 3); // a byte-order mark
        }
        if (auto url = url_of(line); !url.empty()) {
            if (urls.size() == k_max_url_lines) {
                return std::unexpected("URL file " + shown_name + " holds more than " + std::to_string(k_max_url_lines)
                                       + " URLs; split it");
            }
            urls.push_back(ListedUrl{std::move(url), shown_name + ":" + std::to_string(line_number)});
        }
        line.clear();
        ++line_number;
        return {};
    };
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            const char c = buffer[static_cast<std::size_t>(i)];
            if (c == '\n') {
                if (auto ended = end_line(); !ended) {
                    return std::unexpected(ended.error());
                }
                continue;
            }
            if (line.size() == k_max_url_line) {
                return std::unexpected("line " + std::to_string(line_number) + " of URL file " + shown_name
                                       + " is longer than " + std::to_string(k_max_url_line)
                                       + " bytes: not a list of URLs (it starts '"
                                       + parsers::quoted_for_message(line, 60) + "')");
            }
            line.push_back(c);
        }
    }
    if (in.bad()) {
        return std::unexpected("cannot read URL file " + shown_name);
    }
    if (auto ended = end_line(); !ended) {
        return std::unexpected(ended.error());
    }
    return urls;
}

std::expected<std::vector<ListedUrl>, std::string> read_url_file(const std::string& name)
{
    const auto shown = parsers::quoted_for_message(name);
    if (name == "-") {
        return read_url_lines(std::cin, "(standard input)");
    }
    std::error_code ec;
    if (std::filesystem::is_directory(name, ec)) {
        return std::unexpected("URL file " + shown + " is a folder, not a file of URLs");
    }
    std::ifstream file(name, std::ios::binary);
    if (!file) {
        return std::unexpected("cannot read URL file " + shown);
    }
    return read_url_lines(file, shown);
}

} // namespace sillok::daemon
