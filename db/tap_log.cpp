#include "db/tap_log.hpp"

#include "db/registry_errors.hpp"
#include "db/sqlite_time.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <ostream>
#include <stdexcept>

namespace fmc::db {

namespace {

// Marks the file as a tap log, so that pointing the terminal at the registry (whose schema
// version is also 1) fails on open instead of at the first tap. "FMCT" in ASCII.
constexpr std::int64_t kTapLogApplicationId = 0x464D4354;

// The tap log's own schema, separate from the registry's: append versions, never edit one.
// The CHECKs repeat TapLog::record's validation so that no other writer can put free text
// (and with it a name) into the file. Unknown serial and interface are NULL, as the registry
// stores "not given". Times are INTEGER seconds since the Unix epoch, UTC.
constexpr std::string_view kTapLogVersion1 = R"sql(
PRAGMA application_id = 1179468628;  -- kTapLogApplicationId, "FMCT"
CREATE TABLE tap(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  serial TEXT CHECK(serial IS NULL OR
    (length(serial) BETWEEN 2 AND 40 AND serial NOT GLOB '*[^0-9A-F]*')),
  service TEXT NOT NULL CHECK(length(service) BETWEEN 1 AND 64 AND service NOT GLOB '*[^a-z0-9.-]*'),
  decision TEXT NOT NULL CHECK(decision IN ('granted', 'denied')),
  reason TEXT NOT NULL CHECK(length(reason) BETWEEN 1 AND 40 AND reason NOT GLOB '*[^a-z-]*'),
  interface TEXT CHECK(interface IS NULL OR interface IN ('contact', 'contactless')),
  elapsed_ms INTEGER NOT NULL CHECK(elapsed_ms >= 0)
);
CREATE INDEX tap_by_time ON tap(at);
)sql";

// Issue 9: how much a decision can be trusted. "high": a PIV card proved it holds its key;
// "low": an NFC tag, whose credential can be copied. NULL when no credential was judged.
constexpr std::string_view kTapLogVersion2 = R"sql(
ALTER TABLE tap ADD COLUMN assurance TEXT CHECK(assurance IS NULL OR assurance IN ('high', 'low'));
)sql";

const std::vector<Migration>& tapLogMigrations() {
    static const std::vector<Migration> migrations{
        {1, kTapLogVersion1},
        {2, kTapLogVersion2},
    };
    return migrations;
}

bool consistsOf(std::string_view text, std::string_view allowed) {
    return text.find_first_not_of(allowed) == std::string_view::npos;
}

constexpr std::string_view kUpperHex = "0123456789ABCDEF";
constexpr std::string_view kServiceCharacters = "abcdefghijklmnopqrstuvwxyz0123456789.-";
constexpr std::string_view kReasonCharacters = "abcdefghijklmnopqrstuvwxyz-";

void validate(const TapRecord& tap) {
    if (!tap.serial.empty() &&
        (tap.serial.size() < 2 || tap.serial.size() > 40 || !consistsOf(tap.serial, kUpperHex)))
        throw InvalidRecordError("a tap's card serial must be 2-40 upper-case hex digits, or empty");
    if (tap.service.empty() || tap.service.size() > 64 || !consistsOf(tap.service, kServiceCharacters))
        throw InvalidRecordError("a tap's service code must be 1-64 characters of a-z 0-9 . -");
    if (tap.decision != "granted" && tap.decision != "denied")
        throw InvalidRecordError("a tap's decision must be \"granted\" or \"denied\"");
    if (tap.reason.empty() || tap.reason.size() > 40 || !consistsOf(tap.reason, kReasonCharacters))
        throw InvalidRecordError("a tap's reason must be a code of 1-40 characters a-z and -");
    if (!tap.cardInterface.empty() && tap.cardInterface != "contact" && tap.cardInterface != "contactless")
        throw InvalidRecordError("a tap's card interface must be \"contact\", \"contactless\" or empty");
    if (tap.elapsedMs < 0) throw InvalidRecordError("a tap's elapsed time cannot be negative");
    if (!tap.assurance.empty() && tap.assurance != "high" && tap.assurance != "low")
        throw InvalidRecordError("a tap's assurance must be \"high\", \"low\" or empty");
}

