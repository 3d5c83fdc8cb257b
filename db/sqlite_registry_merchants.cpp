// SqliteRegistry: merchants and their entitlements.
#include "db/registry_errors.hpp"
#include "db/sqlite_registry.hpp"
#include "db/sqlite_time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace fmc::db {

namespace {

constexpr std::string_view kMerchantColumns =
    "SELECT id, name, native_name, nationality, travel_document, business_registration, phone,"
    " preferred_language, created_at, updated_at FROM merchant";

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Only what keeps the stored data meaningful; code lists are the station's to check.
MerchantDetails normalized(const MerchantDetails& details) {
    if (blank(details.name)) throw InvalidRecordError("a merchant needs a name");
    if (details.nationality.size() != 3)
        throw InvalidRecordError("nationality must be an ISO 3166 alpha-3 code, got '" + details.nationality + "'");
    if (blank(details.travelDocument)) throw InvalidRecordError("a merchant needs a travel document number");
    MerchantDetails result = details;
    std::sort(result.entitlements.begin(), result.entitlements.end());
    result.entitlements.erase(std::unique(result.entitlements.begin(), result.entitlements.end()),
                              result.entitlements.end());
    if (std::any_of(result.entitlements.begin(), result.entitlements.end(),
                    [](const std::string& code) { return blank(code); }))
        throw InvalidRecordError("an entitlement code is empty");
    return result;
}

Merchant readMerchant(const Statement& row) {
    Merchant merchant;
    merchant.id = row.columnInt(1);
    merchant.details.name = row.columnText(2);
    merchant.details.nativeName = row.columnText(3);
    merchant.details.nationality = row.columnText(4);
    merchant.details.travelDocument = row.columnText(5);
    merchant.details.businessRegistration = row.columnText(6);
    merchant.details.phone = row.columnText(7);
    merchant.details.preferredLanguage = row.columnText(8);
    merchant.createdAt = fromUnixSeconds(row.columnInt(9));
    merchant.updatedAt = fromUnixSeconds(row.columnInt(10));
    return merchant;
}

// The audit log cannot be edited or purged, so it names which fields changed, never their
// values: personal data stays in the merchant row, where it can be corrected.
std::vector<std::string> changedFields(const MerchantDetails& before, const MerchantDetails& after) {
    std::vector<std::string> fields;
    if (before.name != after.name) fields.emplace_back("name");
    if (before.nativeName != after.nativeName) fields.emplace_back("native_name");
    if (before.nationality != after.nationality) fields.emplace_back("nationality");
    if (before.travelDocument != after.travelDocument) fields.emplace_back("travel_document");
    if (before.businessRegistration != after.businessRegistration) fields.emplace_back("business_registration");
    if (before.phone != after.phone) fields.emplace_back("phone");
    if (before.preferredLanguage != after.preferredLanguage) fields.emplace_back("preferred_language");
    if (before.entitlements != after.entitlements) fields.emplace_back("entitlements");
    return fields;
}

} // namespace

void SqliteRegistry::writeEntitlements(std::int64_t merchantId, const std::vector<std::string>& codes) {
    db_.prepare("DELETE FROM merchant_entitlement WHERE merchant_id = ?").bind(1, merchantId).step();
    for (const std::string& code : codes)
        db_.prepare("INSERT INTO merchant_entitlement(merchant_id, code) VALUES(?, ?)")
            .bind(1, merchantId)
            .bind(2, code)
            .step();
}

std::vector<std::string> SqliteRegistry::readEntitlements(std::int64_t merchantId) {
    Statement query = db_.prepare("SELECT code FROM merchant_entitlement WHERE merchant_id = ? ORDER BY code");
    query.bind(1, merchantId);
    std::vector<std::string> codes;
    while (query.step()) codes.push_back(query.columnText(1));
    return codes;
}

