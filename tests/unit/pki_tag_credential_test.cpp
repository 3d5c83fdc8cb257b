// The NFC tag credential: the CWT / COSE_Sign1 encoding (a golden Sig_structure, round trips,
// every strict-parse refusal), issuance by an issuing CA, and CardVerifier::verifyTag with one
// test per reason code, CRLs shared with card certificates.
#include "pki_test_support.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/serial_number.hpp"
#include "crypto/pki/tag_credential.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;
using namespace fmc::crypto::pki::testing;

namespace {

const Bytes tagUid = fromHex("04A1B2C3D4E5F6");
const Clock::time_point noon = jan2026 + hours(12);

TagCredentialRequest sampleRequest(Bytes serial = {0x12, 0x34, 0x56}) {
    return {std::move(serial), sampleUuid(0x33), tagUid, {"MARKET-STALL", "TAX.SIMPLE", "WATER_1", "PARKING.A", "LIBRARY"},
            "vi-VN",           jan2026,          jan2026 + year, jan2026};
}

struct TagTerminal {
    TestPki pki = TestPki::create();
    TrustStore trust = pki.trust();
    RevocationState revocation;
    CardVerifier verifier{trust, hours(24)};
    Bytes credential = pki.issuing.issueTagCredential(sampleRequest());

    void importLists(Clock::time_point when, std::vector<RevokedCertificate> entries = {},
                     std::vector<RevokedCertificate> issuingCas = {}) {
        revocation.importCrl(trust, pki.crl(++crlNumber, std::move(entries), when));
        revocation.importCrl(trust, pki.arl(++arlNumber, std::move(issuingCas), when));
    }
    [[nodiscard]] Verdict present(ByteView bytes, ByteView uid, Clock::time_point when) const {
        return verifier.verifyTag(bytes, uid, when, revocation);
    }
    [[nodiscard]] Verdict present(Clock::time_point when) const { return present(credential, tagUid, when); }

    std::uint64_t crlNumber = 0;
    std::uint64_t arlNumber = 0;
};

// A small credential whose exact encoding is written out by hand below.
TagCredential goldenCredential() {
    TagCredential credential;
    credential.serialNumber = {0x01};
    for (std::uint8_t i = 0; i < 16; ++i) credential.credentialUuid[i] = i;
    credential.tagUid = fromHex("04010203040506");
    credential.issuerKeyId = {0xAA};
    credential.issuerName = "CA";
    credential.entitlements = {"A"};
    credential.preferredLanguage = "vi";
    credential.notBefore = jan2026;
    credential.notAfter = jan2026 + year;
    credential.issuedAt = jan2026;
    credential.signature = Bytes(64, 0x5A);
    return credential;
}

// Test-side CBOR pieces for building inputs the library would never write.
Bytes head(std::uint8_t major, std::size_t length) {
    const std::size_t type = std::size_t{major} << 5;
    if (length < 24) return {static_cast<std::uint8_t>(type | length)};
    if (length < 256) return {static_cast<std::uint8_t>(type | 24), static_cast<std::uint8_t>(length)};
    return {static_cast<std::uint8_t>(type | 25), static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length)};
}
Bytes bstr(ByteView bytes) { return concat({head(2, bytes.size()), bytes}); }

// The four parts of a credential the library issued (protected, unprotected, payload, signature).
struct Parts {
    Bytes protectedHeader, unprotected, payload, signature;
    [[nodiscard]] Bytes sign1() const {
        return concat({Bytes{0x84}, bstr(protectedHeader), unprotected, bstr(payload), bstr(signature)});
    }
};
Parts split(const Bytes& credential) {
    std::size_t offset = 1;  // 0x84
    const auto readBstr = [&] {
        std::size_t length = credential[offset] & 0x1F;
        offset += 1;
        if (length == 24) length = credential[offset++];
        else if (length == 25) length = static_cast<std::size_t>(credential[offset] << 8 | credential[offset + 1]), offset += 2;
        Bytes out(credential.begin() + static_cast<long>(offset), credential.begin() + static_cast<long>(offset + length));
        offset += length;
        return out;
    };
    Parts parts;
    parts.protectedHeader = readBstr();
    parts.unprotected = {credential[offset++]};
    parts.payload = readBstr();
    parts.signature = readBstr();
    return parts;
}

void replace(Bytes& bytes, const Bytes& from, const Bytes& to) {
    const auto at = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
    REQUIRE(at != bytes.end());
    const auto position = at - bytes.begin();
    bytes.erase(at, at + static_cast<long>(from.size()));
    bytes.insert(bytes.begin() + position, to.begin(), to.end());
}

