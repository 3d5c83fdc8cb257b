#pragma once
// The registry as the station and the terminals see it: merchants, cards, issuance steps,
// revocations, published CRLs, station settings and the hash-chained audit log. Abstract, so
// that the SQLite backend (SqliteRegistry) and a later PostgreSQL one keep one contract;
// neither the interface nor the records mention SQL.
//
// The contract every backend keeps:
// - Every mutating call takes the operator and appends its audit entry in the same
//   transaction as the change: both happen, or neither.
// - Calls made inside atomically() commit together; outside, each call is its own transaction.
// - Bad input throws a RegistryError subclass (registry_errors.hpp) and changes nothing.
#include "db/records.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::db {

class Registry {
public:
    virtual ~Registry() = default;
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Runs `work`; every registry change it makes commits together or not at all. Nests.
    virtual void atomically(const std::function<void()>& work) = 0;

    // --- merchants ---
    // Throws DuplicateDocumentError when the travel document is already registered.
    virtual Merchant addMerchant(const MerchantDetails& details, const Operator& by) = 0;
    // Replaces every field, entitlements included. Throws NotFoundError, DuplicateDocumentError.
    virtual Merchant updateMerchant(std::int64_t id, const MerchantDetails& details, const Operator& by) = 0;
    [[nodiscard]] virtual std::optional<Merchant> findMerchant(std::int64_t id) = 0;
    [[nodiscard]] virtual std::optional<Merchant> findMerchantByDocument(std::string_view travelDocument) = 0;
    [[nodiscard]] virtual std::vector<Merchant> listMerchants() = 0;

    // --- serials and cards ---
    // A fresh certificate serial (upper-case hex), recorded forever so it is never handed out
    // again. Commits at once, and refuses to run inside atomically(): a serial that reached a
    // certificate must never vanish with a rolled-back transaction.
    virtual std::string allocateSerial(const Operator& by) = 0;
    [[nodiscard]] virtual bool serialAllocated(std::string_view serial) = 0;
    // Records a signed certificate as status `interrupted` (issuance not finished). The serial
    // must be allocated and not yet used by any card, even one since removed.
    virtual Card addCard(const NewCard& card, const Operator& by) = 0;
    // interrupted -> active (issuance finished), active <-> suspended. Revoking is revokeCard.
    // Throws NotFoundError, InvalidTransitionError, DuplicateError (card UUID live elsewhere).
    virtual Card setCardStatus(std::string_view serial, CardStatus status, const Operator& by) = 0;
    // Any status but revoked -> revoked, with a revocation entry for the next CRL.
    virtual Card revokeCard(std::string_view serial, std::string_view reason, const Operator& by) = 0;
    // Lists an allocated serial that never reached a recorded card (issuance rolled back
    // after signing) so the next CRL still covers it.
    virtual void revokeUnusedSerial(std::string_view serial, std::string_view reason, const Operator& by) = 0;
    [[nodiscard]] virtual std::optional<Card> findCard(std::string_view serial) = 0;
    [[nodiscard]] virtual std::vector<Card> listCards(const CardFilter& filter) = 0;
    [[nodiscard]] virtual std::vector<Revocation> listRevocations() = 0;

    // --- issuance steps (crash safety) ---
    virtual Issuance beginIssuance(std::int64_t merchantId, std::string_view serial,
                                   std::string_view cardUuid, const Operator& by) = 0;
    virtual void recordIssuanceStep(std::int64_t issuanceId, std::string_view step, StepState state,
                                    std::string_view detail, const Operator& by) = 0;
    virtual void finishIssuance(std::int64_t issuanceId, IssuanceOutcome outcome, const Operator& by) = 0;
    [[nodiscard]] virtual std::optional<Issuance> findIssuance(std::int64_t issuanceId) = 0;
    // Issuances still in progress: after a crash, the ones the station must complete or undo.
    [[nodiscard]] virtual std::vector<Issuance> unfinishedIssuances() = 0;

    // --- published CRLs ---
    // The last published number + 1, or 1 for an issuer that has published none.
    [[nodiscard]] virtual std::int64_t nextCrlNumber(std::string_view issuerId) = 0;
    // Throws CrlNumberError unless the number is greater than every earlier one of the issuer.
    virtual void recordPublishedCrl(const PublishedCrl& crl, const Operator& by) = 0;
    [[nodiscard]] virtual std::optional<PublishedCrl> latestCrl(std::string_view issuerId) = 0;
    // Every CRL the issuer published, oldest first, without the DER.
    [[nodiscard]] virtual std::vector<PublishedCrlHeader> listPublishedCrls(std::string_view issuerId) = 0;
    [[nodiscard]] virtual std::optional<PublishedCrl> findPublishedCrl(std::string_view issuerId,
                                                                       std::int64_t crlNumber) = 0;

    // --- station settings (e.g. where the station secret lives; never the secret itself) ---
    virtual void setSetting(std::string_view key, std::string_view value, const Operator& by) = 0;
    [[nodiscard]] virtual std::optional<std::string> setting(std::string_view key) = 0;

    // --- audit log ---
    // For station events that change no registry row (a CRL written to a file, a card wiped).
    virtual void recordEvent(std::string_view action, std::string_view subject,
                             std::string_view detailsJson, const Operator& by) = 0;
    // Entries from `fromSequence` on, at most `limit` of them (0: all).
    [[nodiscard]] virtual std::vector<AuditEntry> auditEntries(std::int64_t fromSequence, std::int64_t limit) = 0;
    // Detects an edited, inserted or deleted entry, and a truncated tail.
    [[nodiscard]] virtual AuditVerification verifyAuditChain() = 0;

    // --- maintenance ---
    // A consistent copy of the whole registry, taken while it stays in use; the backup itself
    // is recorded in the audit log first, so the copy contains its own entry.
    virtual void backup(const std::filesystem::path& target, const Operator& by) = 0;
    [[nodiscard]] virtual bool integrityOk() = 0;
};

} // namespace fmc::db
