// The SQLite registry's records: merchants, serials, cards and their lifecycle, issuance
// steps, revocations, CRL numbers, settings. Real files in a temporary folder.
#include "db/registry_errors.hpp"
#include "db/schema.hpp"
#include "db/sqlite_registry.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

using namespace fmc::db;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using fmc::test::TempFolder;

namespace {


const Operator kClerk{"clerk.li"};
const Timestamp kStart = Timestamp(std::chrono::seconds(1'700'000'000));

MerchantDetails sampleMerchant(const std::string& document) {
    MerchantDetails details;
    details.name = "Nguyen Van An";
    details.nativeName = "Nguyễn Văn An";
    details.nationality = "VNM";
    details.travelDocument = document;
    details.phone = "+84 90 000 0000";
    details.preferredLanguage = "vi";
    details.entitlements = {"retail", "market-stall", "retail"};
    return details;
}

NewCard sampleCard(const std::string& serial, std::int64_t merchantId, const std::string& uuid) {
    NewCard card;
    card.serial = serial;
    card.cardUuid = uuid;
    card.merchantId = merchantId;
    card.issuerId = "A1B2";
    card.issuerName = "CN=FMC Issuing CA";
    card.notBefore = kStart;
    card.notAfter = kStart + std::chrono::hours(24 * 365);
    card.certificateDer = {0x30, 0x03, 0x02, 0x01, 0x01};
    card.certificatePem = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    return card;
}

// A serial source that hands out the given serials in turn, repeating the last one.
std::function<fmc::Bytes()> scriptedSerials(std::vector<fmc::Bytes> serials) {
    auto next = std::make_shared<std::size_t>(0);
    return [serials = std::move(serials), next] {
        const fmc::Bytes& serial = serials[std::min(*next, serials.size() - 1)];
        ++*next;
        return serial;
    };
}

} // namespace

TEST_CASE("merchants are added, found, listed and updated") {
    TempFolder folder;
    Timestamp now = kStart;
    SqliteRegistry registry(folder.path / "registry.sqlite", {5s, [&] { return now; }, {}});

    const Merchant added = registry.addMerchant(sampleMerchant("P1234567"), kClerk);
    CHECK(added.id > 0);
    CHECK(added.details.nativeName == "Nguyễn Văn An");
    CHECK(added.details.entitlements == std::vector<std::string>{"market-stall", "retail"});
    CHECK(added.details.businessRegistration.empty());
    CHECK(added.createdAt == kStart);

    REQUIRE(registry.findMerchantByDocument("P1234567"));
    CHECK(registry.findMerchantByDocument("P1234567")->id == added.id);
    CHECK_FALSE(registry.findMerchant(added.id + 1));

    now += 60s;
    MerchantDetails changed = added.details;
    changed.phone = "+84 91 111 1111";
    changed.entitlements = {"food"};
    const Merchant updated = registry.updateMerchant(added.id, changed, kClerk);
    CHECK(updated.details.phone == "+84 91 111 1111");
    CHECK(updated.details.entitlements == std::vector<std::string>{"food"});
    CHECK(updated.updatedAt == kStart + 60s);
    CHECK(updated.createdAt == kStart);

    registry.addMerchant(sampleMerchant("P7654321"), kClerk);
    CHECK(registry.listMerchants().size() == 2);
    // The audit log records which fields changed, not the personal data itself.
    const auto entries = registry.auditEntries(1, 0);
    REQUIRE(entries.size() == 3);
    CHECK(entries[1].action == "merchant.update");
    CHECK_THAT(entries[1].detailsJson, Catch::Contains("\"phone\""));
    CHECK_THAT(entries[1].detailsJson, !Catch::Contains("+84"));
}

TEST_CASE("bad merchant input is refused with a typed error and changes nothing") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    const Merchant first = registry.addMerchant(sampleMerchant("P1234567"), kClerk);
    const Merchant second = registry.addMerchant(sampleMerchant("P7654321"), kClerk);

    CHECK_THROWS_MATCHES(registry.addMerchant(sampleMerchant("P1234567"), kClerk), DuplicateDocumentError,
                         Catch::Message("travel document P1234567 is already registered to merchant " +
                                        std::to_string(first.id)));
    CHECK_THROWS_AS(registry.updateMerchant(second.id, sampleMerchant("P1234567"), kClerk), DuplicateDocumentError);
    CHECK_THROWS_AS(registry.updateMerchant(999, sampleMerchant("X1"), kClerk), NotFoundError);
    MerchantDetails noName = sampleMerchant("X2");
    noName.name = "  ";
    CHECK_THROWS_AS(registry.addMerchant(noName, kClerk), InvalidRecordError);
    CHECK_THROWS_WITH(registry.addMerchant(sampleMerchant("X3"), Operator{""}),
                      "every registry change needs an operator name");

    CHECK(registry.listMerchants().size() == 2);
    CHECK(registry.findMerchant(second.id)->details.travelDocument == "P7654321");
    CHECK(registry.auditEntries(1, 0).size() == 2);
    CHECK(registry.verifyAuditChain().ok());
}

TEST_CASE("a serial is never handed out or used twice") {
    TempFolder folder;
    const fmc::Bytes serialA{0x4A, 0x01};
    const fmc::Bytes serialB{0x4B, 0x02};
    const fmc::Bytes serialC{0x4C, 0x03};
    SqliteRegistry registry(folder.path / "registry.sqlite",
                            {5s, {}, scriptedSerials({serialA, serialA, serialB, serialB, serialA, serialC})});
    const std::int64_t merchant = registry.addMerchant(sampleMerchant("P1"), kClerk).id;

    const std::string first = registry.allocateSerial(kClerk);
    CHECK(first == "4A01");
    CHECK(registry.allocateSerial(kClerk) == "4B02");  // the repeated 4A01 was skipped
    registry.addCard(sampleCard(first, merchant, "UUID-1"), kClerk);
    CHECK_THROWS_AS(registry.addCard(sampleCard(first, merchant, "UUID-2"), kClerk), DuplicateError);
    CHECK_THROWS_AS(registry.addCard(sampleCard("0BAD", merchant, "UUID-3"), kClerk), NotFoundError);

    SECTION("even after the card row is deleted behind the registry's back") {
        Database raw(folder.path / "registry.sqlite");
        raw.execute("DELETE FROM card WHERE serial = '4A01'");
        CHECK_THROWS_AS(registry.addCard(sampleCard(first, merchant, "UUID-1"), kClerk), DuplicateError);
        CHECK_THROWS_AS(raw.execute("DELETE FROM allocated_serial"), DatabaseError);
        CHECK(registry.allocateSerial(kClerk) == "4C03");  // 4B02 and 4A01 again: skipped
    }
    SECTION("even after the transaction that used it rolled back") {
        CHECK_THROWS_AS(registry.atomically([&] {
            registry.addCard(sampleCard("4B02", merchant, "UUID-9"), kClerk);
            throw std::runtime_error("card pulled");
        }), std::runtime_error);
        CHECK_FALSE(registry.findCard("4B02"));
        CHECK(registry.serialAllocated("4B02"));
        CHECK(registry.allocateSerial(kClerk) == "4C03");
    }
    SECTION("a serial cannot be allocated inside a transaction that might roll it back") {
        CHECK_THROWS_AS(registry.atomically([&] { (void)registry.allocateSerial(kClerk); }), std::logic_error);
    }
}

TEST_CASE("the card lifecycle allows only its transitions") {
    TempFolder folder;
    Timestamp now = kStart;
    SqliteRegistry registry(folder.path / "registry.sqlite", {5s, [&] { return now; }, {}});
    const std::int64_t merchant = registry.addMerchant(sampleMerchant("P1"), kClerk).id;
    const std::string serial = registry.allocateSerial(kClerk);
    Card card = registry.addCard(sampleCard(serial, merchant, "UUID-1"), kClerk);
    CHECK(card.status == CardStatus::interrupted);
    CHECK(card.certificate.certificateDer == fmc::Bytes{0x30, 0x03, 0x02, 0x01, 0x01});

    CHECK_THROWS_AS(registry.setCardStatus(serial, CardStatus::suspended, kClerk), InvalidTransitionError);
    CHECK(registry.setCardStatus(serial, CardStatus::active, kClerk).status == CardStatus::active);
    CHECK(registry.setCardStatus(serial, CardStatus::suspended, kClerk).status == CardStatus::suspended);
    CHECK(registry.setCardStatus(serial, CardStatus::active, kClerk).status == CardStatus::active);
    CHECK_THROWS_AS(registry.setCardStatus(serial, CardStatus::revoked, kClerk), InvalidTransitionError);
    CHECK_THROWS_AS(registry.setCardStatus(serial, CardStatus::interrupted, kClerk), InvalidTransitionError);

    SECTION("expired is derived from notAfter") {
        card = *registry.findCard(serial);
        CHECK(displayStatus(card, now) == "active");
        CHECK(displayStatus(card, card.certificate.notAfter + 1s) == "expired");
    }
    SECTION("a second live credential on the same card UUID is refused") {
        const std::string other = registry.allocateSerial(kClerk);
        registry.addCard(sampleCard(other, merchant, "UUID-1"), kClerk);
        CHECK_THROWS_AS(registry.setCardStatus(other, CardStatus::active, kClerk), DuplicateError);
        registry.atomically([&] {  // renewal: retire the old credential, then activate the new
            registry.revokeCard(serial, "superseded", kClerk);
            registry.setCardStatus(other, CardStatus::active, kClerk);
        });
        CHECK(registry.listCards({std::nullopt, CardStatus::active, "UUID-1", ""}).size() == 1);
    }
    SECTION("revocation is final and listed for the CRL") {
        now += 3600s;
        card = registry.revokeCard(serial, "lost", kClerk);
        CHECK(card.status == CardStatus::revoked);
        CHECK(card.revocationReason == "lost");
        CHECK(card.revokedAt == kStart + 3600s);
        CHECK_THROWS_AS(registry.revokeCard(serial, "stolen", kClerk), InvalidTransitionError);
        CHECK_THROWS_AS(registry.setCardStatus(serial, CardStatus::active, kClerk), InvalidTransitionError);
        const auto revocations = registry.listRevocations();
        REQUIRE(revocations.size() == 1);
        CHECK(revocations[0].serial == serial);
        CHECK(revocations[0].operatorName == "clerk.li");
    }
    CHECK_THROWS_AS(registry.setCardStatus("FFFF", CardStatus::active, kClerk), NotFoundError);
    CHECK(registry.listCards({merchant, std::nullopt, "", ""}).size() >= 1);
    CHECK(registry.listCards({merchant + 1, std::nullopt, "", ""}).empty());
    CHECK(registry.verifyAuditChain().ok());
}

TEST_CASE("issuance steps are recorded so an interrupted issuance can be found") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    const std::int64_t merchant = registry.addMerchant(sampleMerchant("P1"), kClerk).id;
    const std::string serial = registry.allocateSerial(kClerk);
    const Issuance issuance = registry.beginIssuance(merchant, serial, "UUID-1", kClerk);
    registry.recordIssuanceStep(issuance.id, "key generated", StepState::started, "", kClerk);
    registry.recordIssuanceStep(issuance.id, "key generated", StepState::done, "9E P-256", kClerk);
    registry.recordIssuanceStep(issuance.id, "certificate signed", StepState::started, "", kClerk);
    CHECK_THROWS_AS(registry.beginIssuance(merchant, serial, "UUID-2", kClerk), DuplicateError);

