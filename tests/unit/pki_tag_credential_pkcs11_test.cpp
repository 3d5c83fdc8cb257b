// KeyStore::signData with the key on a SoftHSM2 token: an issuing CA whose key never leaves
// the token issues a tag credential that the verifier accepts. Its own process and token
// (pki_pkcs11_test.cpp has the full key store tests; libp11 keeps one module per process).
#include "pki_test_support.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/tag_credential.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

TEST_CASE("a token key signs data and a tag credential that verifies", "[pki][pkcs11][tag]") {
    const TempDir dir;
    std::filesystem::create_directory(dir.path() / "tokens");
    const std::string conf = dir.write("softhsm2.conf", "directories.tokendir = " + (dir.path() / "tokens").string() +
                                                            "\nobjectstore.backend = file\nlog.level = ERROR\n");
    REQUIRE(::setenv("SOFTHSM2_CONF", conf.c_str(), 1) == 0);
    const CommandResult init = run("softhsm2-util --init-token --free --label fmc-tag --so-pin 87654321 --pin 123456");
    INFO(init.output);
    REQUIRE(init.exitCode == 0);
    std::shared_ptr<const KeyStore> tokenKeys =
        Pkcs11KeyStore::generate("pkcs11:token=fmc-tag;object=issuing-ca;type=private", Curve::p256,
                                 SecretBytes(std::string_view("123456")));

    const std::string text = "signed on the token";
    const ByteView data(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    CHECK(tokenKeys->publicKey().verifyDigest(sha256(data), tokenKeys->signData(data)));

    const auto rootKeys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p384));
    const auto root = CertificateAuthority::createRoot(rootKeys, {"FMC Root CA", "Public Security", at(1735689600),
                                                                  at(1735689600) + 20 * year, {}});
    const CertificateAuthority issuing(
        root.issueSubordinateCa(tokenKeys->publicKey(), {"FMC Issuing CA HSM", "Public Security", at(1748736000),
                                                         at(1748736000) + 10 * year, {}}),
        tokenKeys);
    const Bytes uid = fromHex("04112233445566");
    const Bytes credential = issuing.issueTagCredential(
        {{}, sampleUuid(), uid, {"MARKET-STALL"}, "vi", jan2026, jan2026 + year, jan2026});

    const TrustStore trust = TrustStore::fromPem(root.certificate().pem() + issuing.certificate().pem());
    RevocationState revocation;
    revocation.importCrl(trust, issuing.issueRevocationList({1, jan2026, jan2026 + hours(24), {}}));
    revocation.importCrl(trust, root.issueRevocationList({1, jan2026, jan2026 + hours(24 * 30), {}}));
    const Verdict verdict = CardVerifier(trust, hours(24)).verifyTag(credential, uid, jan2026 + hours(1), revocation);
    INFO(verdict.summary());
    CHECK(verdict.accepted());
}
