// `crl sync` (terminal/crl_sync.hpp) against an in-memory mirror laid out as `fmc-issue crl
// publish --dir` writes it: complete and delta CRLs applied, the delta chain stored and
// reloaded, and every refusal leaving the list held unchanged. The http(s) source, hanging
// and garbage servers are in tests/integration/terminal/crl_sync.sh.
#include "terminal/crl_sync.hpp"

#include "crypto/digest.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/crl_index.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_index.hpp"
#include "support/temp_folder.hpp"
#include "terminal/card_presentation.hpp"
#include "unit/pki_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

using namespace fmc;
using namespace fmc::terminal;
namespace fs = std::filesystem;
namespace pki = fmc::crypto::pki;
using pki::testing::TestPki;
using pki::testing::jan2026;
using std::chrono::hours;

namespace {

const TestPki& authority() {
    static const TestPki instance = TestPki::create();
    return instance;
}
// The same names, other keys: what a forger without the CA's key can make.
const TestPki& forger() {
    static const TestPki instance = TestPki::create();
    return instance;
}

// The published folder, in memory; remembers what was fetched.
class Mirror final : public CrlSource {
public:
    std::map<std::string, Bytes> files;
    std::vector<std::string> fetched;

    Bytes fetch(const std::string& path, std::uint64_t maxBytes) override {
        fetched.push_back(path);
        const auto file = files.find(path);
        if (file == files.end()) throw CrlSourceUnavailableError(locate(path) + ": no such file");
        if (file->second.size() > maxBytes) throw CrlSourceRefusedError(locate(path) + ": too large");
        return file->second;
    }
    [[nodiscard]] std::string locate(const std::string& path) const override { return "mirror/" + path; }
};

// The published folder: the key identifier in lower-case hex (crls/ stores it upper-case).
const std::string storedName = toHex(authority().issuing.certificate().subjectKeyIdentifier());
const std::string folder = [] {
    std::string name = storedName;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}();

pki::CrlIndexEntry entryFor(const std::string& file, const pki::RevocationList& list) {
    const Bytes der = list.der();
    return {file, list.crlNumber(), list.baseCrlNumber(), der.size(), crypto::sha256(ByteView(der))};
}

pki::RevokedCertificate revoked(std::uint8_t serial, pki::RevocationReason reason = pki::RevocationReason::keyCompromise) {
    return {Bytes{serial}, jan2026, reason};
}

// One publish: complete CRL `number` with `entries`, a delta against `base` with `deltaEntries`
// if given, an ARL, and the index naming them, signed by `signer`.
struct Publish {
    std::uint64_t number;
    std::vector<pki::RevokedCertificate> entries;
    std::optional<std::uint64_t> base;
    std::vector<pki::RevokedCertificate> deltaEntries;
};

pki::CrlIndex publish(Mirror& mirror, const Publish& what, const TestPki& signer = authority()) {
    const auto thisUpdate = jan2026 + hours(what.number);
    // Valid 72 h: the syncs at jan2026 + 30 h find every index before its next update.
    const pki::RevocationList full = authority().crl(what.number, what.entries, thisUpdate, hours(72));
    pki::CrlIndex index{authority().issuing.certificate().subject(),
                        signer.issuing.certificate().subjectKeyIdentifier(),  // a forger can only sign as itself
                        thisUpdate,
                        full.nextUpdate(),
                        entryFor("full-" + std::to_string(what.number) + ".crl", full),
                        std::nullopt,
                        std::nullopt};
    mirror.files[folder + "/" + index.full.file] = full.der();
    if (what.base) {
        const pki::RevocationList delta = authority().issuing.issueRevocationList(
            {what.number, thisUpdate, thisUpdate + hours(24), what.deltaEntries, what.base});
        index.delta = entryFor("delta-" + std::to_string(what.number) + ".crl", delta);
        mirror.files[folder + "/" + index.delta->file] = delta.der();
    }
    const pki::RevocationList arl = authority().arl(1);
    index.arl = entryFor("arl-1.crl", arl);
    mirror.files[folder + "/arl-1.crl"] = arl.der();
    mirror.files[folder + "/index.cms"] = pki::signCrlIndex(index, signer.issuing);
    return index;
}

void resign(Mirror& mirror, const pki::CrlIndex& index) { mirror.files[folder + "/index.cms"] = pki::signCrlIndex(index, authority().issuing); }

struct Terminal {
    test::TempFolder temp{"fmc-crl-sync"};
    fs::path home = temp.path / "terminal";
    TerminalHome terminal = [this] {
        std::ofstream(temp.path / "trust.pem") << authority().root.certificate().pem() + authority().issuing.certificate().pem();
        return TerminalHome::setup(home, temp.path / "trust.pem", std::nullopt, 90);
    }();

