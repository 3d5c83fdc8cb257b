#pragma once
// What every issuance (a PIV card, an NFC tag) shares: its steps recorded in the registry one
// by one, the crash points the fault tests use, and the rollback of an issuance that did not
// finish (its serial revoked, so the next CRL lists whatever was signed).
#include "db/registry.hpp"
#include "issuance/card_issuance.hpp"
#include "issuance/station.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::issuance::detail {

// A renewal records "renews SERIAL" as the detail of its first step.
inline constexpr std::string_view kRenewsPrefix = "renews ";
// A never-activated credential is not "lost" or "stolen": it was replaced by the retry.
inline constexpr std::string_view kRollbackReason = "superseded";

// SIGKILLs the process when FMC_FAULT_KILL_AFTER names `step` (the crash tests).
void crashIfAsked(std::string_view step);

// Walks the steps: tells the listener, runs the work, offers the crash point, records it.
// The last step records itself (with the status change that activates the credential).
class StepRecorder {
public:
    StepRecorder(db::Registry& registry, std::int64_t issuanceId, const db::Operator& by, const StepListener& listener,
                 std::span<const std::string_view> steps)
        : registry_(registry), issuanceId_(issuanceId), by_(by), listener_(listener), steps_(steps) {}

    template <typename Work>
    void run(int index, Work&& work, const std::string& detail = {}) {
        const std::string_view step = steps_[static_cast<std::size_t>(index)];
        const int total = static_cast<int>(steps_.size());
        if (listener_) listener_(StepEvent{index + 1, total, step, false, {}});
        const auto started = std::chrono::steady_clock::now();
        work();
        crashIfAsked(step);
        if (index != total - 1) registry_.recordIssuanceStep(issuanceId_, step, db::StepState::done, detail, by_);
        lastDone_ = step;
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        if (listener_) listener_(StepEvent{index + 1, total, step, true, elapsed});
    }

    [[nodiscard]] std::string_view lastDone() const { return lastDone_; }

private:
    db::Registry& registry_;
    std::int64_t issuanceId_;
    const db::Operator& by_;
    const StepListener& listener_;
    std::span<const std::string_view> steps_;
    std::string_view lastDone_;
};

// Who gets the credential and for how long, checked before anything changes: the merchant
// exists and has entitlements, and the validity (`days`, 0 for the station's default) fits
// inside the issuing CA's. notBefore is an hour early for terminals whose clocks run slow.
struct IssuanceTerms {
    db::Merchant merchant;
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
};
[[nodiscard]] IssuanceTerms issuanceTerms(Station& station, std::int64_t merchantId, int days);

// Revokes what the issuance created (and a renewal's old card once its key was replaced).
RecoveryReport rollBack(db::Registry& registry, const db::Issuance& issuance, const std::string& why,
                        const db::Operator& by);
// Rolls back every unfinished issuance; the caller holds the station lock.
std::vector<RecoveryReport> recoverLocked(Station& station, const db::Operator& by);
// rollBack, when the issuance is still in progress: for the catch block of an issuance.
void rollBackIfUnfinished(db::Registry& registry, std::int64_t issuanceId, const std::string& why,
                          const db::Operator& by);

} // namespace fmc::issuance::detail
