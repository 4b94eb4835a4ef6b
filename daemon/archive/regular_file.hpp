#pragma once
// Reading a file of the archive: only a regular file, reached without following a symbolic
// link below the archive's root, opened without blocking. A FIFO, a device, a socket or a
// link in its place is a clear error, never a wait and never a file elsewhere.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace sillok::daemon {

// A read-only mapping of one regular file of the archive.
class ArchiveFileMap {
public:
    ArchiveFileMap() = default;
    ArchiveFileMap(ArchiveFileMap&& other) noexcept;
    ArchiveFileMap& operator=(ArchiveFileMap&& other) noexcept;
    ArchiveFileMap(const ArchiveFileMap&) = delete;
    ArchiveFileMap& operator=(const ArchiveFileMap&) = delete;
    ~ArchiveFileMap();
    [[nodiscard]] std::string_view bytes() const { return {m_data, m_size}; }

private:
    friend std::expected<ArchiveFileMap, std::string> map_archive_file(const std::filesystem::path& root,
                                                                       std::string_view relative);
    const char* m_data = nullptr;
    size_t m_size = 0;
};

// What kind of thing an lstat mode is: "a FIFO", "a symbolic link", "a folder", ...
std::string_view file_kind(unsigned mode);

// Maps <root>/<relative>. relative must be a plain relative path (no "..", no "."); no
// component of it may be a symbolic link. Error: why it cannot be read, naming what is there
// instead of a regular file.
std::expected<ArchiveFileMap, std::string> map_archive_file(const std::filesystem::path& root,
                                                            std::string_view relative);

} // namespace sillok::daemon