    SyncReport sync(Mirror& mirror, std::chrono::system_clock::time_point at = jan2026 + hours(30)) {
        return syncRevocationLists(terminal, mirror, at);
    }
    [[nodiscard]] const pki::RevocationIndex* held(pki::RevocationState& state) const {
        std::vector<std::string> problems;
        state = terminal.loadRevocations(terminal.loadTrust(), problems);
        CHECK(problems.empty());
        return state.forIssuer(authority().issuing.certificate().native());
    }
    [[nodiscard]] std::uint64_t heldNumber() const {
        pki::RevocationState state;
        const pki::RevocationIndex* index = held(state);
        return index ? index->crlNumber() : 0;
    }
    [[nodiscard]] std::vector<std::string> storedFiles() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(home / "crls")) names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

const ListSyncReport& crlOf(const SyncReport& report) {
    REQUIRE(!report.lists.empty());
    return report.lists.front();
}

} // namespace

TEST_CASE("sync takes the complete CRL first, then only the index while up to date", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {3, {revoked(1)}, std::nullopt, {}});
    const SyncReport first = terminal.sync(mirror);
    CHECK(first.exitCode() == 0);
    CHECK(crlOf(first).applied == "full");
    CHECK(crlOf(first).outcome == SyncOutcome::updated);
    CHECK(crlOf(first).crlNumber == 3u);
    REQUIRE(crlOf(first).ageHours.has_value());
    CHECK(*crlOf(first).ageHours == Approx(27.0));
    REQUIRE(first.lists.size() == 2);  // and the root's ARL
    CHECK(first.lists[1].authorityList);
    CHECK(first.lists[1].crlNumber == 1u);
    CHECK_THAT(syncSummaryLine(first), Catch::Contains("CRL 3 (complete)") && Catch::Contains("27.0 h old"));

    mirror.fetched.clear();
    const SyncReport second = terminal.sync(mirror);
    CHECK(second.exitCode() == 0);
    CHECK(crlOf(second).outcome == SyncOutcome::upToDate);
    CHECK(crlOf(second).applied == "none");
    CHECK(mirror.fetched == std::vector<std::string>{folder + "/index.cms"});
    CHECK(syncReportJson(second)["lists"][0]["age_hours"] == 27.0);
}

TEST_CASE("a chain of deltas across publishes is applied, stored and reloaded", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {1, {revoked(1)}, std::nullopt, {}});
    REQUIRE(terminal.sync(mirror).exitCode() == 0);
    // 2: card 2 put on hold, a delta against 1.
    publish(mirror, {2, {revoked(1), revoked(2, pki::RevocationReason::certificateHold)}, 1,
                     {revoked(2, pki::RevocationReason::certificateHold)}});
    const SyncReport second = terminal.sync(mirror);
    CHECK(crlOf(second).applied == "delta");
    CHECK(crlOf(second).crlNumber == 2u);
    CHECK(crlOf(second).completeCrlNumber == 1u);
    // 3: card 2 released (removeFromCrl), card 3 revoked; a delta against 2, so two deltas stack.
    publish(mirror, {3, {revoked(1), revoked(3)}, 2, {revoked(3), revoked(2, pki::RevocationReason::removeFromCrl)}});
    const SyncReport third = terminal.sync(mirror);
    CHECK(third.exitCode() == 0);
    CHECK(crlOf(third).applied == "delta");
    CHECK(crlOf(third).bytesDownloaded == mirror.files[folder + "/delta-3.crl"].size() + mirror.files[folder + "/index.cms"].size());
    CHECK(terminal.storedFiles().size() == 4);  // full, two deltas, the ARL

    pki::RevocationState state;
    const pki::RevocationIndex* held = terminal.held(state);
    REQUIRE(held != nullptr);
    CHECK(held->crlNumber() == 3);
    CHECK(held->completeCrlNumber() == 1);
    CHECK(held->find(Bytes{1}).has_value());
    CHECK_FALSE(held->find(Bytes{2}).has_value());
    CHECK(held->find(Bytes{3}).has_value());

    // A complete CRL replaces the chain.
    publish(mirror, {9, {revoked(1)}, std::nullopt, {}});
    CHECK(crlOf(terminal.sync(mirror)).applied == "full");
    std::vector<std::string> expected{toHex(authority().root.certificate().subjectKeyIdentifier()) + ".der", storedName + ".der"};
    std::sort(expected.begin(), expected.end());
    CHECK(terminal.storedFiles() == expected);
}

