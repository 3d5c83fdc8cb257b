#include "issuance/issuance_steps.hpp"

#include "db/registry_errors.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>

namespace fmc::issuance::detail {

void crashIfAsked(std::string_view step) {
    const char* target = std::getenv(faultKillAfterEnvironmentVariable);
    if (target && step == target) std::raise(SIGKILL);
}

namespace {

std::optional<std::string> renewedSerial(const db::Issuance& issuance) {
    for (const db::IssuanceStep& step : issuance.steps)
        if (step.step == kIssuanceSteps[0] && step.detail.starts_with(kRenewsPrefix))
            return step.detail.substr(kRenewsPrefix.size());
    return std::nullopt;
}

bool reached(const db::Issuance& issuance, std::string_view step) {
    for (const db::IssuanceStep& recorded : issuance.steps)
        if (recorded.step == step && recorded.state == db::StepState::done) return true;
    return false;
}

} // namespace

RecoveryReport rollBack(db::Registry& registry, const db::Issuance& issuance, const std::string& why,
                        const db::Operator& by) {
    RecoveryReport report;
    report.issuanceId = issuance.id;
    report.serial = issuance.serial;
    report.merchantId = issuance.merchantId;
    for (const db::IssuanceStep& step : issuance.steps)
        if (step.state == db::StepState::done) report.lastStep = step.step;
    registry.atomically([&] {
        if (const std::optional<db::Card> card = registry.findCard(issuance.serial)) {
            report.certificateRecorded = true;
            if (card->status != db::CardStatus::revoked) registry.revokeCard(issuance.serial, kRollbackReason, by);
        } else {
            try {
                registry.revokeUnusedSerial(issuance.serial, kRollbackReason, by);
            } catch (const db::DuplicateError&) {  // listed by an earlier, interrupted repair
            }
        }
        // The old key of a renewed card is gone once a new one was generated in its slot.
        const std::optional<std::string> renewed = renewedSerial(issuance);
        if (renewed && reached(issuance, kIssuanceSteps[1])) {
            const std::optional<db::Card> old = registry.findCard(*renewed);
            if (old && old->status != db::CardStatus::revoked) {
                registry.revokeCard(*renewed, kRollbackReason, by);
                report.supersededSerial = renewed;
            }
        }
        registry.recordIssuanceStep(issuance.id, "rolled-back", db::StepState::failed, why, by);
        registry.finishIssuance(issuance.id, db::IssuanceOutcome::rolledBack, by);
    });
    return report;
}

std::vector<RecoveryReport> recoverLocked(Station& station, const db::Operator& by) {
    std::vector<RecoveryReport> reports;
    db::Registry& registry = station.registry();
    for (const db::Issuance& issuance : registry.unfinishedIssuances())
        reports.push_back(rollBack(registry, issuance, "interrupted; rolled back by the next run", by));
    return reports;
}

IssuanceTerms issuanceTerms(Station& station, std::int64_t merchantId, int days) {
    using Clock = std::chrono::system_clock;
    std::optional<db::Merchant> merchant = station.registry().findMerchant(merchantId);
    if (!merchant) throw db::NotFoundError("no merchant " + std::to_string(merchantId));
    if (merchant->details.entitlements.empty())
        throw StationError("merchant " + std::to_string(merchant->id) + " has no entitlements: add some first");
    if (days <= 0) days = station.config().defaultCardDays;
    const Clock::time_point now = Clock::now();
    const Clock::time_point notBefore =
        std::max<Clock::time_point>(now - std::chrono::hours(1), station.issuingCertificate().notBefore());
    const Clock::time_point notAfter = std::chrono::floor<std::chrono::seconds>(now) + std::chrono::hours(24) * days;
    if (notAfter > station.issuingCertificate().notAfter())
        throw StationError("--days " + std::to_string(days) + " reaches past the issuing CA's own validity");
    return {std::move(*merchant), notBefore, notAfter};
}

void rollBackIfUnfinished(db::Registry& registry, std::int64_t issuanceId, const std::string& why,
                          const db::Operator& by) {
    const std::optional<db::Issuance> current = registry.findIssuance(issuanceId);
    if (current && current->outcome == db::IssuanceOutcome::inProgress) rollBack(registry, *current, why, by);
}

} // namespace fmc::issuance::detail
