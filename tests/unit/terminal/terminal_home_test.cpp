// The terminal folder (terminal/terminal_home.hpp): setup checks what it copies in before it
// writes anything, CRL imports are verified and never go backwards, and a stored list that
// no longer verifies is reported and left out rather than trusted.
#include "terminal/terminal_home.hpp"

#include "catalog/services_catalog.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "support/temp_folder.hpp"
#include "terminal_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace fmc;
using namespace fmc::terminal;
namespace fs = std::filesystem;
namespace pki = fmc::crypto::pki;
using pki::testing::TestPki;

namespace {

const TestPki& authority() {
    static const TestPki instance = TestPki::create();
    return instance;
}

// A catalog with one entitlement and one service, in the shipped file's format.
const std::string smallCatalog = R"({
  "version": "test",
  "entitlements": [{"code": "library", "names": {"en": "Library", "zh-Hans": "图书馆", "ar": "مكتبة",
                                                  "ru": "Библиотека", "fr": "Bibliothèque"}}],
  "services": [{"code": "library", "entitlement": "library",
                "names": {"en": "Library", "zh-Hans": "图书馆", "ar": "مكتبة", "ru": "Библиотека", "fr": "Bibliothèque"},
                "where": {"en": "Desk", "zh-Hans": "前台", "ar": "مكتب", "ru": "Стойка", "fr": "Accueil"},
                "interfaces": ["contact", "contactless"], "max_crl_age_hours": 24, "min_assurance": "high"}]
})";

struct Folder {
    test::TempFolder temp{"fmc-terminal-home"};
    fs::path home = temp.path / "terminal";

    fs::path write(const std::string& name, const std::string& content) const {
        std::ofstream(temp.path / name, std::ios::binary) << content;
        return temp.path / name;
    }
    fs::path write(const std::string& name, const Bytes& content) const {
        return write(name, std::string(content.begin(), content.end()));
    }
    fs::path trust() const {
        return write("trust.pem", authority().root.certificate().pem() + authority().issuing.certificate().pem());
    }
    TerminalHome setUp() const { return TerminalHome::setup(home, trust(), std::nullopt, 90); }
    fs::path storedCrlOf(const pki::Certificate& ca) const { return home / "crls" / (toHex(ca.subjectKeyIdentifier()) + ".der"); }
};

} // namespace

TEST_CASE("setup copies the trust bundle and the catalog in, and open finds them", "[terminal][home]") {
    Folder folder;
    TerminalHome::setup(folder.home, folder.trust(), folder.write("services.json", smallCatalog), 30);
    const TerminalHome home = TerminalHome::open(folder.home);
    CHECK(home.config().tapRetentionDays == 30);
    CHECK(home.config().servicesCatalog == "services.json");
    CHECK(home.loadTrust().roots().size() == 1);
    CHECK(home.loadTrust().issuingCas().size() == 1);
    const catalog::ServicesCatalog catalog = home.loadCatalog();
    REQUIRE(catalog.services().size() == 1);
    CHECK(catalog.services()[0].code == "library");
    CHECK(fs::is_directory(folder.home / "crls"));
}

TEST_CASE("setup refuses a trust file that is not a PEM bundle of CAs", "[terminal][home]") {
    Folder folder;
    SECTION("not PEM at all") {
        CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.write("trust.pem", "this is not a certificate\n"),
                                            std::nullopt, 90),
                        pki::MalformedCertificateError);
    }
    SECTION("DER instead of PEM") {
        CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.write("trust.der", authority().root.certificate().der()),
                                            std::nullopt, 90),
                        pki::MalformedCertificateError);
    }
    SECTION("a card certificate, not a CA") {
        const auto card = authority().issueCard();
        CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.write("card.pem", card.certificate.pem()), std::nullopt, 90),
                        pki::MalformedCertificateError);
    }
    SECTION("an empty file") {
        CHECK_THROWS_WITH(TerminalHome::setup(folder.home, folder.write("empty.pem", ""), std::nullopt, 90),
                          Catch::Contains("no root certificate"));
    }
    SECTION("an issuing CA without its root") {
        CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.write("issuing.pem", authority().issuing.certificate().pem()),
                                            std::nullopt, 90),
                        pki::MalformedCertificateError);
    }
    // Nothing was set up: the terminal cannot be opened.
    CHECK_FALSE(fs::exists(folder.home / "terminal.json"));
    CHECK_THROWS_AS(TerminalHome::open(folder.home), TerminalError);
}