TEST_CASE("a delta on the wrong base falls back to the complete CRL", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {4, {}, std::nullopt, {}});
    REQUIRE(terminal.sync(mirror).exitCode() == 0);
    // The delta really is against 6, but the index says 4.
    pki::CrlIndex index = publish(mirror, {7, {revoked(5)}, 6, {revoked(5)}});
    index.delta->baseCrlNumber = 4;
    resign(mirror, index);
    SECTION("the complete CRL is taken") {
        const SyncReport report = terminal.sync(mirror);
        CHECK(report.exitCode() == 0);
        CHECK(crlOf(report).applied == "full");
        REQUIRE(crlOf(report).problems.size() == 1);
        CHECK_THAT(crlOf(report).problems[0], Catch::Contains("delta-7.crl") && Catch::Contains("taking the complete CRL"));
        CHECK(terminal.heldNumber() == 7);
    }
    SECTION("a refused delta and an unreachable complete CRL: still refused (65), the list held stays") {
        mirror.files.erase(folder + "/full-7.crl");
        const SyncReport report = terminal.sync(mirror);
        CHECK(report.exitCode() == 65);
        CHECK(crlOf(report).outcome == SyncOutcome::refused);
        CHECK(terminal.heldNumber() == 4);
    }
    SECTION("if the complete CRL is unusable too, the list held stays") {
        mirror.files[folder + "/full-7.crl"].back() ^= 1;
        const SyncReport report = terminal.sync(mirror);
        CHECK(report.exitCode() == 65);
        CHECK(crlOf(report).outcome == SyncOutcome::refused);
        CHECK(crlOf(report).problems.size() == 2);
        CHECK(terminal.heldNumber() == 4);
        CHECK(crlOf(report).crlNumber == 4u);
    }
}

TEST_CASE("refused files leave the list held unchanged", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {5, {revoked(1)}, std::nullopt, {}});
    REQUIRE(terminal.sync(mirror).exitCode() == 0);
    const Bytes storedBefore = readFileBytes(terminal.home / "crls" / (storedName + ".der"));
    std::string expected;

    SECTION("truncated complete CRL") {
        publish(mirror, {6, {revoked(1), revoked(2)}, std::nullopt, {}});
        Bytes& file = mirror.files[folder + "/full-6.crl"];
        file.resize(file.size() - 10);
        expected = "(truncated)";
    }
    SECTION("a digest that does not match") {
        publish(mirror, {6, {revoked(1), revoked(2)}, std::nullopt, {}});
        mirror.files[folder + "/full-6.crl"][20] ^= 1;
        expected = "SHA-256";
    }
    SECTION("a CRL signed by another key with the same issuer name") {
        pki::CrlIndex index = publish(mirror, {6, {}, std::nullopt, {}});
        const pki::RevocationList forged = forger().crl(6, {}, jan2026 + hours(6));
        index.full = entryFor(index.full.file, forged);
        mirror.files[folder + "/" + index.full.file] = forged.der();
        resign(mirror, index);
        expected = "full-6.crl";
    }
    SECTION("an index signed by another key with the same issuer name") {
        publish(mirror, {6, {}, std::nullopt, {}}, forger());
        expected = "index.cms";
    }
    SECTION("an index naming an older CRL than held") {
        publish(mirror, {4, {}, std::nullopt, {}});
        expected = "older than the CRL 5 held";
    }
    SECTION("garbage instead of the index") {
        publish(mirror, {6, {}, std::nullopt, {}});
        mirror.files[folder + "/index.cms"] = Bytes(300, 0x41);
        expected = "index.cms";
    }
    const SyncReport report = terminal.sync(mirror);
    CHECK(report.exitCode() == 65);
    CHECK(crlOf(report).outcome == SyncOutcome::refused);
    REQUIRE_FALSE(crlOf(report).problems.empty());
    CHECK_THAT(crlOf(report).problems.back(), Catch::Contains(expected));
    CHECK(crlOf(report).problems.back().find('\n') == std::string::npos);
    CHECK(readFileBytes(terminal.home / "crls" / (storedName + ".der")) == storedBefore);
    CHECK(crlOf(report).crlNumber == 5u);
    CHECK(crlOf(report).ageHours.has_value());
}

TEST_CASE("an unreachable source is 75 and keeps the lists", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    const SyncReport report = terminal.sync(mirror);
    CHECK(report.exitCode() == 75);
    CHECK(crlOf(report).outcome == SyncOutcome::unavailable);
    CHECK_FALSE(crlOf(report).crlNumber.has_value());
}