namespace {

// Parameters 1-7 of both the INSERT and the UPDATE: the merchant's own columns, in one order.
void bindMerchantColumns(Statement& statement, const MerchantDetails& clean) {
    statement.bind(1, clean.name)
        .bindOptionalText(2, clean.nativeName)
        .bind(3, clean.nationality)
        .bind(4, clean.travelDocument)
        .bindOptionalText(5, clean.businessRegistration)
        .bindOptionalText(6, clean.phone)
        .bindOptionalText(7, clean.preferredLanguage);
}

} // namespace

void SqliteRegistry::refuseDuplicateDocument(const std::string& travelDocument,
                                             std::optional<std::int64_t> exceptMerchant) {
    const auto holder = findMerchantByDocument(travelDocument);
    if (holder && holder->id != exceptMerchant)
        throw DuplicateDocumentError("travel document " + travelDocument +
                                     " is already registered to merchant " + std::to_string(holder->id));
}

Merchant SqliteRegistry::addMerchant(const MerchantDetails& details, const Operator& by) {
    const MerchantDetails clean = normalized(details);
    Merchant added;
    change(by, [&] {
        refuseDuplicateDocument(clean.travelDocument, std::nullopt);
        const std::int64_t at = toUnixSeconds(now());
        Statement insert = db_.prepare(
            "INSERT INTO merchant(name, native_name, nationality, travel_document,"
            " business_registration, phone, preferred_language, created_at, updated_at)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
        bindMerchantColumns(insert, clean);
        insert.bind(8, at).bind(9, at).step();
        const std::int64_t id = db_.lastInsertRowId();
        writeEntitlements(id, clean.entitlements);
        const nlohmann::json auditDetails{{"entitlements", clean.entitlements}};
        appendAudit(by, "merchant.add", "merchant " + std::to_string(id), auditDetails.dump());
        added = *findMerchant(id);
    });
    return added;
}

Merchant SqliteRegistry::updateMerchant(std::int64_t id, const MerchantDetails& details, const Operator& by) {
    const MerchantDetails clean = normalized(details);
    Merchant updated;
    change(by, [&] {
        const auto before = findMerchant(id);
        if (!before) throw NotFoundError("no merchant with id " + std::to_string(id));
        refuseDuplicateDocument(clean.travelDocument, id);
        Statement update = db_.prepare(
            "UPDATE merchant SET name = ?, native_name = ?, nationality = ?, travel_document = ?,"
            " business_registration = ?, phone = ?, preferred_language = ?, updated_at = ?"
            " WHERE id = ?");
        bindMerchantColumns(update, clean);
        update.bind(8, toUnixSeconds(now())).bind(9, id).step();
        writeEntitlements(id, clean.entitlements);
        const nlohmann::json auditDetails{{"changed", changedFields(before->details, clean)},
                                          {"entitlements", clean.entitlements}};
        appendAudit(by, "merchant.update", "merchant " + std::to_string(id), auditDetails.dump());
        updated = *findMerchant(id);
    });
    return updated;
}

std::optional<Merchant> SqliteRegistry::findMerchant(std::int64_t id) {
    Statement query = db_.prepare(std::string(kMerchantColumns) + " WHERE id = ?");
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    Merchant merchant = readMerchant(query);
    merchant.details.entitlements = readEntitlements(merchant.id);
    return merchant;
}

std::optional<Merchant> SqliteRegistry::findMerchantByDocument(std::string_view travelDocument) {
    Statement query = db_.prepare(std::string(kMerchantColumns) + " WHERE travel_document = ?");
    query.bind(1, travelDocument);
    if (!query.step()) return std::nullopt;
    Merchant merchant = readMerchant(query);
    merchant.details.entitlements = readEntitlements(merchant.id);
    return merchant;
}

std::vector<Merchant> SqliteRegistry::listMerchants() {
    Statement query = db_.prepare(std::string(kMerchantColumns) + " ORDER BY id");
    std::vector<Merchant> merchants;
    while (query.step()) merchants.push_back(readMerchant(query));
    for (Merchant& merchant : merchants) merchant.details.entitlements = readEntitlements(merchant.id);
    return merchants;
}

} // namespace fmc::db