TEST_CASE("setup refuses a bad services catalog and keeps the earlier setup", "[terminal][home]") {
    Folder folder;
    const std::string badCatalog = GENERATE(std::string("{ not json"),
                                            // a service needing an entitlement the catalog does not define
                                            std::string(R"({"version": "x", "entitlements": [], "services": [
                                              {"code": "library", "entitlement": "library", "interfaces": ["contact"]}]})"));
    SECTION("on a fresh folder nothing is written") {
        CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.trust(), folder.write("bad.json", badCatalog), 90),
                        catalog::CatalogError);
        CHECK_FALSE(fs::exists(folder.home / "terminal.json"));
        CHECK_FALSE(fs::exists(folder.home / "services.json"));
    }
    SECTION("a terminal already set up keeps its catalog and configuration") {
        TerminalHome::setup(folder.home, folder.trust(), folder.write("services.json", smallCatalog), 30);
        CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.trust(), folder.write("bad.json", badCatalog), 60),
                        catalog::CatalogError);
        const TerminalHome home = TerminalHome::open(folder.home);
        CHECK(home.config().tapRetentionDays == 30);
        CHECK(home.loadCatalog().services().size() == 1);
        CHECK(readFileText(folder.home / "services.json") == smallCatalog);
    }
}

TEST_CASE("setup refuses a retention outside 1..3660 days", "[terminal][home]") {
    Folder folder;
    CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.trust(), std::nullopt, 0), TerminalError);
    CHECK_THROWS_AS(TerminalHome::setup(folder.home, folder.trust(), std::nullopt, 3661), TerminalError);
    CHECK_FALSE(fs::exists(folder.home / "terminal.json"));
}

TEST_CASE("the terminal folder comes from --home, else FMC_TERMINAL_HOME", "[terminal][home]") {
    const char* saved = std::getenv(terminalHomeEnvironmentVariable);
    const std::string savedValue = saved ? saved : "";
    ::setenv(terminalHomeEnvironmentVariable, "/tmp/from-environment", 1);
    CHECK(resolveTerminalHome(std::string("/tmp/from-option")) == fs::path("/tmp/from-option"));
    CHECK(resolveTerminalHome(std::nullopt) == fs::path("/tmp/from-environment"));
    ::unsetenv(terminalHomeEnvironmentVariable);
    CHECK_THROWS_AS(resolveTerminalHome(std::nullopt), TerminalError);
    CHECK_THROWS_AS(resolveTerminalHome(std::string()), TerminalError);
    if (saved) ::setenv(terminalHomeEnvironmentVariable, savedValue.c_str(), 1);
}

TEST_CASE("importCrl stores a CRL and the ARL, each under its CA", "[terminal][home]") {
    Folder folder;
    TerminalHome home = folder.setUp();
    const ImportedCrl crl = home.importCrl(folder.write("crl.der", authority().crl(3).der()));
    CHECK(crl.crlNumber == 3);
    CHECK(crl.issuer == authority().issuing.certificate().subject());
    const ImportedCrl arl = home.importCrl(folder.write("arl.der", authority().arl(1).der()));
    CHECK(arl.crlNumber == 1);
    CHECK(fs::exists(folder.storedCrlOf(authority().issuing.certificate())));
    CHECK(fs::exists(folder.storedCrlOf(authority().root.certificate())));

    std::vector<std::string> problems;
    const pki::RevocationState state = home.loadRevocations(home.loadTrust(), problems);
    CHECK(problems.empty());
    CHECK(state.size() == 2);
    REQUIRE(state.forIssuer(authority().issuing.certificate().native()) != nullptr);
    CHECK(state.forIssuer(authority().issuing.certificate().native())->crlNumber() == 3);
}

