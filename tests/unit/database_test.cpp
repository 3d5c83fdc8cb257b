#include "db/database.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

using namespace fmc::db;
namespace fs = std::filesystem;

using fmc::test::TempFolder;

namespace {


const std::vector<Migration> kMigrations{
    {1, "CREATE TABLE merchant(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"},
    {2, "CREATE TABLE card(serial TEXT PRIMARY KEY,"
        " merchant INTEGER NOT NULL REFERENCES merchant(id));"},
};

} // namespace

TEST_CASE("a registry file opens in WAL mode with foreign keys enforced") {
    TempFolder folder;
    Database db(folder.path / "registry.sqlite");
    CHECK(db.journalMode() == "wal");
    db.migrate(kMigrations);
    CHECK(db.schemaVersion() == 2);
    CHECK_THROWS_AS(db.execute("INSERT INTO card VALUES('01', 42)"), DatabaseError);
    CHECK(db.integrityOk());
}

TEST_CASE("two connections creating the same new file at once both open it") {
    // Two first taps at a new terminal: both switch the new file to WAL at the same moment.
    TempFolder folder;
    for (int round = 0; round < 40; ++round) {
        const fs::path file = folder.path / ("new-" + std::to_string(round) + ".sqlite");
        std::atomic<int> ready{0};
        std::atomic<int> opened{0};
        const auto open = [&] {
            ++ready;
            while (ready < 2) std::this_thread::yield();
            try {
                Database db(file);
                db.migrate(kMigrations);
                ++opened;
            } catch (const DatabaseError&) {
            }
        };
        std::thread first(open), second(open);
        first.join();
        second.join();
        REQUIRE(opened == 2);
    }
}

TEST_CASE("migrations run once and a newer file is refused") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    {
        Database db(file);
        db.migrate({kMigrations[0]});
        CHECK(db.schemaVersion() == 1);
        db.execute("INSERT INTO merchant(name) VALUES('A')");
    }
    {
        Database db(file);
        db.migrate(kMigrations);  // applies only version 2, keeps the data
        CHECK(db.schemaVersion() == 2);
        Statement count = db.prepare("SELECT count(*) FROM merchant");
        REQUIRE(count.step());
        CHECK(count.columnInt(1) == 1);
        db.execute("PRAGMA user_version=7");
    }
    Database db(file);
    CHECK_THROWS_WITH(db.migrate(kMigrations), Catch::Contains("newer than this program"));
}

TEST_CASE("a failed transaction leaves nothing behind") {
    TempFolder folder;
    Database db(folder.path / "registry.sqlite");
    db.migrate(kMigrations);
    CHECK_THROWS(db.transaction([&] {
        db.prepare("INSERT INTO merchant(name) VALUES(?)").bind(1, "B").step();
        throw std::runtime_error("operator cancelled");
    }));
    Statement count = db.prepare("SELECT count(*) FROM merchant");
    REQUIRE(count.step());
    CHECK(count.columnInt(1) == 0);
}

TEST_CASE("a registry locked by another connection gives a typed, explained error") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    Database holder(file);
    holder.migrate(kMigrations);
    holder.execute("BEGIN IMMEDIATE");
    Database other(file, std::chrono::milliseconds(50));
    try {
        other.execute("BEGIN IMMEDIATE");
        FAIL("a second writer got the lock");
    } catch (const DatabaseError& error) {
        CHECK(error.isLocked());
        CHECK_THAT(error.what(), Catch::Contains("another process holds the registry"));
    }
    holder.execute("ROLLBACK");
}

TEST_CASE("a nested transaction is a savepoint: an inner failure undoes only itself") {
    TempFolder folder;
    Database db(folder.path / "registry.sqlite");
    db.migrate(kMigrations);
    db.transaction([&] {
        db.prepare("INSERT INTO merchant(name) VALUES(?)").bind(1, "outer").step();
        CHECK(db.inTransaction());
        CHECK_THROWS(db.transaction([&] {
            db.prepare("INSERT INTO merchant(name) VALUES(?)").bind(1, "inner").step();
            throw std::runtime_error("inner step failed");
        }));
    });
    CHECK_FALSE(db.inTransaction());
    Statement names = db.prepare("SELECT group_concat(name) FROM merchant");
    REQUIRE(names.step());
    CHECK(names.columnText(1) == "outer");
}

TEST_CASE("blobs round-trip and an online backup copies the file") {
    TempFolder folder;
    Database db(folder.path / "registry.sqlite");
    db.execute("CREATE TABLE blob_store(data BLOB NOT NULL)");
    const std::vector<std::uint8_t> bytes{0x00, 0x30, 0xFF, 0x00};
    db.prepare("INSERT INTO blob_store VALUES(?)").bindBlob(1, bytes).step();
    CHECK(db.changes() == 1);
    db.backupTo(folder.path / "copy.sqlite");
    Database copy(folder.path / "copy.sqlite");
    CHECK(copy.integrityOk());
    Statement read = copy.prepare("SELECT data FROM blob_store");
    REQUIRE(read.step());
    CHECK(read.columnBlob(1) == bytes);
}
