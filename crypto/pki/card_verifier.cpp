#include "crypto/pki/card_verifier.hpp"

#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/random.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

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

CrlStatus statusOf(const RevocationIndex& index, std::chrono::system_clock::time_point at,
                   std::chrono::seconds maxAge) {
    return {index.crlNumber(), index.thisUpdate(), index.nextUpdate(), index.ageHours(at), index.isStale(at, maxAge)};
}

// The serial as a CRL index looks it up (big-endian magnitude), or nullopt when negative.
std::optional<Bytes> revocationSerialOf(X509* certificate) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
    if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) return std::nullopt;
    const unsigned char* data = ASN1_STRING_get0_data(serial);
    return Bytes(data, data + ASN1_STRING_length(serial));
}

// One revocation check: listed beats stale (a stale list that names the card still names
// it), stale beats ok.
void checkRevocation(Verdict& verdict, Check check, const RevocationIndex* index, const std::optional<Bytes>& serial,
                     std::chrono::system_clock::time_point at, std::chrono::seconds maxAge, const char* listName) {
    if (index == nullptr) {
        verdict.add(check, ReasonCode::crlMissing, std::string("no ") + listName + " imported for the issuer");
        return;
    }
    const CrlStatus status = statusOf(*index, at, maxAge);
    if (!serial) {
        verdict.add(check, ReasonCode::malformed, "negative serial number");
        return;
    }
    if (const auto reason = index->find(*serial)) {
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

// OpenSSL's own date rule (x509_check_cert_time): valid iff notBefore <= at < notAfter, with
// X509_cmp_time's 0 meaning an unreadable field.
bool validAt(X509* certificate, std::time_t at) {
    return X509_cmp_time(X509_get0_notBefore(certificate), &at) == -1 &&
           X509_cmp_time(X509_get0_notAfter(certificate), &at) == 1;
}

// The key d2i_X509 already decoded, when it is one Certificate::publicKey() would accept (EC
// on P-256 or P-384, as ec_key.cpp's curveOf): publicKey() decodes the SPKI a second time
// through OpenSSL 3's decoder, about 200 us a tap. nullptr means "ask publicKey()", which
// then throws with its own message.
EVP_PKEY* decodedCardKey(X509* certificate) {
    EVP_PKEY* key = X509_get0_pubkey(certificate);
    ERR_clear_error();
    const bool supported = curveOfKey(key).has_value();
    return supported ? key : nullptr;
}

// EcPublicKey::verifyDigest on a borrowed key: the 32 bytes are the digest, no hashing.
bool verifiesDigest(EVP_PKEY* key, ByteView digest, ByteView derSignature) {
    OpenSslHandle<EVP_PKEY_CTX, EVP_PKEY_CTX_free> context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!context || EVP_PKEY_verify_init(context.get()) != 1) throwOpenSslError("ECDSA verify init");
    const int result =
        EVP_PKEY_verify(context.get(), derSignature.data(), derSignature.size(), digest.data(), digest.size());
    ERR_clear_error();
    return result == 1;
}

} // namespace

CardVerifier::CardVerifier(const TrustStore& trust, std::chrono::seconds maxCrlAge, std::chrono::seconds maxArlAge)
    : trust_(trust), maxCrlAge_(maxCrlAge), maxArlAge_(maxArlAge), issuerAnchors_(X509_STORE_new(), X509_STORE_free) {
    if (!issuerAnchors_) throwOpenSslError("X509_STORE_new");
    for (const Certificate& issuingCa : trust_.issuingCas()) {
        // root -> issuing CA, dates aside (they are checked per tap): signatures, CA flags.
        X509StoreContextHandle context(X509_STORE_CTX_new());
        std::vector<PathError> errors;
        if (!context ||
            X509_STORE_CTX_init(context.get(), trust_.anchors(), issuingCa.native(), nullptr) != 1)
            throwOpenSslError("X509_STORE_CTX_init");
        X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(context.get()), X509_V_FLAG_NO_CHECK_TIME);
        X509_STORE_CTX_set_app_data(context.get(), &errors);
        X509_STORE_CTX_set_verify_cb(context.get(), collectPathErrors);
        const int result = X509_verify_cert(context.get());
        ERR_clear_error();
        STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get());
        if (result != 1 || !errors.empty() || chain == nullptr || sk_X509_num(chain) != 2) continue;
        X509* root = sk_X509_value(chain, 1);
        // In the full path the card sits below the issuing CA: the root must allow one CA
        // under it, which the two-certificate check above cannot see.
        if (X509_get_pathlen(root) == 0) continue;
        if (X509_up_ref(root) != 1) throwOpenSslError("X509_up_ref");
        if (X509_STORE_add_cert(issuerAnchors_.get(), issuingCa.native()) != 1) {
            X509_free(root);
            throwOpenSslError("X509_STORE_add_cert");
        }
        verifiedIssuers_.push_back({issuingCa, Certificate::adopt(root)});
    }
}