TEST_CASE("crl import stores a delta and a reload applies it", "[terminal][sync]") {
    Terminal terminal;
    terminal.terminal.importCrl(ByteView(authority().crl(2, {revoked(1)}).der()));
    const pki::RevocationList wrongBase = authority().issuing.issueRevocationList({9, jan2026, jan2026 + hours(24), {revoked(2)}, 5});
    CHECK_THROWS_AS(terminal.terminal.importCrl(ByteView(wrongBase.der())), pki::DeltaCrlBaseError);
    const pki::RevocationList delta = authority().issuing.issueRevocationList({3, jan2026, jan2026 + hours(24), {revoked(2)}, 2});
    const ImportedCrl imported = terminal.terminal.importCrl(ByteView(delta.der()));
    CHECK(imported.delta);
    CHECK(imported.crlNumber == 3);
    CHECK(imported.completeCrlNumber == 2);
    CHECK(terminal.terminal.storedDeltaCount(authority().issuing.certificate()) == 1);
    CHECK(fs::exists(terminal.home / "crls" / (storedName + ".delta-3.der")));
    pki::RevocationState state;
    const pki::RevocationIndex* held = terminal.held(state);
    REQUIRE(held != nullptr);
    CHECK(held->crlNumber() == 3);
    CHECK(held->find(Bytes{1}) == pki::RevocationReason::keyCompromise);  // from the complete CRL
    CHECK(held->find(Bytes{2}) == pki::RevocationReason::keyCompromise);  // added by the delta
    CHECK_FALSE(held->find(Bytes{3}).has_value());
}

// Sets the crls folder's time back, as if the last change were long ago: a verifier only
// trusts an unchanged time once it is older than the file system's tick.
void ageCrlFolder(const Terminal& terminal) {
    fs::last_write_time(terminal.home / "crls", fs::file_time_type::clock::now() - std::chrono::seconds(10));
}

TEST_CASE("a running verifier reloads the lists when the crls folder changes", "[terminal][sync]") {
    Terminal terminal;
    const TestPki::Card card = authority().issueCard();
    const auto verify = [&](const OfflineVerifier& verifier) {
        const Bytes challenge = pki::CardVerifier::newChallenge();
        CardReading reading;
        reading.certificateDer = card.certificate.der();
        reading.challenge = challenge;
        reading.signature = card.key.signDigest(challenge);
        return verifier.verify(reading, jan2026 + hours(12));
    };
    terminal.terminal.importCrl(ByteView(authority().crl(1).der()));
    terminal.terminal.importCrl(ByteView(authority().arl(1).der()));
    ageCrlFolder(terminal);
    const OfflineVerifier verifier(terminal.terminal, std::chrono::hours(24));
    CHECK(verifier.loadCount() == 1);
    CHECK_FALSE(verifier.reloadIfChanged());
    CHECK(verify(verifier).accepted());

    // Another process revokes the card: the next verification refuses it, without a restart.
    const Bytes serial = card.certificate.serialNumber();
    terminal.terminal.importCrl(ByteView(authority().crl(2, {{serial, jan2026, pki::RevocationReason::keyCompromise}}).der()));
    const pki::Verdict afterRevocation = verify(verifier);
    CHECK(verifier.loadCount() == 2);
    CHECK_FALSE(afterRevocation.accepted());
    CHECK(afterRevocation.decisiveReason() == pki::ReasonCode::revoked);

    // Within the tick of the last change the verifier keeps looking; once it is old, it stops.
    CHECK(verifier.reloadIfChanged());
    ageCrlFolder(terminal);
    CHECK(verifier.reloadIfChanged());
    CHECK_FALSE(verifier.reloadIfChanged());

    SECTION("an older list copied into crls/ does not replace the newer one in use") {
        writeFileAtomically(terminal.home / "crls" / (storedName + ".der"), authority().crl(1).der());
        CHECK(verifier.reloadIfChanged());
        CHECK(verify(verifier).decisiveReason() == pki::ReasonCode::revoked);
        REQUIRE_FALSE(verifier.problems().empty());
        CHECK_THAT(verifier.problems().back(), Catch::Contains("older than the list 2 in use"));
    }
}

