#include "terminal/crl_sync.hpp"

#include "crypto/digest.hpp"
#include "crypto/pki/crl_index.hpp"
#include "crypto/pki/revocation_index.hpp"
#include "card/exit_codes.hpp"
#include "db/utc_text.hpp"

#include <algorithm>
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

// Fetches, checks and stores one file; nullopt when stored, else how it failed (the problem
// recorded). With `fallbackFollows` the outcome is left to the caller, who tries the complete CRL.
std::optional<SyncOutcome> importFile(TerminalHome& home, CrlSource& source, const std::string& folder,
                                      const pki::CrlIndexEntry& entry, ListSyncReport& report, bool fallbackFollows) {
    try {
        const ImportedCrl imported = home.importCrl(ByteView(fetchChecked(source, folder, entry, report.bytesDownloaded)));
        for (const std::string& warning : imported.warnings) report.problems.push_back(warning);
        return std::nullopt;
    } catch (const std::exception& error) {
        std::string problem = error.what();
        if (dynamic_cast<const CrlSourceUnavailableError*>(&error) == nullptr &&
            dynamic_cast<const CrlSourceRefusedError*>(&error) == nullptr)
            problem = source.locate(folder + "/" + entry.file) + ": " + problem;  // a pki error: name the file
        const SyncOutcome outcome =
                dynamic_cast<const CrlSourceUnavailableError*>(&error) ? SyncOutcome::unavailable : SyncOutcome::refused;
        if (fallbackFollows)
            report.problems.push_back(problem + "; taking the complete CRL instead");
        else
            fail(report, outcome, problem);
        return outcome;
    }
}

// The ARL an index names, with the folder it lives in.
struct NamedArl {
    std::string folder;
    pki::CrlIndexEntry entry;
};

// Fetches and verifies `ca`'s signed index; nullopt (the failure recorded) when that failed.
std::optional<pki::CrlIndex> fetchIndex(CrlSource& source, const pki::TrustStore& trust, const pki::Certificate& ca,
                                        const std::string& indexPath, ListSyncReport& report) {
    try {
        const Bytes signedIndex = source.fetch(indexPath, pki::kCrlIndexMaxBytes);
        report.bytesDownloaded += signedIndex.size();
        pki::CrlIndex index = pki::verifyCrlIndex(ByteView(signedIndex), trust);
        if (index.issuerKeyId != ca.subjectKeyIdentifier())
            throw pki::UntrustedCrlIndexError("the index is signed by another CA (" + index.issuer + ")");
        return index;
    } catch (const CrlSourceUnavailableError& error) {
        fail(report, SyncOutcome::unavailable, error.what());
    } catch (const CrlSourceRefusedError& error) {
        fail(report, SyncOutcome::refused, error.what());
    } catch (const std::exception& error) {
        fail(report, SyncOutcome::refused, source.locate(indexPath) + ": " + error.what());
    }
    return std::nullopt;
}

// Takes what `index` offers beyond the list `held` (nullptr: none).
void applyIndex(TerminalHome& home, CrlSource& source, const pki::Certificate& ca, const pki::RevocationIndex* held,
                const pki::CrlIndex& index, const std::string& indexPath, ListSyncReport& report) {
    const std::string folder = pki::crlFolderName(ca);
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
    std::optional<SyncOutcome> deltaFailure;
    if (deltaApplies) {
        deltaFailure = importFile(home, source, folder, *index.delta, report, true);
        if (!deltaFailure) {
            report.applied = "delta";
            report.outcome = SyncOutcome::updated;
            return;
        }
    }
    if (!importFile(home, source, folder, index.full, report, false)) {
        report.applied = "full";
        report.outcome = SyncOutcome::updated;
    } else if (deltaFailure == SyncOutcome::refused) {
        report.outcome = SyncOutcome::refused;  // a refused delta stays refused when the complete CRL is out of reach
    }
}