const CardVerifier::VerifiedIssuer* CardVerifier::fastPath(X509* card, std::chrono::system_clock::time_point at) const {
    if (verifiedIssuers_.empty()) return nullptr;
    X509StoreContextHandle context(X509_STORE_CTX_new());
    std::vector<PathError> errors;
    if (!context || X509_STORE_CTX_init(context.get(), issuerAnchors_.get(), card, nullptr) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    const std::time_t when = std::chrono::system_clock::to_time_t(at);
    X509_VERIFY_PARAM_set_time(param, when);
    X509_STORE_CTX_set_app_data(context.get(), &errors);
    X509_STORE_CTX_set_verify_cb(context.get(), collectPathErrors);
    const int result = X509_verify_cert(context.get());
    ERR_clear_error();
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get());
    if (result != 1 || !errors.empty() || chain == nullptr || sk_X509_num(chain) != 2) return nullptr;
    X509* anchor = sk_X509_value(chain, 1);
    for (const VerifiedIssuer& verified : verifiedIssuers_) {
        if (verified.issuingCa.native() != anchor) continue;
        if (!validAt(anchor, when) || !validAt(verified.root.native(), when)) return nullptr;
        return &verified;
    }
    return nullptr;
}

Bytes CardVerifier::newChallenge() { return randomBytes(challengeSize); }

