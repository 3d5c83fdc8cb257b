#include "crypto/pki/revocation_index.hpp"

#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>

namespace fmc::crypto::pki {

namespace {

// RFC 5280 §5.2: a CRL with a critical extension we do not process must not be used. We
// process the CRL number and the AKI; a delta CRL indicator or an issuing distribution
// point (both always critical) therefore makes the CRL unusable here.
void refuseUnprocessedCriticalExtensions(X509_CRL* crl) {
    const int count = X509_CRL_get_ext_count(crl);
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION* extension = X509_CRL_get_ext(crl, i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
        if (X509_EXTENSION_get_critical(extension) == 1 && nid != NID_crl_number && nid != NID_authority_key_identifier)
            throw MalformedCrlError("CRL has a critical extension this verifier does not process");
    }
}

// §5.3: the same rule for entry extensions (certificateIssuer marks an indirect CRL).
void refuseUnprocessedCriticalEntryExtensions(const X509_REVOKED* entry) {
    const int count = X509_REVOKED_get_ext_count(entry);
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION* extension = X509_REVOKED_get_ext(entry, i);
        if (X509_EXTENSION_get_critical(extension) == 1 &&
            OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != NID_crl_reason)
            throw MalformedCrlError("CRL entry has a critical extension this verifier does not process");
    }
}

RevocationReason reasonOf(const X509_REVOKED* entry) {
    int critical = 0;
    Asn1EnumeratedHandle reason(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr)));
    if (!reason) {
        ERR_clear_error();
        if (critical == -1) return RevocationReason::unspecified;
        throw MalformedCrlError("CRL entry with an unreadable reason code");
    }
    const auto known = revocationReasonFromCode(ASN1_ENUMERATED_get(reason.get()));
    if (!known) throw MalformedCrlError("CRL entry with an undefined reason code");
    return *known;
}

} // namespace

bool RevocationIndex::less(const Entry& left, const Entry& right) {
    if (left.length != right.length) return left.length < right.length;
    return std::memcmp(left.serial.data(), right.serial.data(), left.length) < 0;
}

RevocationIndex RevocationIndex::build(const RevocationList& crl, const Certificate& issuer) {
    X509_CRL* native = crl.native();
    if (X509_NAME_cmp(X509_CRL_get_issuer(native), X509_get_subject_name(issuer.native())) != 0)
        throw UntrustedCrlError("CRL issuer is not " + issuer.subject());
    EVP_PKEY* key = X509_get0_pubkey(issuer.native());
    if (key == nullptr || X509_CRL_verify(native, key) != 1) {
        ERR_clear_error();
        throw UntrustedCrlError("CRL signature does not verify with " + issuer.subject());
    }
    refuseUnprocessedCriticalExtensions(native);

    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(native);
    const int count = sk_X509_REVOKED_num(revoked);
    std::vector<Entry> entries;
    entries.reserve(static_cast<std::size_t>(std::max(count, 0)));
    for (int i = 0; i < count; ++i) {
        const X509_REVOKED* revokedEntry = sk_X509_REVOKED_value(revoked, i);
        refuseUnprocessedCriticalEntryExtensions(revokedEntry);
        const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(revokedEntry);
        if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) throw MalformedCrlError("CRL entry with a negative serial");
        const unsigned char* data = ASN1_STRING_get0_data(serial);
        std::size_t length = static_cast<std::size_t>(ASN1_STRING_length(serial));
        while (length > 0 && *data == 0) {
            ++data;
            --length;
        }
        if (length > 20) throw MalformedCrlError("CRL entry serial longer than 20 octets (RFC 5280 §4.1.2.2)");
        Entry entry;
        std::memcpy(entry.serial.data(), data, length);
        entry.length = static_cast<std::uint8_t>(length);
        entry.reason = reasonOf(revokedEntry);
        entries.push_back(entry);
    }
    std::sort(entries.begin(), entries.end(), less);
    return RevocationIndex(issuer, crl.crlNumber(), crl.thisUpdate(), crl.nextUpdate(), std::move(entries));
}

std::optional<RevocationReason> RevocationIndex::find(ByteView serialNumber) const {
    std::size_t skip = 0;
    while (skip < serialNumber.size() && serialNumber[skip] == 0) ++skip;
    const ByteView magnitude = serialNumber.subspan(skip);
    if (magnitude.size() > 20) return std::nullopt;  // cannot be listed: §4.1.2.2 caps at 20
    Entry probe;
    std::copy(magnitude.begin(), magnitude.end(), probe.serial.begin());
    probe.length = static_cast<std::uint8_t>(magnitude.size());
    const auto found = std::lower_bound(entries_.begin(), entries_.end(), probe, less);
    if (found == entries_.end() || less(probe, *found)) return std::nullopt;
    return found->reason;
}

double RevocationIndex::ageHours(std::chrono::system_clock::time_point at) const {
    return std::chrono::duration<double, std::ratio<3600>>(at - thisUpdate_).count();
}

bool RevocationIndex::isStale(std::chrono::system_clock::time_point at, std::chrono::seconds maxAge) const {
    return at > nextUpdate_ || at - thisUpdate_ > maxAge;
}

} // namespace fmc::crypto::pki
