// SqliteRegistry: serial allocation, cards and their lifecycle, revocations.
#include "db/registry_errors.hpp"
#include "db/sqlite_registry.hpp"
#include "db/sqlite_time.hpp"

#include "crypto/pki/serial_number.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace fmc::db {

namespace {

constexpr std::string_view kCardColumns =
    "SELECT serial, card_uuid, merchant_id, issuer_id, issuer_name, status, not_before, not_after,"
    " certificate_der, certificate_pem, revocation_reason, revoked_at, created_at, updated_at,"
    " form_factor, tag_uid FROM card";

// A registry that draws this many colliding serials in a row has a broken random source.
constexpr int kSerialAttempts = 16;

Card readCard(const Statement& row) {
    Card card;
    card.certificate.serial = row.columnText(1);
    card.certificate.cardUuid = row.columnText(2);
    card.certificate.merchantId = row.columnInt(3);
    card.certificate.issuerId = row.columnText(4);
    card.certificate.issuerName = row.columnText(5);
    card.status = cardStatusFromName(row.columnText(6));
    card.certificate.notBefore = fromUnixSeconds(row.columnInt(7));
    card.certificate.notAfter = fromUnixSeconds(row.columnInt(8));
    card.certificate.certificateDer = row.columnBlob(9);
    card.certificate.certificatePem = row.columnText(10);
    card.revocationReason = row.columnText(11);
    if (!row.columnIsNull(12)) card.revokedAt = fromUnixSeconds(row.columnInt(12));
    card.createdAt = fromUnixSeconds(row.columnInt(13));
    card.updatedAt = fromUnixSeconds(row.columnInt(14));
    card.certificate.formFactor = formFactorFromName(row.columnText(15));
    card.certificate.tagUid = row.columnText(16);
    return card;
}

void checkNewCard(const NewCard& card) {
    if (card.serial.empty()) throw InvalidRecordError("a card needs a certificate serial");
    if (card.cardUuid.empty()) throw InvalidRecordError("card " + card.serial + " needs a card UUID");
    if (card.issuerId.empty()) throw InvalidRecordError("card " + card.serial + " needs its issuing CA");
    if (card.certificateDer.empty()) throw InvalidRecordError("card " + card.serial + " has no certificate");
    if (card.notAfter <= card.notBefore)
        throw InvalidRecordError("card " + card.serial + " expires before it becomes valid");
    if ((card.formFactor == FormFactor::ntag) != !card.tagUid.empty())
        throw InvalidRecordError("card " + card.serial + ": a tag credential needs its tag UID, and only a tag has one");
}

// The card lifecycle: what each stored status may become through setCardStatus.
bool allowedTransition(CardStatus from, CardStatus to) {
    switch (to) {
    case CardStatus::active: return from == CardStatus::interrupted || from == CardStatus::suspended;
    case CardStatus::suspended: return from == CardStatus::active;
    case CardStatus::revoked:  // through revokeCard, which records the reason
    case CardStatus::interrupted: return false;
    }
    return false;
}

std::string_view transitionAction(CardStatus from, CardStatus to) {
    if (to == CardStatus::suspended) return "card.suspend";
    return from == CardStatus::suspended ? "card.reinstate" : "card.activate";
}

} // namespace

std::string SqliteRegistry::allocateSerial(const Operator& by) {
    if (db_.inTransaction())
        throw std::logic_error("allocateSerial() must commit on its own, not inside atomically()");
    std::string serial;
    change(by, [&] {
        for (int attempt = 0; attempt < kSerialAttempts; ++attempt) {
            const Bytes drawn = options_.serialSource ? options_.serialSource() : crypto::pki::newSerialNumber();
            if (drawn.empty() || drawn.size() > 20)
                throw RegistryError("the serial source gave " + std::to_string(drawn.size()) +
                                    " bytes; a serial has 1 to 20");
            const std::string candidate = toHex(drawn);
            if (serialAllocated(candidate)) continue;
            db_.prepare("INSERT INTO allocated_serial(serial, allocated_at) VALUES(?, ?)")
                .bind(1, candidate)
                .bind(2, toUnixSeconds(now()))
                .step();
            appendAudit(by, "serial.allocate", candidate, "{}");
            serial = candidate;
            return;
        }
        throw RegistryError("no unused certificate serial after " + std::to_string(kSerialAttempts) +
                            " attempts; the random source is broken");
    });
    return serial;
}

