// The encrypted PKCS#8 key file: round trip, wrong passphrase, file mode, openssl interop,
// and the same signing path for certificates and CRLs.
#include "pki_test_support.hpp"

#include "crypto/pki/encrypted_file_key_store.hpp"
#include "crypto/pki/passphrase_source.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {
std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}
} // namespace

TEST_CASE("an encrypted key file round-trips and signs certificates and CRLs", "[pki][keystore]") {
    const TempDir dir;
    const auto path = dir.path() / "root.key";
    const SecretBytes passphrase(std::string_view("correct horse battery staple"));
    auto created = EncryptedFileKeyStore::create(path, Curve::p384, passphrase);

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const std::string pem = readFile(path);
    CHECK_THAT(pem, Catch::StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    auto opened = EncryptedFileKeyStore::open(path, passphrase);
    CHECK(opened->publicKey().uncompressedPoint() == created->publicKey().uncompressedPoint());

    // A root signed through the reopened store, then a CRL: one signing path for both.
    std::shared_ptr<const KeyStore> keys = std::move(opened);
    const auto root = CertificateAuthority::createRoot(keys, {"Root", "Authority", jan2026, jan2026 + year, {}});
    CHECK(X509_verify(root.certificate().native(), X509_get0_pubkey(root.certificate().native())) == 1);
    const auto crl = root.issueRevocationList({1, jan2026, jan2026 + hours(24), {}});
    CHECK(X509_CRL_verify(crl.native(), X509_get0_pubkey(root.certificate().native())) == 1);
}

TEST_CASE("a wrong passphrase is a typed error", "[pki][keystore]") {
    const TempDir dir;
    const auto path = dir.path() / "issuing.key";
    static_cast<void>(EncryptedFileKeyStore::create(path, Curve::p256, SecretBytes(std::string_view("right"))));
    CHECK_THROWS_AS(EncryptedFileKeyStore::open(path, SecretBytes(std::string_view("wrong"))), WrongPassphraseError);
    CHECK_THROWS_AS(EncryptedFileKeyStore::open(path, SecretBytes(std::string_view(""))), WrongPassphraseError);
}

TEST_CASE("missing, foreign and existing key files are refused", "[pki][keystore]") {
    const TempDir dir;
    const SecretBytes passphrase(std::string_view("pass"));
    CHECK_THROWS_AS(EncryptedFileKeyStore::open(dir.path() / "absent.key", passphrase), KeyStoreError);
    const std::string notAKey = dir.write("cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    CHECK_THROWS_AS(EncryptedFileKeyStore::open(notAKey, passphrase), KeyStoreError);
    CHECK_THROWS_AS(EncryptedFileKeyStore::create(notAKey, Curve::p256, passphrase), KeyStoreError);
    CHECK_THROWS_AS(EncryptedFileKeyStore::create(dir.path() / "empty.key", Curve::p256, SecretBytes()), KeyStoreError);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "empty.key"));
}

TEST_CASE("openssl reads the key file: PBES2 with scrypt and AES-256-CBC", "[pki][keystore][openssl]") {
    const TempDir dir;
    const auto path = dir.path() / "ca.key";
    auto keys = EncryptedFileKeyStore::create(path, Curve::p256, SecretBytes(std::string_view("s3cret pass")));

    const CommandResult structure = run("openssl asn1parse -in " + path.string());
    REQUIRE(structure.exitCode == 0);
    CHECK_THAT(structure.output, Catch::Contains("PBES2"));
    CHECK_THAT(structure.output, Catch::Contains(":scrypt"));
    CHECK_THAT(structure.output, Catch::Contains("INTEGER           :4000"));  // N = 16384
    CHECK_THAT(structure.output, Catch::Contains("aes-256-cbc"));

    const CommandResult publicKey =
        run("FMC_TEST_PASS='s3cret pass' openssl pkey -in " + path.string() + " -passin env:FMC_TEST_PASS -pubout -outform DER | od -An -v -tx1");
    REQUIRE(publicKey.exitCode == 0);
    std::string hexOutput;
    for (char c : publicKey.output)
        if (std::isxdigit(static_cast<unsigned char>(c))) hexOutput += c;
    CHECK(fromHex(hexOutput) == keys->publicKey().subjectPublicKeyInfo());

    const CommandResult wrong = run("openssl pkey -in " + path.string() + " -passin pass:nope -noout");
    CHECK(wrong.exitCode != 0);
}

TEST_CASE("the passphrase comes from FMC_KEY_PASSPHRASE when set", "[pki][keystore]") {
    REQUIRE(::setenv(passphraseEnvironmentVariable, "from the environment", 1) == 0);
    const SecretBytes passphrase = passphraseFromEnvironmentOrPrompt("Passphrase: ");
    ::unsetenv(passphraseEnvironmentVariable);
    CHECK(passphrase == SecretBytes(std::string_view("from the environment")));
}
