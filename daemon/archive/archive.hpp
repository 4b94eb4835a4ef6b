#pragma once
// The archive folder: atomic file writes (temp file, fsync, rename, directory fsync) and
// keeping earlier versions. With the ledger, the only code that writes to disk.
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sillok::daemon {

struct IoError {
    std::string message;
    int error_number = 0; // errno; ENOSPC, EACCES, EROFS...
};

class Archive {
public:
    // Creates the folder and its temp folder, and removes temp files that dead processes
    // left behind (a crash between write and rename).
    static std::expected<Archive, IoError> open(const std::filesystem::path& root);

    [[nodiscard]] const std::filesystem::path& root() const { return m_root; }

    // Writes bytes to relative path atomically: a reader sees the old file or the whole new one.
    std::expected<void, IoError> write(std::string_view relative, std::string_view bytes) const;
    // A group of files written the same way, flushed together: every temp file is written,
    // all are flushed (one journal commit where the filesystem allows), then each is renamed
    // into place and each folder synced. A reader sees each old file or its whole new one;
    // on failure no temp file stays, and files already renamed are whole.
    struct FileWrite {
        std::string relative;
        std::string bytes;
    };
    std::expected<void, IoError> write_group(const std::vector<FileWrite>& files) const;
    // The file's bytes, or nullopt when it does not exist or cannot be read.
    [[nodiscard]] std::optional<std::string> read(std::string_view relative) const;
    [[nodiscard]] bool exists(std::string_view relative) const;
    // Gives the file at `from` a second name `to` (a hard link; a copy where links fail);
    // when `to` exists already, nothing happens. With `remove_source`, `from` is removed after.
    std::expected<void, IoError> keep_as(std::string_view from, std::string_view to, bool remove_source = false) const;

    // Held while one article is saved (ledger read, files, ledger write), so that two
    // processes saving the same article one after the other see each other's result.
    class SaveLock {
    public:
        explicit SaveLock(int fd) : m_fd(fd) {}
        ~SaveLock();
        SaveLock(const SaveLock&) = delete;
        SaveLock& operator=(const SaveLock&) = delete;

    private:
        int m_fd;
    };
    std::expected<std::unique_ptr<SaveLock>, IoError> lock_saves() const;

    static constexpr std::string_view k_temp_dir = ".tmp";
    static constexpr std::string_view k_lock_file = ".sillok.lock";
    // Held by `sillok run` while it serves the archive (service/service_lock).
    static constexpr std::string_view k_service_lock_file = ".sillok-run.lock";

private:
    explicit Archive(std::filesystem::path root) : m_root(std::move(root)) {}
    std::expected<void, IoError> ensure_directory(const std::filesystem::path& dir) const;
    // Refuses a path inside the archive that passes through a symbolic link (a folder or the
    // file itself): a write must never land outside the archive.
    std::expected<void, IoError> refuse_symlinks(std::string_view relative) const;

    std::filesystem::path m_root;
};

// Removes temp files in <root>/.tmp whose writer process is gone; returns how many.
size_t clean_stale_temp_files(const std::filesystem::path& root);

} // namespace sillok::daemon
