#pragma once
// One SQLite connection, opened the way every registry file must be: WAL journal, foreign
// keys on, a busy timeout instead of instant SQLITE_BUSY, and a schema version
// (PRAGMA user_version) advanced by migrations in one transaction each.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace fmc::db {

class DatabaseError : public std::runtime_error {
public:
    DatabaseError(const std::string& message, int sqliteCode)
        : std::runtime_error(message), code_(sqliteCode) {}
    [[nodiscard]] int sqliteCode() const { return code_; }
    // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout: another process holds the file.
    [[nodiscard]] bool isLocked() const;
    // SQLITE_FULL / SQLITE_IOERR: the disk is full or failing (the transaction rolled back).
    [[nodiscard]] bool isDiskProblem() const;

private:
    int code_;
};

// A prepared statement; columns and parameters are numbered from 1 as in SQLite's API.
class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bindNull(int index);
    Statement& bindBlob(int index, std::span<const std::uint8_t> bytes);
    // An empty string or an absent value is stored as NULL: optional text columns stay NULL
    // rather than '' so that "not given" has one representation.
    Statement& bindOptionalText(int index, std::string_view text);
    // Returns true while a row is available.
    bool step();
    [[nodiscard]] std::int64_t columnInt(int index) const;
    [[nodiscard]] std::string columnText(int index) const;
    [[nodiscard]] bool columnIsNull(int index) const;
    [[nodiscard]] std::vector<std::uint8_t> columnBlob(int index) const;

private:
    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

struct Migration {
    int version;               // user_version after this migration
    std::string_view sql;      // one or more statements
};

class Database {
public:
    explicit Database(const std::filesystem::path& file,
                      std::chrono::milliseconds busyTimeout = std::chrono::seconds(5));
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void execute(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    // Runs `work` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it throws. Called again
    // from inside `work`, it nests as a SAVEPOINT, so an inner failure that the caller catches
    // undoes only the inner changes and the outer transaction still commits as one.
    void transaction(const std::function<void()>& work);
    [[nodiscard]] bool inTransaction() const { return transactionDepth_ > 0; }
    // Rows changed by the last INSERT/UPDATE/DELETE, and the rowid of the last INSERT.
    [[nodiscard]] std::int64_t changes() const;
    [[nodiscard]] std::int64_t lastInsertRowId() const;
    // Copies the whole database to `target` with SQLite's online backup API, which takes a
    // consistent snapshot while other connections keep working. Overwrites `target`.
    void backupTo(const std::filesystem::path& target);

    [[nodiscard]] int schemaVersion();
    // Applies, in order, every migration newer than the file's schema version. Refuses a
    // file written by a newer program (its version is past the last migration).
    void migrate(const std::vector<Migration>& migrations);
    // PRAGMA integrity_check == "ok".
    [[nodiscard]] bool integrityOk();
    [[nodiscard]] std::string journalMode();

private:
    sqlite3* db_ = nullptr;
    int transactionDepth_ = 0;
};

} // namespace fmc::db
