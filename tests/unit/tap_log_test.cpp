#include "db/tap_log.hpp"

#include "db/database.hpp"
#include "db/registry_errors.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace fmc::db;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using fmc::test::TempFolder;

namespace {

const Timestamp kMorning = parseUtc("2026-11-29T08:00:00Z");

TapRecord sampleTap(Timestamp at, std::string decision = "granted", std::string reason = "ok") {
    TapRecord tap;
    tap.at = at;
    tap.serial = "7F3A0C19";
    tap.service = "market-stall";
    tap.decision = std::move(decision);
    tap.reason = std::move(reason);
    tap.cardInterface = "contactless";
    tap.elapsedMs = 42;
    tap.assurance = "high";
    return tap;
}

} // namespace

TEST_CASE("recorded taps come back oldest first, filtered by time") {
    TempFolder folder;
    TapLog log(folder.path / "taps.sqlite");
    const TapRecord later = sampleTap(kMorning + 1h, "denied", "not-entitled");
    TapRecord unreadable = sampleTap(kMorning + 30min, "denied", "unreadable-card");
    unreadable.serial.clear();
    unreadable.cardInterface.clear();
    const TapRecord first = sampleTap(kMorning);
    log.record(later);
    log.record(unreadable);
    log.record(first);

    CHECK(log.count() == 3);
    const std::vector<TapRecord> all = log.since(std::nullopt);
    REQUIRE(all.size() == 3);
    CHECK(all[0] == first);
    CHECK(all[1] == unreadable);
    CHECK(all[2] == later);
    CHECK(log.since(kMorning + 30min) == std::vector<TapRecord>{unreadable, later});
    CHECK(log.since(kMorning + 2h).empty());
    CHECK(log.integrityOk());
}

TEST_CASE("a tap with a value outside its syntax is refused and not stored") {
    TempFolder folder;
    TapLog log(folder.path / "taps.sqlite");
    const auto refused = [&](auto change) {
        TapRecord tap = sampleTap(kMorning);
        change(tap);
        CHECK_THROWS_AS(log.record(tap), InvalidRecordError);
    };
    refused([](TapRecord& t) { t.decision = "maybe"; });
    refused([](TapRecord& t) { t.decision = "Granted"; });
    refused([](TapRecord& t) { t.reason = ""; });
    refused([](TapRecord& t) { t.reason = "Not entitled"; });
    refused([](TapRecord& t) { t.reason = "revoked2"; });
    refused([](TapRecord& t) { t.reason = std::string(41, 'a'); });
    refused([](TapRecord& t) { t.serial = "7f3a0c19"; });
    refused([](TapRecord& t) { t.serial = "7F3A-0C19"; });
    refused([](TapRecord& t) { t.serial = "A"; });
    refused([](TapRecord& t) { t.serial = std::string(41, 'A'); });
    refused([](TapRecord& t) { t.service = ""; });
    refused([](TapRecord& t) { t.service = "Market Stall"; });
    refused([](TapRecord& t) { t.service = "Li Wei"; });
    refused([](TapRecord& t) { t.cardInterface = "nfc"; });
    refused([](TapRecord& t) { t.elapsedMs = -1; });
    CHECK(log.count() == 0);

    TapRecord longest = sampleTap(kMorning);
    longest.reason = std::string(40, 'z');
    longest.serial = std::string(40, 'F');
    longest.service = std::string(64, 'a');
    longest.cardInterface = "contact";
    log.record(longest);
    CHECK(log.count() == 1);
}

TEST_CASE("the schema itself refuses free text from another writer") {
    TempFolder folder;
    const fs::path file = folder.path / "taps.sqlite";
    { TapLog created(file); }
    Database raw(file);
    CHECK_THROWS_AS(raw.execute("INSERT INTO tap(at, serial, service, decision, reason, interface, elapsed_ms)"
                                " VALUES(0, NULL, 'gate', 'granted', 'Li Wei', NULL, 0)"),
                    DatabaseError);
    CHECK_THROWS_AS(raw.execute("INSERT INTO tap(at, serial, service, decision, reason, interface, elapsed_ms)"
                                " VALUES(0, 'Li Wei', 'gate', 'granted', 'ok', NULL, 0)"),
                    DatabaseError);
    raw.execute("INSERT INTO tap(at, serial, service, decision, reason, interface, elapsed_ms)"
                " VALUES(0, NULL, 'gate', 'granted', 'not-entitled', 'contact', 0)");
}

TEST_CASE("purge removes exactly the taps before the cutoff") {
    TempFolder folder;
    TapLog log(folder.path / "taps.sqlite");
    for (int day = 0; day < 5; ++day) log.record(sampleTap(kMorning + std::chrono::days(day)));
    CHECK(log.purgeOlderThan(kMorning + std::chrono::days(2)) == 2);
    CHECK(log.count() == 3);
    CHECK(log.since(std::nullopt).front().at == kMorning + std::chrono::days(2));
    CHECK(log.purgeOlderThan(kMorning + std::chrono::days(2)) == 0);
    CHECK(log.purgeOlderThan(kMorning + std::chrono::days(30)) == 3);
    CHECK(log.count() == 0);
}

