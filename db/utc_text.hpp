#pragma once
// Times as people and JSON read them: "2026-11-29T08:00:00Z" (RFC 3339, UTC, whole seconds),
// shared by the registry's and the tap log's exports and by every --since / --at option.
#include "db/records.hpp"

#include <string>
#include <string_view>

namespace fmc::db {

// "2026-11-29T08:00:00Z" <-> Timestamp. parseUtc also accepts a bare date "2026-11-29"
// (midnight UTC), the form an operator types for --since; anything else, including a time
// that does not exist (2026-02-30, 24:00:00), throws std::invalid_argument.
[[nodiscard]] std::string formatUtc(Timestamp time);
[[nodiscard]] Timestamp parseUtc(std::string_view text);

} // namespace fmc::db
