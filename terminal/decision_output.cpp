#include "terminal/decision_output.hpp"

#include "db/utc_text.hpp"

#include <cstdio>

namespace fmc::terminal {

nlohmann::json decisionJson(const Decision& decision) {
    using nlohmann::json;
    return json{{"decision", decision.granted ? "granted" : "denied"},
                {"reason", decision.reason},
                {"detail", decision.detail},
                {"service", decision.service},
                {"serial", decision.serial.empty() ? json() : json(decision.serial)},
                {"card_uuid", decision.cardUuid.empty() ? json() : json(decision.cardUuid)},
                {"entitlements", decision.entitlements},
                {"language", decision.preferredLanguage.empty() ? json() : json(decision.preferredLanguage)},
                {"expires", decision.expires ? json(db::formatUtc(*decision.expires)) : json()},
                {"interface", decision.cardInterface.empty() ? json() : json(decision.cardInterface)},
                {"assurance", decision.assurance.empty() ? json() : json(decision.assurance)},
                {"reader", decision.readerName},
                {"crl_age_hours", decision.crlAgeHours ? json(*decision.crlAgeHours) : json()},
                {"elapsed_ms", decision.elapsedMs},
                {"apdu_exchanges", decision.apduExchanges}};
}

std::string decisionLine(const Decision& decision) {
    std::string line = decision.granted ? "GRANTED " : "DENIED  ";
    line += decision.service + "  " + decision.reason;
    if (!decision.serial.empty()) line += "  card " + decision.serial;
    if (!decision.cardInterface.empty()) line += "  " + decision.cardInterface;
    if (decision.assurance == "low") line += "  low-assurance (NFC tag)";
    line += "  " + std::to_string(decision.elapsedMs) + " ms";
    if (!decision.granted && !decision.detail.empty()) line += "  (" + decision.detail + ")";
    return line;
}

} // namespace fmc::terminal
