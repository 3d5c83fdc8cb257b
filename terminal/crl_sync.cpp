#include "terminal/crl_sync.hpp"

#include "crypto/digest.hpp"
#include "crypto/pki/crl_index.hpp"
#include "crypto/pki/revocation_index.hpp"
#include "card/exit_codes.hpp"
#include "db/utc_text.hpp"

#include <cmath>
#include <cstdio>
#include <map>

namespace fmc::terminal {

namespace pki = crypto::pki;
using nlohmann::json;

namespace {

std::string utc(std::chrono::system_clock::time_point time) {
    return db::formatUtc(std::chrono::floor<std::chrono::seconds>(time));
}

// Fetches the file `entry` names and checks it against the index before anything parses it:
// a cap at the announced size, then the exact size and the SHA-256.
Bytes fetchChecked(CrlSource& source, const std::string& folder, const pki::CrlIndexEntry& entry,
                   std::uint64_t& downloaded) {
    const std::string path = folder + "/" + entry.file;
    Bytes bytes = source.fetch(path, entry.size);
    downloaded += bytes.size();
    if (bytes.size() != entry.size)
        throw CrlSourceRefusedError(source.locate(path) + ": " + std::to_string(bytes.size()) + " bytes, the index says " +
                                    std::to_string(entry.size) + " (truncated)");
    if (crypto::sha256(ByteView(bytes)) != entry.sha256)
        throw CrlSourceRefusedError(source.locate(path) + ": its SHA-256 is not the one in the index");
    return bytes;
}

// Records a failure of one step: unreachable sources are "try later", everything else refused.
void fail(ListSyncReport& report, SyncOutcome outcome, std::string problem) {
    if (report.outcome != SyncOutcome::refused) report.outcome = outcome;
    report.problems.push_back(std::move(problem));
}

// Fetches, checks and stores one file; false (with the problem recorded) when that failed.
bool importFile(TerminalHome& home, CrlSource& source, const std::string& folder, const pki::CrlIndexEntry& entry,
                ListSyncReport& report, bool fallbackFollows) {
    try {
        (void)home.importCrl(ByteView(fetchChecked(source, folder, entry, report.bytesDownloaded)));
        return true;
    } catch (const std::exception& error) {
        std::string problem = error.what();
        if (dynamic_cast<const CrlSourceUnavailableError*>(&error) == nullptr &&
            dynamic_cast<const CrlSourceRefusedError*>(&error) == nullptr)
            problem = source.locate(folder + "/" + entry.file) + ": " + problem;  // a pki error: name the file
        if (fallbackFollows) {
            report.problems.push_back(problem + "; taking the complete CRL instead");
            return false;
        }
        fail(report, dynamic_cast<const CrlSourceUnavailableError*>(&error) ? SyncOutcome::unavailable : SyncOutcome::refused,
             problem);
        return false;
    }
}

// The ARL an index names, with the folder it lives in.
struct NamedArl {
    std::string folder;
    pki::CrlIndexEntry entry;
};

void syncIssuingCa(TerminalHome& home, CrlSource& source, const pki::TrustStore& trust, const pki::Certificate& ca,
                   ListSyncReport& report, std::map<std::string, NamedArl>& arlsByRoot) {
    const std::string folder = pki::crlFolderName(ca);
    const std::string indexPath = folder + "/" + pki::kCrlIndexFileName;
    std::vector<std::string> ignored;
    const pki::RevocationState state = home.loadRevocations(trust, ignored);
    const pki::RevocationIndex* held = state.forIssuer(ca.native());
    pki::CrlIndex index;
    try {
        const Bytes signedIndex = source.fetch(indexPath, pki::kCrlIndexMaxBytes);
        report.bytesDownloaded += signedIndex.size();
        index = pki::verifyCrlIndex(ByteView(signedIndex), trust);
        if (index.issuerKeyId != ca.subjectKeyIdentifier())
            throw pki::UntrustedCrlIndexError("the index is signed by another CA (" + index.issuer + ")");
    } catch (const CrlSourceUnavailableError& error) {
        fail(report, SyncOutcome::unavailable, error.what());
        return;
    } catch (const CrlSourceRefusedError& error) {
        fail(report, SyncOutcome::refused, error.what());
        return;
    } catch (const std::exception& error) {
        fail(report, SyncOutcome::refused, source.locate(indexPath) + ": " + error.what());
        return;
    }
    if (index.arl) {
        NamedArl& newest = arlsByRoot[ca.issuer()];
        if (newest.folder.empty() || index.arl->crlNumber > newest.entry.crlNumber) newest = NamedArl{folder, *index.arl};
    }
    const std::uint64_t heldNumber = held ? held->crlNumber() : 0;
    if (held && index.full.crlNumber < heldNumber) {
        fail(report, SyncOutcome::refused,
             source.locate(indexPath) + ": names CRL " + std::to_string(index.full.crlNumber) + ", older than the CRL " +
                 std::to_string(heldNumber) + " held: mirror behind or replayed");
        return;
    }
    if (held && index.full.crlNumber == heldNumber) return;  // up to date
    const bool deltaApplies = held && index.delta && index.delta->baseCrlNumber &&
                              *index.delta->baseCrlNumber <= heldNumber && heldNumber < index.delta->crlNumber &&
                              home.storedDeltaCount(ca) < kMaxStoredDeltas;
    if (deltaApplies && importFile(home, source, folder, *index.delta, report, true)) {
        report.applied = "delta";
        report.outcome = SyncOutcome::updated;
        return;
    }
    if (importFile(home, source, folder, index.full, report, false)) {
        report.applied = "full";
        report.outcome = SyncOutcome::updated;
    }
}

void syncRootArl(TerminalHome& home, CrlSource& source, const pki::TrustStore& trust, const pki::Certificate& root,
                 const NamedArl& named, ListSyncReport& report) {
    std::vector<std::string> ignored;
    const pki::RevocationState state = home.loadRevocations(trust, ignored);
    const pki::RevocationIndex* held = state.forIssuer(root.native());
    if (held && named.entry.crlNumber < held->crlNumber()) {
        fail(report, SyncOutcome::refused,
             source.locate(named.folder + "/" + named.entry.file) + ": ARL " + std::to_string(named.entry.crlNumber) +
                 " is older than the ARL " + std::to_string(held->crlNumber()) + " held: mirror behind or replayed");
        return;
    }
    if (held && named.entry.crlNumber == held->crlNumber()) return;
    if (importFile(home, source, named.folder, named.entry, report, false)) {
        report.applied = "full";
        report.outcome = SyncOutcome::updated;
    }
}

// What the terminal holds for `ca` now, whatever happened.
void describeHeld(const pki::RevocationState& state, const pki::Certificate& ca, std::chrono::system_clock::time_point now,
                  ListSyncReport& report) {
    const pki::RevocationIndex* held = state.forIssuer(ca.native());
    if (held == nullptr) return;
    report.crlNumber = held->crlNumber();
    report.completeCrlNumber = held->completeCrlNumber();
    report.ageHours = held->ageHours(now);
    report.nextUpdate = held->nextUpdate();
}

std::string outcomeName(SyncOutcome outcome) {
    switch (outcome) {
    case SyncOutcome::upToDate: return "up-to-date";
    case SyncOutcome::updated: return "updated";
    case SyncOutcome::refused: return "refused";
    case SyncOutcome::unavailable: return "unavailable";
    }
    return "unknown";
}

std::string hours(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

} // namespace

int SyncReport::exitCode() const {
    bool unavailable = false;
    for (const ListSyncReport& list : lists) {
        if (list.outcome == SyncOutcome::refused) return toInt(ExitCode::invalidInput);
        unavailable = unavailable || list.outcome == SyncOutcome::unavailable;
    }
    return unavailable ? toInt(ExitCode::busy) : 0;
}

SyncReport syncRevocationLists(TerminalHome& home, CrlSource& source, std::chrono::system_clock::time_point now) {
    const pki::TrustStore trust = home.loadTrust();
    SyncReport report;
    report.at = now;
    std::map<std::string, NamedArl> arlsByRoot;  // by the root's subject
    for (const pki::Certificate& ca : trust.issuingCas()) {
        ListSyncReport& list = report.lists.emplace_back();
        list.issuer = ca.subject();
        syncIssuingCa(home, source, trust, ca, list, arlsByRoot);
    }
    for (const pki::Certificate& root : trust.roots()) {
        const auto named = arlsByRoot.find(root.subject());
        if (named == arlsByRoot.end()) continue;
        ListSyncReport& list = report.lists.emplace_back();
        list.issuer = root.subject();
        list.authorityList = true;
        syncRootArl(home, source, trust, root, named->second, list);
    }
    std::vector<std::string> ignored;
    const pki::RevocationState state = home.loadRevocations(trust, ignored);
    std::size_t next = 0;
    for (const pki::Certificate& ca : trust.issuingCas()) describeHeld(state, ca, now, report.lists[next++]);
    for (; next < report.lists.size(); ++next)
        for (const pki::Certificate& root : trust.roots())
            if (root.subject() == report.lists[next].issuer) describeHeld(state, root, now, report.lists[next]);
    return report;
}

std::string syncSummaryLine(const SyncReport& report) {
    std::string line = utc(report.at);
    for (const ListSyncReport& list : report.lists) {
        line += (&list == &report.lists.front() ? "  " : "; ") + list.issuer + ": ";
        const std::string kind = list.authorityList ? "ARL " : "CRL ";
        switch (list.outcome) {
        case SyncOutcome::updated:
            line += kind + std::to_string(list.crlNumber.value_or(0)) + (list.applied == "delta" ? " (delta on " + std::to_string(list.completeCrlNumber.value_or(0)) + ")" : " (complete)") +
                    ", " + std::to_string(list.bytesDownloaded) + " bytes";
            break;
        case SyncOutcome::upToDate:
            line += list.crlNumber ? kind + std::to_string(*list.crlNumber) + " up to date" : "nothing published";
            break;
        case SyncOutcome::refused:
        case SyncOutcome::unavailable:
            line += std::string(list.outcome == SyncOutcome::refused ? "REFUSED" : "UNREACHABLE") + ", keeps " +
                    (list.crlNumber ? kind + std::to_string(*list.crlNumber) : "no list");
            break;
        }
        if (list.ageHours) line += ", " + hours(*list.ageHours) + " h old, next update " + utc(*list.nextUpdate);
    }
    if (report.lists.empty()) line += "  no issuing CA in the trust anchors";
    return line;
}

json syncReportJson(const SyncReport& report) {
    json lists = json::array();
    for (const ListSyncReport& list : report.lists) {
        lists.push_back({{"issuer", list.issuer},
                         {"kind", list.authorityList ? "arl" : "crl"},
                         {"outcome", outcomeName(list.outcome)},
                         {"crl_number", list.crlNumber ? json(*list.crlNumber) : json(nullptr)},
                         {"complete_crl_number", list.completeCrlNumber ? json(*list.completeCrlNumber) : json(nullptr)},
                         {"applied", list.applied},
                         {"bytes_downloaded", list.bytesDownloaded},
                         {"age_hours", list.ageHours ? json(std::round(*list.ageHours * 100) / 100) : json(nullptr)},
                         {"next_update", list.nextUpdate ? json(utc(*list.nextUpdate)) : json(nullptr)},
                         {"problems", list.problems}});
    }
    return json{{"time", utc(report.at)}, {"exit_code", report.exitCode()}, {"lists", lists}};
}

} // namespace fmc::terminal
