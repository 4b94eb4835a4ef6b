#pragma once
// A progress bar on a terminal shares standard error with the log. Bars are drawn through
// draw_progress_line, which remembers that one is on screen; every log line goes through
// without_progress_line, which clears the bar first (the next draw brings it back), so a
// log line never lands in the middle of a bar ("ETA ?2026-12-08 ... info: saved").
#include <cstdio>
#include <functional>
#include <string_view>

namespace sillok::daemon {

// Replaces the line on screen with text (no line break).
void draw_progress_line(std::string_view text);
// Ends the bar: a line break after it, and nothing on screen to clear.
void end_progress_line();
// Runs write (a log line) with no bar on screen.
void without_progress_line(const std::function<void()>& write);
// Where bars go (standard error; a file in tests).
void set_progress_stream(std::FILE* stream);

} // namespace sillok::daemon
