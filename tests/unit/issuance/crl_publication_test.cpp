// The published folder (`fmc-issue crl publish --dir`, issuance/crl_publication.hpp) on a real
// station in a temporary folder: complete and delta CRLs, the choice of the delta's base, the
// signed index, pruning, and what is recorded when the folder cannot be written.
#include "issuance/crl_publication.hpp"

#include "crypto/digest.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/crl_index.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"
#include "db/registry.hpp"
#include "issuance/card_lifecycle.hpp"
#include "issuance/station_setup.hpp"
#include "unit/pki_test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <set>

namespace pki = fmc::crypto::pki;
using fmc::Bytes;
using fmc::crypto::pki::testing::TempDir;
using namespace fmc::issuance;
using namespace std::chrono_literals;

namespace {

const fmc::db::Operator kClerk{"Clerk Zhao"};

// A station made by `init` with encrypted key files, and the cards its CRLs list.
class TestStation {
public:
    TestStation() {
        ::setenv("FMC_KEY_PASSPHRASE", "crl publication test passphrase", 1);
        InitRequest request;
        request.authority = "Test Bureau";
        (void)initStation(home(), request, kClerk, [](const std::string&) {});
        station_.emplace(Station::open(home()));
        merchant_ = registry().addMerchant({"Test Merchant", "", "VNM", "T0001", "", "", "vi", {}}, kClerk).id;
    }

    [[nodiscard]] std::filesystem::path home() const { return dir_.path() / "station"; }
    [[nodiscard]] std::filesystem::path published() const { return dir_.path() / "published"; }
    Station& station() { return *station_; }
    fmc::db::Registry& registry() { return station_->registry(); }

