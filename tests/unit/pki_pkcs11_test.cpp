// The PKCS#11 key store against a SoftHSM2 token that each test creates in a temporary
// folder: the same CertificateAuthority code signs with the token key, our verifier and the
// openssl CLI accept the result, and wrong PINs, missing tokens and key export fail clearly.
#include "pki_test_support.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/key_store_factory.hpp"
#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {

constexpr const char* tokenLabel = "fmc-test";
constexpr const char* userPin = "123456";
constexpr const char* issuingUri = "pkcs11:token=fmc-test;object=issuing-ca;type=private";
constexpr const char* pinTestUri = "pkcs11:token=fmc-test;object=pin-test-ca;type=private";
constexpr const char* sensitiveUri = "pkcs11:token=fmc-test;object=sensitive-ca;type=private";

// A SoftHSM2 token in its own temporary folder, one per test process: SOFTHSM2_CONF is read
// at C_Initialize, and libp11's engine keeps the module initialised until the process ends,
// so a second token made later would not be seen. Each test uses its own key labels.
class SoftHsmToken {
public:
    SoftHsmToken() {
        std::filesystem::create_directory(dir_.path() / "tokens");
        const std::string conf = dir_.write("softhsm2.conf", "directories.tokendir = " + (dir_.path() / "tokens").string() +
                                                                 "\nobjectstore.backend = file\nlog.level = ERROR\n");
        REQUIRE(::setenv("SOFTHSM2_CONF", conf.c_str(), 1) == 0);
        const CommandResult init = run(std::string("softhsm2-util --init-token --free --label ") + tokenLabel +
                                       " --so-pin 87654321 --pin " + userPin);
        INFO(init.output);
        REQUIRE(init.exitCode == 0);
    }
    [[nodiscard]] std::string pkcs11Tool(const std::string& arguments) const {
        const CommandResult result = run(std::string("pkcs11-tool --module ") + defaultPkcs11Module + " --token-label " +
                                         tokenLabel + " --login --pin " + userPin + " " + arguments);
        INFO(result.output);
        REQUIRE(result.exitCode == 0);
        return result.output;
    }
    [[nodiscard]] const TempDir& dir() const { return dir_; }

private:
    TempDir dir_;
};

const SoftHsmToken& sharedToken() {
    static const SoftHsmToken token;
    return token;
}

SecretBytes pin(const char* text = userPin) { return SecretBytes(std::string_view(text)); }

} // namespace

TEST_CASE("a token key signs an issuing CA's card certificates and CRLs, and both verify", "[pki][pkcs11]") {
    const SoftHsmToken& token = sharedToken();
    const auto rootKeys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p384));
    const auto root = CertificateAuthority::createRoot(rootKeys, {"FMC Root CA", "Public Security", at(1735689600),
                                                                  at(1735689600) + 20 * year, {}});
    std::shared_ptr<const KeyStore> tokenKeys = Pkcs11KeyStore::generate(issuingUri, Curve::p256, pin());
    const CertificateAuthority issuing(
        root.issueSubordinateCa(tokenKeys->publicKey(), {"FMC Issuing CA HSM", "Public Security", at(1748736000),
                                                         at(1748736000) + 10 * year, {}}),
        tokenKeys);

    const EcPrivateKey cardKey = EcPrivateKey::generate(Curve::p256);
    const Certificate card = issuing.issueCardCertificate(
        {"FMC-0000-0042", sampleUuid(), cardKey.publicKey(), sampleAttributes(), jan2026, jan2026 + 5 * year, {}});
    const EcPrivateKey otherKey = EcPrivateKey::generate(Curve::p256);
    const Certificate revokedCard = issuing.issueCardCertificate(
        {"FMC-0000-0043", sampleUuid(0x22), otherKey.publicKey(), sampleAttributes(), jan2026, jan2026 + 5 * year, {}});
    const RevocationList crl = issuing.issueRevocationList(
        {7, jan2026, jan2026 + hours(24), {{revokedCard.serialNumber(), jan2026, RevocationReason::keyCompromise}}});
    const RevocationList arl = root.issueRevocationList({1, jan2026, jan2026 + hours(24 * 30), {}});

    // Our verifier: the CRL's signature is checked on import, the card's chain on verify.
    const TrustStore trust = TrustStore::fromPem(root.certificate().pem() + issuing.certificate().pem());
    RevocationState revocation;
    revocation.importCrl(trust, crl);
    revocation.importCrl(trust, arl);
    const CardVerifier verifier(trust, hours(24));
    const Bytes challenge = CardVerifier::newChallenge();
    const Verdict good = verifier.verify(card.der(), jan2026 + hours(1), revocation, challenge, cardKey.signDigest(challenge));
    INFO(good.summary());
    CHECK(good.accepted());
    const Verdict revoked =
        verifier.verify(revokedCard.der(), jan2026 + hours(1), revocation, challenge, otherKey.signDigest(challenge));
    CHECK(revoked.decisiveReason() == ReasonCode::revoked);

    // The openssl CLI agrees.
    const TempDir& dir = token.dir();
    const std::string rootPem = dir.write("root.pem", root.certificate().pem());
    const std::string issuingPem = dir.write("issuing.pem", issuing.certificate().pem());
    const std::string cardPem = dir.write("card.pem", card.pem());
    const std::string crlPem = dir.write("crl.pem", crl.pem());
    const std::string attime = " -attime " + epochSeconds(jan2026 + hours(1));
    const CommandResult chain =
        run("openssl verify -ignore_critical" + attime + " -CAfile " + rootPem + " -untrusted " + issuingPem + " " + cardPem);
    INFO(chain.output);
    CHECK(chain.exitCode == 0);
    const CommandResult crlCheck = run("openssl crl -noout -verify -in " + crlPem + " -CAfile " + issuingPem);
    INFO(crlCheck.output);
    CHECK(crlCheck.exitCode == 0);
    CHECK_THAT(crlCheck.output, Catch::Contains("verify OK"));
}

