#pragma once
// How the SQLite backend stores times: INTEGER seconds since the Unix epoch, UTC.
#include "db/records.hpp"

#include <cstdint>

namespace fmc::db {

[[nodiscard]] inline std::int64_t toUnixSeconds(Timestamp time) {
    return static_cast<std::int64_t>(time.time_since_epoch().count());
}

[[nodiscard]] inline Timestamp fromUnixSeconds(std::int64_t seconds) {
    return Timestamp(std::chrono::seconds(seconds));
}

} // namespace fmc::db
