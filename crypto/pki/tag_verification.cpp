// CardVerifier::verifyTag: the offline decision about an NFC tag's credential, with the
// verifier's trust store, issuing-CA path and revocation logic (card_verifier.cpp).
#include "crypto/pki/card_verifier.hpp"

#include "crypto/crypto_error.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/tag_credential.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>

namespace fmc::crypto::pki {

namespace {

CardIdentity identityOf(const TagCredential& credential) {
    CardIdentity identity;
    identity.cardNumber = toHex(credential.serialNumber);
    identity.cardUuid = credential.credentialUuid;
    identity.serialNumber = credential.serialNumber;
    identity.attributes.entitlements = credential.entitlements;
    identity.attributes.preferredLanguage = credential.preferredLanguage;
    identity.notAfter = credential.notAfter;
    return identity;
}

} // namespace

// ES256 (RFC 9053 §2.1): ECDSA P-256 with SHA-256 over the Sig_structure. False for any
// failure, a CA key on another curve included; never throws for bad signature bytes.
bool TagCredential::isSignedBy(const Certificate& ca) const {
    EVP_PKEY* caKey = X509_get0_pubkey(ca.native());
    if (curveOfKey(caKey) != Curve::p256) return false;
    Bytes der;
    try {
        if (!isLowSP256Signature(signature)) return false;  // the other encoding of a signature
        der = derSignatureFromCose(signature);
    } catch (const CryptoError&) {
        return false;
    }
    const Bytes signedBytes = toBeSigned();
    OpenSslHandle<EVP_MD_CTX, EVP_MD_CTX_free> context(EVP_MD_CTX_new());
    const bool verifies = context && EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, caKey) == 1 &&
                          EVP_DigestVerify(context.get(), der.data(), der.size(), signedBytes.data(), signedBytes.size()) == 1;
    ERR_clear_error();
    return verifies;
}

Verdict CardVerifier::verifyTag(ByteView credential, ByteView tagUid, std::chrono::system_clock::time_point at,
                                const RevocationState& revocation) const {
    Verdict verdict;

    // 1. The credential and its profile (the signature comes with the path, as for a card).
    std::optional<TagCredential> tag;
    try {
        tag = TagCredential::parse(credential);
        verdict.card = identityOf(*tag);
        verdict.add(Check::certificate, ReasonCode::ok);
    } catch (const CryptoError& error) {
        ERR_clear_error();
        verdict.card.reset();
        verdict.add(Check::certificate, ReasonCode::malformed, error.what());
        return verdict;
    }

    // 2. The path: the issuing CA named by kid, its own chain at `at`, then what the CA
    //    vouches for in the credential itself. Several trusted certificates may carry the same
    //    key (a CA certified again): the one that judges the credential best counts.
    struct PathOutcome {
        const Certificate* issuer = nullptr;
        X509* root = nullptr;
        ReasonCode code = ReasonCode::ok;
        std::string detail;
        void worsen(ReasonCode worse, std::string why) {
            if (pathSeverity(worse) <= pathSeverity(code)) return;
            code = worse;
            detail = std::move(why);
        }
    };
    PathOutcome path;
    path.worsen(ReasonCode::untrusted, "no trusted issuing CA has key id " + toHex(tag->issuerKeyId));
    for (const Certificate& candidate : trust_.issuingCas()) {
        if (candidate.subjectKeyIdentifier() != tag->issuerKeyId) continue;
        PathOutcome outcome;
        outcome.issuer = &candidate;
        IssuerPath caPath = issuerPath(candidate.native(), at);
        outcome.root = caPath.root;
        outcome.worsen(caPath.code, std::move(caPath.detail));
        if (tagIssuerName(candidate) != tag->issuerName)
            outcome.worsen(ReasonCode::untrusted, "the credential names issuer '" + tag->issuerName +
                                                      "', but its key id is " + candidate.subject() + "'s");
        if (at < tag->notBefore) outcome.worsen(ReasonCode::notYetValid, "the credential is not valid yet (nbf)");
        if (at >= tag->notAfter) outcome.worsen(ReasonCode::expired, "the credential has expired (exp)");
        if (!tag->isSignedBy(candidate))
            outcome.worsen(ReasonCode::badSignature,
                           "the credential's signature does not verify with " + candidate.subject());
        if (path.issuer == nullptr || pathSeverity(outcome.code) < pathSeverity(path.code)) path = std::move(outcome);
    }
    const Certificate* issuer = path.issuer;
    X509* root = path.root;
    const ReasonCode pathCode = path.code;
    verdict.add(Check::path, pathCode, path.detail);

    // 3. Revocation: only along a chain whose signatures hold, as for a card. The credential's
    //    serial is in the CA's certificate serial space, so its CRL lists tags like cards.
    if (issuer != nullptr && root != nullptr && pathCode != ReasonCode::untrusted && pathCode != ReasonCode::badSignature)
        checkRevocations(verdict, revocation, issuer->native(), root, tag->serialNumber, at);

    // 4. The tag: the UID it answered must be the one the credential was written for.
    if (std::equal(tagUid.begin(), tagUid.end(), tag->tagUid.begin(), tag->tagUid.end()))
        verdict.add(Check::cardAuthentication, ReasonCode::ok);
    else
        verdict.add(Check::cardAuthentication, ReasonCode::cardAuthFailed,
                    "the tag's UID is not the one the credential was issued to: a copy");
    return verdict;
}

} // namespace fmc::crypto::pki