    auto unfinished = registry.unfinishedIssuances();
    REQUIRE(unfinished.size() == 1);
    CHECK(unfinished[0].serial == serial);
    REQUIRE(unfinished[0].steps.size() == 3);
    CHECK(unfinished[0].steps[1].state == StepState::done);
    CHECK(unfinished[0].steps[1].detail == "9E P-256");
    CHECK(unfinished[0].steps[2].step == "certificate signed");

    // Rolled back after signing: the serial never reached a card row but still goes on the CRL.
    registry.atomically([&] {
        registry.revokeUnusedSerial(serial, "ceased", kClerk);
        registry.finishIssuance(issuance.id, IssuanceOutcome::rolledBack, kClerk);
    });
    CHECK(registry.unfinishedIssuances().empty());
    CHECK(registry.findIssuance(issuance.id)->finishedAt.has_value());
    CHECK(registry.listRevocations().size() == 1);
    CHECK_THROWS_AS(registry.recordIssuanceStep(issuance.id, "late", StepState::done, "", kClerk),
                    InvalidTransitionError);
    CHECK_THROWS_AS(registry.finishIssuance(issuance.id, IssuanceOutcome::completed, kClerk),
                    InvalidTransitionError);
    CHECK_THROWS_AS(registry.revokeUnusedSerial(serial, "ceased", kClerk), DuplicateError);
}