// Thrown as `Error`, with `message` in what().
template <typename Error, typename Call>
void requireThrows(Call call, const std::string& message) {
    try {
        call();
        FAIL("no exception; expected one saying: " << message);
    } catch (const Error& error) {
        CHECK_THAT(error.what(), Catch::Contains(message));
    }
}

void requireRefused(const Bytes& input, const std::string& message) {
    requireThrows<MalformedCertificateError>([&] { static_cast<void>(TagCredential::parse(input)); }, message);
}

RevokedCertificate listedSerial(const Bytes& serial, RevocationReason reason) { return {serial, jan2026, reason}; }

} // namespace

TEST_CASE("the Sig_structure is the RFC 8949 core deterministic encoding, byte for byte", "[pki][tag]") {
    const Bytes claims = fromHex(
        "A9"
        "01624341"                          // 1 iss "CA"
        "041A6B36EC80"                      // 4 exp
        "051A6955B900"                      // 5 nbf
        "061A6955B900"                      // 6 iat
        "074101"                            // 7 cti h'01'
        "3A000100004704010203040506"        // -65537 tag UID
        "3A0001000150000102030405060708090A0B0C0D0E0F"  // -65538 UUID
        "3A00010002816141"                  // -65539 ["A"]
        "3A00010003627669");                // -65540 "vi"
    const Bytes expected = concat({fromHex("846A5369676E617475726531" "46A20126044" "1AA" "40"), bstr(claims)});
    const TagCredential credential = goldenCredential();
    CHECK(toHex(credential.toBeSigned()) == toHex(expected));
    const Bytes encoded = credential.encode();
    CHECK(toHex(encoded) == toHex(concat({fromHex("8446A20126044" "1AA" "A0"), bstr(claims), bstr(Bytes(64, 0x5A))})));
    CHECK(TagCredential::parse(encoded) == credential);
}

TEST_CASE("an issued credential parses back to the request, and re-encodes identically", "[pki][tag]") {
    const TestPki pki = TestPki::create();
    const TagCredentialRequest request = sampleRequest();
    const Bytes bytes = pki.issuing.issueTagCredential(request);
    INFO("credential with 5 entitlements: " << bytes.size() << " bytes");
    CHECK(bytes.size() <= maxTagCredentialSize);
    const TagCredential credential = TagCredential::parse(bytes);
    CHECK(credential.serialNumber == request.serialNumber);
    CHECK(credential.credentialUuid == request.credentialUuid);
    CHECK(credential.tagUid == tagUid);
    CHECK(credential.issuerKeyId == pki.issuing.certificate().subjectKeyIdentifier());
    CHECK(credential.issuerName == "FMC Issuing CA Hanoi 1");
    CHECK(credential.entitlements == request.entitlements);
    CHECK(credential.preferredLanguage == "vi-VN");
    CHECK(credential.notBefore == jan2026);
    CHECK(credential.notAfter == jan2026 + year);
    CHECK(credential.issuedAt == jan2026);
    CHECK(credential.encode() == bytes);
    // The same values encode the same bytes; only the ECDSA signature differs per issuance.
    const TagCredential again = TagCredential::parse(pki.issuing.issueTagCredential(request));
    CHECK(again.toBeSigned() == credential.toBeSigned());
    CHECK(again.signature != credential.signature);
    // An empty serial draws a fresh 16-byte one, as for card certificates.
    CHECK(TagCredential::parse(pki.issuing.issueTagCredential(sampleRequest({}))).serialNumber.size() == 16);
}

TEST_CASE("the issuing CA refuses what a tag credential cannot be", "[pki][tag]") {
    const TestPki pki = TestPki::create();
    TagCredentialRequest request = sampleRequest();
    SECTION("a P-384 CA (ES256 only)") {
        requireThrows<CertificateProfileError>([&] { static_cast<void>(pki.root.issueTagCredential(request)); }, "ES256");
    }
    SECTION("a validity outside the CA's") {
        request.notAfter = pki.issuing.certificate().notAfter() + hours(1);
        CHECK_THROWS_AS(pki.issuing.issueTagCredential(request), CertificateProfileError);
    }
    SECTION("a UID of 5 bytes") {
        request.tagUid = fromHex("0401020304");
        requireThrows<CertificateProfileError>([&] { static_cast<void>(pki.issuing.issueTagCredential(request)); }, "4, 7 or 10");
    }
    SECTION("a bad entitlement or language") {
        request.entitlements.push_back("no spaces");
        CHECK_THROWS_AS(pki.issuing.issueTagCredential(request), CertificateProfileError);
        request.entitlements.pop_back();
        request.preferredLanguage = "vietnamese language";
        CHECK_THROWS_AS(pki.issuing.issueTagCredential(request), CertificateProfileError);
    }
    SECTION("more than fits a tag") {
        request.entitlements.assign(40, std::string(20, 'E'));
        requireThrows<CertificateProfileError>([&] { static_cast<void>(pki.issuing.issueTagCredential(request)); }, "more than 800");
    }
}

