// The station secret, sealed in a file and as a private object on a SoftHSM2 token, and the
// per-card management key and PUK derived from it (known answers from the openssl CLI).
#include "pki_test_support.hpp"

#include "crypto/file_io.hpp"
#include "crypto/pki/passphrase_source.hpp"
#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/station_secret.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {

// Sets environment variables for one scope and puts back what was there, so these tests leave
// the process as they found it for the other test files (one process runs them all).
class ScopedEnvironment {
public:
    explicit ScopedEnvironment(const std::map<std::string, std::string>& values) {
        for (const auto& [name, value] : values) {
            const char* previous = std::getenv(name.c_str());
            previous_.emplace(name, previous ? std::optional<std::string>(previous) : std::nullopt);
            REQUIRE(::setenv(name.c_str(), value.c_str(), 1) == 0);
        }
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
    ~ScopedEnvironment() {
        for (const auto& [name, value] : previous_) {
            if (value) ::setenv(name.c_str(), value->c_str(), 1);
            else ::unsetenv(name.c_str());
        }
    }

private:
    std::map<std::string, std::optional<std::string>> previous_;
};

ScopedEnvironment passphrase(const std::string& text) { return ScopedEnvironment({{passphraseEnvironmentVariable, text}}); }

Uuid uuid(std::uint8_t first) {
    Uuid value{};
    for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>(first + i);
    return value;
}

SecretBytes secretOf(std::uint8_t first) {
    Bytes bytes(stationSecretLength);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(first + i);
    return SecretBytes(std::move(bytes));
}

std::string text(const SecretBytes& secret) { return {secret.view().begin(), secret.view().end()}; }

constexpr const char* tokenLabel = "fmc-station";
constexpr const char* userPin = "123456";

// A SoftHSM2 token of its own, loaded from a private copy of the module: pki_pkcs11_test's
// engine keeps the shared module initialised with that test's configuration for the rest of
// the process, and a copy at another path is a separate instance that reads ours.
class StationToken {
public:
    StationToken() : module_((dir_.path() / "libsofthsm2-copy.so").string()) {
        std::filesystem::copy_file(defaultPkcs11Module, module_);
        std::filesystem::create_directory(dir_.path() / "tokens");
        conf_ = dir_.write("softhsm2.conf", "directories.tokendir = " + (dir_.path() / "tokens").string() +
                                                "\nobjectstore.backend = file\nlog.level = ERROR\n");
        const ScopedEnvironment environment = use();
        const CommandResult init = run(std::string("softhsm2-util --init-token --free --label ") + tokenLabel +
                                       " --so-pin 87654321 --pin " + userPin);
        INFO(init.output);
        REQUIRE(init.exitCode == 0);
    }
    // The environment openStationSecret reads: this token's configuration, module and PIN.
    [[nodiscard]] ScopedEnvironment use(const std::string& pin = userPin) const {
        return ScopedEnvironment({{"SOFTHSM2_CONF", conf_}, {pkcs11ModuleEnvironmentVariable, module_},
                                  {pkcs11PinEnvironmentVariable, pin}});
    }
    // pkcs11-tool's object list, logged in or not.
    [[nodiscard]] std::string listObjects(bool login) const {
        const ScopedEnvironment environment = use();
        const CommandResult result = run("pkcs11-tool --module " + module_ + " --token-label " + tokenLabel +
                                         " --list-objects" + (login ? std::string(" --login --pin ") + userPin : ""));
        INFO(result.output);
        REQUIRE(result.exitCode == 0);
        return result.output;
    }

private:
    TempDir dir_;
    std::string module_;
    std::string conf_;
};

const StationToken& stationToken() {
    static const StationToken token;
    return token;
}

} // namespace