TEST_CASE("CRL numbers strictly increase per issuer") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    const auto crl = [](const std::string& issuer, std::int64_t number) {
        return PublishedCrl{issuer, number, kStart, kStart + 24h, {0x30, 0x00, static_cast<std::uint8_t>(number)}};
    };
    CHECK(registry.nextCrlNumber("CA1") == 1);
    CHECK_FALSE(registry.latestCrl("CA1"));
    registry.recordPublishedCrl(crl("CA1", 1), kClerk);
    CHECK_THROWS_AS(registry.recordPublishedCrl(crl("CA1", 1), kClerk), CrlNumberError);
    registry.recordPublishedCrl(crl("CA1", 5), kClerk);
    CHECK_THROWS_WITH(registry.recordPublishedCrl(crl("CA1", 3), kClerk),
                      "CRL number 3 is not greater than 5, the last one published by this issuer");
    registry.recordPublishedCrl(crl("CA2", 1), kClerk);
    CHECK(registry.nextCrlNumber("CA1") == 6);
    REQUIRE(registry.latestCrl("CA1"));
    CHECK(registry.latestCrl("CA1")->crlNumber == 5);
    CHECK(registry.latestCrl("CA1")->der == fmc::Bytes{0x30, 0x00, 0x05});

    // The schema refuses it too, for any writer that skips the registry's check.
    Database raw(folder.path / "registry.sqlite");
    CHECK_THROWS_WITH(raw.execute("INSERT INTO published_crl VALUES('CA1', 4, 1, 2, x'00')"),
                      Catch::Contains("CRL numbers must increase"));
}