TEST_CASE("parse refuses every departure from the one encoding", "[pki][tag]") {
    const TestPki pki = TestPki::create();
    const Bytes genuine = pki.issuing.issueTagCredential(sampleRequest());
    REQUIRE_NOTHROW(TagCredential::parse(genuine));
    const Parts parts = split(genuine);
    REQUIRE(parts.sign1() == genuine);

    SECTION("trailing byte") { requireRefused(concat({genuine, Bytes{0x00}}), "trailing bytes"); }
    SECTION("indefinite-length array") {
        Bytes indefinite = genuine;
        indefinite[0] = 0x9F;
        indefinite.push_back(0xFF);
        requireRefused(indefinite, "indefinite-length");
    }
    SECTION("tagged COSE_Sign1 (tag 18) is refused: the media type already says what it is") {
        requireRefused(concat({Bytes{0xD2}, genuine}), "tagged (CBOR tag 18)");
    }
    SECTION("another algorithm") {
        Parts edited = parts;
        replace(edited.protectedHeader, {0x01, 0x26}, {0x01, 0x27});  // -8, EdDSA
        requireRefused(edited.sign1(), "not ES256");
    }
    SECTION("an unknown protected header parameter") {
        Parts edited = parts;
        edited.protectedHeader[0] = 0xA3;
        edited.protectedHeader.insert(edited.protectedHeader.end(), {0x03, 0x00});
        requireRefused(edited.sign1(), "unknown protected header parameter 3");
    }
    SECTION("an unprotected header that is not empty") {
        Parts edited = parts;
        edited.unprotected = {0xA1, 0x04, 0x41, 0x01};
        requireRefused(edited.sign1(), "unprotected header is not empty");
    }
    SECTION("an unknown claim") {
        Parts edited = parts;
        edited.payload[0] = 0xAA;  // ten pairs
        edited.payload.insert(edited.payload.end(), {0x08, 0x00});
        requireRefused(edited.sign1(), "unknown claim 8");
    }
    SECTION("a duplicate claim") {
        Parts edited = parts;
        edited.payload[0] = 0xAA;
        edited.payload.insert(edited.payload.end(), {0x01, 0x61, 0x58});
        requireRefused(edited.sign1(), "repeats key 1");
    }
    SECTION("a missing claim") {
        Parts edited = parts;
        edited.payload[0] = 0xA8;
        replace(edited.payload, {0x07, 0x43, 0x12, 0x34, 0x56}, {});  // cti
        requireRefused(edited.sign1(), "missing");
    }
    SECTION("a non-shortest integer") {
        Parts edited = parts;
        replace(edited.payload, {0x05, 0x1A}, {0x05, 0x1B, 0x00, 0x00, 0x00, 0x00});
        requireRefused(edited.sign1(), "deterministic encoding");
    }
    SECTION("claims out of order") {
        Parts edited = parts;
        const Bytes iss = concat({Bytes{0x01}, head(3, 22), Bytes{'F', 'M', 'C'}});
        const auto at = std::search(edited.payload.begin(), edited.payload.end(), iss.begin(), iss.end());
        REQUIRE(at == edited.payload.begin() + 1);
        const Bytes entry(edited.payload.begin() + 1, edited.payload.begin() + 1 + 24);
        edited.payload.erase(edited.payload.begin() + 1, edited.payload.begin() + 1 + 24);
        edited.payload.insert(edited.payload.end(), entry.begin(), entry.end());
        requireRefused(edited.sign1(), "deterministic encoding");
    }
    SECTION("wrong sizes") {
        Parts uid = parts;
        replace(uid.payload, concat({Bytes{0x47}, tagUid}), fromHex("4504A1B2C3D4"));
        requireRefused(uid.sign1(), "4, 7 or 10");
        Parts uuid = parts;
        const CardUuid sample = sampleUuid(0x33);
        replace(uuid.payload, concat({Bytes{0x50}, sample}), concat({Bytes{0x4F}, ByteView(sample).first(15)}));
        requireRefused(uuid.sign1(), "UUID is not 16 bytes");
        Parts signature = parts;
        signature.signature.pop_back();
        requireRefused(signature.sign1(), "not 64 bytes");
        Parts serial = parts;
        replace(serial.payload, {0x07, 0x43, 0x12, 0x34, 0x56}, {0x07, 0x43, 0x00, 0x34, 0x56});
        requireRefused(serial.sign1(), "leading zero");
        requireRefused(Bytes(maxTagCredentialSize + 1, 0x00), "more than 800");
    }
    SECTION("a claim of the wrong type") {
        Parts edited = parts;
        replace(edited.payload, {0x04, 0x1A}, {0x04, 0x3A});  // exp negative
        requireRefused(edited.sign1(), "exp is not an integer number of seconds");
    }
    SECTION("lengths beyond the input never reach libcbor's allocator") {
        requireRefused(fromHex("9BFFFFFFFFFFFFFFFF"), "longer than the input");
        requireRefused(fromHex("BB7FFFFFFFFFFFFFFF"), "longer than the input");
        requireRefused(fromHex("84"), "longer than the input");
        requireRefused(fromHex("1A00"), "ends inside");
        requireRefused({}, "empty");
    }
}

