#include "daemon/util/progress_line.hpp"

#include <mutex>

namespace sillok::daemon {
namespace {

std::mutex g_mutex;
std::FILE* g_stream = stderr;
bool g_on_screen = false;

} // namespace

void draw_progress_line(std::string_view text)
{
    std::lock_guard lock(g_mutex);
    std::fputc('\r', g_stream);
    std::fwrite(text.data(), 1, text.size(), g_stream);
    std::fputs("\033[K", g_stream);
    std::fflush(g_stream);
    g_on_screen = true;
}

void end_progress_line()
{
    std::lock_guard lock(g_mutex);
    if (g_on_screen) {
        std::fputc('\n', g_stream);
        std::fflush(g_stream);
        g_on_screen = false;
    }
}

void without_progress_line(const std::function<void()>& write)
{
    std::lock_guard lock(g_mutex);
    if (g_on_screen) {
        std::fputs("\r\033[K", g_stream);
        std::fflush(g_stream);
        g_on_screen = false;
    }
    write();
}

void set_progress_stream(std::FILE* stream)
{
    std::lock_guard lock(g_mutex);
    g_stream = stream;
    g_on_screen = false;
}

} // namespace sillok::daemon
