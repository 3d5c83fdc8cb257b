#include "terminal/tap_decision.hpp"


#include <algorithm>
#include <cmath>

namespace fmc::terminal {

namespace pki = crypto::pki;

namespace {

// The verifier's codes, except `malformed`: a certificate outside the card profile is
// simply not a Foreign Merchant Card.
std::string reasonFor(pki::ReasonCode code) {
    if (code == pki::ReasonCode::malformed) return "not-a-merchant-card";
    return std::string(pki::reasonCodeName(code));
}

std::string detailOf(const pki::Verdict& verdict, pki::ReasonCode code) {
    for (const pki::CheckResult& check : verdict.checks)
        if (check.code == code) return std::string(pki::checkName(check.check)) + ": " + check.detail;
    return {};
}

Decision base(const catalog::Service& service, catalog::CardInterface cardInterface) {
    Decision decision;
    decision.service = service.code;
    decision.cardInterface = std::string(catalog::cardInterfaceName(cardInterface));
    return decision;
}

// What the verdict alone says about a credential, PIV card or tag.
Decision assessVerdict(const pki::Verdict& verdict, catalog::CardInterface cardInterface, catalog::AssuranceLevel level,
                       std::size_t exchanges) {
    Decision decision;
    decision.cardInterface = std::string(catalog::cardInterfaceName(cardInterface));
    decision.apduExchanges = exchanges;
    if (verdict.card) {
        // Only a credential that parsed has an assurance: nothing was judged otherwise.
        decision.assurance = std::string(catalog::assuranceLevelName(level));
        decision.serial = toHex(verdict.card->serialNumber);
        decision.cardUuid = uuidToString(verdict.card->cardUuid);
        decision.entitlements = verdict.card->attributes.entitlements;
        decision.preferredLanguage = verdict.card->attributes.preferredLanguage;
        decision.expires = std::chrono::floor<std::chrono::seconds>(verdict.card->notAfter);
    }
    if (verdict.cardCrl) decision.crlAgeHours = std::round(verdict.cardCrl->ageHours * 100) / 100;

    const pki::ReasonCode verdictReason = verdict.decisiveReason();
    if (verdictReason != pki::ReasonCode::ok) {
        decision.reason = reasonFor(verdictReason);
        decision.detail = detailOf(verdict, verdictReason);
        return decision;
    }
    decision.granted = true;
    decision.reason = "ok";
    return decision;
}

// The service's policy over a credential that is good in itself: interface, assurance,
// entitlement, in that order.
Decision applyPolicy(Decision decision, const catalog::Service& service, catalog::CardInterface cardInterface,
                     catalog::AssuranceLevel level) {
    decision.service = service.code;
    if (!decision.granted) return decision;
    decision.granted = false;
    if (!service.accepts(cardInterface)) {
        decision.reason = "interface-not-allowed";
        decision.detail = service.code + " is not offered over the " + decision.cardInterface + " interface";
        return decision;
    }
    if (level < service.minAssurance) {
        decision.reason = "assurance-too-low";
        decision.detail = service.code + " requires " + std::string(catalog::assuranceLevelName(service.minAssurance)) +
                          " assurance; this credential gives " + decision.assurance +
                          " (an NFC tag has no key of its own and can be copied)";
        return decision;
    }
    const auto& entitlements = decision.entitlements;
    if (std::find(entitlements.begin(), entitlements.end(), service.entitlement) == entitlements.end()) {
        decision.reason = "not-entitled";
        decision.detail = "the card does not carry the entitlement " + service.entitlement;
        return decision;
    }
    decision.granted = true;
    return decision;
}

} // namespace

Decision assessCard(const CardReading& reading, const pki::Verdict& verdict, catalog::CardInterface cardInterface) {
    Decision decision = assessVerdict(verdict, cardInterface, catalog::AssuranceLevel::high, reading.exchanges);
    // The certificate was made for the card whose CHUID carries its UUID: a certificate
    // moved to another card (with that card's own, valid key) does not pass.
    if (decision.granted && verdict.card->cardUuid != reading.chuidUuid) {
        decision.granted = false;
        decision.reason = "card-auth-failed";
        decision.detail = "the CHUID's card UUID is not the certificate's";
    }
    return decision;
}

Decision decide(const CardReading& reading, const pki::Verdict& verdict, const catalog::Service& service,
                catalog::CardInterface cardInterface) {
    return applyPolicy(assessCard(reading, verdict, cardInterface), service, cardInterface,
                       catalog::AssuranceLevel::high);
}

Decision assessTag(const TagReading& reading, const pki::Verdict& verdict) {
    return assessVerdict(verdict, catalog::CardInterface::contactless, catalog::AssuranceLevel::low, reading.exchanges);
}

Decision decideTag(const TagReading& reading, const pki::Verdict& verdict, const catalog::Service& service) {
    return applyPolicy(assessTag(reading, verdict), service, catalog::CardInterface::contactless,
                       catalog::AssuranceLevel::low);
}

Decision refuseUnread(const CardReadError& error, const catalog::Service& service,
                      catalog::CardInterface cardInterface) {
    Decision decision = base(service, cardInterface);
    switch (error.failure()) {
        case ReadFailure::notAMerchantCard: decision.reason = "not-a-merchant-card"; break;
        case ReadFailure::cardRemoved: decision.reason = "card-removed"; break;
        case ReadFailure::unreadable: decision.reason = "unreadable"; break;
    }
    decision.detail = error.what();
    return decision;
}

} // namespace fmc::terminal