Verdict CardVerifier::verify(ByteView cardCertificateDer, std::chrono::system_clock::time_point at,
                             const RevocationState& revocation, ByteView challenge, ByteView signature) const {
    Verdict verdict;

    // 1. The certificate and its profile.
    std::optional<Certificate> card;
    std::optional<EcPublicKey> checkedKey;
    EVP_PKEY* cardKey = nullptr;
    try {
        card = Certificate::fromDer(cardCertificateDer);
        verdict.card = CardCertificateProfile::read(*card);
        cardKey = decodedCardKey(card->native());
        if (cardKey == nullptr) {
            checkedKey = card->publicKey();
            cardKey = checkedKey->native();
        }
        verdict.add(Check::certificate, ReasonCode::ok);
    } catch (const CryptoError& error) {
        ERR_clear_error();
        verdict.card.reset();
        verdict.add(Check::certificate, ReasonCode::malformed, error.what());
        return verdict;
    }

    // 2. The path, at `at`, without OpenSSL's own CRL check (no X509_V_FLAG_CRL_CHECK).
    if (const VerifiedIssuer* verified = fastPath(card->native(), at)) {
        verdict.add(Check::path, ReasonCode::ok);
        checkRevocations(verdict, revocation, verified->issuingCa.native(), verified->root.native(),
                         revocationSerialOf(card->native()), at);
        authenticate(verdict, cardKey, challenge, signature);
        return verdict;
    }
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
        if (pathSeverity(code) > pathSeverity(pathCode)) {
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
    if (fullChain && pathCode != ReasonCode::untrusted && pathCode != ReasonCode::badSignature)
        checkRevocations(verdict, revocation, sk_X509_value(chain, 1), sk_X509_value(chain, 2),
                         revocationSerialOf(card->native()), at);

    // 4. Card authentication: possession of the 9E private key.
    authenticate(verdict, cardKey, challenge, signature);
    return verdict;
}

int CardVerifier::pathSeverity(ReasonCode code) {
    switch (code) {
    case ReasonCode::untrusted: return 4;
    case ReasonCode::malformed: return 3;
    case ReasonCode::badSignature: return 2;
    case ReasonCode::notYetValid:
    case ReasonCode::expired: return 1;
    default: return 0;
    }
}

CardVerifier::IssuerPath CardVerifier::issuerPath(X509* issuingCa, std::chrono::system_clock::time_point at) const {
    const std::time_t when = std::chrono::system_clock::to_time_t(at);
    for (const VerifiedIssuer& verified : verifiedIssuers_) {
        if (X509_cmp(verified.issuingCa.native(), issuingCa) != 0) continue;
        if (validAt(issuingCa, when) && validAt(verified.root.native(), when))
            return {ReasonCode::ok, {}, verified.root.native()};
        break;  // a date fails: the full check below names it
    }
    X509StoreContextHandle context(X509_STORE_CTX_new());
    std::vector<PathError> errors;
    if (!context || X509_STORE_CTX_init(context.get(), trust_.anchors(), issuingCa, nullptr) != 1)
        throwOpenSslError("X509_STORE_CTX_init");
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context.get()), when);
    X509_STORE_CTX_set_app_data(context.get(), &errors);
    X509_STORE_CTX_set_verify_cb(context.get(), collectPathErrors);
    const int result = X509_verify_cert(context.get());
    ERR_clear_error();
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get());
    IssuerPath path;
    // root -> issuing CA, and a root that lets a CA below it issue (pathlen 1, as for cards).
    const bool fullChain = chain != nullptr && sk_X509_num(chain) == 2;
    if (fullChain) path.root = sk_X509_value(chain, 1);
    for (const PathError& error : errors) {
        const ReasonCode code = classify(error.error);
        if (pathSeverity(code) > pathSeverity(path.code)) {
            path.code = code;
            path.detail = std::string(X509_verify_cert_error_string(error.error)) + " at depth " +
                          std::to_string(error.depth + 1);  // depth 0 is the credential
        }
    }
    if (path.code == ReasonCode::ok && (result != 1 || !fullChain || X509_get_pathlen(path.root) == 0)) {
        path.code = ReasonCode::untrusted;
        path.detail = fullChain ? "path validation failed" : "the issuing CA does not chain to a trusted root";
    }
    return path;
}

void CardVerifier::checkRevocations(Verdict& verdict, const RevocationState& revocation, X509* issuingCa, X509* root,
                                    const std::optional<Bytes>& subjectSerial,
                                    std::chrono::system_clock::time_point at) const {
    const RevocationIndex* arl = revocation.forIssuer(root);
    const RevocationIndex* crl = revocation.forIssuer(issuingCa);
    if (arl != nullptr) verdict.issuerArl = statusOf(*arl, at, maxArlAge_);
    if (crl != nullptr) verdict.cardCrl = statusOf(*crl, at, maxCrlAge_);
    checkRevocation(verdict, Check::issuerRevocation, arl, revocationSerialOf(issuingCa), at, maxArlAge_, "ARL");
    checkRevocation(verdict, Check::cardRevocation, crl, subjectSerial, at, maxCrlAge_, "CRL");
}

void CardVerifier::authenticate(Verdict& verdict, EVP_PKEY* cardKey, ByteView challenge, ByteView signature) {
    if (challenge.size() != challengeSize) {
        verdict.add(Check::cardAuthentication, ReasonCode::cardAuthFailed, "challenge must be 32 bytes");
    } else if (!verifiesDigest(cardKey, challenge, signature)) {
        verdict.add(Check::cardAuthentication, ReasonCode::cardAuthFailed, "challenge signature does not verify");
    } else {
        verdict.add(Check::cardAuthentication, ReasonCode::ok);
    }
}

} // namespace fmc::crypto::pki