void syncIssuingCa(TerminalHome& home, CrlSource& source, const pki::TrustStore& trust, const pki::Certificate& ca,
                   const pki::RevocationState& state, std::chrono::system_clock::time_point now, ListSyncReport& report,
                   std::map<std::string, NamedArl>& arlsByRoot) {
    const std::string folder = pki::crlFolderName(ca);
    const std::string indexPath = folder + "/" + pki::kCrlIndexFileName;
    const std::optional<pki::CrlIndex> index = fetchIndex(source, trust, ca, indexPath, report);
    if (!index) return;
    if (index->arl) {
        NamedArl& newest = arlsByRoot[ca.issuer()];
        if (newest.folder.empty() || index->arl->crlNumber > newest.entry.crlNumber) newest = NamedArl{folder, *index->arl};
    }
    applyIndex(home, source, ca, state.forIssuer(ca.native()), *index, indexPath, report);
    // A signed index past its nextUpdate still verifies: only the clock tells that the mirror
    // stopped following the station, or replays an old index to hide a revocation.
    if (now > index->nextUpdate) {
        report.problems.push_back("the index is past its next update (" + utc(index->nextUpdate) +
                                  "): the mirror is stale or replays an old index");
        if (report.outcome == SyncOutcome::upToDate) report.outcome = SyncOutcome::unavailable;
    }
}

void syncRootArl(TerminalHome& home, CrlSource& source, const pki::Certificate& root, const pki::RevocationState& state,
                 const NamedArl& named, ListSyncReport& report) {
    const pki::RevocationIndex* held = state.forIssuer(root.native());
    if (held && named.entry.crlNumber < held->crlNumber()) {
        fail(report, SyncOutcome::refused,
             source.locate(named.folder + "/" + named.entry.file) + ": ARL " + std::to_string(named.entry.crlNumber) +
                 " is older than the ARL " + std::to_string(held->crlNumber()) + " held: mirror behind or replayed");
        return;
    }
    if (held && named.entry.crlNumber == held->crlNumber()) return;
    if (!importFile(home, source, named.folder, named.entry, report, false)) {
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
    // Loaded once: each import below changes only its own CA's list, so what is held for the
    // others stays as loaded here. Stored lists that do not load are the operator's to see.
    std::vector<std::string> loadProblems;
    pki::RevocationState state = home.loadRevocations(trust, loadProblems);
    std::map<std::string, NamedArl> arlsByRoot;  // by the root's subject
    std::vector<const pki::Certificate*> listed;  // the CA of each report.lists entry
    for (const pki::Certificate& ca : trust.issuingCas()) {
        ListSyncReport& list = report.lists.emplace_back();
        list.issuer = ca.subject();
        listed.push_back(&ca);
        syncIssuingCa(home, source, trust, ca, state, now, list, arlsByRoot);
    }
    for (const pki::Certificate& root : trust.roots()) {
        const auto named = arlsByRoot.find(root.subject());
        if (named == arlsByRoot.end()) continue;
        ListSyncReport& list = report.lists.emplace_back();
        list.issuer = root.subject();
        list.authorityList = true;
        listed.push_back(&root);
        syncRootArl(home, source, root, state, named->second, list);
    }
    const bool anyUpdated = std::any_of(report.lists.begin(), report.lists.end(),
                                        [](const ListSyncReport& list) { return list.outcome == SyncOutcome::updated; });
    if (anyUpdated) {
        std::vector<std::string> ignored;  // the same files as above, plus the new ones that just verified
        state = home.loadRevocations(trust, ignored);
    }
    for (std::size_t i = 0; i < report.lists.size(); ++i) describeHeld(state, *listed[i], now, report.lists[i]);
    // Stored file names start with the CA's key identifier: each problem goes to its CA's list.
    for (const std::string& problem : loadProblems) {
        std::vector<std::string>* owner = &report.problems;
        for (std::size_t i = 0; i < report.lists.size(); ++i)
            if (problem.rfind(toHex(listed[i]->subjectKeyIdentifier()), 0) == 0) owner = &report.lists[i].problems;
        owner->push_back("stored list: " + problem);
    }
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
    return json{{"time", utc(report.at)}, {"exit_code", report.exitCode()}, {"lists", lists}, {"problems", report.problems}};
}

} // namespace fmc::terminal
