#pragma once
// What happens to a card after issuance, in the registry: revocation with one of the
// station's reasons, suspension and reinstatement, and the signed revocation list that tells
// terminals about all of it.
#include "crypto/pki/revocation_reason.hpp"
#include "db/records.hpp"
#include "issuance/crl_publication.hpp"
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

// Signs a CRL over every revocation and suspension, records it, then writes it (DER) to
// `target`. Recording comes first so that the number never names two different lists: when
// the write fails the number is used up and the next publish takes the one after.
PublishedCrlSummary publishCrl(Station& station, const std::filesystem::path& target, int hours,
                               const db::Operator& by);

} // namespace fmc::issuance
