// The reader survey for people (text) and for scripts (JSON): formatSurveyText and
// formatSurveyJson of reader_survey.hpp.
#include "card/reader_survey.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <sstream>

namespace fmc::card {
namespace {

std::string spacedHex(ByteView bytes) {
    const std::string hex = toHex(bytes);
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (i != 0) out.push_back(' ');
        out.append(hex, i, 2);
    }
    return out;
}

std::string statusWordHex(std::uint16_t sw) {
    return toHex(Bytes{static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw & 0xFF)});
}

// RFC 3339 in UTC, to the second: "2027-11-29T17:53:00Z".
std::string utcText(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string_view trustWord(IssuerTrust trust) {
    switch (trust) {
    case IssuerTrust::trusted: return "yes";
    case IssuerTrust::untrusted: return "no";
    case IssuerTrust::unknown: break;
    }
    return "unknown";
}

void writeCredentialText(std::ostream& out, const ReaderReport& report) {
    if (!report.fmc) {
        if (!report.notOursReason.empty()) out << "  ours:       no (" << report.notOursReason << ")\n";
        return;
    }
    const FmcCredential& fmc = *report.fmc;
    out << "  ours:       yes, "
        << (fmc.kind == FmcCredential::Kind::card ? "a Foreign Merchant Card" : "a Foreign Merchant NFC tag")
        << ", serial " << toHex(fmc.serialNumber) << "\n";
    out << "  " << (fmc.kind == FmcCredential::Kind::card ? "card UUID:  " : "credential: ") << fmc.cardUuid << "\n";
    out << "  issuer:     " << fmc.issuerName << " (key id " << toHex(fmc.issuerKeyId) << ")\n";
    out << "  expires:    " << utcText(fmc.notAfter) << "\n";
    if (fmc.boundUid) {
        out << "  bound UID:  " << spacedHex(*fmc.boundUid)
            << (fmc.uidMatches == true ? " (this tag's)" : " (NOT this tag's UID: a copy)") << "\n";
    }
    out << "  trusted:    issued by a CA trusted here: " << trustWord(report.issuerTrust)
        << (report.issuerTrust == IssuerTrust::unknown ? " (no trust anchors loaded)" : "") << "\n";
}

nlohmann::json hintsJson(const std::vector<Hint>& hints) {
    nlohmann::json out = nlohmann::json::array();
    for (const Hint& hint : hints) out.push_back({{"id", hintName(hint.id)}, {"text", hint.text}});
    return out;
}

nlohmann::json credentialJson(const ReaderReport& report) {
    using nlohmann::json;
    if (!report.fmc) return nullptr;
    const FmcCredential& fmc = *report.fmc;
    json out;
    out["kind"] = fmc.kind == FmcCredential::Kind::card ? "card" : "tag";
    out["serial"] = toHex(fmc.serialNumber);
    out["card_uuid"] = fmc.cardUuid;
    out["issuer"] = fmc.issuerName;
    out["issuer_key_id"] = toHex(fmc.issuerKeyId);
    out["expires"] = utcText(fmc.notAfter);
    out["issuer_trusted"] = trustWord(report.issuerTrust);
    out["bound_uid"] = fmc.boundUid ? json(toHex(*fmc.boundUid)) : json(nullptr);
    out["uid_matches"] = fmc.uidMatches ? json(*fmc.uidMatches) : json(nullptr);
    return out;
}

} // namespace

std::string formatSurveyText(const std::vector<ReaderReport>& reports, const SurveyNotes& notes) {
    std::ostringstream out;
    for (const ReaderReport& report : reports) {
        out << report.readerName << "\n";
        if (!report.cardPresent) {
            out << "  card:       none\n";
        } else {
            out << "  card:       present" << (report.cardInterface.empty() ? "" : ", " + report.cardInterface)
                << "\n";
            out << "  ATR:        " << spacedHex(report.atr) << "\n";
            if (!report.atrSummary.empty()) out << "  type:       " << report.atrSummary << "\n";
            if (report.contactlessUid) out << "  UID:        " << spacedHex(*report.contactlessUid) << "\n";
            if (report.pivPresent) {
                out << "  PIV:        " << (*report.pivPresent ? "yes" : "no");
                if (report.pivSelectStatus) out << " (SELECT answered " << statusWordHex(*report.pivSelectStatus) << ")";
                if (report.pivVersion) out << ", version " << *report.pivVersion;
                if (report.serial) out << ", serial " << *report.serial;
                out << "\n";
            }
            if (report.cardUuid && !report.fmc) out << "  card UUID:  " << *report.cardUuid << "\n";
            if (report.ndefMessagePresent)
                out << "  NDEF:       " << (*report.ndefMessagePresent ? "a message is present" : "no message (blank)") << "\n";
            writeCredentialText(out, report);
        }
        for (const std::string& problem : report.problems) out << "  problem:    " << problem << "\n";
        for (const Hint& hint : report.hints) out << "  hint:       " << hint.text << "\n";
    }
    if (!notes.trustAnchors.empty()) out << "trust anchors: " << notes.trustAnchors << "\n";
    for (const Hint& hint : notes.hints) out << "hint: " << hint.text << "\n";
    return out.str();
}

std::string formatSurveyJson(const std::vector<ReaderReport>& reports, const SurveyNotes& notes) {
    using nlohmann::json;
    const auto optionalString = [](const std::string& text) { return text.empty() ? json(nullptr) : json(text); };
    json readers = json::array();
    for (const ReaderReport& report : reports) {
        json entry;
        entry["name"] = report.readerName;
        entry["card_present"] = report.cardPresent;
        entry["mute"] = report.mute;
        entry["atr"] = report.cardPresent ? json(toHex(report.atr)) : json(nullptr);
        entry["interface"] = optionalString(report.cardInterface);
        entry["card_kind"] = optionalString(report.cardKind);
        entry["known_card"] = optionalString(report.knownCard);
        entry["description"] = optionalString(report.atrSummary);
        entry["uid"] = report.contactlessUid ? json(toHex(*report.contactlessUid)) : json(nullptr);
        entry["piv_present"] = report.pivPresent ? json(*report.pivPresent) : json(nullptr);
        entry["piv_select_sw"] = report.pivSelectStatus ? json(statusWordHex(*report.pivSelectStatus)) : json(nullptr);
        entry["piv_version"] = report.pivVersion ? json(*report.pivVersion) : json(nullptr);
        entry["serial"] = report.serial ? json(*report.serial) : json(nullptr);
        entry["card_uuid"] = report.cardUuid ? json(*report.cardUuid) : json(nullptr);
        entry["ndef_message"] = report.ndefMessagePresent ? json(*report.ndefMessagePresent) : json(nullptr);
        entry["fmc"] = credentialJson(report);
        entry["not_ours_reason"] = optionalString(report.notOursReason);
        entry["problems"] = report.problems;
        entry["hints"] = hintsJson(report.hints);
        readers.push_back(std::move(entry));
    }
    return json{{"readers", readers},
                {"trust_anchors", optionalString(notes.trustAnchors)},
                {"hints", hintsJson(notes.hints)}}
               .dump(2) +
           "\n";
}

} // namespace fmc::card
