#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace sillok::test {
namespace fs = std::filesystem;

fs::path fixtures_dir()
{
    const char* env = std::getenv("SILLOK_FIXTURES");
    fs::path dir = env != nullptr ? fs::path(env) : fs::path(SILLOK_FIXTURES_DIR);
    if (!fs::is_directory(dir / "naver" / "article")) {
        FAIL("saved Naver pages not found at "
             << dir << ": check out the project beside shared/ (as in CI) or set SILLOK_FIXTURES");
    }
    return dir;
}

fs::path seed_example_path()
{
    fs::path path(SILLOK_SEED_EXAMPLE);
    if (!fs::exists(path)) {
        FAIL("seed example not found at " << path << ": check out the project beside shared/");
    }
    return path;
}

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path.string());
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void write_file(const fs::path& path, const std::string& bytes)
{
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

ScratchDir::ScratchDir()
{
    std::random_device rd;
    auto base = fs::temp_directory_path();
    for (int i = 0; i < 100; ++i) {
        auto candidate = base / ("sillok-test-" + std::to_string(rd()));
        if (fs::create_directory(candidate)) {
            m_path = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a scratch directory");
}

ScratchDir::~ScratchDir()
{
    if (current_test_failed()) {
        MESSAGE("kept scratch directory of failed test: " << m_path);
        return;
    }
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

namespace {

std::string drain(int fd)
{
    std::string out;
    std::array<char, 65536> buf{};
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) {
            break;
        }
        out.append(buf.data(), static_cast<size_t>(n));
    }
    return out;
}

} // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text)
{
    // stdout and stderr go to temporary files so that large outputs never block the child.
    ScratchDir io;
    auto out_path = io.path() / "out";
    auto err_path = io.path() / "err";
    auto in_path = io.path() / "in";
    write_file(in_path, stdin_text);

    pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        int in = ::open(in_path.c_str(), O_RDONLY);
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        std::vector<char*> args;
        for (const auto& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int out_fd = ::open(out_path.c_str(), O_RDONLY);
    result.out = drain(out_fd);
    ::close(out_fd);
    int err_fd = ::open(err_path.c_str(), O_RDONLY);
    result.err = drain(err_fd);
    ::close(err_fd);
    return result;
}

parsers::Article sample_article()
{
    parsers::Article a;
    a.ref = {"003", "0012577249"};
    a.title = "제목";
    a.category = "경제";
    a.publisher = "뉴시스";
    a.author = "기자";
    a.published_at = "2024-05-30T11:40:08+09:00";
    a.content = "본문";
    return a;
}

std::string gzip_with_zeros(std::string_view prefix, std::size_t zeros, std::string_view suffix)
{
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out;
    const std::string block(std::size_t{1} << 20, '\0');
    auto feed = [&](std::string_view bytes, int flush) {
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
        stream.avail_in = static_cast<uInt>(bytes.size());
        int rc = Z_OK;
        do {
            std::array<char, 65536> buffer{};
            stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
            stream.avail_out = static_cast<uInt>(buffer.size());
            rc = deflate(&stream, flush);
            out.append(buffer.data(), buffer.size() - stream.avail_out);
        } while (stream.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    };
    feed(prefix, Z_NO_FLUSH);
    for (std::size_t left = zeros; left > 0;) {
        std::size_t n = std::min(left, block.size());
        feed(std::string_view(block).substr(0, n), Z_NO_FLUSH);
        left -= n;
    }
    feed(suffix, Z_FINISH);
    deflateEnd(&stream);
    return out;
}

} // namespace sillok::test