TEST_CASE("deltas on the stored complete CRL keep the chain at one file", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {2, {}, std::nullopt, {}});
    REQUIRE(terminal.sync(mirror).exitCode() == 0);
    // Hourly publishes, each delta against complete CRL 2 and cumulative: far more rounds
    // than kMaxStoredDeltas, and never the complete CRL again.
    std::vector<pki::RevokedCertificate> sinceBase;
    for (std::uint64_t number = 3; number < 3 + 2 * kMaxStoredDeltas; ++number) {
        sinceBase.push_back(revoked(static_cast<std::uint8_t>(number)));
        publish(mirror, {number, sinceBase, 2, sinceBase});
        const SyncReport report = terminal.sync(mirror, jan2026 + hours(number));
        INFO("CRL " << number);
        CHECK(report.exitCode() == 0);
        CHECK(crlOf(report).applied == "delta");
        CHECK(terminal.terminal.storedDeltaCount(authority().issuing.certificate()) == 1);
    }
    const std::uint64_t last = 2 + 2 * kMaxStoredDeltas;
    CHECK(fs::exists(terminal.home / "crls" / (storedName + ".delta-" + std::to_string(last) + ".der")));
    pki::RevocationState state;
    const pki::RevocationIndex* held = terminal.held(state);
    REQUIRE(held != nullptr);
    CHECK(held->crlNumber() == last);
    CHECK(held->completeCrlNumber() == 2);
    CHECK(held->find(Bytes{3}).has_value());
    CHECK(held->find(Bytes{static_cast<std::uint8_t>(last)}).has_value());
}

TEST_CASE("with kMaxStoredDeltas deltas stored the complete CRL is taken instead", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {1, {}, std::nullopt, {}});
    REQUIRE(terminal.sync(mirror).exitCode() == 0);
    // Each delta against the previous one: the chain grows by one per round.
    std::vector<pki::RevokedCertificate> all;
    std::uint64_t number = 2;
    for (; number < 2 + kMaxStoredDeltas; ++number) {
        all.push_back(revoked(static_cast<std::uint8_t>(number)));
        publish(mirror, {number, all, number - 1, {revoked(static_cast<std::uint8_t>(number))}});
        REQUIRE(crlOf(terminal.sync(mirror)).applied == "delta");
    }
    CHECK(terminal.terminal.storedDeltaCount(authority().issuing.certificate()) == kMaxStoredDeltas);
    all.push_back(revoked(static_cast<std::uint8_t>(number)));
    publish(mirror, {number, all, number - 1, {revoked(static_cast<std::uint8_t>(number))}});
    mirror.fetched.clear();
    const SyncReport report = terminal.sync(mirror);
    CHECK(report.exitCode() == 0);
    CHECK(crlOf(report).applied == "full");
    CHECK(std::count(mirror.fetched.begin(), mirror.fetched.end(), folder + "/delta-" + std::to_string(number) + ".crl") == 0);
    CHECK(terminal.terminal.storedDeltaCount(authority().issuing.certificate()) == 0);
    CHECK(terminal.heldNumber() == number);
}

TEST_CASE("an index past its next update is reported, and 75 unless something newer came", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {3, {}, std::nullopt, {}});  // next update jan2026 + 75 h
    const auto late = jan2026 + hours(100);
    SECTION("something newer applied: updated, with the problem") {
        const SyncReport report = terminal.sync(mirror, late);
        CHECK(crlOf(report).outcome == SyncOutcome::updated);
        REQUIRE_FALSE(crlOf(report).problems.empty());
        CHECK_THAT(crlOf(report).problems.front(), Catch::Contains("past its next update (2026-01-04T03:00:00Z)"));
    }
    SECTION("nothing newer: unavailable (75)") {
        REQUIRE(terminal.sync(mirror).exitCode() == 0);
        const SyncReport report = terminal.sync(mirror, late);
        CHECK(report.exitCode() == 75);
        CHECK(crlOf(report).outcome == SyncOutcome::unavailable);
        CHECK_THAT(crlOf(report).problems.front(), Catch::Contains("the mirror is stale or replays an old index"));
    }
}

TEST_CASE("stored lists that do not load are reported as problems", "[terminal][sync]") {
    Terminal terminal;
    Mirror mirror;
    publish(mirror, {3, {}, std::nullopt, {}});
    REQUIRE(terminal.sync(mirror).exitCode() == 0);
    writeFileAtomically(terminal.home / "crls" / (storedName + ".delta-9.der"), Bytes(40, 0x30));
    const SyncReport report = terminal.sync(mirror);
    REQUIRE_FALSE(crlOf(report).problems.empty());
    CHECK_THAT(crlOf(report).problems.front(), Catch::Contains("stored list: " + storedName + ".delta-9.der"));
}
