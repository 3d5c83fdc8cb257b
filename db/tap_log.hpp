#pragma once
// The service-point terminal's local log of its decisions: one row per tap, kept in its own
// small SQLite file (not the registry) for a configurable retention and exported as JSON
// lines. It holds what an operator needs to answer "why was this card refused at 08:00?" and
// nothing that identifies a person: no names, no card UUID, only the certificate serial.
#include "db/database.hpp"
#include "db/records.hpp"
#include "db/utc_text.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::db {

struct TapRecord {
    Timestamp at{};
    std::string serial;         // card certificate serial, upper-case hex; empty when unreadable
    std::string service;        // service code: 1-64 characters of a-z 0-9 . -
    std::string decision;       // "granted" | "denied"
    std::string reason;         // "ok", "not-entitled", "revoked", ...: 1-40 characters of a-z -
    std::string cardInterface;  // "contact" | "contactless" | "" (unknown)
    std::int64_t elapsedMs = 0;
    std::string assurance;      // "high" (PIV card) | "low" (NFC tag) | "" (no credential judged)

    friend bool operator==(const TapRecord&, const TapRecord&) = default;
};

class TapLog {
public:
    // Opens or creates the file (WAL, busy timeout) and brings its schema up to date.
    // Throws DatabaseError; isLocked() when another connection kept it busy past the timeout.
    explicit TapLog(const std::filesystem::path& file,
                    std::chrono::milliseconds busyTimeout = std::chrono::seconds(5));

    // Throws InvalidRecordError for a value outside the syntax documented on TapRecord:
    // the checks keep free text, and with it names, out of every column.
    void record(const TapRecord& tap);
    // Deletes the records taken before `cutoff` (the caller's now - retention); returns how
    // many went.
    std::size_t purgeOlderThan(Timestamp cutoff);
    // Records at or after `from` (all when nullopt), oldest first.
    [[nodiscard]] std::vector<TapRecord> since(std::optional<Timestamp> from);
    // One JSON object per line, keys in this order:
    // {"time":"2026-11-29T08:00:00Z","serial":"0A1B","service":"market-stall","decision":"granted",
    //  "reason":"ok","interface":"contactless","elapsed_ms":12}
    // Unknown serial and interface are "", as in TapRecord. Streams row by row.
    void exportJsonLines(std::optional<Timestamp> from, std::ostream& out);
    [[nodiscard]] std::size_t count();
    [[nodiscard]] bool integrityOk();

private:
    void forEachSince(std::optional<Timestamp> from, const std::function<void(const TapRecord&)>& visit);

    Database db_;
};

} // namespace fmc::db