TEST_CASE("importCrl refuses a list from an unknown CA and keeps what it holds", "[terminal][home]") {
    Folder folder;
    TerminalHome home = folder.setUp();
    home.importCrl(folder.write("crl.der", authority().crl(1).der()));
    const Bytes stored = readFileBytes(folder.storedCrlOf(authority().issuing.certificate()));

    const TestPki stranger = TestPki::create();
    CHECK_THROWS_AS(home.importCrl(folder.write("foreign.der", stranger.crl(7).der())), pki::UntrustedCrlError);
    CHECK_THROWS_AS(home.importCrl(folder.write("foreign-arl.der", stranger.arl(7).der())), pki::UntrustedCrlError);
    CHECK_THROWS_AS(home.importCrl(folder.write("junk.der", fromHex("3003020101"))), pki::MalformedCrlError);

    CHECK(readFileBytes(folder.storedCrlOf(authority().issuing.certificate())) == stored);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder.home / "crls")) ++files;
    CHECK(files == 1);
}

TEST_CASE("importCrl refuses an older or the same list and keeps the newer one", "[terminal][home]") {
    Folder folder;
    TerminalHome home = folder.setUp();
    const Bytes newer = authority().crl(5).der();
    home.importCrl(folder.write("crl-5.der", newer));

    CHECK_THROWS_AS(home.importCrl(folder.write("crl-4.der", authority().crl(4).der())), pki::CrlNotNewerError);
    CHECK_THROWS_AS(home.importCrl(folder.write("crl-5-again.der", authority().crl(5).der())), pki::CrlNotNewerError);
    CHECK(readFileBytes(folder.storedCrlOf(authority().issuing.certificate())) == newer);

    // Even after the terminal restarts (everything reloaded from disk).
    TerminalHome reopened = TerminalHome::open(folder.home);
    CHECK_THROWS_AS(reopened.importCrl(folder.write("crl-1.der", authority().crl(1).der())), pki::CrlNotNewerError);
    std::vector<std::string> problems;
    CHECK(reopened.loadRevocations(reopened.loadTrust(), problems)
              .forIssuer(authority().issuing.certificate().native())
              ->crlNumber() == 5);

    CHECK(reopened.importCrl(folder.write("crl-6.der", authority().crl(6).der())).crlNumber == 6);
}

TEST_CASE("a stored list corrupted on disk is reported and left out", "[terminal][home]") {
    Folder folder;
    TerminalHome home = folder.setUp();
    home.importCrl(folder.write("crl.der", authority().crl(2).der()));
    home.importCrl(folder.write("arl.der", authority().arl(1).der()));
    const fs::path stored = folder.storedCrlOf(authority().issuing.certificate());
    Bytes corrupted = readFileBytes(stored);
    corrupted[corrupted.size() - 5] ^= 0x01;  // inside the signature
    writeFileAtomically(stored, ByteView(corrupted));

    std::vector<std::string> problems;
    const pki::RevocationState state = home.loadRevocations(home.loadTrust(), problems);
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::StartsWith(stored.filename().string() + ": "));
    // Fail closed: the issuing CA now has no CRL (its cards are crl-missing); the ARL stays.
    CHECK(state.forIssuer(authority().issuing.certificate().native()) == nullptr);
    CHECK(state.forIssuer(authority().root.certificate().native()) != nullptr);

    SECTION("truncated to nothing") {
        writeFileAtomically(stored, ByteView());
        std::vector<std::string> again;
        CHECK(home.loadRevocations(home.loadTrust(), again).size() == 1);
        CHECK(again.size() == 1);
    }
    SECTION("the next import replaces it") {
        CHECK(home.importCrl(folder.write("crl-3.der", authority().crl(3).der())).crlNumber == 3);
        std::vector<std::string> none;
        CHECK(home.loadRevocations(home.loadTrust(), none).size() == 2);
        CHECK(none.empty());
    }
}