TEST_CASE("station settings are kept and their values stay out of the audit log") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite");
    CHECK_FALSE(registry.setting("station.secret"));
    registry.setSetting("station.secret", "file:secret.bin", kClerk);
    registry.setSetting("station.secret", "pkcs11:token=fmc", kClerk);
    CHECK(registry.setting("station.secret") == "pkcs11:token=fmc");
    for (const AuditEntry& entry : registry.auditEntries(1, 0))
        CHECK_THAT(entry.detailsJson, !Catch::Contains("pkcs11"));
}

TEST_CASE("a tag credential is a card with a form factor and the tag UID it is bound to") {
    TempFolder folder;
    SqliteRegistry registry(folder.path / "registry.sqlite", {5s, [] { return kStart; }, {}});
    const std::int64_t merchant = registry.addMerchant(sampleMerchant("P1"), kClerk).id;
    NewCard tag = sampleCard(registry.allocateSerial(kClerk), merchant, "UUID-T1");
    tag.formFactor = FormFactor::ntag;
    tag.tagUid = "04A1B2C3D4E5F6";
    const Card added = registry.addCard(tag, kClerk);
    CHECK(added.certificate.formFactor == FormFactor::ntag);
    CHECK(added.certificate.tagUid == "04A1B2C3D4E5F6");
    registry.setCardStatus(added.serial(), CardStatus::active, kClerk);
    CHECK(registry.listCards({std::nullopt, std::nullopt, "", "04A1B2C3D4E5F6"}).size() == 1);
    CHECK(registry.listCards({std::nullopt, std::nullopt, "", "04000000000000"}).empty());

    SECTION("a second live credential on the same tag is refused until the first is revoked") {
        NewCard second = sampleCard(registry.allocateSerial(kClerk), merchant, "UUID-T2");
        second.formFactor = FormFactor::ntag;
        second.tagUid = tag.tagUid;
        registry.addCard(second, kClerk);
        CHECK_THROWS_AS(registry.setCardStatus(second.serial, CardStatus::active, kClerk), DuplicateError);
        registry.revokeCard(added.serial(), "superseded", kClerk);
        CHECK(registry.setCardStatus(second.serial, CardStatus::active, kClerk).status == CardStatus::active);
    }
    SECTION("a tag needs its UID, and a PIV card has none") {
        NewCard noUid = sampleCard(registry.allocateSerial(kClerk), merchant, "UUID-T3");
        noUid.formFactor = FormFactor::ntag;
        CHECK_THROWS_AS(registry.addCard(noUid, kClerk), InvalidRecordError);
        NewCard pivWithUid = sampleCard(registry.allocateSerial(kClerk), merchant, "UUID-T4");
        pivWithUid.tagUid = "04A1B2C3D4E5F6";
        CHECK_THROWS_AS(registry.addCard(pivWithUid, kClerk), InvalidRecordError);
    }
    CHECK(registry.findCard(added.serial())->certificate.formFactor == FormFactor::ntag);
    CHECK(registry.verifyAuditChain().ok());
}

TEST_CASE("a registry made before tag credentials keeps its cards, all of them PIV") {
    TempFolder folder;
    const fs::path file = folder.path / "registry.sqlite";
    {
        // Only the first migration: the schema as released before issue 9.
        Database old(file, 5s);
        old.migrate({registryMigrations().front()});
        old.execute("INSERT INTO merchant(id, name, nationality, travel_document, created_at, updated_at)"
                    " VALUES(1, 'A', 'VNM', 'P1', 0, 0)");
        old.execute("INSERT INTO allocated_serial(serial, allocated_at, used_by_card) VALUES('0A', 0, 1)");
        old.execute("INSERT INTO card(serial, card_uuid, merchant_id, issuer_id, issuer_name, status, not_before,"
                    " not_after, certificate_der, certificate_pem, created_at, updated_at)"
                    " VALUES('0A', 'U', 1, 'I', 'CN=I', 'active', 0, 10, x'3000', '', 0, 0)");
    }
    SqliteRegistry registry(file, {5s, [] { return kStart; }, {}});
    const auto card = registry.findCard("0A");
    REQUIRE(card);
    CHECK(card->certificate.formFactor == FormFactor::piv);
    CHECK(card->certificate.tagUid.empty());
}
