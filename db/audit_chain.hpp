#pragma once
// The audit log's hash chain, independent of any database so that every backend writes and
// checks the same chain. Each entry's hash is SHA-256 over a canonical encoding of its fields
// and the previous entry's hash; a separately stored head (entry count and last hash) makes
// a cut-off tail as visible as an edited or removed entry.
//
// What it cannot stop: someone with write access who rewrites every later entry and the head.
// Keeping a copy of the head elsewhere (a backup, a printed report) exposes that too.
#include "db/records.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace fmc::db {

class AuditChain {
public:
    // The previousHash of the first entry.
    static constexpr std::string_view kGenesisHash =
        "0000000000000000000000000000000000000000000000000000000000000000";

    // "fmc-audit-v1" then every field except `hash` as <decimal length>:<bytes>, so no
    // choice of field contents can make two different entries encode alike.
    [[nodiscard]] static std::string canonicalEncoding(const AuditEntry& entry);
    // Upper-case hex SHA-256 of canonicalEncoding(entry).
    [[nodiscard]] static std::string computeHash(const AuditEntry& entry);
};

// Checks entries one at a time, in sequence order, so a long log needs no memory.
class AuditChainVerifier {
public:
    void check(const AuditEntry& entry);
    // Compares what was seen with the head recorded alongside the log.
    [[nodiscard]] AuditVerification finish(std::int64_t headCount, std::string_view headHash);

private:
    void failAt(std::int64_t sequence, std::string problem);

    std::int64_t expectedSequence_ = 1;
    std::string previousHash_{AuditChain::kGenesisHash};
    AuditVerification result_;
};

} // namespace fmc::db
