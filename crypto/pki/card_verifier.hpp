#pragma once
// The terminal's offline decision about a presented card (FIPS 201-3 PKI-CAK, piv.md):
//   1. parse the 9E certificate and its profile (CardCertificateProfile);
//   2. validate the path root -> issuing CA -> card at the given time (RFC 5280 §6.1), with
//      OpenSSL's X509_verify_cert but without its CRL check: revocation comes from the
//      RevocationState, whose signatures were verified once, on import;
//   3. the issuing CA against the root's ARL, the card against the issuing CA's CRL;
//   4. card authentication: the terminal sends a fresh 32-byte random challenge as the
//      "digest" of GENERAL AUTHENTICATE (7C L {82 00 81 20 <challenge>}); the card signs
//      those 32 bytes as they are with its 9E key (ECDSA, no further hashing), and the
//      DER ECDSA-Sig-Value it returns must verify with the certificate's key.
// Every check that can run does, so the verdict tells the whole story; `accepted()` is the
// decision.
#include "crypto/bytes.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"
#include "crypto/pki/verdict.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fmc::crypto::pki {

class CardVerifier {
public:
    static constexpr std::size_t challengeSize = 32;

    // `trust` must outlive the verifier; issuing CAs added to it later are still verified,
    // only without the cached path below. `maxCrlAge`: a CRL older than this (since its
    // thisUpdate) counts as stale even before its nextUpdate (SP 800-116: at least daily).
    // `maxArlAge`: the same for the root's ARL; the root key is kept offline and signs an
    // ARL rarely (months), so by default only the ARL's own nextUpdate limits it.
    static constexpr std::chrono::seconds noAgeLimit{std::chrono::hours(24 * 365 * 100)};
    CardVerifier(const TrustStore& trust, std::chrono::seconds maxCrlAge, std::chrono::seconds maxArlAge = noAgeLimit);

    // A fresh random challenge (RAND_bytes) for GENERAL AUTHENTICATE.
    [[nodiscard]] static Bytes newChallenge();

    // Never throws for bad input: anything unparsable is `malformed` in the verdict.
    [[nodiscard]] Verdict verify(ByteView cardCertificateDer, std::chrono::system_clock::time_point at,
                                 const RevocationState& revocation, ByteView challenge, ByteView signature) const;

    // An NFC tag's credential (tag_credential.hpp) read from the tag whose UID is `tagUid`.
    // The same five checks: certificate (parse, profile), path (the issuing CA whose SKI is
    // the kid, among the trusted issuing CAs, valid and chaining to the root at `at` by the
    // rules of a card's path; the credential's nbf/exp; its COSE signature), issuer- and
    // card-revocation (the ARL; the CA's CRL by the credential's serial), card-authentication
    // (the UID the tag answered is the credential's; a tag proves nothing more, so a pass is
    // low assurance). Never throws for bad input. Implemented in tag_verification.cpp.
    [[nodiscard]] Verdict verifyTag(ByteView credential, ByteView tagUid, std::chrono::system_clock::time_point at,
                                    const RevocationState& revocation) const;

private:
    // The root's P-384 signature on an issuing CA costs more than all the rest of a tap, and
    // it never changes: it is verified once here, per issuing CA, when the verifier is made.
    // A tap whose card chains to such a CA is then validated as card -> issuing CA (the CA
    // as a partial-chain anchor) plus the CA's and the root's dates at `at`. Anything short
    // of a clean pass falls back to the full X509_verify_cert, so every failure is reported
    // exactly as before.
    struct VerifiedIssuer {
        Certificate issuingCa;
        Certificate root;
    };
    // The verified issuing CA the card chains to cleanly at `at`, or nullptr: take the full path.
    [[nodiscard]] const VerifiedIssuer* fastPath(X509* card, std::chrono::system_clock::time_point at) const;

    // The issuing CA's own path at `at` (issuing CA -> trusted root, a root that allows a CA
    // below it), for a tag credential the CA signs directly: the upper part of a card's path,
    // judged by the same rules (verifiedIssuers_ first, X509_verify_cert otherwise).
    struct IssuerPath {
        ReasonCode code = ReasonCode::ok;
        std::string detail;
        X509* root = nullptr;  // set when the chain was built
    };
    [[nodiscard]] IssuerPath issuerPath(X509* issuingCa, std::chrono::system_clock::time_point at) const;

    // The most telling path code wins: a broken chain says more than a broken signature,
    // which says more than a date.
    [[nodiscard]] static int pathSeverity(ReasonCode code);

    // 3. of the header comment, shared by both paths and by tags: the issuing CA against the
    // root's ARL, and `subjectSerial` (a card certificate's or a tag credential's serial, the
    // big-endian magnitude; nullopt for a negative one, reported malformed) against the CA's CRL.
    void checkRevocations(Verdict& verdict, const RevocationState& revocation, X509* issuingCa, X509* root,
                          const std::optional<Bytes>& subjectSerial, std::chrono::system_clock::time_point at) const;
    static void authenticate(Verdict& verdict, EVP_PKEY* cardKey, ByteView challenge, ByteView signature);

    const TrustStore& trust_;
    std::chrono::seconds maxCrlAge_;
    std::chrono::seconds maxArlAge_;
    std::vector<VerifiedIssuer> verifiedIssuers_;
    std::shared_ptr<X509_STORE> issuerAnchors_;  // the verified issuing CAs, as trusted
};

} // namespace fmc::crypto::pki
