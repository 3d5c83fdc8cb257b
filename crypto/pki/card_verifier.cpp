#include "crypto/pki/card_verifier.hpp"

#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/random.hpp"

#include <openssl/err.h>

#include <ctime>
#include <vector>

namespace fmc::crypto::pki {

namespace {

struct PathError {
    int error;
    int depth;
};

// Our own critical extension is processed by CardCertificateProfile, not by OpenSSL; every
// other unknown critical extension still fails the path (RFC 5280 §4.2).
bool onlyOurCriticalExtensionIsUnhandled(X509* certificate) {
    const int nid = cardAttributesNid();
    const int count = X509_get_ext_count(certificate);
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION* extension = X509_get_ext(certificate, i);
        if (X509_EXTENSION_get_critical(extension) != 1 || X509_supported_extension(extension) == 1) continue;
        if (OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != nid) return false;
    }
    return true;
}

// Collects every error instead of stopping at the first, so the verdict can say "expired"
// rather than just "failed", and the chain is built as far as it goes.
int collectPathErrors(int ok, X509_STORE_CTX* context) {
    if (ok == 1) return 1;
    auto* errors = static_cast<std::vector<PathError>*>(X509_STORE_CTX_get_app_data(context));
    const int error = X509_STORE_CTX_get_error(context);
    const int depth = X509_STORE_CTX_get_error_depth(context);
    if (error == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION && depth == 0 &&
        onlyOurCriticalExtensionIsUnhandled(X509_STORE_CTX_get_current_cert(context)))
        return 1;
    errors->push_back({error, depth});
    return 1;
}

ReasonCode classify(int error) {
    switch (error) {
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        return ReasonCode::badSignature;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return ReasonCode::expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return ReasonCode::notYetValid;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        return ReasonCode::malformed;
    default:
        return ReasonCode::untrusted;
    }
}

// The most telling code wins: a broken chain says more than a broken signature, which
// says more than a date.
int severity(ReasonCode code) {
    switch (code) {
    case ReasonCode::untrusted: return 4;
    case ReasonCode::malformed: return 3;
    case ReasonCode::badSignature: return 2;
    case ReasonCode::notYetValid:
    case ReasonCode::expired: return 1;
    default: return 0;
    }
}

CrlStatus statusOf(const RevocationIndex& index, std::chrono::system_clock::time_point at,
                   std::chrono::seconds maxAge) {
    return {index.crlNumber(), index.thisUpdate(), index.nextUpdate(), index.ageHours(at), index.isStale(at, maxAge)};
}

Bytes serialOf(X509* certificate) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
    const unsigned char* data = ASN1_STRING_get0_data(serial);
    return Bytes(data, data + ASN1_STRING_length(serial));
}

// One revocation check: listed beats stale (a stale list that names the card still names
// it), stale beats ok.
void checkRevocation(Verdict& verdict, Check check, const RevocationIndex* index, X509* subject,
                     std::chrono::system_clock::time_point at, std::chrono::seconds maxAge, const char* listName) {
    if (index == nullptr) {
        verdict.add(check, ReasonCode::crlMissing, std::string("no ") + listName + " imported for the issuer");
        return;
    }
    const CrlStatus status = statusOf(*index, at, maxAge);
    if (ASN1_STRING_type(X509_get0_serialNumber(subject)) == V_ASN1_NEG_INTEGER) {
        verdict.add(check, ReasonCode::malformed, "negative serial number");
        return;
    }
    if (const auto reason = index->find(serialOf(subject))) {
        const bool hold = *reason == RevocationReason::certificateHold;
        verdict.add(check, hold ? ReasonCode::suspended : ReasonCode::revoked,
                    std::string("listed on ") + listName + " " + std::to_string(index->crlNumber()) + " (" +
                        std::string(revocationReasonName(*reason)) + ")");
    } else if (status.stale) {
        verdict.add(check, ReasonCode::crlStale,
                    std::string(listName) + " " + std::to_string(index->crlNumber()) + " is stale (" +
                        std::to_string(static_cast<long long>(status.ageHours)) + " h old)");
    } else {
        verdict.add(check, ReasonCode::ok);
    }
}

} // namespace

