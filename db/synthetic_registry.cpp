#include "db/synthetic_registry.hpp"

#include "crypto/pki/serial_number.hpp"
#include "crypto/uuid.hpp"
#include "db/database.hpp"
#include "db/schema.hpp"
#include "db/sqlite_registry.hpp"
#include "db/sqlite_time.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace fmc::db {

namespace {

// The station's reason names, in a plausible mix (most cards are lost).
constexpr std::array<const char*, 5> kReasons{"lost", "lost", "stolen", "superseded", "ceased"};
constexpr std::int64_t kYearSeconds = 365LL * 24 * 3600;

// DER of UTF8String "synthetic card": a non-empty certificate_der that no one mistakes for a
// certificate.
// (From an array: g++ 12 warns about array bounds inside a vector's initializer list.)
constexpr std::array<std::uint8_t, 16> kPlaceholderBytes{0x0C, 0x0E, 0x73, 0x79, 0x6E, 0x74, 0x68, 0x65,
                                                         0x74, 0x69, 0x63, 0x20, 0x63, 0x61, 0x72, 0x64};
const Bytes kPlaceholderDer(kPlaceholderBytes.begin(), kPlaceholderBytes.end());

// db::Statement has no reset(), and preparing five statements per card would double the fill
// time, so the bulk insert uses SQLite directly, on the file Database has migrated.
class Connection {
public:
    explicit Connection(const std::filesystem::path& file) {
        if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) fail("opening the registry");
        sqlite3_busy_timeout(db_, 30'000);
        execute("PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144");
    }
    ~Connection() { sqlite3_close_v2(db_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    void execute(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw DatabaseError(what + ": " + sqlite3_errmsg(db_), sqlite3_extended_errcode(db_));
    }
    sqlite3* native() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

// One prepared statement, run once per row: bind, run, reset.
class Row {
public:
    Row(Connection& db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db.native(), sql, -1, &statement_, nullptr) != SQLITE_OK) db.fail(sql);
    }
    ~Row() { sqlite3_finalize(statement_); }
    Row(const Row&) = delete;
    Row& operator=(const Row&) = delete;
    Row& bind(int index, std::int64_t value) { return check(sqlite3_bind_int64(statement_, index, value)); }
    Row& bind(int index, const std::string& text) {
        return check(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    }
    Row& bindNull(int index) { return check(sqlite3_bind_null(statement_, index)); }
    Row& bindBlob(int index, const Bytes& bytes) {
        return check(sqlite3_bind_blob(statement_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC));
    }
    // Runs the statement; true when it returned a row (read it before the next run).
    bool run() {
        const int rc = sqlite3_step(statement_);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) db_.fail(sqlite3_sql(statement_));
        return rc == SQLITE_ROW;
    }
    void reset() { sqlite3_reset(statement_); }
    void runOnce() {
        run();
        reset();
    }
    std::int64_t columnInt(int index) const { return sqlite3_column_int64(statement_, index); }

private:
    Row& check(int rc) {
        if (rc != SQLITE_OK) db_.fail("binding a parameter");
        return *this;
    }
    Connection& db_;
    sqlite3_stmt* statement_ = nullptr;
};

} // namespace

SyntheticRegistryResult fillSyntheticRegistry(const std::filesystem::path& registryFile,
                                              const SyntheticRegistryRequest& request) {
    if (request.operatorName.empty() || request.issuerId.empty())
        throw std::invalid_argument("a synthetic fill needs an operator and an issuer id");
    if (request.revokedPercent < 0 || request.revokedPercent > 100)
        throw std::invalid_argument("the revoked percentage must be between 0 and 100");
    Database(registryFile, std::chrono::seconds(30)).migrate(registryMigrations());
    Connection db(registryFile);

    // Serials sorted before inserting: the serial-keyed tables are B-trees without rowid, and
    // appending in key order is several times faster than inserting at random places.
    std::vector<std::string> serials;
    serials.reserve(request.cards);
    for (std::size_t i = 0; i < request.cards; ++i) serials.push_back(toHex(crypto::pki::newSerialNumber()));
    std::sort(serials.begin(), serials.end());
    const auto revokedCount = static_cast<std::size_t>(static_cast<double>(request.cards) * request.revokedPercent / 100.0);
    // Every k-th card is revoked, so the revoked serials are spread over the key space.
    const std::size_t stride = revokedCount == 0 ? 0 : request.cards / revokedCount;

    const std::int64_t now = toUnixSeconds(request.now);
    SyntheticRegistryResult result;
    db.execute("BEGIN IMMEDIATE");
    try {
        std::int64_t firstMerchant = 1;
        if (Row last(db, "SELECT coalesce(max(id), 0) FROM merchant"); last.run()) firstMerchant = last.columnInt(0) + 1;
        Row merchant(db,
                     "INSERT INTO merchant(id, name, nationality, travel_document, preferred_language, created_at, updated_at)"
                     " VALUES(?, ?, 'VNM', ?, 'vi', ?, ?)");
        Row entitlement(db, "INSERT INTO merchant_entitlement(merchant_id, code) VALUES(?, 'library')");
        Row serial(db, "INSERT INTO allocated_serial(serial, allocated_at, used_by_card) VALUES(?, ?, 1)");
        Row card(db,
                 "INSERT INTO card(serial, card_uuid, merchant_id, issuer_id, issuer_name, status, not_before, not_after,"
                 " certificate_der, certificate_pem, revocation_reason, revoked_at, created_at, updated_at)"
                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)");
        Row revocation(db, "INSERT INTO revocation(serial, reason, revoked_at, operator) VALUES(?, ?, ?, ?)");
        const std::string active = "active", revokedStatus = "revoked";
        for (std::size_t i = 0; i < serials.size(); ++i) {
            const std::int64_t merchantId = firstMerchant + static_cast<std::int64_t>(i);
            // Issued some time in the last two years, valid for five.
            const std::int64_t issuedAt = now - 2 * kYearSeconds + static_cast<std::int64_t>(i * 63) % (2 * kYearSeconds);
            const std::string number = std::to_string(merchantId);
            merchant.bind(1, merchantId).bind(2, "Synthetic Merchant " + number).bind(3, "SYN" + number)
                .bind(4, issuedAt).bind(5, issuedAt).runOnce();
            entitlement.bind(1, merchantId).runOnce();
            serial.bind(1, serials[i]).bind(2, issuedAt).runOnce();
            const bool revoked = stride != 0 && i % stride == stride / 2 && result.revoked < revokedCount;
            const std::int64_t revokedAt = issuedAt + (now - issuedAt) * static_cast<std::int64_t>(i % 97 + 1) / 100;
            const std::string reason = kReasons[i % kReasons.size()];
            card.bind(1, serials[i]).bind(2, uuidToString(randomUuid())).bind(3, merchantId).bind(4, request.issuerId)
                .bind(5, request.issuerName).bind(6, revoked ? revokedStatus : active).bind(7, issuedAt)
                .bind(8, issuedAt + 5 * kYearSeconds).bindBlob(9, kPlaceholderDer);
            if (revoked) card.bind(10, reason).bind(11, revokedAt); else card.bindNull(10).bindNull(11);
            card.bind(12, issuedAt).bind(13, revoked ? revokedAt : issuedAt).runOnce();
            if (revoked) {
                revocation.bind(1, serials[i]).bind(2, reason).bind(3, revokedAt).bind(4, request.operatorName).runOnce();
                ++result.revoked;
            }
            ++result.cards;
            ++result.merchants;
        }
        db.execute("COMMIT");
    } catch (...) {
        sqlite3_exec(db.native(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    // Through the registry itself, so that the hash chain has one writer. The rows have
    // committed by then: should this fail, they stay without their audit entry (acceptable
    // for a benchmark generator, never for a station operation).
    SqliteRegistry(registryFile)
        .recordEvent("registry.synthetic-fill", request.issuerId,
                     "{\"cards\":" + std::to_string(result.cards) + ",\"revoked\":" + std::to_string(result.revoked) +
                         ",\"merchants\":" + std::to_string(result.merchants) + "}",
                     Operator{request.operatorName});
    return result;
}

} // namespace fmc::db
