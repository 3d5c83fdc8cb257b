// SqliteRegistry: the recorded steps of each issuance, and published CRLs.
#include "db/registry_errors.hpp"
#include "db/sqlite_registry.hpp"
#include "db/sqlite_time.hpp"

#include <nlohmann/json.hpp>

namespace fmc::db {

namespace {

constexpr std::string_view kIssuanceColumns =
    "SELECT id, merchant_id, serial, card_uuid, outcome, started_at, finished_at FROM issuance";

Issuance readIssuance(const Statement& row) {
    Issuance issuance;
    issuance.id = row.columnInt(1);
    issuance.merchantId = row.columnInt(2);
    issuance.serial = row.columnText(3);
    issuance.cardUuid = row.columnText(4);
    issuance.outcome = issuanceOutcomeFromName(row.columnText(5));
    issuance.startedAt = fromUnixSeconds(row.columnInt(6));
    if (!row.columnIsNull(7)) issuance.finishedAt = fromUnixSeconds(row.columnInt(7));
    return issuance;
}

PublishedCrl readCrl(const Statement& row) {
    return {row.columnText(1), row.columnInt(2), fromUnixSeconds(row.columnInt(3)),
            fromUnixSeconds(row.columnInt(4)), row.columnBlob(5)};
}

std::string issuanceSubject(std::int64_t id) { return "issuance " + std::to_string(id); }

} // namespace

Issuance SqliteRegistry::beginIssuance(std::int64_t merchantId, std::string_view serial,
                                       std::string_view cardUuid, const Operator& by) {
    if (cardUuid.empty()) throw InvalidRecordError("an issuance needs the new card UUID");
    Issuance begun;
    change(by, [&] {
        if (!findMerchant(merchantId)) throw NotFoundError("no merchant with id " + std::to_string(merchantId));
        if (!serialAllocated(serial))
            throw NotFoundError("serial " + std::string(serial) + " was never allocated by this registry");
        Statement used = db_.prepare("SELECT id FROM issuance WHERE serial = ?");
        used.bind(1, serial);
        if (used.step())
            throw DuplicateError("serial " + std::string(serial) + " already belongs to issuance " +
                                 std::to_string(used.columnInt(1)));
        db_.prepare("INSERT INTO issuance(merchant_id, serial, card_uuid, outcome, started_at)"
                    " VALUES(?, ?, ?, 'in_progress', ?)")
            .bind(1, merchantId)
            .bind(2, serial)
            .bind(3, cardUuid)
            .bind(4, toUnixSeconds(now()))
            .step();
        const std::int64_t id = db_.lastInsertRowId();
        const nlohmann::json details{{"merchant", merchantId}, {"serial", serial}, {"card_uuid", cardUuid}};
        appendAudit(by, "issuance.begin", issuanceSubject(id), details.dump());
        begun = *findIssuance(id);
    });
    return begun;
}

void SqliteRegistry::recordIssuanceStep(std::int64_t issuanceId, std::string_view step, StepState state,
                                        std::string_view detail, const Operator& by) {
    if (step.empty()) throw InvalidRecordError("an issuance step needs a name");
    change(by, [&] {
        const auto issuance = findIssuance(issuanceId);
        if (!issuance) throw NotFoundError("no issuance with id " + std::to_string(issuanceId));
        if (issuance->outcome != IssuanceOutcome::inProgress)
            throw InvalidTransitionError("issuance " + std::to_string(issuanceId) + " is already " +
                                         std::string(issuanceOutcomeName(issuance->outcome)));
        db_.prepare("INSERT INTO issuance_step(issuance_id, step, state, detail, at) VALUES(?, ?, ?, ?, ?)")
            .bind(1, issuanceId)
            .bind(2, step)
            .bind(3, stepStateName(state))
            .bindOptionalText(4, detail)
            .bind(5, toUnixSeconds(now()))
            .step();
        const nlohmann::json details{{"step", step}, {"state", stepStateName(state)}};
        appendAudit(by, "issuance.step", issuanceSubject(issuanceId), details.dump());
    });
}

void SqliteRegistry::finishIssuance(std::int64_t issuanceId, IssuanceOutcome outcome, const Operator& by) {
    if (outcome == IssuanceOutcome::inProgress)
        throw InvalidTransitionError("an issuance finishes as completed or rolled back");
    change(by, [&] {
        const auto issuance = findIssuance(issuanceId);
        if (!issuance) throw NotFoundError("no issuance with id " + std::to_string(issuanceId));
        if (issuance->outcome != IssuanceOutcome::inProgress)
            throw InvalidTransitionError("issuance " + std::to_string(issuanceId) + " is already " +
                                         std::string(issuanceOutcomeName(issuance->outcome)));
        db_.prepare("UPDATE issuance SET outcome = ?, finished_at = ? WHERE id = ?")
            .bind(1, issuanceOutcomeName(outcome))
            .bind(2, toUnixSeconds(now()))
            .bind(3, issuanceId)
            .step();
        const nlohmann::json details{{"outcome", issuanceOutcomeName(outcome)}};
        appendAudit(by, "issuance.finish", issuanceSubject(issuanceId), details.dump());
    });
}

std::vector<IssuanceStep> SqliteRegistry::readSteps(std::int64_t issuanceId) {
    Statement query = db_.prepare("SELECT step, state, detail, at FROM issuance_step WHERE issuance_id = ? ORDER BY id");
    query.bind(1, issuanceId);
    std::vector<IssuanceStep> steps;
    while (query.step())
        steps.push_back({issuanceId, query.columnText(1), stepStateFromName(query.columnText(2)),
                         query.columnText(3), fromUnixSeconds(query.columnInt(4))});
    return steps;
}

std::optional<Issuance> SqliteRegistry::findIssuance(std::int64_t issuanceId) {
    Statement query = db_.prepare(std::string(kIssuanceColumns) + " WHERE id = ?");
    query.bind(1, issuanceId);
    if (!query.step()) return std::nullopt;
    Issuance issuance = readIssuance(query);
    issuance.steps = readSteps(issuance.id);
    return issuance;
}

std::vector<Issuance> SqliteRegistry::unfinishedIssuances() {
    Statement query = db_.prepare(std::string(kIssuanceColumns) + " WHERE outcome = 'in_progress' ORDER BY id");
    std::vector<Issuance> issuances;
    while (query.step()) issuances.push_back(readIssuance(query));
    for (Issuance& issuance : issuances) issuance.steps = readSteps(issuance.id);
    return issuances;
}

std::int64_t SqliteRegistry::nextCrlNumber(std::string_view issuerId) {
    Statement query = db_.prepare("SELECT coalesce(max(crl_number), 0) + 1 FROM published_crl WHERE issuer_id = ?");
    query.bind(1, issuerId);
    query.step();
    return query.columnInt(1);
}

void SqliteRegistry::recordPublishedCrl(const PublishedCrl& crl, const Operator& by) {
    if (crl.issuerId.empty()) throw InvalidRecordError("a published CRL needs its issuer");
    if (crl.der.empty()) throw InvalidRecordError("a published CRL needs its DER encoding");
    if (crl.nextUpdate <= crl.thisUpdate) throw InvalidRecordError("a CRL's nextUpdate must follow its thisUpdate");
    change(by, [&] {
        const std::int64_t next = nextCrlNumber(crl.issuerId);
        if (crl.crlNumber < next)
            throw CrlNumberError("CRL number " + std::to_string(crl.crlNumber) + " is not greater than " +
                                 std::to_string(next - 1) + ", the last one published by this issuer");
        db_.prepare("INSERT INTO published_crl(issuer_id, crl_number, this_update, next_update, der)"
                    " VALUES(?, ?, ?, ?, ?)")
            .bind(1, crl.issuerId)
            .bind(2, crl.crlNumber)
            .bind(3, toUnixSeconds(crl.thisUpdate))
            .bind(4, toUnixSeconds(crl.nextUpdate))
            .bindBlob(5, crl.der)
            .step();
        nlohmann::json details{{"crl_number", crl.crlNumber},
                               {"this_update", toUnixSeconds(crl.thisUpdate)},
                               {"next_update", toUnixSeconds(crl.nextUpdate)}};
        if (!crl.publication.destination.empty()) details["destination"] = crl.publication.destination;
        if (crl.publication.deltaBaseCrlNumber) details["delta_base_crl_number"] = *crl.publication.deltaBaseCrlNumber;
        appendAudit(by, "crl.publish", crl.issuerId, details.dump());
    });
}

std::optional<PublishedCrl> SqliteRegistry::latestCrl(std::string_view issuerId) {
    Statement query = db_.prepare("SELECT issuer_id, crl_number, this_update, next_update, der FROM published_crl"
                                  " WHERE issuer_id = ? ORDER BY crl_number DESC LIMIT 1");
    query.bind(1, issuerId);
    if (!query.step()) return std::nullopt;
    return readCrl(query);
}

std::vector<PublishedCrlHeader> SqliteRegistry::listPublishedCrls(std::string_view issuerId) {
    Statement query = db_.prepare("SELECT crl_number, this_update, next_update FROM published_crl"
                                  " WHERE issuer_id = ? ORDER BY crl_number");
    query.bind(1, issuerId);
    std::vector<PublishedCrlHeader> headers;
    while (query.step())
        headers.push_back({query.columnInt(1), fromUnixSeconds(query.columnInt(2)), fromUnixSeconds(query.columnInt(3))});
    return headers;
}

std::optional<PublishedCrl> SqliteRegistry::findPublishedCrl(std::string_view issuerId, std::int64_t crlNumber) {
    Statement query = db_.prepare("SELECT issuer_id, crl_number, this_update, next_update, der FROM published_crl"
                                  " WHERE issuer_id = ? AND crl_number = ?");
    query.bind(1, issuerId);
    query.bind(2, crlNumber);
    if (!query.step()) return std::nullopt;
    return readCrl(query);
}

} // namespace fmc::db
