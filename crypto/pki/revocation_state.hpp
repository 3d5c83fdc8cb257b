#pragma once
// Every CRL a terminal holds, one RevocationIndex per CA (issuing CAs' CRLs and the root's
// ARL). Importing verifies the signature against the trust store once and refuses a list
// that is not newer than the one held.
#include "crypto/pki/revocation_index.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/trust_store.hpp"

#include <openssl/types.h>

#include <map>
#include <string>

namespace fmc::crypto::pki {

class RevocationState {
public:
    // A complete CRL replaces the one held for its CA; a delta CRL is applied to it
    // (RevocationIndex::withDelta). Throws MalformedCrlError, UntrustedCrlError (no CA in
    // `trust` signed it), CrlNotNewerError (its CRL number is not above the one held for that
    // CA; RFC 5280 §5.2.3) or DeltaCrlBaseError (a delta with no held list it applies to).
    // On any error the state is unchanged.
    const RevocationIndex& importCrl(const TrustStore& trust, const RevocationList& crl);
    // From DER a large list never becomes 1M X509_REVOKED objects (RevocationIndex::buildFromDer);
    // the outcome, errors included, is the same as importing RevocationList::fromDer(der).
    const RevocationIndex& importCrl(const TrustStore& trust, ByteView der);

    // The index for the CA certificate `ca`, or nullptr when no CRL from it was imported.
    [[nodiscard]] const RevocationIndex* forIssuer(X509* ca) const;
    [[nodiscard]] std::size_t size() const { return indexes_.size(); }

private:
    // Subject name DER + SKI: a renewed CA certificate with the same name and key shares the
    // index, since the CRL was signed by that key.
    static std::string keyOf(X509* ca);
    const RevocationIndex& adopt(RevocationIndex index, const RevocationList& crl);
    std::map<std::string, RevocationIndex> indexes_;
};

} // namespace fmc::crypto::pki
