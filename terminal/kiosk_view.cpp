#include "terminal/kiosk_view.hpp"

#include "db/utc_text.hpp"

#include <cmath>

namespace fmc::terminal {

using nlohmann::json;

namespace {

json textsJson(const catalog::LocalizedText& text) {
    json object = json::object();
    for (const auto& [language, value] : text.byLanguage) object[language] = value;
    return object;
}

json entitlementJson(const std::string& code, const catalog::ServicesCatalog& catalog) {
    json entitlement{{"code", code}, {"services", json::array()}};
    const catalog::Entitlement* known = catalog.findEntitlement(code);
    entitlement["names"] = known ? textsJson(known->names) : json{{"en", code}};
    for (const catalog::Service& service : catalog.services())
        if (service.entitlement == code)
            entitlement["services"].push_back(
                {{"code", service.code}, {"names", textsJson(service.names)}, {"where", textsJson(service.where)}});
    return entitlement;
}

} // namespace

std::string kioskStatus(const Decision& assessed) {
    if (assessed.granted) return "valid";
    for (const char* status : {"suspended", "revoked", "expired", "not-yet-valid"})
        if (assessed.reason == status) return status;
    return "invalid";
}

json kioskCardView(const Decision& assessed, const catalog::ServicesCatalog& catalog,
                   std::chrono::system_clock::time_point now, bool pinPossible) {
    const std::string status = kioskStatus(assessed);
    json card{{"status", status},
              {"reason", assessed.reason},
              {"serial", assessed.serial},
              {"language", assessed.preferredLanguage.empty() ? "en" : assessed.preferredLanguage},
              {"interface", assessed.cardInterface},
              {"assurance", assessed.assurance},
              {"pin_possible", pinPossible},
              {"entitlements", json::array()},
              {"expires", nullptr},
              {"days_left", nullptr},
              {"renewal_due", false}};
    if (assessed.expires) {
        // In seconds: an unverified card may say it expired in 1678, which is more than the
        // clock's nanoseconds can hold from now.
        const auto left = std::chrono::duration_cast<std::chrono::hours>(
            std::chrono::floor<std::chrono::seconds>(*assessed.expires) - std::chrono::floor<std::chrono::seconds>(now));
        const long days = static_cast<long>(std::floor(static_cast<double>(left.count()) / 24.0));
        card["expires"] = db::formatUtc(*assessed.expires);
        card["days_left"] = days;
        card["renewal_due"] = status == "valid" && days <= kRenewalReminderDays;
    }
    for (const std::string& code : assessed.entitlements) card["entitlements"].push_back(entitlementJson(code, catalog));
    return card;
}

std::optional<PinRequest> parsePinRequest(const std::string& body) {
    json document;
    try {
        document = json::parse(body);
    } catch (const json::exception&) {
        return std::nullopt;
    }
    if (!document.is_object() || !document.contains("pin") || !document["pin"].is_string()) return std::nullopt;
    // The PIN text inside the parsed document is wiped once copied (httplib's request buffer
    // is not ours to wipe).
    std::string& pinText = document["pin"].get_ref<std::string&>();
    PinRequest request;
    request.wellFormed = pinText.size() >= 6 && pinText.size() <= 8 &&
                         pinText.find_first_not_of("0123456789") == std::string::npos;
    request.pin = SecretBytes{std::string_view(pinText)};
    secureWipe(pinText.data(), pinText.size());
    return request;
}

} // namespace fmc::terminal
