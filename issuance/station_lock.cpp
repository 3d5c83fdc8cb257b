#include "issuance/station_lock.hpp"

#include "issuance/station.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fmc::issuance {

StationLock::StationLock(const std::filesystem::path& lockFile)
    : descriptor_(::open(lockFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (descriptor_ < 0)
        throw StationError("cannot open " + lockFile.string() + ": " + std::strerror(errno));
    if (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0) {
        ::close(descriptor_);
        throw StationBusyError("another fmc-issue process is working with a card at this station; try again when it has finished");
    }
}

StationLock::~StationLock() {
    ::flock(descriptor_, LOCK_UN);
    ::close(descriptor_);
}

} // namespace fmc::issuance
