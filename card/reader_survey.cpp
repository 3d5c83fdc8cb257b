#include "card/reader_survey.hpp"

#include "card/atr.hpp"
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/pcsc/pcsc_transaction.hpp"
#include "card/piv/piv_card.hpp"
#include "card/reader_identity.hpp"
#include "card/status_words.hpp"

#include <algorithm>
#include <exception>

namespace fmc::card {
namespace {

std::string kindName(AtrKind kind) {
    switch (kind) {
    case AtrKind::contactCard: return "contact card";
    case AtrKind::contactlessApduCard: return "ISO 14443-4";
    case AtrKind::contactlessStorageCard: return "storage card";
    }
    return "unknown";
}

void describeFromAtr(ReaderReport& report) {
    report.cardInterface.clear();
    report.cardKind.clear();
    report.knownCard.clear();
    report.cardFamily = CardFamily::unknown;
    report.atrSummary.clear();
    try {
        const AtrDescription description = describeAtr(report.atr);
        report.cardInterface =
            description.cardInterface == CardInterface::contactless ? "contactless" : "contact";
        report.cardKind = kindName(description.kind);
        report.knownCard = description.knownCard;
        report.cardFamily = description.family;
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

void probePivCard(CardChannel& channel, ReaderReport& report, const ReaderSurveyRequest& request) {
    piv::PivCard piv(channel);
    try {
        piv.select();
        report.pivPresent = true;
    } catch (const CardStatusError& error) {
        report.pivPresent = false;
        report.pivSelectStatus = error.sw();
        if (error.kind() != StatusKind::notFound)
            report.problems.push_back(std::string("SELECT PIV: ") + error.what());
        report.notOursReason = "no PIV application";
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
    tolerate(report, "9E certificate", [&] { identifyPivCard(piv, report, request.trustedIssuingCas); });
}

void probeCard(const pcsc::PcscContext& context, ReaderReport& report, const ReaderSurveyRequest& request) {
    pcsc::PcscCard card(context, report.readerName);
    // The ATR the connection reports is the one that counts (it can differ after a reset):
    // what to ask the card follows from it. Nothing but the first ATR's description has made
    // a problem line yet.
    if (card.atr() != report.atr) {
        report.atr = card.atr();
        report.problems.clear();
        describeFromAtr(report);
    }
    pcsc::PcscTransaction transaction(card);
    if (report.cardInterface == "contactless")
        tolerate(report, "contactless UID", [&] { report.contactlessUid = card.contactlessUid(); });

    CardChannel channel(card);
    if (report.cardKind == "storage card") {
        // Only the Type 2 Tags of our NFC profile are read; a storage card answers no APDU of
        // its own, and MIFARE Classic needs Crypto1 keys we never use.
        if (report.cardFamily == CardFamily::ntag21x)
            tolerate(report, "NFC tag", [&] { identifyTag(channel, report, request.trustedIssuingCas); });
        return;
    }
    if (report.cardFamily == CardFamily::mifareDesfire) return;  // no PIV, nothing of ours
    probePivCard(channel, report, request);
}

} // namespace

ReaderReport surveyReader(const pcsc::PcscContext& context, const pcsc::ReaderState& state,
                          const ReaderSurveyRequest& request) {
    ReaderReport report;
    report.readerName = state.name;
    report.cardPresent = state.cardPresent;
    report.atr = state.atr;
    if (!state.cardPresent) return report;
    if (state.mute) {
        report.mute = true;
        report.problems.push_back("the card does not answer the reset (mute)");
        return report;
    }
    describeFromAtr(report);
    try {
        probeCard(context, report, request);
    } catch (const pcsc::SharingViolation& error) {
        report.heldByAnotherProgram = true;
        report.problems.push_back(std::string("card: ") + error.what());
    } catch (const pcsc::CardCommunicationError& error) {
        // The reader saw a card that then did not answer the connection's reset.
        report.mute = error.codeName() == "SCARD_W_UNRESPONSIVE_CARD";
        report.problems.push_back(std::string("card: ") + error.what());
    } catch (const std::exception& error) {
        report.problems.push_back(std::string("card: ") + error.what());
    }
    return report;
}

std::vector<ReaderReport> surveyReaders(pcsc::PcscContext& context, const ReaderSurveyRequest& request) {
    if (request.waitForCard) context.waitForCard(request.readerFilter, *request.waitForCard);
    // Fails with NoReaderError when nothing matches, naming the readers it saw.
    if (!request.readerFilter.empty()) (void)context.findReader(request.readerFilter);

    std::vector<ReaderReport> reports;
    for (const pcsc::ReaderState& state : context.readerStates()) {
        if (!pcsc::readerNameMatches(state.name, request.readerFilter)) continue;
        reports.push_back(surveyReader(context, state, request));
        reports.back().hints = hintsForReader(reports.back());
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

} // namespace fmc::card
