#include "db/audit_chain.hpp"

#include "crypto/digest.hpp"

namespace fmc::db {

namespace {

void appendField(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
}

} // namespace

std::string AuditChain::canonicalEncoding(const AuditEntry& entry) {
    std::string out = "fmc-audit-v1";
    appendField(out, std::to_string(entry.sequence));
    appendField(out, std::to_string(entry.at.time_since_epoch().count()));
    appendField(out, entry.operatorName);
    appendField(out, entry.action);
    appendField(out, entry.subject);
    appendField(out, entry.detailsJson);
    appendField(out, entry.previousHash);
    return out;
}

std::string AuditChain::computeHash(const AuditEntry& entry) {
    const std::string encoding = canonicalEncoding(entry);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(encoding.data());
    return toHex(crypto::sha256(ByteView(bytes, encoding.size())));
}

void AuditChainVerifier::failAt(std::int64_t sequence, std::string problem) {
    if (result_.firstBadSequence) return;  // report only the first break
    result_.firstBadSequence = sequence;
    result_.problem = std::move(problem);
}

void AuditChainVerifier::check(const AuditEntry& entry) {
    ++result_.entriesChecked;
    if (!result_.firstBadSequence) {
        const std::string seq = std::to_string(entry.sequence);
        if (entry.sequence > expectedSequence_)
            failAt(expectedSequence_, "audit entry " + std::to_string(expectedSequence_) + " is missing");
        else if (entry.sequence < expectedSequence_)
            failAt(entry.sequence, "audit entry " + seq + " is out of order");
        else if (entry.previousHash != previousHash_)
            failAt(entry.sequence, "audit entry " + seq + " does not follow the entry before it");
        else if (AuditChain::computeHash(entry) != entry.hash)
            failAt(entry.sequence, "audit entry " + seq + " was changed after it was written");
    }
    expectedSequence_ = entry.sequence + 1;
    previousHash_ = entry.hash;
}

AuditVerification AuditChainVerifier::finish(std::int64_t headCount, std::string_view headHash) {
    const std::int64_t seen = result_.entriesChecked;
    if (seen < headCount)
        failAt(seen + 1, "the audit log ends at entry " + std::to_string(seen) + " but " +
                             std::to_string(headCount) + " were written (entries removed from the end)");
    else if (seen > headCount)
        failAt(headCount + 1, "audit entry " + std::to_string(headCount + 1) +
                                  " was added outside the registry");
    else if (previousHash_ != headHash)
        failAt(seen, "the last audit entry does not match the recorded head of the log");
    return result_;
}

} // namespace fmc::db
