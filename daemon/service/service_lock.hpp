#pragma once
// One `sillok run` per archive: while the service runs it holds an exclusive lock (flock) on
// <archive>/.sillok-run.lock, which names its pid and when it started. A second service on the
// same archive is refused with that process named; `status` reads it to say whether a service
// runs. The lock goes with the process, however it ends (kill -9 too).
#include "daemon/util/error.hpp"

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace sillok::daemon {

struct ServiceHolder {
    pid_t pid = 0;
    std::string since; // ISO 8601 KST
};

class ServiceLock {
public:
    // Takes the archive's service lock, or fails (ledger_busy: exit 75) naming the service
    // that holds it.
    static Result<ServiceLock> take(const std::filesystem::path& archive);
    ServiceLock(ServiceLock&& other) noexcept;
    ServiceLock& operator=(ServiceLock&&) = delete;
    ServiceLock(const ServiceLock&) = delete;
    ServiceLock& operator=(const ServiceLock&) = delete;
    ~ServiceLock();

private:
    explicit ServiceLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

// The service that runs on the archive now, if one does (read without taking the lock, so a
// read-only archive can be asked).
std::optional<ServiceHolder> running_service(const std::filesystem::path& archive);

} // namespace sillok::daemon