TEST_CASE("a key made with pkcs11-tool opens through openKeyStore with FMC_PKCS11_PIN", "[pki][pkcs11]") {
    const SoftHsmToken& token = sharedToken();
    static_cast<void>(token.pkcs11Tool("--keypairgen --key-type EC:prime256v1 --id 01 --label station-ca"));
    REQUIRE(::setenv(pkcs11PinEnvironmentVariable, userPin, 1) == 0);
    std::unique_ptr<KeyStore> keys = openKeyStore("pkcs11:token=fmc-test;object=station-ca;type=private");
    ::unsetenv(pkcs11PinEnvironmentVariable);
    std::shared_ptr<const KeyStore> shared = std::move(keys);
    const auto root = CertificateAuthority::createRoot(shared, {"Token Root", "Authority", jan2026, jan2026 + year, {}});
    CHECK(X509_verify(root.certificate().native(), X509_get0_pubkey(root.certificate().native())) == 1);
    const auto crl = root.issueRevocationList({1, jan2026, jan2026 + hours(24), {}});
    CHECK(X509_CRL_verify(crl.native(), X509_get0_pubkey(root.certificate().native())) == 1);
}

TEST_CASE("a wrong token PIN is a WrongPinError naming CKR_PIN_INCORRECT", "[pki][pkcs11]") {
    static_cast<void>(sharedToken());
    static_cast<void>(Pkcs11KeyStore::generate(pinTestUri, Curve::p256, pin()));
    try {
        static_cast<void>(Pkcs11KeyStore::open(pinTestUri, pin("000000")));
        FAIL("a wrong PIN opened the key");
    } catch (const WrongPinError& error) {
        CHECK_THAT(error.what(), Catch::Contains("CKR_PIN_INCORRECT"));
    }
    CHECK_THROWS_AS(Pkcs11KeyStore::generate("pkcs11:token=fmc-test;object=other", Curve::p256, pin("000000")),
                    WrongPinError);
    // The right PIN still works afterwards: the failed login left nothing behind.
    CHECK_NOTHROW(Pkcs11KeyStore::open(pinTestUri, pin()));
}

TEST_CASE("a missing token, key or module is a clear KeyStoreError", "[pki][pkcs11]") {
    static_cast<void>(sharedToken());
    try {
        static_cast<void>(Pkcs11KeyStore::open("pkcs11:token=absent;object=issuing-ca;type=private", pin()));
        FAIL("opened a key on a token that does not exist");
    } catch (const KeyStoreError& error) {
        CHECK_THAT(error.what(), Catch::Contains("\"absent\""));
    }
    CHECK_THROWS_AS(Pkcs11KeyStore::open("pkcs11:token=fmc-test;object=nothing;type=private", pin()), KeyStoreError);
    CHECK_THROWS_WITH(Pkcs11KeyStore::open(issuingUri, pin(), std::string("/nonexistent/libpkcs11.so")),
                      Catch::Contains("module not found"));
    CHECK_THROWS_WITH(Pkcs11KeyStore::generate("pkcs11:token=absent;object=x", Curve::p256, pin()),
                      Catch::Contains("no PKCS#11 token labelled \"absent\""));
    CHECK_THROWS_AS(Pkcs11KeyStore::open("pkcs11:token=fmc-test;object=x;pin-value=123456", pin()), KeyStoreError);
}

TEST_CASE("a generated token key is sensitive, never extractable, and not generated twice", "[pki][pkcs11]") {
    const SoftHsmToken& token = sharedToken();
    const auto keys = Pkcs11KeyStore::generate(sensitiveUri, Curve::p384, pin());
    CHECK(keys->publicKey().curve() == Curve::p384);
    const std::string objects = token.pkcs11Tool("--list-objects --type privkey");
    CHECK_THAT(objects, Catch::Contains("sensitive-ca"));
    CHECK_THAT(objects, Catch::Contains("never extractable"));
    CHECK_THAT(objects, Catch::Contains("sensitive"));
    // pkcs11-tool prints CKA_SENSITIVE / CKA_NEVER_EXTRACTABLE as the key's "Access:" line; a
    // key that could be exported would say "extractable" without "never".
    CHECK_THAT(objects, !Catch::Contains("Access:     extractable"));
    CHECK_THROWS_WITH(Pkcs11KeyStore::generate(sensitiveUri, Curve::p256, pin()), Catch::Contains("already holds"));
}
