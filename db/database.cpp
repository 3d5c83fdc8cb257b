#include "db/database.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace fmc::db {

namespace {

[[noreturn]] void throwError(std::string message, int code) {
    if ((code & 0xFF) == SQLITE_BUSY || (code & 0xFF) == SQLITE_LOCKED)
        message += " (another process holds the registry; try again when it is done)";
    throw DatabaseError(message, code);
}

[[noreturn]] void fail(sqlite3* db, int code, std::string_view what) {
    std::string message = std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    // "disk I/O error" alone does not say that the disk is full: add the system's reason.
    if (db != nullptr && (code & 0xFF) == SQLITE_IOERR && sqlite3_system_errno(db) != 0)
        message += std::string(" (") + std::strerror(sqlite3_system_errno(db)) + ")";
    throwError(std::move(message), code);
}

} // namespace

bool DatabaseError::isDiskProblem() const {
    return (code_ & 0xFF) == SQLITE_FULL || (code_ & 0xFF) == SQLITE_IOERR;
}

bool DatabaseError::isLocked() const {
    return (code_ & 0xFF) == SQLITE_BUSY || (code_ & 0xFF) == SQLITE_LOCKED;
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "preparing a registry query");
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(statement_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc, "binding a query parameter");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                     SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "binding a query parameter");
    return *this;
}

Statement& Statement::bindNull(int index) {
    const int rc = sqlite3_bind_null(statement_, index);
    if (rc != SQLITE_OK) fail(db_, rc, "binding a query parameter");
    return *this;
}

Statement& Statement::bindBlob(int index, std::span<const std::uint8_t> bytes) {
    // A zero-length blob with a null pointer would bind NULL; keep it an empty blob.
    static const std::uint8_t kEmpty = 0;
    const int rc = sqlite3_bind_blob(statement_, index, bytes.empty() ? &kEmpty : bytes.data(),
                                     static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "binding a query parameter");
    return *this;
}

Statement& Statement::bindOptionalText(int index, std::string_view text) {
    return text.empty() ? bindNull(index) : bind(index, text);
}

bool Statement::step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "running a registry query");
}

std::int64_t Statement::columnInt(int index) const { return sqlite3_column_int64(statement_, index - 1); }

std::string Statement::columnText(int index) const {
    const unsigned char* text = sqlite3_column_text(statement_, index - 1);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text),
            static_cast<std::size_t>(sqlite3_column_bytes(statement_, index - 1))};
}

bool Statement::columnIsNull(int index) const {
    return sqlite3_column_type(statement_, index - 1) == SQLITE_NULL;
}

std::vector<std::uint8_t> Statement::columnBlob(int index) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, index - 1));
    const int size = sqlite3_column_bytes(statement_, index - 1);
    if (data == nullptr || size <= 0) return {};
    return {data, data + size};
}

Database::Database(const std::filesystem::path& file, std::chrono::milliseconds busyTimeout) {
    const int rc = sqlite3_open_v2(file.c_str(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "cannot open the registry " + file.string();
        sqlite3* failed = db_;
        db_ = nullptr;
        try {
            fail(failed, rc, message);
        } catch (...) {
            sqlite3_close(failed);
            throw;
        }
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(busyTimeout.count()));
    try {
        // Two processes opening a new file at once both take a shared lock and both ask for
        // the exclusive one to switch it to WAL: SQLite answers one of them SQLITE_BUSY at
        // once, without the busy handler (it would deadlock). Such a file is new and the
        // switch takes microseconds, so trying again within the busy timeout settles it.
        const auto giveUp = std::chrono::steady_clock::now() + busyTimeout;
        for (;;) {
            try {
                execute("PRAGMA journal_mode=WAL");
                break;
            } catch (const DatabaseError& error) {
                if (!error.isLocked() || std::chrono::steady_clock::now() >= giveUp) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        execute("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

Database::~Database() { sqlite3_close(db_); }

void Database::execute(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throwError("registry statement failed: " + message, rc);
    }
}

void Database::transaction(const std::function<void()>& work) {
    if (transactionDepth_ > 0) {
        const std::string name = "nested_" + std::to_string(transactionDepth_);
        execute("SAVEPOINT " + name);
        ++transactionDepth_;
        try {
            work();
            --transactionDepth_;
            execute("RELEASE " + name);
        } catch (...) {
            --transactionDepth_;
            const std::string undo = "ROLLBACK TO " + name + "; RELEASE " + name;
            sqlite3_exec(db_, undo.c_str(), nullptr, nullptr, nullptr);
            throw;
        }
        return;
    }
    execute("BEGIN IMMEDIATE");
    transactionDepth_ = 1;
    try {
        work();
        execute("COMMIT");
        transactionDepth_ = 0;
    } catch (...) {
        transactionDepth_ = 0;
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

std::int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

void Database::backupTo(const std::filesystem::path& target) {
    sqlite3* destination = nullptr;
    int rc = sqlite3_open_v2(target.c_str(), &destination,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = "cannot create the backup " + target.string() + ": " +
                                    (destination != nullptr ? sqlite3_errmsg(destination) : sqlite3_errstr(rc));
        sqlite3_close(destination);
        throwError(message, rc);
    }
    sqlite3_backup* backup = sqlite3_backup_init(destination, "main", db_, "main");
    if (backup == nullptr) {
        const std::string message = std::string("cannot start the backup: ") + sqlite3_errmsg(destination);
        rc = sqlite3_errcode(destination);
        sqlite3_close(destination);
        throwError(message, rc);
    }
    // -1: copy every page in one step; the registry is small and one step is one snapshot.
    rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
        sqlite3_close(destination);
        throwError("backup to " + target.string() + " failed: " + sqlite3_errstr(rc), rc);
    }
    rc = sqlite3_errcode(destination);
    sqlite3_close(destination);
    if (rc != SQLITE_OK) throwError("backup to " + target.string() + " failed: " + sqlite3_errstr(rc), rc);
}

int Database::schemaVersion() {
    Statement query(db_, "PRAGMA user_version");
    query.step();
    return static_cast<int>(query.columnInt(1));
}

void Database::migrate(const std::vector<Migration>& migrations) {
    transaction([&] {
        const int current = schemaVersion();
        const int newest = migrations.empty() ? 0 : migrations.back().version;
        if (current > newest)
            throw DatabaseError("the registry has schema version " + std::to_string(current) +
                                    ", newer than this program knows (" + std::to_string(newest) + ")",
                                SQLITE_MISMATCH);
        for (const Migration& migration : migrations) {
            if (migration.version <= current) continue;
            execute(migration.sql);
            execute("PRAGMA user_version=" + std::to_string(migration.version));
        }
    });
}

bool Database::integrityOk() {
    Statement query(db_, "PRAGMA integrity_check");
    return query.step() && query.columnText(1) == "ok";
}

std::string Database::journalMode() {
    Statement query(db_, "PRAGMA journal_mode");
    query.step();
    return query.columnText(1);
}

} // namespace fmc::db