TEST_CASE("a station secret file round-trips, is 0600, and is never overwritten", "[pki][station-secret]") {
    const TempDir dir;
    const std::string path = (dir.path() / "station.secret").string();
    const ScopedEnvironment environment = passphrase("correct horse");
    const SecretBytes created = createStationSecret(path);
    CHECK(created.size() == stationSecretLength);
    CHECK(openStationSecret(path) == created);
    CHECK(std::filesystem::status(path).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    // Only the sealed file is left behind: no temporary.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);

    CHECK_THROWS_AS(createStationSecret(path), KeyStoreError);
    CHECK(openStationSecret(path) == created);
    CHECK(createStationSecret((dir.path() / "other.secret").string()) != created);

    const std::string unrelated = dir.write("notes.txt", "not a secret");
    CHECK_THROWS_AS(createStationSecret(unrelated), KeyStoreError);
    CHECK(readFileText(unrelated) == "not a secret");
}

TEST_CASE("a wrong passphrase is a WrongPassphraseError naming the file", "[pki][station-secret]") {
    const TempDir dir;
    const std::string path = (dir.path() / "station.secret").string();
    {
        const ScopedEnvironment environment = passphrase("right");
        static_cast<void>(createStationSecret(path));
    }
    const ScopedEnvironment environment = passphrase("wrong");
    try {
        static_cast<void>(openStationSecret(path));
        FAIL("a wrong passphrase opened the secret");
    } catch (const WrongPassphraseError& error) {
        CHECK_THAT(error.what(), Catch::Contains(path));
    }
}

TEST_CASE("a missing, damaged or foreign station secret file is a KeyStoreError", "[pki][station-secret]") {
    const TempDir dir;
    const std::string path = (dir.path() / "station.secret").string();
    const ScopedEnvironment environment = passphrase("right");
    CHECK_THROWS_WITH(openStationSecret(path), Catch::Contains(path));
    CHECK_THROWS_AS(openStationSecret(path), KeyStoreError);
    static_cast<void>(createStationSecret(path));
    const Bytes original = readFileBytes(path);

    const auto tampered = [&](std::size_t offset) {
        Bytes changed = original;
        changed.at(offset) ^= 0x01;
        const std::string copy = (dir.path() / ("tampered-" + std::to_string(offset))).string();
        writeFileAtomically(copy, ByteView(changed), 0600);
        return copy;
    };
    // The ciphertext and the tag (the last 48 bytes): authentication fails with the right key.
    for (const std::size_t fromEnd : {std::size_t{1}, std::size_t{20}, std::size_t{40}}) {
        CAPTURE(fromEnd);
        const std::string copy = tampered(original.size() - fromEnd);
        CHECK_THROWS_AS(openStationSecret(copy), KeyStoreError);
        CHECK_THROWS_WITH(openStationSecret(copy), Catch::Contains(copy) && Catch::Contains("damaged"));
    }
    // The header: not our format (a changed version byte counts too).
    CHECK_THROWS_WITH(openStationSecret(tampered(0)), Catch::Contains("not a station secret file"));
    // The salt or the passphrase check: indistinguishable from a wrong passphrase, still refused.
    CHECK_THROWS_AS(openStationSecret(tampered(45)), CryptoError);
    // Truncated or padded.
    writeFileAtomically(dir.path() / "short", ByteView(original).first(original.size() - 1), 0600);
    CHECK_THROWS_AS(openStationSecret((dir.path() / "short").string()), KeyStoreError);
    CHECK(openStationSecret(path).size() == stationSecretLength);
}

TEST_CASE("card keys and PUKs are deterministic per secret and per card", "[pki][station-secret]") {
    const SecretBytes secret = secretOf(0x00);
    const SecretBytes key = deriveCardManagementKey(secret, uuid(0x10));
    CHECK(key.size() == cardManagementKeyLength);
    CHECK(deriveCardManagementKey(secret, uuid(0x10)) == key);
    CHECK(deriveCardManagementKey(secret, uuid(0x11)) != key);
    CHECK(deriveCardManagementKey(secretOf(0x01), uuid(0x10)) != key);

    const SecretBytes puk = deriveCardPuk(secret, uuid(0x10));
    CHECK(puk.size() == cardPukLength);
    CHECK(std::all_of(puk.view().begin(), puk.view().end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; }));
    CHECK(deriveCardPuk(secret, uuid(0x10)) == puk);
    CHECK(deriveCardPuk(secret, uuid(0x11)) != puk);
    CHECK(deriveCardPuk(secretOf(0x01), uuid(0x10)) != puk);

    CHECK_THROWS_AS(deriveCardManagementKey(SecretBytes(Bytes(16, 0x42)), uuid(0x10)), CryptoError);
}