TEST_CASE("verifyTag ok: a genuine tag with fresh lists", "[pki][tag][verifier]") {
    TagTerminal terminal;
    terminal.importLists(jan2026);
    const Verdict verdict = terminal.present(noon);
    INFO(verdict.summary());
    CHECK(verdict.accepted());
    CHECK(verdict.summary() == "certificate=ok path=ok issuer-revocation=ok card-revocation=ok card-authentication=ok");
    REQUIRE(verdict.card.has_value());
    CHECK(verdict.card->cardNumber == "123456");
    CHECK(verdict.card->serialNumber == Bytes{0x12, 0x34, 0x56});
    CHECK(verdict.card->cardUuid == sampleUuid(0x33));
    CHECK(verdict.card->attributes.entitlements == sampleRequest().entitlements);
    CHECK(verdict.card->attributes.preferredLanguage == "vi-VN");
    CHECK(verdict.card->attributes.personalDataDigest.empty());
    CHECK(verdict.card->notAfter == jan2026 + year);
    REQUIRE(verdict.cardCrl.has_value());
    CHECK(verdict.cardCrl->crlNumber == 1);
}

TEST_CASE("verifyTag card-auth-failed: the credential copied to another tag", "[pki][tag][verifier]") {
    TagTerminal terminal;
    terminal.importLists(jan2026);
    const Verdict verdict = terminal.present(terminal.credential, fromHex("04A1B2C3D4E5F7"), noon);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::ok);
    CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::ok);
    CHECK(verdict.codeOf(Check::cardAuthentication) == ReasonCode::cardAuthFailed);
    CHECK(verdict.checks.back().detail == "the tag's UID is not the one the credential was issued to: a copy");
    CHECK(verdict.decisiveReason() == ReasonCode::cardAuthFailed);
}

TEST_CASE("verifyTag bad-signature: a payload edited after signing", "[pki][tag][verifier]") {
    TagTerminal terminal;
    terminal.importLists(jan2026);
    Bytes edited = terminal.credential;
    replace(edited, {'W', 'A', 'T', 'E', 'R', '_', '1'}, {'W', 'A', 'T', 'E', 'R', '_', '9'});
    const Verdict verdict = terminal.present(edited, tagUid, noon);
    INFO(verdict.summary());
    CHECK(verdict.codeOf(Check::certificate) == ReasonCode::ok);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::badSignature);
    CHECK_FALSE(verdict.codeOf(Check::cardRevocation).has_value());
    CHECK(verdict.card->attributes.entitlements[2] == "WATER_9");
    CHECK_FALSE(verdict.accepted());
    // A signature edited instead of the payload: the same answer.
    Bytes signature = terminal.credential;
    signature[signature.size() - 1] ^= 0x01;
    CHECK(terminal.present(signature, tagUid, noon).codeOf(Check::path) == ReasonCode::badSignature);
}

