#include "db/sqlite_registry.hpp"

#include "db/audit_chain.hpp"
#include "db/registry_errors.hpp"
#include "db/schema.hpp"
#include "db/sqlite_time.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace fmc::db {

namespace {

// Columns: sequence, at, operator, action, subject, details, previous_hash, hash.
AuditEntry readAuditEntry(const Statement& row) {
    AuditEntry entry;
    entry.sequence = row.columnInt(1);
    entry.at = fromUnixSeconds(row.columnInt(2));
    entry.operatorName = row.columnText(3);
    entry.action = row.columnText(4);
    entry.subject = row.columnText(5);
    entry.detailsJson = row.columnText(6);
    entry.previousHash = row.columnText(7);
    entry.hash = row.columnText(8);
    return entry;
}

} // namespace

SqliteRegistry::SqliteRegistry(const std::filesystem::path& file, SqliteRegistryOptions options)
    : db_(file, options.busyTimeout), options_(std::move(options)) {
    db_.migrate(registryMigrations());
}

Timestamp SqliteRegistry::now() const {
    if (options_.clock) return options_.clock();
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void SqliteRegistry::atomically(const std::function<void()>& work) { db_.transaction(work); }

void SqliteRegistry::change(const Operator& by, const std::function<void()>& work) {
    if (by.name.find_first_not_of(" \t") == std::string::npos)
        throw InvalidRecordError("every registry change needs an operator name");
    db_.transaction(work);
}

void SqliteRegistry::appendAudit(const Operator& by, std::string_view action, std::string_view subject,
                                 const std::string& detailsJson) {
    Statement head = db_.prepare("SELECT entry_count, last_hash FROM audit_head WHERE id = 1");
    if (!head.step()) throw RegistryError("the registry has no audit head; the file is damaged");
    AuditEntry entry;
    entry.sequence = head.columnInt(1) + 1;
    entry.previousHash = head.columnText(2);
    entry.at = now();
    entry.operatorName = by.name;
    entry.action = action;
    entry.subject = subject;
    entry.detailsJson = detailsJson;
    entry.hash = AuditChain::computeHash(entry);

    db_.prepare("INSERT INTO audit_log(sequence, at, operator, action, subject, details,"
                " previous_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, entry.sequence)
        .bind(2, toUnixSeconds(entry.at))
        .bind(3, entry.operatorName)
        .bind(4, entry.action)
        .bind(5, entry.subject)
        .bind(6, entry.detailsJson)
        .bind(7, entry.previousHash)
        .bind(8, entry.hash)
        .step();
    db_.prepare("UPDATE audit_head SET entry_count = ?, last_hash = ? WHERE id = 1")
        .bind(1, entry.sequence)
        .bind(2, entry.hash)
        .step();
}

void SqliteRegistry::recordEvent(std::string_view action, std::string_view subject,
                                 std::string_view detailsJson, const Operator& by) {
    if (action.empty()) throw InvalidRecordError("an audit event needs an action name");
    // Stored as given, but it must be JSON: `audit show` parses every entry's details.
    const std::string details = detailsJson.empty() ? "{}" : std::string(detailsJson);
    if (!nlohmann::json::accept(details))
        throw InvalidRecordError("audit event details are not valid JSON");
    change(by, [&] { appendAudit(by, action, subject, details); });
}

std::vector<AuditEntry> SqliteRegistry::auditEntries(std::int64_t fromSequence, std::int64_t limit) {
    Statement query = db_.prepare(
        "SELECT sequence, at, operator, action, subject, details, previous_hash, hash"
        " FROM audit_log WHERE sequence >= ? ORDER BY sequence LIMIT ?");
    query.bind(1, fromSequence).bind(2, limit > 0 ? limit : std::int64_t{-1});
    std::vector<AuditEntry> entries;
    while (query.step()) entries.push_back(readAuditEntry(query));
    return entries;
}

AuditVerification SqliteRegistry::verifyAuditChain() {
    AuditVerification result;
    const auto verify = [&] {
        AuditChainVerifier verifier;
        Statement query = db_.prepare(
            "SELECT sequence, at, operator, action, subject, details, previous_hash, hash"
            " FROM audit_log ORDER BY sequence");
        while (query.step()) verifier.check(readAuditEntry(query));
        Statement head = db_.prepare("SELECT entry_count, last_hash FROM audit_head WHERE id = 1");
        if (head.step()) {
            result = verifier.finish(head.columnInt(1), head.columnText(2));
        } else {
            result = verifier.finish(0, AuditChain::kGenesisHash);
            if (result.ok()) {
                result.firstBadSequence = 1;
                result.problem = "the recorded head of the audit log is missing";
            }
        }
    };
    if (db_.inTransaction()) {
        verify();
        return result;
    }
    // One read transaction, so the log and its head are one snapshot even while others write.
    db_.execute("BEGIN");
    try {
        verify();
    } catch (...) {
        db_.execute("ROLLBACK");
        throw;
    }
    db_.execute("COMMIT");
    return result;
}

void SqliteRegistry::setSetting(std::string_view key, std::string_view value, const Operator& by) {
    if (key.empty()) throw InvalidRecordError("a station setting needs a name");
    change(by, [&] {
        db_.prepare("INSERT INTO station_setting(key, value, updated_at) VALUES(?, ?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                    " updated_at = excluded.updated_at")
            .bind(1, key)
            .bind(2, value)
            .bind(3, toUnixSeconds(now()))
            .step();
        // The value stays out of the log: the log can never be edited, and a setting may name
        // something an operator later wants gone from the file (a key store path, a URI).
        appendAudit(by, "setting.set", key, "{}");
    });
}

std::optional<std::string> SqliteRegistry::setting(std::string_view key) {
    Statement query = db_.prepare("SELECT value FROM station_setting WHERE key = ?");
    query.bind(1, key);
    if (!query.step()) return std::nullopt;
    return query.columnText(1);
}

void SqliteRegistry::backup(const std::filesystem::path& target, const Operator& by) {
    // Inside atomically() the copy would miss the open transaction's changes, or hold them
    // without their commit: refuse rather than write a backup that is not what it claims.
    if (db_.inTransaction()) throw std::logic_error("backup() cannot run inside atomically()");
    change(by, [&] {
        appendAudit(by, "registry.backup", target.string(), "{}");
    });
    db_.backupTo(target);
}

bool SqliteRegistry::integrityOk() { return db_.integrityOk(); }

} // namespace fmc::db