// Columns: at, serial, service, decision, reason, interface, elapsed_ms, assurance.
TapRecord readTap(const Statement& row) {
    TapRecord tap;
    tap.at = fromUnixSeconds(row.columnInt(1));
    tap.serial = row.columnText(2);
    tap.service = row.columnText(3);
    tap.decision = row.columnText(4);
    tap.reason = row.columnText(5);
    tap.cardInterface = row.columnText(6);
    tap.elapsedMs = row.columnInt(7);
    tap.assurance = row.columnText(8);
    return tap;
}

} // namespace

TapLog::TapLog(const std::filesystem::path& file, std::chrono::milliseconds busyTimeout)
    : db_(file, busyTimeout) {
    // In WAL mode, synchronous=NORMAL skips the fsync on each commit and syncs at checkpoints:
    // a power cut can lose the last few taps but never corrupts the file, and an application
    // crash loses nothing. That keeps one autocommit INSERT per tap well under a millisecond
    // on an SD card, far inside the 50 ms a tap may take; losing a tap's log line is
    // acceptable, delaying the gate is not. (The registry keeps FULL: it records issuance.)
    db_.execute("PRAGMA synchronous=NORMAL");
    const auto requireTapLog = [&] {
        Statement identity = db_.prepare("PRAGMA application_id");
        identity.step();
        if (identity.columnInt(1) != kTapLogApplicationId)
            throw DatabaseError(file.string() + " is not a terminal tap log", SQLITE_MISMATCH);
    };
    // A file with a schema must be a tap log before any later migration touches it.
    if (db_.schemaVersion() > 0) requireTapLog();
    db_.migrate(tapLogMigrations());
    requireTapLog();
}

void TapLog::record(const TapRecord& tap) {
    validate(tap);
    // Prepared per tap rather than kept: Statement has no reset, preparing this INSERT costs
    // microseconds, and autocommit makes each tap durable on its own.
    db_.prepare("INSERT INTO tap(at, serial, service, decision, reason, interface, elapsed_ms, assurance)"
                " VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, toUnixSeconds(tap.at))
        .bindOptionalText(2, tap.serial)
        .bind(3, tap.service)
        .bind(4, tap.decision)
        .bind(5, tap.reason)
        .bindOptionalText(6, tap.cardInterface)
        .bind(7, tap.elapsedMs)
        .bindOptionalText(8, tap.assurance)
        .step();
}

std::size_t TapLog::purgeOlderThan(Timestamp cutoff) {
    db_.prepare("DELETE FROM tap WHERE at < ?").bind(1, toUnixSeconds(cutoff)).step();
    return static_cast<std::size_t>(db_.changes());
}

void TapLog::forEachSince(std::optional<Timestamp> from, const std::function<void(const TapRecord&)>& visit) {
    Statement query = db_.prepare(
        "SELECT at, serial, service, decision, reason, interface, elapsed_ms, assurance FROM tap"
        " WHERE at >= ? ORDER BY at, id");
    query.bind(1, from ? toUnixSeconds(*from) : std::numeric_limits<std::int64_t>::min());
    while (query.step()) visit(readTap(query));
}

std::vector<TapRecord> TapLog::since(std::optional<Timestamp> from) {
    std::vector<TapRecord> taps;
    forEachSince(from, [&](const TapRecord& tap) { taps.push_back(tap); });
    return taps;
}

void TapLog::exportJsonLines(std::optional<Timestamp> from, std::ostream& out) {
    forEachSince(from, [&](const TapRecord& tap) {
        // ordered_json keeps the documented key order, which people reading the file expect.
        const nlohmann::ordered_json line{{"time", formatUtc(tap.at)},   {"serial", tap.serial},
                                          {"service", tap.service},      {"decision", tap.decision},
                                          {"reason", tap.reason},        {"interface", tap.cardInterface},
                                          {"elapsed_ms", tap.elapsedMs}, {"assurance", tap.assurance}};
        out << line.dump() << '\n';
    });
    out.flush();
}

std::size_t TapLog::count() {
    Statement query = db_.prepare("SELECT count(*) FROM tap");
    query.step();
    return static_cast<std::size_t>(query.columnInt(1));
}

bool TapLog::integrityOk() { return db_.integrityOk(); }

} // namespace fmc::db
