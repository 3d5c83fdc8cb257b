#pragma once
// What happens to a card after issuance, in the registry: revocation with one of the
// station's reasons, suspension and reinstatement, and the signed revocation list that tells
// terminals about all of it.
#include "crypto/pki/revocation_reason.hpp"
#include "db/records.hpp"
#include "issuance/station.hpp"

#include <array>
#include <filesystem>
#include <string_view>

namespace fmc::issuance {

// The reasons an operator may give, and the RFC 5280 CRLReason each is published as.
inline constexpr std::array<std::string_view, 5> kRevocationReasons = {"lost", "stolen", "key-compromise",
                                                                       "superseded", "ceased"};
// Throws InputError (a StationError) for a reason outside the list.
[[nodiscard]] crypto::pki::RevocationReason publishedReason(std::string_view stationReason);

db::Card revokeCard(Station& station, std::string_view serial, std::string_view reason, const db::Operator& by);
db::Card suspendCard(Station& station, std::string_view serial, const db::Operator& by);
db::Card reinstateCard(Station& station, std::string_view serial, const db::Operator& by);

struct PublishedCrlSummary {
    std::int64_t crlNumber = 0;
    db::Timestamp thisUpdate{};
    db::Timestamp nextUpdate{};
    std::size_t revoked = 0;    // entries for revoked cards and never-used serials
    std::size_t suspended = 0;  // certificateHold entries
};

// Signs a CRL over every revocation and suspension and writes it (DER) to `target`, then
// records it; the CRL number only counts as used once the file is safely written.
PublishedCrlSummary publishCrl(Station& station, const std::filesystem::path& target, int hours,
                               const db::Operator& by);

} // namespace fmc::issuance
