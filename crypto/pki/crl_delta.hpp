#pragma once
// What changed between two complete CRLs of one CA: the entries of the delta CRL (RFC 5280
// §5.2.4) that turns a terminal holding the older one into one holding the newer.
#include "crypto/pki/revocation_list.hpp"

#include <chrono>
#include <vector>

namespace fmc::crypto::pki {

// Entries of `current` that are new or whose reason or date changed (a hold made permanent,
// or released and placed again: a terminal that synced in between must see it again), and a
// removeFromCrl entry dated `removedAt` for every serial of `base` that `current` no longer
// lists (a released hold). Sorted by serial. Both inputs are complete CRLs' entries.
// `listsBetween`: the entries of each complete CRL issued after `base` and before `current`.
// A terminal may hold any of them (a delta applies to every list numbered at or above its
// base), so a hold placed and released in between is removed too (otherwise that terminal
// would keep refusing a reinstated card until it took a complete CRL), and an entry the same
// at both ends but missing or different in between is listed again.
[[nodiscard]] std::vector<RevokedCertificate> deltaEntries(const std::vector<RevokedCertificate>& base,
                                                           const std::vector<RevokedCertificate>& current,
                                                           std::chrono::system_clock::time_point removedAt,
                                                           const std::vector<std::vector<RevokedCertificate>>& listsBetween = {});

} // namespace fmc::crypto::pki
