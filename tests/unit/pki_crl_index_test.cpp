// The signed CRL index (crl_index.hpp): JSON in a CMS SignedData by the issuing CA. It
// round-trips, and anything not signed by the CA it speaks for, damaged, or naming an unsafe
// file is refused before a terminal downloads a byte it names.
#include "pki_test_support.hpp"

#include "crypto/pki/crl_index.hpp"
#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/trust_store.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;
using Json = nlohmann::json;

namespace {

Bytes digestOf(const std::string& text) {
    return sha256(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

CrlIndex sampleIndex(const CertificateAuthority& ca) {
    CrlIndex index;
    index.issuer = ca.certificate().subject();
    index.issuerKeyId = ca.certificate().subjectKeyIdentifier();
    index.published = jan2026 + hours(1);
    index.nextUpdate = jan2026 + hours(25);
    index.full = {"full-6.crl", 6, std::nullopt, 48213, digestOf("full")};
    index.delta = CrlIndexEntry{"delta-6.crl", 6, 4, 377, digestOf("delta")};
    index.arl = CrlIndexEntry{"arl-2.crl", 2, std::nullopt, 402, digestOf("arl")};
    return index;
}

std::string lowerHexOf(const Bytes& bytes) {
    std::string hex = toHex(bytes);
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
}

// The JSON signCrlIndex writes for `ca`, as an object the tests can alter and sign with
// signCms: what a CA with a bug, or an attacker holding some trusted key, could publish.
Json sampleJson(const CertificateAuthority& ca) {
    const std::string fullHex(64, 'a'), deltaHex(64, 'b');
    return {{"format", "fmc-crl-index/1"},
            {"issuer", ca.certificate().subject()},
            {"issuer_key_id", lowerHexOf(ca.certificate().subjectKeyIdentifier())},
            {"published", "2026-01-01T01:00:00Z"},
            {"next_update", "2026-01-02T01:00:00Z"},
            {"full", {{"file", "full-6.crl"}, {"crl_number", 6}, {"size", 48213}, {"sha256", fullHex}}},
            {"delta", {{"file", "delta-6.crl"}, {"crl_number", 6}, {"base_crl_number", 4}, {"size", 377}, {"sha256", deltaHex}}}};
}

Bytes signJson(const CertificateAuthority& ca, const Json& document) {
    const std::string text = document.dump();
    return ca.signCms(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// Refused the way the terminal expects: one of the two index errors, nothing else.
bool refused(ByteView signedIndex, const TrustStore& trust) {
    try {
        static_cast<void>(verifyCrlIndex(signedIndex, trust));
    } catch (const MalformedCrlIndexError&) {
        return true;
    } catch (const UntrustedCrlIndexError&) {
        return true;
    }
    return false;
}

// A second issuing CA under the same root, trusted like the first.
CertificateAuthority siblingCa(const TestPki& pki) {
    auto keys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p256));
    return CertificateAuthority(pki.root.issueSubordinateCa(keys->publicKey(), {"FMC Issuing CA Hue 1", "Public Security",
                                                                                 at(1748736000), at(1748736000) + 10 * year, {}}),
                                keys);
}

} // namespace

TEST_CASE("a signed CRL index round-trips, with and without delta and ARL", "[pki][crl-index]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    CrlIndex index = sampleIndex(pki.issuing);
    const Bytes signedIndex = signCrlIndex(index, pki.issuing);
    CHECK(signedIndex.size() < kCrlIndexMaxBytes);
    CHECK(verifyCrlIndex(signedIndex, trust) == index);

    index.delta.reset();
    index.arl.reset();
    CHECK(verifyCrlIndex(signCrlIndex(index, pki.issuing), trust) == index);

    // The same checks hold for the JSON the tests write by hand (the forgery tests rely on it).
    const CrlIndex handWritten = verifyCrlIndex(signJson(pki.issuing, sampleJson(pki.issuing)), trust);
    CHECK(handWritten.delta->baseCrlNumber == 4u);
    CHECK(handWritten.published == jan2026 + hours(1));
}

TEST_CASE("the openssl CLI reads the index as CMS with the JSON attached", "[pki][crl-index]") {
    const TestPki pki = TestPki::create();
    const Bytes signedIndex = signCrlIndex(sampleIndex(pki.issuing), pki.issuing);
    const TempDir dir;
    const std::string path = dir.write("index.cms", std::string(signedIndex.begin(), signedIndex.end()));
    const std::string issuingPem = dir.write("issuing.pem", pki.issuing.certificate().pem());
    const CommandResult result =
        run("openssl cms -verify -inform DER -in " + path + " -binary -noverify -certfile " + issuingPem);
    INFO(result.output);
    CHECK(result.exitCode == 0);
    CHECK_THAT(result.output, Catch::Contains("\"format\": \"fmc-crl-index/1\""));
    CHECK_THAT(result.output, Catch::Contains("\"file\": \"delta-6.crl\""));
}

TEST_CASE("an index signed by a CA outside the trust store is refused", "[pki][crl-index]") {
    const TestPki pki = TestPki::create();
    const TestPki stranger = TestPki::create();  // same names, other keys
    const Bytes signedIndex = signCrlIndex(sampleIndex(stranger.issuing), stranger.issuing);
    CHECK_THROWS_AS(verifyCrlIndex(signedIndex, pki.trust()), UntrustedCrlIndexError);
    // Claiming the trusted CA's key id does not help either.
    const Bytes claiming = signJson(stranger.issuing, sampleJson(pki.issuing));
    CHECK_THROWS_AS(verifyCrlIndex(claiming, pki.trust()), UntrustedCrlIndexError);
    // Nor does a root of the trust store: only issuing CAs publish indexes.
    const Bytes byRoot = signJson(pki.root, sampleJson(pki.root));
    CHECK_THROWS_AS(verifyCrlIndex(byRoot, pki.trust()), UntrustedCrlIndexError);
}

TEST_CASE("a trusted CA cannot publish an index for another CA", "[pki][crl-index]") {
    const TestPki pki = TestPki::create();
    const CertificateAuthority sibling = siblingCa(pki);
    const TrustStore trust = TrustStore::fromPem(pki.issuing.certificate().pem() + sibling.certificate().pem() +
                                                 pki.root.certificate().pem());
    const Bytes forged = signJson(sibling, sampleJson(pki.issuing));
    CHECK_THROWS_AS(verifyCrlIndex(forged, trust), UntrustedCrlIndexError);
    // Its own index is fine, and signCrlIndex refuses to write the forged one at all.
    CHECK(verifyCrlIndex(signCrlIndex(sampleIndex(sibling), sibling), trust).issuerKeyId ==
          sibling.certificate().subjectKeyIdentifier());
    CHECK_THROWS_AS(signCrlIndex(sampleIndex(pki.issuing), sibling), MalformedCrlIndexError);
}

TEST_CASE("a flipped byte anywhere, a truncation or an oversize file is refused", "[pki][crl-index]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const Bytes signedIndex = signCrlIndex(sampleIndex(pki.issuing), pki.issuing);
    for (std::size_t at = 0; at < signedIndex.size(); ++at) {
        for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
            Bytes damaged = signedIndex;
            damaged[at] ^= mask;
            INFO("byte " << at << " of " << signedIndex.size() << " xor " << int(mask));
            CHECK(refused(damaged, trust));
        }
    }
    for (std::size_t keep = 0; keep < signedIndex.size(); ++keep) {
        INFO("truncated to " << keep);
        CHECK(refused(ByteView(signedIndex.data(), keep), trust));
    }
    Bytes extended = signedIndex;
    extended.push_back(0);
    CHECK_THROWS_AS(verifyCrlIndex(extended, trust), MalformedCrlIndexError);
    CHECK_THROWS_AS(verifyCrlIndex(Bytes(kCrlIndexMaxBytes + 1, 0x30), trust), MalformedCrlIndexError);
}

TEST_CASE("an index that names an unsafe file or breaks a field rule is refused", "[pki][crl-index]") {
    const TestPki pki = TestPki::create();
    const TrustStore trust = pki.trust();
    const auto refusedAsMalformed = [&](const Json& document) {
        INFO(document.dump());
        CHECK_THROWS_AS(verifyCrlIndex(signJson(pki.issuing, document), trust), MalformedCrlIndexError);
    };
    for (const std::string& name : std::vector<std::string>{"../full-6.crl", "a/b.crl", "/etc/passwd", ".", "..", "", "full 6.crl",
                                    "full-6.crl\n", std::string(129, 'a'), "caf\xc3\xa9.crl"}) {
        Json document = sampleJson(pki.issuing);
        document["full"]["file"] = name;
        refusedAsMalformed(document);
        Json delta = sampleJson(pki.issuing);
        delta["delta"]["file"] = name;
        refusedAsMalformed(delta);
    }
    Json document = sampleJson(pki.issuing);
    document["full"]["file"] = std::string(128, 'a');
    CHECK(verifyCrlIndex(signJson(pki.issuing, document), trust).full.file == std::string(128, 'a'));

    const std::vector<std::pair<std::string, Json>> breaks{
        {"/format", "fmc-crl-index/2"},
        {"/full/sha256", std::string(63, 'a')},
        {"/full/sha256", std::string(64, 'A')},
        {"/full/sha256", std::string(64, 'g')},
        {"/full/size", 0},
        {"/full/size", -5},
        {"/full/size", "5"},
        {"/full/crl_number", 6.5},
        {"/full/base_crl_number", 4},
        {"/delta/base_crl_number", 6},
        {"/delta/crl_number", 7},
        {"/published", "2026-01-01T01:00:00+07:00"},
        {"/published", "2026-02-30T01:00:00Z"},
        {"/next_update", "2026-01-02 01:00:00Z"},
        {"/issuer_key_id", "zz"},
        {"/surprise", true},
    };
    for (const auto& [pointer, value] : breaks) {
        Json broken = sampleJson(pki.issuing);
        broken[Json::json_pointer(pointer)] = value;
        refusedAsMalformed(broken);
    }
    Json withoutBase = sampleJson(pki.issuing);
    withoutBase["delta"].erase("base_crl_number");
    refusedAsMalformed(withoutBase);
    const std::string notJson = "{\"format\": ";
    const Bytes signedGarbage = pki.issuing.signCms(ByteView(reinterpret_cast<const std::uint8_t*>(notJson.data()), notJson.size()));
    CHECK_THROWS_AS(verifyCrlIndex(signedGarbage, trust), MalformedCrlIndexError);

    CrlIndex unsafe = sampleIndex(pki.issuing);
    unsafe.full.file = "../x.crl";
    CHECK_THROWS_AS(signCrlIndex(unsafe, pki.issuing), MalformedCrlIndexError);
}

TEST_CASE("a token key signs the index through the same EVP_PKEY path", "[pki][crl-index][pkcs11]") {
    const TempDir dir;
    std::filesystem::create_directory(dir.path() / "tokens");
    const std::string conf = dir.write("softhsm2.conf", "directories.tokendir = " + (dir.path() / "tokens").string() +
                                                            "\nobjectstore.backend = file\nlog.level = ERROR\n");
    REQUIRE(::setenv("SOFTHSM2_CONF", conf.c_str(), 1) == 0);
    const CommandResult init = run("softhsm2-util --init-token --free --label fmc-index --so-pin 87654321 --pin 123456");
    INFO(init.output);
    REQUIRE(init.exitCode == 0);

    const TestPki pki = TestPki::create();
    std::shared_ptr<const KeyStore> tokenKeys = Pkcs11KeyStore::generate(
        "pkcs11:token=fmc-index;object=index-ca;type=private", Curve::p256, SecretBytes(std::string_view("123456")));
    const CertificateAuthority tokenCa(
        pki.root.issueSubordinateCa(tokenKeys->publicKey(), {"FMC Issuing CA HSM", "Public Security", at(1748736000),
                                                             at(1748736000) + 10 * year, {}}),
        tokenKeys);
    const TrustStore trust = TrustStore::fromPem(tokenCa.certificate().pem() + pki.root.certificate().pem());
    const CrlIndex index = sampleIndex(tokenCa);
    CHECK(verifyCrlIndex(signCrlIndex(index, tokenCa), trust) == index);
}
