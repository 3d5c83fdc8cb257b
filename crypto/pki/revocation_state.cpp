#include "crypto/pki/revocation_state.hpp"

#include "crypto/pki/pki_errors.hpp"

#include <openssl/x509v3.h>

namespace fmc::crypto::pki {

std::string RevocationState::keyOf(X509* ca) {
    const unsigned char* der = nullptr;
    std::size_t length = 0;
    if (X509_NAME_get0_der(X509_get_subject_name(ca), &der, &length) != 1) throwOpenSslError("encoding a CA name");
    std::string key(reinterpret_cast<const char*>(der), length);
    if (const ASN1_OCTET_STRING* identifier = X509_get0_subject_key_id(ca)) {
        key += '\0';
        key.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(identifier)),
                   static_cast<std::size_t>(ASN1_STRING_length(identifier)));
    }
    return key;
}

const RevocationIndex& RevocationState::importCrl(const TrustStore& trust, const RevocationList& crl) {
    const Certificate* signer = trust.findCrlSigner(crl);
    if (signer == nullptr) throw UntrustedCrlError("no trusted CA signed the CRL from " + crl.issuer());
    if (!crl.isDelta()) return adopt(RevocationIndex::build(crl, *signer), crl);
    const auto held = indexes_.find(keyOf(signer->native()));
    if (held == indexes_.end())
        throw DeltaCrlBaseError("delta CRL " + std::to_string(crl.crlNumber()) + " from " + crl.issuer() +
                                " but no CRL of that CA is held: the complete CRL is needed");
    // withDelta builds a new index, so any error leaves the held one as it was.
    held->second = held->second.withDelta(crl);
    return held->second;
}

const RevocationIndex& RevocationState::adopt(RevocationIndex index, const RevocationList& crl) {
    const std::string key = keyOf(index.issuer().native());
    const auto held = indexes_.find(key);
    if (held != indexes_.end()) {
        if (index.crlNumber() <= held->second.crlNumber())
            throw CrlNotNewerError("CRL number " + std::to_string(index.crlNumber()) + " from " + crl.issuer() +
                                   " is not newer than the held " + std::to_string(held->second.crlNumber()));
        held->second = std::move(index);
        return held->second;
    }
    return indexes_.emplace(key, std::move(index)).first->second;
}

const RevocationIndex& RevocationState::importCrl(const TrustStore& trust, ByteView der) {
    if (auto built = RevocationIndex::buildFromDer(der, trust)) return adopt(std::move(built->first), built->second);
    return importCrl(trust, RevocationList::fromDer(der));
}

const RevocationIndex* RevocationState::forIssuer(X509* ca) const {
    const auto found = indexes_.find(keyOf(ca));
    return found == indexes_.end() ? nullptr : &found->second;
}

} // namespace fmc::crypto::pki
