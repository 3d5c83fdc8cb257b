#pragma once
// The registry in one SQLite file (db::Database: WAL, foreign keys, busy timeout), with the
// schema from schema.cpp. One instance is one connection: use one per thread.
#include "db/database.hpp"
#include "db/registry.hpp"

#include <chrono>
#include <filesystem>
#include <functional>

namespace fmc::db {

struct SqliteRegistryOptions {
    std::chrono::milliseconds busyTimeout = std::chrono::seconds(5);
    // Empty: the system clock. Tests pass a fixed clock to check expiry and times.
    std::function<Timestamp()> clock;
    // Empty: crypto::pki::newSerialNumber. Tests pass a source that repeats itself to check
    // that a serial is never handed out twice.
    std::function<Bytes()> serialSource;
};

class SqliteRegistry final : public Registry {
public:
    // Opens (creating if needed) and migrates the registry file.
    explicit SqliteRegistry(const std::filesystem::path& file, SqliteRegistryOptions options = {});

    void atomically(const std::function<void()>& work) override;

    Merchant addMerchant(const MerchantDetails& details, const Operator& by) override;
    Merchant updateMerchant(std::int64_t id, const MerchantDetails& details, const Operator& by) override;
    [[nodiscard]] std::optional<Merchant> findMerchant(std::int64_t id) override;
    [[nodiscard]] std::optional<Merchant> findMerchantByDocument(std::string_view travelDocument) override;
    [[nodiscard]] std::vector<Merchant> listMerchants() override;

    std::string allocateSerial(const Operator& by) override;
    [[nodiscard]] bool serialAllocated(std::string_view serial) override;
    Card addCard(const NewCard& card, const Operator& by) override;
    Card setCardStatus(std::string_view serial, CardStatus status, const Operator& by) override;
    Card revokeCard(std::string_view serial, std::string_view reason, const Operator& by) override;
    void revokeUnusedSerial(std::string_view serial, std::string_view reason, const Operator& by) override;
    [[nodiscard]] std::optional<Card> findCard(std::string_view serial) override;
    [[nodiscard]] std::vector<Card> listCards(const CardFilter& filter) override;
    [[nodiscard]] std::vector<Revocation> listRevocations() override;

    Issuance beginIssuance(std::int64_t merchantId, std::string_view serial, std::string_view cardUuid,
                           const Operator& by) override;
    void recordIssuanceStep(std::int64_t issuanceId, std::string_view step, StepState state,
                            std::string_view detail, const Operator& by) override;
    void finishIssuance(std::int64_t issuanceId, IssuanceOutcome outcome, const Operator& by) override;
    [[nodiscard]] std::optional<Issuance> findIssuance(std::int64_t issuanceId) override;
    [[nodiscard]] std::vector<Issuance> unfinishedIssuances() override;

    [[nodiscard]] std::int64_t nextCrlNumber(std::string_view issuerId) override;
    void recordPublishedCrl(const PublishedCrl& crl, const Operator& by) override;
    [[nodiscard]] std::optional<PublishedCrl> latestCrl(std::string_view issuerId) override;
    [[nodiscard]] std::vector<PublishedCrlHeader> listPublishedCrls(std::string_view issuerId) override;
    [[nodiscard]] std::optional<PublishedCrl> findPublishedCrl(std::string_view issuerId,
                                                               std::int64_t crlNumber) override;

    void setSetting(std::string_view key, std::string_view value, const Operator& by) override;
    [[nodiscard]] std::optional<std::string> setting(std::string_view key) override;

    void recordEvent(std::string_view action, std::string_view subject, std::string_view detailsJson,
                     const Operator& by) override;
    [[nodiscard]] std::vector<AuditEntry> auditEntries(std::int64_t fromSequence, std::int64_t limit) override;
    [[nodiscard]] AuditVerification verifyAuditChain() override;

    void backup(const std::filesystem::path& target, const Operator& by) override;
    [[nodiscard]] bool integrityOk() override;

private:
    [[nodiscard]] Timestamp now() const;
    // Runs a change: checks the operator, then `work` in a transaction (nested if one is open).
    void change(const Operator& by, const std::function<void()>& work);
    // Appends one audit entry and moves the head; the caller is inside a transaction.
    void appendAudit(const Operator& by, std::string_view action, std::string_view subject,
                     const std::string& detailsJson);
    void writeEntitlements(std::int64_t merchantId, const std::vector<std::string>& codes);
    // Throws DuplicateDocumentError when another merchant holds the travel document.
    void refuseDuplicateDocument(const std::string& travelDocument,
                                 std::optional<std::int64_t> exceptMerchant);
    [[nodiscard]] std::vector<std::string> readEntitlements(std::int64_t merchantId);
    [[nodiscard]] Card requireCard(std::string_view serial);
    [[nodiscard]] std::vector<IssuanceStep> readSteps(std::int64_t issuanceId);

    Database db_;
    SqliteRegistryOptions options_;
};

} // namespace fmc::db
