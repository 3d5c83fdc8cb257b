#pragma once
// `fmc-terminal crl sync`: brings the terminal's CRLs up to date from the folder layout that
// `fmc-issue crl publish --dir` writes (docs/terminal.md), served by any static web server or
// carried on a USB stick. Per issuing CA of the trust store: its signed index first (at most
// 64 KB), then the delta CRL when it applies to the list held, else the complete CRL, then the
// root's ARL the index names. Every file is checked against the index (size, SHA-256) before
// anything parses it, then verified and stored by TerminalHome::importCrl, which never goes
// backwards. On any failure the list held stays.
#include "terminal/crl_source.hpp"
#include "terminal/terminal_home.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fmc::terminal {

enum class SyncOutcome {
    upToDate,     // the source has nothing newer
    updated,      // a newer list is now held
    refused,      // something fetched was refused: forged, truncated, older, wrong base, garbage (65)
    unavailable,  // the source could not be reached or does not hold the files (yet) (75)
};

// One CA's list after a sync: what happened and what is held now.
struct ListSyncReport {
    std::string issuer;           // the CA's subject
    bool authorityList = false;   // the root's ARL rather than an issuing CA's CRL
    SyncOutcome outcome = SyncOutcome::upToDate;
    std::string applied = "none";  // "delta", "full" or "none"
    std::uint64_t bytesDownloaded = 0;
    // The list held after the sync; unset when the terminal holds none for this CA.
    std::optional<std::uint64_t> crlNumber;
    std::optional<std::uint64_t> completeCrlNumber;
    std::optional<double> ageHours;  // since its thisUpdate
    std::optional<std::chrono::system_clock::time_point> nextUpdate;
    std::vector<std::string> problems;  // one line each; a failed delta is one even when the complete CRL then came
};

struct SyncReport {
    std::chrono::system_clock::time_point at;
    std::vector<ListSyncReport> lists;
    std::vector<std::string> problems;  // stored lists of no CA in the report that did not load
    // 0 all synced or up to date; 65 when anything was refused; else 75 when a source failed.
    [[nodiscard]] int exitCode() const;
};

// A delta is applied only on top of fewer stored deltas than this; then the complete CRL
// comes instead, so that loading never replays a long chain.
inline constexpr std::size_t kMaxStoredDeltas = 8;

// Throws only what opening the terminal folder throws; every source or list failure ends up
// in the report.
[[nodiscard]] SyncReport syncRevocationLists(TerminalHome& home, CrlSource& source,
                                             std::chrono::system_clock::time_point now);

// One line for the whole round: each list's number, what was applied, its age, next update.
[[nodiscard]] std::string syncSummaryLine(const SyncReport& report);
[[nodiscard]] nlohmann::json syncReportJson(const SyncReport& report);

} // namespace fmc::terminal