CardVerifier::CardVerifier(const TrustStore& trust, std::chrono::seconds maxCrlAge)
    : trust_(trust), maxCrlAge_(maxCrlAge) {}

Bytes CardVerifier::newChallenge() { return randomBytes(challengeSize); }

Verdict CardVerifier::verify(ByteView cardCertificateDer, std::chrono::system_clock::time_point at,
                             const RevocationState& revocation, ByteView challenge, ByteView signature) const {
    Verdict verdict;

    // 1. The certificate and its profile.
    std::optional<Certificate> card;
    std::optional<EcPublicKey> cardKey;
    try {
        card = Certificate::fromDer(cardCertificateDer);
        verdict.card = CardCertificateProfile::read(*card);
        cardKey = card->publicKey();
        verdict.add(Check::certificate, ReasonCode::ok);
    } catch (const CryptoError& error) {
        ERR_clear_error();
        verdict.card.reset();
        verdict.add(Check::certificate, ReasonCode::malformed, error.what());
        return verdict;
    }

    // 2. The path, at `at`, without OpenSSL's own CRL check (no X509_V_FLAG_CRL_CHECK).
    X509StoreContextHandle context(X509_STORE_CTX_new());
    std::vector<PathError> errors;
    if (!context || X509_STORE_CTX_init(context.get(), trust_.anchors(), card->native(), trust_.intermediates()) != 1)
        throwOpenSslError("X509_STORE_CTX_init");
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context.get()), std::chrono::system_clock::to_time_t(at));
    X509_STORE_CTX_set_app_data(context.get(), &errors);
    X509_STORE_CTX_set_verify_cb(context.get(), collectPathErrors);
    const int result = X509_verify_cert(context.get());
    ERR_clear_error();
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get());
    // The profile's path is exactly root -> issuing CA -> card (the root's pathlen is 1).
    const bool fullChain = chain != nullptr && sk_X509_num(chain) == 3;
    ReasonCode pathCode = ReasonCode::ok;
    std::string pathDetail;
    for (const PathError& error : errors) {
        const ReasonCode code = classify(error.error);
        if (severity(code) > severity(pathCode)) {
            pathCode = code;
            pathDetail = std::string(X509_verify_cert_error_string(error.error)) + " at depth " + std::to_string(error.depth);
        }
    }
    if (pathCode == ReasonCode::ok && (result != 1 || !fullChain)) {
        pathCode = ReasonCode::untrusted;
        pathDetail = fullChain ? "path validation failed" : "the card is not issued by a trusted issuing CA";
    }
    verdict.add(Check::path, pathCode, pathDetail);

    // 3. Revocation: only along a chain whose signatures hold (dates may have failed: a
    //    revoked, expired card is worth reporting as revoked too).
    if (fullChain && pathCode != ReasonCode::untrusted && pathCode != ReasonCode::badSignature) {
        X509* issuingCa = sk_X509_value(chain, 1);
        X509* root = sk_X509_value(chain, 2);
        const RevocationIndex* arl = revocation.forIssuer(root);
        const RevocationIndex* crl = revocation.forIssuer(issuingCa);
        if (arl != nullptr) verdict.issuerArl = statusOf(*arl, at, maxCrlAge_);
        if (crl != nullptr) verdict.cardCrl = statusOf(*crl, at, maxCrlAge_);
        checkRevocation(verdict, Check::issuerRevocation, arl, issuingCa, at, maxCrlAge_, "ARL");
        checkRevocation(verdict, Check::cardRevocation, crl, card->native(), at, maxCrlAge_, "CRL");
    }

    // 4. Card authentication: possession of the 9E private key.
    if (challenge.size() != challengeSize) {
        verdict.add(Check::cardAuthentication, ReasonCode::cardAuthFailed, "challenge must be 32 bytes");
    } else if (!cardKey->verifyDigest(challenge, signature)) {
        verdict.add(Check::cardAuthentication, ReasonCode::cardAuthFailed, "challenge signature does not verify");
    } else {
        verdict.add(Check::cardAuthentication, ReasonCode::ok);
    }
    return verdict;
}

} // namespace fmc::crypto::pki
