// The registry's audit chain and its robustness: tampering is detected, failed changes leave
// nothing, backups verify, a locked file gives a typed error, concurrent writers stay unique.
#include "db/audit_chain.hpp"
#include "db/registry_errors.hpp"
#include "db/sqlite_registry.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <set>
#include <thread>

using namespace fmc::db;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using fmc::test::TempFolder;

namespace {


const Operator kClerk{"clerk.li"};

MerchantDetails sampleMerchant(const std::string& document) {
    MerchantDetails details;
    details.name = "Ana Lima";
    details.nationality = "BRA";
    details.travelDocument = document;
    details.entitlements = {"retail"};
    return details;
}

// Five entries: three merchants, a setting, an event.
void fillLog(Registry& registry) {
    registry.addMerchant(sampleMerchant("D1"), kClerk);
    registry.addMerchant(sampleMerchant("D2"), kClerk);
    registry.addMerchant(sampleMerchant("D3"), kClerk);
    registry.setSetting("station.name", "Border post 7", kClerk);
    registry.recordEvent("card.wipe", "UUID-7", R"({"reader":"vpcd 0"})", Operator{"supervisor.ho"});
}

} // namespace

TEST_CASE("every change appends one chained audit entry") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    CHECK(registry.verifyAuditChain().ok());
    fillLog(registry);
    const auto entries = registry.auditEntries(1, 0);
    REQUIRE(entries.size() == 5);
    CHECK(entries[0].previousHash == AuditChain::kGenesisHash);
    for (std::size_t i = 1; i < entries.size(); ++i) {
        CHECK(entries[i].sequence == static_cast<std::int64_t>(i + 1));
        CHECK(entries[i].previousHash == entries[i - 1].hash);
        CHECK(AuditChain::computeHash(entries[i]) == entries[i].hash);
    }
    CHECK(entries[4].operatorName == "supervisor.ho");
    CHECK(entries[4].action == "card.wipe");
    CHECK(registry.auditEntries(4, 1).size() == 1);
    const AuditVerification verdict = registry.verifyAuditChain();
    CHECK(verdict.ok());
    CHECK(verdict.entriesChecked == 5);
    CHECK_THROWS_AS(registry.recordEvent("x", "y", "not json", kClerk), InvalidRecordError);
}

TEST_CASE("the audit log refuses UPDATE and DELETE") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    SqliteRegistry registry(file);
    fillLog(registry);
    Database raw(file);
    CHECK_THROWS_WITH(raw.execute("UPDATE audit_log SET operator = 'mallory'"), Catch::Contains("append-only"));
    CHECK_THROWS_WITH(raw.execute("DELETE FROM audit_log WHERE sequence = 5"), Catch::Contains("append-only"));
    CHECK_THROWS_AS(raw.execute("DELETE FROM audit_head"), DatabaseError);
    CHECK(registry.verifyAuditChain().ok());
}

TEST_CASE("tampering with the audit log is detected at the first bad entry") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    SqliteRegistry registry(file);
    fillLog(registry);
    Database raw(file);
    raw.execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");

    SECTION("an edited entry") {
        raw.execute("UPDATE audit_log SET operator = 'mallory' WHERE sequence = 3");
        const AuditVerification verdict = registry.verifyAuditChain();
        CHECK(verdict.firstBadSequence == 3);
        CHECK(verdict.problem == "audit entry 3 was changed after it was written");
    }
    SECTION("an edited entry whose hash was recomputed breaks the link to the next") {
        AuditEntry entry = registry.auditEntries(2, 1).at(0);
        entry.detailsJson = "{}";
        entry.hash = AuditChain::computeHash(entry);
        raw.prepare("UPDATE audit_log SET details = ?, hash = ? WHERE sequence = 2")
            .bind(1, entry.detailsJson)
            .bind(2, entry.hash)
            .step();
        CHECK(registry.verifyAuditChain().firstBadSequence == 3);
    }
    SECTION("a deleted entry in the middle") {
        raw.execute("DELETE FROM audit_log WHERE sequence = 2");
        const AuditVerification verdict = registry.verifyAuditChain();
        CHECK(verdict.firstBadSequence == 2);
        CHECK(verdict.problem == "audit entry 2 is missing");
    }
    SECTION("a truncated tail") {
        raw.execute("DELETE FROM audit_log WHERE sequence >= 4");
        const AuditVerification verdict = registry.verifyAuditChain();
        CHECK(verdict.firstBadSequence == 4);
        CHECK_THAT(verdict.problem, Catch::Contains("removed from the end"));
    }
    SECTION("an inserted entry, even one that links correctly") {
        AuditEntry forged = registry.auditEntries(5, 1).at(0);
        forged.sequence = 6;
        forged.previousHash = forged.hash;
        forged.operatorName = "mallory";
        forged.hash = AuditChain::computeHash(forged);
        raw.prepare("INSERT INTO audit_log VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, forged.sequence)
            .bind(2, forged.at.time_since_epoch().count())
            .bind(3, forged.operatorName)
            .bind(4, forged.action)
            .bind(5, forged.subject)
            .bind(6, forged.detailsJson)
            .bind(7, forged.previousHash)
            .bind(8, forged.hash)
            .step();
        const AuditVerification verdict = registry.verifyAuditChain();
        CHECK(verdict.firstBadSequence == 6);
        CHECK(verdict.problem == "audit entry 6 was added outside the registry");
    }
    SECTION("an entry renumbered into a gap") {
        raw.execute("UPDATE audit_log SET sequence = 7 WHERE sequence = 5");
        CHECK(registry.verifyAuditChain().firstBadSequence == 5);
    }
}

