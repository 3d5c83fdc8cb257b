#pragma once
// One card operation at a time per station: personalizing a card and repairing an
// interrupted issuance both hold an exclusive lock on <home>/issuance.lock, so one process
// never "repairs" an issuance another is still running. The kernel drops the lock when the
// holder dies, even by SIGKILL, which is what makes the repair safe.
#include <filesystem>

namespace fmc::issuance {

class StationLock {
public:
    // Throws StationError when another process holds the lock.
    explicit StationLock(const std::filesystem::path& lockFile);
    ~StationLock();
    StationLock(const StationLock&) = delete;
    StationLock& operator=(const StationLock&) = delete;

private:
    int descriptor_;
};

} // namespace fmc::issuance
