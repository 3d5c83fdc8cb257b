#include "card/reader_survey.hpp"

#include "card/atr.hpp"
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/pcsc/pcsc_transaction.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
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

std::string kindName(AtrKind kind) {
    switch (kind) {
    case AtrKind::contactCard: return "contact card";
    case AtrKind::contactlessApduCard: return "ISO 14443-4";
    case AtrKind::contactlessStorageCard: return "storage card";
    }
    return "unknown";
}

void describeFromAtr(ReaderReport& report) {
    try {
        const AtrDescription description = describeAtr(report.atr);
        report.cardInterface =
            description.cardInterface == CardInterface::contactless ? "contactless" : "contact";
        report.cardKind = kindName(description.kind);
        report.knownCard = description.knownCard;
        report.atrSummary = description.summary;
    } catch (const MalformedAtr& error) {
        report.problems.push_back(error.what());
    }
}

// Runs `step`; a failure becomes a line in the report instead of ending the survey.
template <typename Step>
void tolerate(ReaderReport& report, const char* what, Step step) {
    try {
        step();
    } catch (const std::exception& error) {
        report.problems.push_back(std::string(what) + ": " + error.what());
    }
}

void probeCard(const pcsc::PcscContext& context, ReaderReport& report) {
    pcsc::PcscCard card(context, report.readerName);
    // The ATR the connection reports is the one that counts (it can differ after a reset).
    report.atr = card.atr();
    pcsc::PcscTransaction transaction(card);
    if (report.cardInterface == "contactless")
        tolerate(report, "contactless UID", [&] { report.contactlessUid = card.contactlessUid(); });

    CardChannel channel(card);
    piv::PivCard piv(channel);
    try {
        piv.select();
        report.pivPresent = true;
    } catch (const CardStatusError& error) {
        report.pivPresent = false;
        if (error.kind() != StatusKind::notFound)
            report.problems.push_back(std::string("SELECT PIV: ") + error.what());
        return;
    }
    // Vendor commands: a card without them is normal, not a problem worth reporting.
    try {
        report.pivVersion = piv.version().toString();
    } catch (const CardStatusError&) {
    }
    try {
        report.serial = piv.serial();
    } catch (const CardStatusError&) {
    }
    tolerate(report, "CHUID", [&] {
        if (const auto chuid = piv.readChuid()) report.cardUuid = piv::uuidToString(chuid->guid);
    });
}

} // namespace

ReaderReport surveyReader(const pcsc::PcscContext& context, const pcsc::ReaderState& state) {
    ReaderReport report;
    report.readerName = state.name;
    report.cardPresent = state.cardPresent;
    report.atr = state.atr;
    if (!state.cardPresent) return report;
    if (state.mute) {
        report.problems.push_back("the card does not answer the reset (mute)");
        return report;
    }
    describeFromAtr(report);
    const Bytes atrBefore = report.atr;
    tolerate(report, "card", [&] { probeCard(context, report); });
    if (report.atr != atrBefore) describeFromAtr(report);
    return report;
}

std::vector<ReaderReport> surveyReaders(pcsc::PcscContext& context, const ReaderSurveyRequest& request) {
    if (request.waitForCard) context.waitForCard(request.readerFilter, *request.waitForCard);
    // Fails with NoReaderError when nothing matches, naming the readers it saw.
    if (!request.readerFilter.empty()) (void)context.findReader(request.readerFilter);

    std::vector<ReaderReport> reports;
    for (const pcsc::ReaderState& state : context.readerStates()) {
        if (!pcsc::readerNameMatches(state.name, request.readerFilter)) continue;
        reports.push_back(surveyReader(context, state));
    }
    if (reports.empty())
        pcsc::throwPcscError("SCardListReaders", pcsc::codes::kNoReadersAvailable);

    const bool anyCard = std::any_of(reports.begin(), reports.end(),
                                     [](const ReaderReport& report) { return report.cardPresent; });
    if ((request.requireCard || request.waitForCard) && !anyCard) {
        const std::string where = request.readerFilter.empty()
                                      ? std::string("any reader")
                                      : "a reader matching '" + request.readerFilter + "'";
        pcsc::throwPcscError("readers", pcsc::codes::kNoSmartcard, "no card in " + where);
    }
    return reports;
}

std::string formatSurveyText(const std::vector<ReaderReport>& reports) {
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
                if (report.pivVersion) out << ", version " << *report.pivVersion;
                if (report.serial) out << ", serial " << *report.serial;
                out << "\n";
            }
            if (report.cardUuid) out << "  card UUID:  " << *report.cardUuid << "\n";
        }
        for (const std::string& problem : report.problems) out << "  problem:    " << problem << "\n";
    }
    return out.str();
}

std::string formatSurveyJson(const std::vector<ReaderReport>& reports) {
    using nlohmann::json;
    const auto optionalString = [](const std::string& text) { return text.empty() ? json(nullptr) : json(text); };
    json readers = json::array();
    for (const ReaderReport& report : reports) {
        json entry;
        entry["name"] = report.readerName;
        entry["card_present"] = report.cardPresent;
        entry["atr"] = report.cardPresent ? json(toHex(report.atr)) : json(nullptr);
        entry["interface"] = optionalString(report.cardInterface);
        entry["card_kind"] = optionalString(report.cardKind);
        entry["known_card"] = optionalString(report.knownCard);
        entry["description"] = optionalString(report.atrSummary);
        entry["uid"] = report.contactlessUid ? json(toHex(*report.contactlessUid)) : json(nullptr);
        entry["piv_present"] = report.pivPresent ? json(*report.pivPresent) : json(nullptr);
        entry["piv_version"] = report.pivVersion ? json(*report.pivVersion) : json(nullptr);
        entry["serial"] = report.serial ? json(*report.serial) : json(nullptr);
        entry["card_uuid"] = report.cardUuid ? json(*report.cardUuid) : json(nullptr);
        entry["problems"] = report.problems;
        readers.push_back(std::move(entry));
    }
    return json{{"readers", readers}}.dump(2) + "\n";
}

} // namespace fmc::card