TEST_CASE("a change that fails leaves neither data nor an audit entry") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    registry.addMerchant(sampleMerchant("D1"), kClerk);
    CHECK_THROWS_WITH(registry.atomically([&] {
        registry.addMerchant(sampleMerchant("D2"), kClerk);
        registry.setSetting("station.name", "Post 7", kClerk);
        throw std::runtime_error("operator cancelled");
    }), "operator cancelled");
    CHECK(registry.listMerchants().size() == 1);
    CHECK_FALSE(registry.setting("station.name"));
    CHECK(registry.auditEntries(1, 0).size() == 1);
    CHECK(registry.verifyAuditChain().ok());

    SECTION("an inner failure the caller catches undoes only the inner change") {
        registry.atomically([&] {
            registry.addMerchant(sampleMerchant("D3"), kClerk);
            CHECK_THROWS_AS(registry.addMerchant(sampleMerchant("D1"), kClerk), DuplicateDocumentError);
        });
        CHECK(registry.listMerchants().size() == 2);
        CHECK(registry.auditEntries(1, 0).size() == 2);
        CHECK(registry.verifyAuditChain().ok());
    }
}

TEST_CASE("a backup opens, verifies and passes the integrity check") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    fillLog(registry);
    CHECK(registry.integrityOk());
    const fs::path copy = folder.path / "backup.sqlite";
    registry.backup(copy, kClerk);
    registry.addMerchant(sampleMerchant("D4"), kClerk);  // after the backup: not in it

    SqliteRegistry restored(copy);
    CHECK(restored.integrityOk());
    const AuditVerification verdict = restored.verifyAuditChain();
    CHECK(verdict.ok());
    CHECK(verdict.entriesChecked == 6);
    CHECK(restored.auditEntries(6, 1).at(0).action == "registry.backup");
    CHECK(restored.listMerchants().size() == 3);
    CHECK(restored.setting("station.name") == "Border post 7");
}

TEST_CASE("a registry locked by another connection gives a typed locked error") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    SqliteRegistry registry(file, {50ms, {}, {}});
    Database holder(file);
    holder.execute("BEGIN IMMEDIATE");
    try {
        registry.addMerchant(sampleMerchant("D1"), kClerk);
        FAIL("wrote while another connection held the lock");
    } catch (const DatabaseError& error) {
        CHECK(error.isLocked());
    }
    holder.execute("ROLLBACK");
    registry.addMerchant(sampleMerchant("D1"), kClerk);
    CHECK(registry.auditEntries(1, 0).size() == 1);
}

TEST_CASE("two connections allocating serials at once never collide") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    { SqliteRegistry create(file); }
    constexpr int kPerThread = 200;
    std::vector<std::string> serials[2];
    std::exception_ptr failures[2];
    const auto allocate = [&](int worker) {
        try {
            SqliteRegistry registry(file, {30s, {}, {}});
            const Operator by{"worker" + std::to_string(worker)};
            for (int i = 0; i < kPerThread; ++i) serials[worker].push_back(registry.allocateSerial(by));
        } catch (...) {
            failures[worker] = std::current_exception();
        }
    };
    std::thread first(allocate, 0);
    std::thread second(allocate, 1);
    first.join();
    second.join();
    for (const auto& failure : failures)
        if (failure) std::rethrow_exception(failure);

    std::set<std::string> unique(serials[0].begin(), serials[0].end());
    unique.insert(serials[1].begin(), serials[1].end());
    CHECK(unique.size() == 2 * kPerThread);
    SqliteRegistry registry(file);
    const AuditVerification verdict = registry.verifyAuditChain();
    CHECK(verdict.ok());
    CHECK(verdict.entriesChecked == 2 * kPerThread);
}