TEST_CASE("one encoding: the other ECDSA form of the signature (r, n - s) is refused", "[pki][tag][verifier]") {
    TagTerminal terminal;
    terminal.importLists(jan2026);
    TagCredential parsed = TagCredential::parse(terminal.credential);
    CHECK(isLowSP256Signature(parsed.signature));
    const Bytes n = fromHex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    // s' = n - s, big-endian subtraction on the last 32 bytes.
    Bytes highS(parsed.signature.begin(), parsed.signature.end());
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        const int difference = n[static_cast<std::size_t>(i)] - parsed.signature[32 + static_cast<std::size_t>(i)] - borrow;
        borrow = difference < 0 ? 1 : 0;
        highS[32 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(difference + 256 * borrow);
    }
    CHECK_FALSE(isLowSP256Signature(highS));
    CHECK(lowSP256Signature(highS) == parsed.signature);
    // (r, n - s) verifies mathematically with OpenSSL, but is not the credential's encoding.
    CHECK(terminal.pki.issuing.certificate().publicKey().verifyDigest(fmc::crypto::sha256(parsed.toBeSigned()),
                                                                      derSignatureFromCose(highS)));
    parsed.signature = highS;
    CHECK(terminal.present(parsed.encode(), tagUid, noon).codeOf(Check::path) == ReasonCode::badSignature);
}

TEST_CASE("verifyTag untrusted: an unknown kid, or a name that is not the kid's CA", "[pki][tag][verifier]") {
    TagTerminal terminal;
    terminal.importLists(jan2026);
    const TestPki stranger = TestPki::create();
    const Verdict foreign = terminal.present(stranger.issuing.issueTagCredential(sampleRequest()), tagUid, noon);
    CHECK(foreign.codeOf(Check::path) == ReasonCode::untrusted);
    CHECK_THAT(foreign.checks[1].detail, Catch::Contains("no trusted issuing CA has key id"));
    CHECK_FALSE(foreign.codeOf(Check::cardRevocation).has_value());
    CHECK(foreign.codeOf(Check::cardAuthentication) == ReasonCode::ok);
    // Our CA's key id with another name: what a forger gets by editing iss (untrusted beats
    // the bad signature it also has).
    TagCredential renamed = TagCredential::parse(terminal.credential);
    renamed.issuerName = "FMC Issuing CA Hanoi 2";
    const Verdict verdict = terminal.present(renamed.encode(), tagUid, noon);
    CHECK(verdict.codeOf(Check::path) == ReasonCode::untrusted);
}

TEST_CASE("verifyTag expired and not-yet-valid", "[pki][tag][verifier]") {
    TagTerminal terminal;
    SECTION("expired") {
        const auto after = jan2026 + year + hours(1);
        terminal.importLists(after - hours(1));
        const Verdict verdict = terminal.present(after);
        CHECK(verdict.codeOf(Check::path) == ReasonCode::expired);
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::ok);
        CHECK(verdict.decisiveReason() == ReasonCode::expired);
    }
    SECTION("exactly at exp is expired, exactly at nbf is valid") {
        terminal.importLists(jan2026);
        CHECK(terminal.present(jan2026).accepted());
        terminal.importLists(jan2026 + year - hours(1));
        CHECK(terminal.present(jan2026 + year).codeOf(Check::path) == ReasonCode::expired);
    }
    SECTION("not yet valid") {
        const auto before = jan2026 - hours(2);
        terminal.importLists(before - hours(1));
        CHECK(terminal.present(before).codeOf(Check::path) == ReasonCode::notYetValid);
    }
    SECTION("the issuing CA expired") {
        const auto after = terminal.pki.issuing.certificate().notAfter() + hours(1);
        TagCredentialRequest request = sampleRequest();
        request.notBefore = after - 2 * year;
        request.notAfter = terminal.pki.issuing.certificate().notAfter();
        const Bytes late = terminal.pki.issuing.issueTagCredential(request);
        terminal.importLists(after - hours(1));
        const Verdict verdict = terminal.present(late, tagUid, after);
        CHECK(verdict.codeOf(Check::path) == ReasonCode::expired);
        CHECK_THAT(verdict.checks[1].detail, Catch::Contains("expired"));
    }
}