TEST_CASE("export writes one JSON object per line with the documented keys in order") {
    TempFolder folder;
    TapLog log(folder.path / "taps.sqlite");
    TapRecord unknown = sampleTap(kMorning + 5min, "denied", "unreadable-card");
    unknown.serial.clear();
    unknown.cardInterface.clear();
    unknown.elapsedMs = 7;
    unknown.assurance.clear();
    log.record(sampleTap(kMorning - 1h));
    log.record(sampleTap(kMorning));
    log.record(unknown);

    std::ostringstream out;
    log.exportJsonLines(kMorning, out);
    CHECK(out.str() ==
          "{\"time\":\"2026-11-29T08:00:00Z\",\"serial\":\"7F3A0C19\",\"service\":\"market-stall\","
          "\"decision\":\"granted\",\"reason\":\"ok\",\"interface\":\"contactless\",\"elapsed_ms\":42,"
          "\"assurance\":\"high\"}\n"
          "{\"time\":\"2026-11-29T08:05:00Z\",\"serial\":\"\",\"service\":\"market-stall\","
          "\"decision\":\"denied\",\"reason\":\"unreadable-card\",\"interface\":\"\",\"elapsed_ms\":7,"
          "\"assurance\":\"\"}\n");

    std::istringstream lines(out.str());
    std::string line;
    int parsed = 0;
    while (std::getline(lines, line)) {
        const nlohmann::json object = nlohmann::json::parse(line);
        CHECK(object.size() == 8);
        CHECK(parseUtc(object.at("time").get<std::string>()) >= kMorning);
        CHECK(object.at("elapsed_ms").is_number_integer());
        ++parsed;
    }
    CHECK(parsed == 2);

    std::ostringstream everything;
    log.exportJsonLines(std::nullopt, everything);
    const std::string text = everything.str();
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
}

TEST_CASE("the tap table has no column that could carry a name or a card UUID") {
    TempFolder folder;
    const fs::path file = folder.path / "taps.sqlite";
    { TapLog created(file); }
    Database raw(file);
    std::set<std::string> columns;
    Statement info = raw.prepare("PRAGMA table_info(tap)");
    while (info.step()) columns.insert(info.columnText(2));
    CHECK(columns == std::set<std::string>{"id", "at", "serial", "service", "decision", "reason", "interface",
                                           "elapsed_ms", "assurance"});
    std::set<std::string> tables;
    Statement master = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    while (master.step()) tables.insert(master.columnText(1));
    CHECK(tables == std::set<std::string>{"tap"});
}

TEST_CASE("a tap's assurance is high, low or not given") {
    TempFolder folder;
    TapLog log(folder.path / "taps.sqlite");
    TapRecord tag = sampleTap(kMorning);
    tag.assurance = "low";
    log.record(tag);
    CHECK(log.since(std::nullopt).front().assurance == "low");
    tag.assurance = "medium";
    CHECK_THROWS_AS(log.record(tag), InvalidRecordError);
}

TEST_CASE("a reopened tap log keeps its taps and its schema version") {
    TempFolder folder;
    const fs::path file = folder.path / "taps.sqlite";
    {
        TapLog log(file);
        log.record(sampleTap(kMorning));
        log.record(sampleTap(kMorning + 1s, "denied", "revoked"));
    }
    TapLog reopened(file);
    CHECK(reopened.count() == 2);
    CHECK(reopened.since(std::nullopt).back().reason == "revoked");
    Database raw(file);
    CHECK(raw.schemaVersion() == 2);
    CHECK(raw.journalMode() == "wal");
}

TEST_CASE("a file that is not a tap log is refused on open") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    {
        Database other(file);
        other.execute("CREATE TABLE merchant(id INTEGER PRIMARY KEY); PRAGMA user_version=1;");
    }
    CHECK_THROWS_WITH(TapLog(file), Catch::Contains("not a terminal tap log"));
}

TEST_CASE("UTC times format and parse both ways, and malformed ones are refused") {
    CHECK(formatUtc(kMorning) == "2026-11-29T08:00:00Z");
    CHECK(kMorning.time_since_epoch().count() == 1795939200);
    CHECK(formatUtc(Timestamp{}) == "1970-01-01T00:00:00Z");
    CHECK(parseUtc("2026-11-29") == parseUtc("2026-11-29T00:00:00Z"));
    CHECK(parseUtc("2028-02-29T23:59:59Z") + 1s == parseUtc("2028-03-01"));
    for (const Timestamp t : {kMorning, kMorning + 86399s, Timestamp{} + 951782400s})
        CHECK(parseUtc(formatUtc(t)) == t);

    for (const char* bad : {"", "2026-11-29T08:00:00", "2026-11-29 08:00:00Z", "2026-11-29T08:00Z",
                            "2026-02-30", "2027-02-29", "2026-13-01", "2026-11-29T24:00:00Z",
                            "2026-11-29T08:60:00Z", "2026-11-29T08:00:60Z", "26-11-29", "2026/11/29",
                            "2026-11-29T08:00:00+01", "+026-11-29", "2026-1a-29", "2026-11-29T08:00:00z"})
        CHECK_THROWS_AS(parseUtc(bad), std::invalid_argument);
}

TEST_CASE("a tap log held by another writer waits for the busy timeout, then reports it locked") {
    TempFolder folder;
    const fs::path file = folder.path / "taps.sqlite";
    TapLog first(file);
    Database holder(file);
    holder.execute("BEGIN IMMEDIATE");

    const auto started = std::chrono::steady_clock::now();
    try {
        TapLog second(file, 150ms);
        FAIL("opened and migrated while another connection held the write lock");
    } catch (const DatabaseError& error) {
        CHECK(error.isLocked());
    }
    CHECK(std::chrono::steady_clock::now() - started >= 140ms);
    holder.execute("ROLLBACK");

    TapLog second(file, 150ms);
    second.record(sampleTap(kMorning));
    CHECK(first.count() == 1);
}