TEST_CASE("card derivation matches HKDF-SHA256 as computed by the openssl CLI", "[pki][station-secret]") {
    // openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:000102...1f
    //   -kdfopt hexinfo:<"fmc card management key v1" in hex>101112...1f HKDF
    const SecretBytes secret = secretOf(0x00);
    CHECK(toHex(deriveCardManagementKey(secret, uuid(0x10)).view()) ==
          "6B092E56809805B0B55E920F3059A51C6D27E724BB3C2C728E7D0FE787C1390B");
    // The same with -keylen 8 and info "fmc card puk v1" || UUID gives 37FD9C6C64DB7D34,
    // which is 4034552830556339508; modulo 10^8 that is 56339508.
    CHECK(text(deriveCardPuk(secret, uuid(0x10))) == "56339508");
}

TEST_CASE("a station secret on a token round-trips and is refused a second time", "[pki][station-secret][pkcs11]") {
    const StationToken& token = stationToken();
    const std::string uri = std::string("pkcs11:token=") + tokenLabel + ";object=station-secret";
    const ScopedEnvironment environment = token.use();
    const SecretBytes created = createStationSecret(uri);
    CHECK(created.size() == stationSecretLength);
    CHECK(openStationSecret(uri) == created);
    CHECK(openStationSecret(uri + ";type=secret-key") == created);
    CHECK_THROWS_WITH(createStationSecret(uri), Catch::Contains("already holds"));
    CHECK(openStationSecret(uri) == created);
}

TEST_CASE("a token station secret is private: listed only after login", "[pki][station-secret][pkcs11]") {
    const StationToken& token = stationToken();
    {
        const ScopedEnvironment environment = token.use();
        static_cast<void>(createStationSecret(std::string("pkcs11:token=") + tokenLabel + ";object=private-secret"));
    }
    CHECK_THAT(token.listObjects(true), Catch::Contains("private-secret"));
    CHECK_THAT(token.listObjects(false), !Catch::Contains("private-secret"));
}

TEST_CASE("a wrong PIN or a missing object on the token fails clearly", "[pki][station-secret][pkcs11]") {
    const StationToken& token = stationToken();
    const std::string uri = std::string("pkcs11:token=") + tokenLabel + ";object=pin-secret";
    {
        const ScopedEnvironment environment = token.use();
        static_cast<void>(createStationSecret(uri));
    }
    {
        const ScopedEnvironment environment = token.use("000000");
        CHECK_THROWS_AS(openStationSecret(uri), WrongPinError);
        CHECK_THROWS_AS(createStationSecret(std::string("pkcs11:token=") + tokenLabel + ";object=other"), WrongPinError);
    }
    const ScopedEnvironment environment = token.use();
    CHECK_NOTHROW(openStationSecret(uri));
    CHECK_THROWS_WITH(openStationSecret(std::string("pkcs11:token=") + tokenLabel + ";object=absent"),
                      Catch::Contains("no secret key labelled \"absent\""));
    CHECK_THROWS_AS(openStationSecret("pkcs11:token=absent;object=station-secret"), KeyStoreError);
    CHECK_THROWS_AS(openStationSecret(uri + ";type=private"), KeyStoreError);
}
