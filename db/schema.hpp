#pragma once
// The SQLite registry's schema, as migrations applied by Database::migrate. Append new
// versions; never edit a released one (files in the field already ran it).
#include "db/database.hpp"

#include <vector>

namespace fmc::db {

[[nodiscard]] const std::vector<Migration>& registryMigrations();

} // namespace fmc::db
