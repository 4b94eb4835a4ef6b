#pragma once
// A folder bind-mounted read-only, for the tests of reading commands on read-only media.
// Needs the right to mount (root); error() says why not otherwise.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace sillok::test {

// `source` mounted read-only at `target` while this lives.
class ReadOnlyMount {
public:
    ReadOnlyMount(const std::filesystem::path& source, const std::filesystem::path& target) : m_target(target)
    {
        std::filesystem::create_directories(target);
        if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            m_error = std::strerror(errno);
            return;
        }
        m_mounted = true;
        if (mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
            m_error = std::strerror(errno);
        }
    }
    ~ReadOnlyMount()
    {
        if (m_mounted) {
            umount2(m_target.c_str(), MNT_DETACH);
        }
    }
    ReadOnlyMount(const ReadOnlyMount&) = delete;
    ReadOnlyMount& operator=(const ReadOnlyMount&) = delete;
    [[nodiscard]] const std::string& error() const { return m_error; }

private:
    std::filesystem::path m_target;
    bool m_mounted = false;
    std::string m_error;
};

} // namespace sillok::test
