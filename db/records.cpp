#include "db/records.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace fmc::db {

namespace {

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
    for (const auto& [candidate, name] : table)
        if (candidate == value) return name;
    throw std::invalid_argument("unknown registry enum value");
}

template <typename Enum, std::size_t N>
Enum valueOf(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view name,
             std::string_view what) {
    for (const auto& [value, candidate] : table)
        if (candidate == name) return value;
    throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(name) + "'");
}

// These names are also the values the schema's CHECK constraints allow.
constexpr std::array<std::pair<CardStatus, std::string_view>, 4> kCardStatuses{{
    {CardStatus::active, "active"},
    {CardStatus::suspended, "suspended"},
    {CardStatus::revoked, "revoked"},
    {CardStatus::interrupted, "interrupted"},
}};

constexpr std::array<std::pair<StepState, std::string_view>, 3> kStepStates{{
    {StepState::started, "started"},
    {StepState::done, "done"},
    {StepState::failed, "failed"},
}};

constexpr std::array<std::pair<IssuanceOutcome, std::string_view>, 3> kOutcomes{{
    {IssuanceOutcome::inProgress, "in_progress"},
    {IssuanceOutcome::completed, "completed"},
    {IssuanceOutcome::rolledBack, "rolled_back"},
}};

constexpr std::array<std::pair<FormFactor, std::string_view>, 2> kFormFactors{{
    {FormFactor::piv, "piv"},
    {FormFactor::ntag, "ntag"},
}};

} // namespace

std::string_view formFactorName(FormFactor formFactor) { return nameOf(kFormFactors, formFactor); }
FormFactor formFactorFromName(std::string_view name) { return valueOf(kFormFactors, name, "form factor"); }

std::string_view cardStatusName(CardStatus status) { return nameOf(kCardStatuses, status); }
CardStatus cardStatusFromName(std::string_view name) { return valueOf(kCardStatuses, name, "card status"); }

std::string_view stepStateName(StepState state) { return nameOf(kStepStates, state); }
StepState stepStateFromName(std::string_view name) { return valueOf(kStepStates, name, "step state"); }

std::string_view issuanceOutcomeName(IssuanceOutcome outcome) { return nameOf(kOutcomes, outcome); }
IssuanceOutcome issuanceOutcomeFromName(std::string_view name) {
    return valueOf(kOutcomes, name, "issuance outcome");
}

std::string displayStatus(const Card& card, Timestamp now) {
    const bool live = card.status == CardStatus::active || card.status == CardStatus::suspended;
    if (live && now > card.certificate.notAfter) return "expired";
    return std::string(cardStatusName(card.status));
}

} // namespace fmc::db