    // An active card in the registry (the certificate bytes are a placeholder: CRLs list serials).
    std::string addActiveCard() {
        const std::string serial = registry().allocateSerial(kClerk);
        fmc::db::NewCard card;
        card.serial = serial;
        card.cardUuid = "0011223344556677889900AABBCCDD" + std::to_string(10 + cards_++);
        card.merchantId = merchant_;
        card.issuerId = station_->issuerId();
        card.issuerName = "Test Bureau issuing CA";
        card.notBefore = fmc::db::Timestamp(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
        card.notAfter = card.notBefore + 24h * 365;
        card.certificateDer = {0x30, 0x03, 0x02, 0x01, 0x01};
        registry().addCard(card, kClerk);
        registry().setCardStatus(serial, fmc::db::CardStatus::active, kClerk);
        return serial;
    }

    [[nodiscard]] pki::TrustStore trust() const { return pki::TrustStore::fromPem(trustBundle(*station_)); }

    FolderPublication publish(int window = kDefaultDeltaWindowHours) {
        return publishCrlFolder(*station_, published(), 24, window, kClerk);
    }

private:
    TempDir dir_;
    std::optional<Station> station_;
    std::int64_t merchant_ = 0;
    int cards_ = 0;
};

Bytes fileBytes(const FolderPublication& publication, const std::string& name) {
    return fmc::readFileBytes(publication.caFolder / name);
}

std::set<std::string> folderNames(const std::filesystem::path& folder) {
    std::set<std::string> names;
    for (const auto& item : std::filesystem::directory_iterator(folder)) names.insert(item.path().filename().string());
    return names;
}

// Every serial the complete CRL lists has the same reason in `index`, and nothing else is listed.
void requireSameEntries(const pki::RevocationIndex& index, const pki::RevocationList& complete) {
    const auto entries = complete.entries();
    CHECK(index.size() == entries.size());
    for (const pki::RevokedCertificate& entry : entries) {
        INFO("serial " << fmc::toHex(entry.serialNumber));
        REQUIRE(index.find(entry.serialNumber));
        CHECK(*index.find(entry.serialNumber) == entry.reason);
    }
}

} // namespace

TEST_CASE("the delta base: the newest list from before the window, else the oldest", "[issuance][crl]") {
    const fmc::db::Timestamp now(std::chrono::seconds(1'800'000'000));
    const std::vector<fmc::db::PublishedCrlHeader> published{
        {1, now - 72h, now - 48h}, {2, now - 30h, now - 6h}, {3, now - 20h, now + 4h}, {4, now - 1h, now + 23h}};
    // A terminal that synced 22 h ago holds CRL 2: the base must not be above it.
    CHECK(chooseDeltaBase(published, now, 24h) == 2);
    CHECK(chooseDeltaBase(published, now, 48h) == 1);
    CHECK(chooseDeltaBase(published, now, 2h) == 3);
    CHECK(chooseDeltaBase(published, now, 100h) == 1);  // nothing that old: the oldest
    CHECK(chooseDeltaBase({published[2], published[3]}, now, 24h) == 3);
    CHECK(chooseDeltaBase({published[0], published[1]}, now, 24h) == 2);
    CHECK_FALSE(chooseDeltaBase({}, now, 24h));
}

TEST_CASE("publishing twice: the delta turns the first complete CRL into the second", "[issuance][crl]") {
    TestStation test;
    const std::string suspendedThenReinstated = test.addActiveCard();
    const std::string suspendedThenRevoked = test.addActiveCard();
    const std::string revokedEarly = test.addActiveCard();
    const std::string suspendedLater = test.addActiveCard();
    (void)test.addActiveCard();  // stays active, never listed
    (void)suspendCard(test.station(), suspendedThenReinstated, kClerk);
    (void)suspendCard(test.station(), suspendedThenRevoked, kClerk);
    (void)revokeCard(test.station(), revokedEarly, "stolen", kClerk);

    const FolderPublication first = test.publish();
    CHECK(first.full.file == "full-1.crl");
    CHECK(first.full.entries == 3);
    CHECK_FALSE(first.baseCrlNumber);
    CHECK_FALSE(first.delta);  // the CA never published before: nothing to be a delta of
    REQUIRE(first.arl);
    CHECK(first.arl->file == "arl-1.crl");  // the one `init` recorded

    (void)reinstateCard(test.station(), suspendedThenReinstated, kClerk);
    (void)revokeCard(test.station(), suspendedThenRevoked, "key-compromise", kClerk);
    (void)suspendCard(test.station(), suspendedLater, kClerk);
    const FolderPublication second = test.publish();
    CHECK(second.complete.crlNumber == 2);
    CHECK(second.baseCrlNumber == 1);
    REQUIRE(second.delta);
    CHECK(second.delta->file == "delta-2.crl");
    CHECK(second.delta->entries == 3);  // one removed, one hold made permanent, one new hold

    const auto full1 = pki::RevocationList::fromDer(fileBytes(first, "full-1.crl"));
    const auto full2 = pki::RevocationList::fromDer(fileBytes(second, "full-2.crl"));
    const auto delta2 = pki::RevocationList::fromDer(fileBytes(second, "delta-2.crl"));
    CHECK_FALSE(full2.isDelta());
    CHECK(delta2.isDelta());
    CHECK(delta2.baseCrlNumber() == 1);
    CHECK(delta2.crlNumber() == 2);
    CHECK(delta2.nextUpdate() == full2.nextUpdate());

    const pki::TrustStore trust = test.trust();
    pki::RevocationState state;
    (void)state.importCrl(trust, full1);
    const pki::RevocationIndex& applied = state.importCrl(trust, delta2);
    CHECK(applied.crlNumber() == 2);
    CHECK(applied.completeCrlNumber() == 1);
    requireSameEntries(applied, full2);
    CHECK_FALSE(applied.find(fmc::fromHex(suspendedThenReinstated)));
    CHECK(applied.find(fmc::fromHex(suspendedThenRevoked)) == pki::RevocationReason::keyCompromise);
    CHECK(applied.find(fmc::fromHex(suspendedLater)) == pki::RevocationReason::certificateHold);
}

TEST_CASE("the index names the files with their sizes and digests, signed by the issuing CA", "[issuance][crl]") {
    TestStation test;
    (void)revokeCard(test.station(), test.addActiveCard(), "lost", kClerk);
    (void)test.publish();
    (void)suspendCard(test.station(), test.addActiveCard(), kClerk);
    const FolderPublication published = test.publish();

    const std::string ski = published.caFolder.filename().string();
    CHECK(published.caFolder.parent_path() == test.published());
    // The issuing CA's key identifier in lower-case hex (the registry's issuer id is upper case).
    std::string issuerId = test.station().issuerId();
    for (char& c : issuerId) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(ski == issuerId);
    CHECK(ski.find_first_not_of("0123456789abcdef") == std::string::npos);

    const Bytes signedIndex = fileBytes(published, pki::kCrlIndexFileName);
    CHECK(signedIndex.size() == published.indexSize);
    const pki::CrlIndex index = pki::verifyCrlIndex(signedIndex, test.trust());
    CHECK(index.issuerKeyId == test.station().issuingCertificate().subjectKeyIdentifier());
    CHECK(index.nextUpdate == published.complete.nextUpdate);
    auto checkEntry = [&](const pki::CrlIndexEntry& entry, const std::string& file, std::int64_t number) {
        INFO(file);
        const Bytes bytes = fileBytes(published, file);
        CHECK(entry.file == file);
        CHECK(entry.crlNumber == static_cast<std::uint64_t>(number));
        CHECK(entry.size == bytes.size());
        CHECK(entry.sha256 == fmc::crypto::sha256(bytes));
    };
    checkEntry(index.full, "full-2.crl", 2);
    REQUIRE(index.delta);
    checkEntry(*index.delta, "delta-2.crl", 2);
    CHECK(index.delta->baseCrlNumber == 1);
    CHECK_FALSE(index.full.baseCrlNumber);
    REQUIRE(index.arl);
    checkEntry(*index.arl, "arl-1.crl", 1);

    // One audit entry per publish, naming the folder and the delta's base.
    const auto audit = test.registry().auditEntries(1, 0);
    REQUIRE_FALSE(audit.empty());
    CHECK(audit.back().action == "crl.publish");
    const auto details = nlohmann::json::parse(audit.back().detailsJson);
    CHECK(details["destination"] == test.published().string());
    CHECK(details["crl_number"] == 2);
    CHECK(details["delta_base_crl_number"] == 1);
}

TEST_CASE("the delta's base follows the window", "[issuance][crl]") {
    TestStation test;
    (void)revokeCard(test.station(), test.addActiveCard(), "lost", kClerk);
    // A list published two days ago through --out, outside a 24-hour window.
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const CompleteCrl old = signCompleteCrl(test.station(), now - 48h, 24);
    recordCompleteCrl(test.station(), old, {"old.crl", std::nullopt}, kClerk);

    const FolderPublication second = test.publish(24);
    CHECK(second.baseCrlNumber == 1);  // the newest from before the window
    const FolderPublication third = test.publish(24);
    CHECK(third.baseCrlNumber == 1);   // still: CRL 2 is younger than the window
    const FolderPublication fourth = test.publish(1);
    CHECK(fourth.baseCrlNumber == 1);  // CRLs 2 and 3 are seconds old
    const FolderPublication fifth = test.publish(72);
    CHECK(fifth.baseCrlNumber == 1);   // nothing 72 h old: the oldest

    CHECK_THROWS_AS(test.publish(0), InputError);
    CHECK_THROWS_AS(test.publish(745), InputError);
    CHECK(test.registry().nextCrlNumber(test.station().issuerId()) == 6);  // refused before recording
}

TEST_CASE("pruning keeps the files of the last three indexes", "[issuance][crl]") {
    TestStation test;
    std::filesystem::create_directories(caFolderIn(test.station(), test.published()));
    fmc::writeFileAtomically(caFolderIn(test.station(), test.published()) / "README.txt", std::string_view("mirror\n"));
    FolderPublication last;
    for (int i = 0; i < 5; ++i) {
        (void)suspendCard(test.station(), test.addActiveCard(), kClerk);
        last = test.publish();
    }
    CHECK(folderNames(last.caFolder) == std::set<std::string>{"README.txt", "arl-1.crl", "delta-3.crl", "delta-4.crl",
                                                              "delta-5.crl", "full-3.crl", "full-4.crl", "full-5.crl",
                                                              "index.cms"});
    CHECK(last.removed == std::vector<std::string>{"delta-2.crl", "full-2.crl"});
    CHECK(last.delta->entries == 4);  // base 1: the four cards suspended since
}

TEST_CASE("a folder that cannot be written stops the publish before anything is recorded", "[issuance][crl]") {
    TestStation test;
    fmc::writeFileAtomically(test.published(), std::string_view("a file, not a folder"));
    const auto auditBefore = test.registry().auditEntries(1, 0).size();
    CHECK_THROWS_AS(test.publish(), StationError);
    CHECK(test.registry().nextCrlNumber(test.station().issuerId()) == 1);
    CHECK(test.registry().auditEntries(1, 0).size() == auditBefore);
    CHECK_THROWS_AS(publishCrl(test.station(), test.published() / "crl.der", 24, kClerk), StationError);
    CHECK(test.registry().nextCrlNumber(test.station().issuerId()) == 1);
}

TEST_CASE("crl publish --out records the list before writing it", "[issuance][crl]") {
    TestStation test;
    (void)suspendCard(test.station(), test.addActiveCard(), kClerk);
    const std::filesystem::path target = test.published().parent_path() / "crl.der";
    const PublishedCrlSummary summary = publishCrl(test.station(), target, 6, kClerk);
    CHECK(summary.suspended == 1);
    const auto recorded = test.registry().findPublishedCrl(test.station().issuerId(), summary.crlNumber);
    REQUIRE(recorded);
    CHECK(recorded->der == fmc::readFileBytes(target));
    CHECK(test.registry().listPublishedCrls(test.station().issuerId()) ==
          std::vector<fmc::db::PublishedCrlHeader>{{1, summary.thisUpdate, summary.nextUpdate}});
    CHECK_FALSE(test.registry().findPublishedCrl(test.station().issuerId(), 2));
    // The next folder publish takes its delta from that list.
    CHECK(test.publish().baseCrlNumber == 1);

    // A write that fails after the recording leaves the number used, never free for other
    // content: a folder where the file should be makes the atomic rename fail.
    const std::filesystem::path blocked = test.published().parent_path() / "blocked.der";
    std::filesystem::create_directories(blocked / "inside");
    CHECK_THROWS(publishCrl(test.station(), blocked, 6, kClerk));
    CHECK(test.registry().findPublishedCrl(test.station().issuerId(), 3));
    CHECK(test.registry().nextCrlNumber(test.station().issuerId()) == 4);
}