TEST_CASE("verifyTag revoked and suspended: the issuing CA's CRL lists the serial", "[pki][tag][verifier]") {
    TagTerminal terminal;
    const Bytes serial{0x12, 0x34, 0x56};
    SECTION("revoked") {
        terminal.importLists(jan2026, {listedSerial(serial, RevocationReason::keyCompromise)});
        const Verdict verdict = terminal.present(noon);
        CHECK(verdict.codeOf(Check::cardRevocation) == ReasonCode::revoked);
        CHECK(verdict.codeOf(Check::path) == ReasonCode::ok);
        CHECK(verdict.decisiveReason() == ReasonCode::revoked);
    }
    SECTION("suspended, then reinstated") {
        terminal.importLists(jan2026, {listedSerial(serial, RevocationReason::certificateHold)});
        CHECK(terminal.present(noon).codeOf(Check::cardRevocation) == ReasonCode::suspended);
        terminal.importLists(jan2026 + hours(13));
        CHECK(terminal.present(jan2026 + hours(14)).accepted());
    }
    SECTION("the issuing CA on the root's ARL") {
        terminal.importLists(
            jan2026, {}, {listedSerial(terminal.pki.issuing.certificate().serialNumber(), RevocationReason::caCompromise)});
        CHECK(terminal.present(noon).codeOf(Check::issuerRevocation) == ReasonCode::revoked);
    }
}

TEST_CASE("verifyTag crl-missing and crl-stale", "[pki][tag][verifier]") {
    TagTerminal terminal;
    const Verdict missing = terminal.present(noon);
    CHECK(missing.codeOf(Check::issuerRevocation) == ReasonCode::crlMissing);
    CHECK(missing.codeOf(Check::cardRevocation) == ReasonCode::crlMissing);
    CHECK_FALSE(missing.accepted());
    terminal.importLists(jan2026);
    CHECK(terminal.present(jan2026 + hours(30)).codeOf(Check::cardRevocation) == ReasonCode::crlStale);
}

TEST_CASE("tags and card certificates share one serial space and one CRL", "[pki][tag][verifier]") {
    TagTerminal terminal;
    const TestPki::Card card = terminal.pki.issueCard();
    const Bytes tagSerial = newSerialNumber();
    const Bytes tag = terminal.pki.issuing.issueTagCredential(sampleRequest(tagSerial));
    // One CRL from the issuing CA lists a card certificate and a tag credential alike.
    terminal.importLists(jan2026, {listedSerial(card.certificate.serialNumber(), RevocationReason::superseded),
                                   listedSerial(tagSerial, RevocationReason::keyCompromise)});
    const Bytes challenge = CardVerifier::newChallenge();
    CHECK(terminal.verifier.verify(card.certificate.der(), noon, terminal.revocation, challenge,
                                   card.key.signDigest(challenge))
              .codeOf(Check::cardRevocation) == ReasonCode::revoked);
    CHECK(terminal.present(tag, tagUid, noon).codeOf(Check::cardRevocation) == ReasonCode::revoked);
    // A serial is a serial: a tag given the listed card certificate's serial is revoked too,
    // which is why the registry draws both from one space and never reuses one.
    const Bytes sameSerial = terminal.pki.issuing.issueTagCredential(sampleRequest(card.certificate.serialNumber()));
    CHECK(terminal.present(sameSerial, tagUid, noon).codeOf(Check::cardRevocation) == ReasonCode::revoked);
    // An unlisted tag of the same CA is unaffected.
    CHECK(terminal.present(noon).accepted());
}

TEST_CASE("verifyTag never throws: malformed input is a one-check verdict", "[pki][tag][verifier]") {
    TagTerminal terminal;
    terminal.importLists(jan2026);
    for (const Bytes& input : {Bytes{}, Bytes{0x84}, fromHex("D284"), Bytes(900, 0xA0)}) {
        const Verdict verdict = terminal.present(input, tagUid, noon);
        REQUIRE(verdict.checks.size() == 1);
        CHECK(verdict.codeOf(Check::certificate) == ReasonCode::malformed);
        CHECK_FALSE(verdict.card.has_value());
    }
}

TEST_CASE("signData signs arbitrary bytes, and COSE r || s converts to DER and back", "[pki][tag]") {
    const auto keys = std::make_shared<MemoryKeyStore>(EcPrivateKey::generate(Curve::p256));
    const std::string text = "Sig_structure";
    const ByteView data(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    const Bytes der = keys->signData(data);
    CHECK(keys->publicKey().verifyDigest(sha256(data), der));
    const Bytes raw = coseSignatureFromDer(der);
    REQUIRE(raw.size() == 64);
    CHECK(derSignatureFromCose(raw) == der);
    CHECK_THROWS_AS(coseSignatureFromDer(Bytes{0x30, 0x00, 0x01}), CryptoError);
}
