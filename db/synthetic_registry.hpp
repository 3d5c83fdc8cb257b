#pragma once
// A registry filled in bulk with synthetic merchants and cards, for the scale benchmark
// (issue 7: a registry of 1,000,000 cards of which 1% are revoked). It writes through the
// project's own schema (registryMigrations), so `fmc-issue` opens the file as any registry
// and `crl publish` lists the synthetic revocations like real ones.
//
// Synthetic cards carry no real certificate: certificate_der is a short placeholder (an
// ASN.1 UTF8String "synthetic card") and certificate_pem is empty, because signing a million
// certificates would take minutes and gigabytes that a revocation benchmark does not need.
// Never run this on a station that issues real cards.
#include "db/records.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace fmc::db {

struct SyntheticRegistryRequest {
    std::size_t cards = 0;          // one merchant each
    double revokedPercent = 0;      // of `cards`, revoked at times spread over the past year
    std::string issuerId;           // the station's issuing CA (SKI, upper-case hex), as card rows hold it
    std::string issuerName;         // its subject, for display
    Timestamp now{};
    std::string operatorName;       // recorded in the audit log and on each revocation
};

struct SyntheticRegistryResult {
    std::size_t merchants = 0;
    std::size_t cards = 0;
    std::size_t revoked = 0;
};

// Adds the merchants, allocated serials, cards and revocations in one transaction, then one
// audit entry ("registry.synthetic-fill") through SqliteRegistry. Throws on any failure
// (DatabaseError from SQLite, std::invalid_argument for a bad request); the fill's transaction
// is then rolled back, though opening the file may already have created or migrated its schema.
SyntheticRegistryResult fillSyntheticRegistry(const std::filesystem::path& registryFile,
                                              const SyntheticRegistryRequest& request);

} // namespace fmc::db