bool SqliteRegistry::serialAllocated(std::string_view serial) {
    Statement query = db_.prepare("SELECT 1 FROM allocated_serial WHERE serial = ?");
    query.bind(1, serial);
    return query.step();
}

Card SqliteRegistry::addCard(const NewCard& card, const Operator& by) {
    checkNewCard(card);
    Card added;
    change(by, [&] {
        Statement serial = db_.prepare("SELECT used_by_card FROM allocated_serial WHERE serial = ?");
        serial.bind(1, card.serial);
        if (!serial.step())
            throw NotFoundError("serial " + card.serial + " was never allocated by this registry");
        if (serial.columnInt(1) != 0)
            throw DuplicateError("serial " + card.serial + " is already used by a card; serials are never reused");
        if (!findMerchant(card.merchantId))
            throw NotFoundError("no merchant with id " + std::to_string(card.merchantId));
        const std::int64_t at = toUnixSeconds(now());
        db_.prepare("INSERT INTO card(serial, card_uuid, merchant_id, issuer_id, issuer_name, status,"
                    " not_before, not_after, certificate_der, certificate_pem, created_at, updated_at, form_factor, tag_uid)"
                    " VALUES(?, ?, ?, ?, ?, 'interrupted', ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, card.serial)
            .bind(2, card.cardUuid)
            .bind(3, card.merchantId)
            .bind(4, card.issuerId)
            .bind(5, card.issuerName)
            .bind(6, toUnixSeconds(card.notBefore))
            .bind(7, toUnixSeconds(card.notAfter))
            .bindBlob(8, card.certificateDer)
            .bind(9, card.certificatePem)
            .bind(10, at)
            .bind(11, at)
            .bind(12, formFactorName(card.formFactor))
            .bindOptionalText(13, card.tagUid)
            .step();
        db_.prepare("UPDATE allocated_serial SET used_by_card = 1 WHERE serial = ?").bind(1, card.serial).step();
        nlohmann::json details{{"merchant", card.merchantId},
                               {"card_uuid", card.cardUuid},
                               {"issuer", card.issuerId},
                               {"not_after", toUnixSeconds(card.notAfter)}};
        if (card.formFactor == FormFactor::ntag) {
            details["form_factor"] = formFactorName(card.formFactor);
            details["tag_uid"] = card.tagUid;
        }
        appendAudit(by, "card.add", card.serial, details.dump());
        added = requireCard(card.serial);
    });
    return added;
}

Card SqliteRegistry::requireCard(std::string_view serial) {
    auto card = findCard(serial);
    if (!card) throw NotFoundError("no card with serial " + std::string(serial));
    return std::move(*card);
}

Card SqliteRegistry::setCardStatus(std::string_view serial, CardStatus status, const Operator& by) {
    Card changed;
    change(by, [&] {
        const Card card = requireCard(serial);
        if (!allowedTransition(card.status, status))
            throw InvalidTransitionError("card " + card.serial() + " is " + std::string(cardStatusName(card.status)) +
                                         " and cannot become " + std::string(cardStatusName(status)));
        Statement live = db_.prepare("SELECT serial FROM card WHERE card_uuid = ? AND serial <> ?"
                                     " AND status IN ('active', 'suspended')");
        live.bind(1, card.certificate.cardUuid).bind(2, card.serial());
        if (live.step())
            throw DuplicateError("card UUID " + card.certificate.cardUuid + " already carries live card " +
                                 live.columnText(1) + "; revoke it first");
        if (!card.certificate.tagUid.empty()) {
            Statement liveOnTag = db_.prepare("SELECT serial FROM card WHERE tag_uid = ? AND serial <> ?"
                                              " AND status IN ('active', 'suspended')");
            liveOnTag.bind(1, card.certificate.tagUid).bind(2, card.serial());
            if (liveOnTag.step())
                throw DuplicateError("tag " + card.certificate.tagUid + " already carries live credential " +
                                     liveOnTag.columnText(1) + "; revoke it first");
        }
        db_.prepare("UPDATE card SET status = ?, updated_at = ? WHERE serial = ?")
            .bind(1, cardStatusName(status))
            .bind(2, toUnixSeconds(now()))
            .bind(3, card.serial())
            .step();
        const nlohmann::json details{{"from", cardStatusName(card.status)}, {"to", cardStatusName(status)}};
        appendAudit(by, transitionAction(card.status, status), card.serial(), details.dump());
        changed = requireCard(serial);
    });
    return changed;
}

Card SqliteRegistry::revokeCard(std::string_view serial, std::string_view reason, const Operator& by) {
    if (reason.empty()) throw InvalidRecordError("a revocation needs a reason");
    Card revoked;
    change(by, [&] {
        const Card card = requireCard(serial);
        if (card.status == CardStatus::revoked)
            throw InvalidTransitionError("card " + card.serial() + " is already revoked (" +
                                         card.revocationReason + ")");
        const std::int64_t at = toUnixSeconds(now());
        db_.prepare("UPDATE card SET status = 'revoked', revocation_reason = ?, revoked_at = ?, updated_at = ?"
                    " WHERE serial = ?")
            .bind(1, reason)
            .bind(2, at)
            .bind(3, at)
            .bind(4, card.serial())
            .step();
        db_.prepare("INSERT INTO revocation(serial, reason, revoked_at, operator) VALUES(?, ?, ?, ?)")
            .bind(1, card.serial())
            .bind(2, reason)
            .bind(3, at)
            .bind(4, by.name)
            .step();
        const nlohmann::json details{{"reason", reason}, {"from", cardStatusName(card.status)}};
        appendAudit(by, "card.revoke", card.serial(), details.dump());
        revoked = requireCard(serial);
    });
    return revoked;
}

void SqliteRegistry::revokeUnusedSerial(std::string_view serial, std::string_view reason, const Operator& by) {
    if (reason.empty()) throw InvalidRecordError("a revocation needs a reason");
    change(by, [&] {
        Statement allocated = db_.prepare("SELECT used_by_card FROM allocated_serial WHERE serial = ?");
        allocated.bind(1, serial);
        if (!allocated.step())
            throw NotFoundError("serial " + std::string(serial) + " was never allocated by this registry");
        if (allocated.columnInt(1) != 0)
            throw InvalidTransitionError("serial " + std::string(serial) + " belongs to a card; revoke the card");
        Statement listed = db_.prepare("SELECT 1 FROM revocation WHERE serial = ?");
        listed.bind(1, serial);
        if (listed.step()) throw DuplicateError("serial " + std::string(serial) + " is already revoked");
        db_.prepare("INSERT INTO revocation(serial, reason, revoked_at, operator) VALUES(?, ?, ?, ?)")
            .bind(1, serial)
            .bind(2, reason)
            .bind(3, toUnixSeconds(now()))
            .bind(4, by.name)
            .step();
        const nlohmann::json details{{"reason", reason}};
        appendAudit(by, "serial.revoke", serial, details.dump());
    });
}

std::optional<Card> SqliteRegistry::findCard(std::string_view serial) {
    Statement query = db_.prepare(std::string(kCardColumns) + " WHERE serial = ?");
    query.bind(1, serial);
    if (!query.step()) return std::nullopt;
    return readCard(query);
}

std::vector<Card> SqliteRegistry::listCards(const CardFilter& filter) {
    // Every condition is always present and disabled by a NULL parameter, so one statement
    // text serves every filter.
    Statement query = db_.prepare(std::string(kCardColumns) +
                                  " WHERE (?1 IS NULL OR merchant_id = ?1) AND (?2 IS NULL OR status = ?2)"
                                  " AND (?3 IS NULL OR card_uuid = ?3) AND (?4 IS NULL OR tag_uid = ?4)"
                                  " ORDER BY created_at, serial");
    if (filter.merchantId) query.bind(1, *filter.merchantId); else query.bindNull(1);
    if (filter.status) query.bind(2, cardStatusName(*filter.status)); else query.bindNull(2);
    query.bindOptionalText(3, filter.cardUuid);
    query.bindOptionalText(4, filter.tagUid);
    std::vector<Card> cards;
    while (query.step()) cards.push_back(readCard(query));
    return cards;
}

std::vector<Revocation> SqliteRegistry::listRevocations() {
    Statement query = db_.prepare("SELECT serial, reason, revoked_at, operator FROM revocation ORDER BY revoked_at, serial");
    std::vector<Revocation> revocations;
    while (query.step())
        revocations.push_back({query.columnText(1), query.columnText(2), fromUnixSeconds(query.columnInt(3)),
                               query.columnText(4)});
    return revocations;
}

} // namespace fmc::db
