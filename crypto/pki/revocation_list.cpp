#include "crypto/pki/revocation_list.hpp"

#include "crypto/pki/asn1_conversions.hpp"
#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

namespace fmc::crypto::pki {

namespace {

// A non-negative INTEGER extension value that fits 63 bits (CRL number, BaseCRLNumber).
std::uint64_t smallNumber(const ASN1_INTEGER* number, const char* what) {
    Bytes magnitude;
    try {
        magnitude = integerMagnitude(number);
    } catch (const CryptoError&) {
        throw MalformedCrlError(std::string(what) + " is negative");
    }
    if (magnitude.size() > 8 || (magnitude.size() == 8 && magnitude[0] & 0x80))
        throw MalformedCrlError(std::string(what) + " does not fit 63 bits");
    std::uint64_t value = 0;
    for (std::uint8_t byte : magnitude) value = value << 8 | byte;
    return value;
}

std::uint64_t crlNumberOf(X509_CRL* crl) {
    int critical = 0;
    Asn1IntegerHandle number(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, &critical, nullptr)));
    if (!number) {
        ERR_clear_error();
        throw MalformedCrlError("CRL has no CRL number (RFC 5280 §5.2.3)");
    }
    return smallNumber(number.get(), "CRL number");
}

// RFC 5280 §5.2.4: the deltaCRLIndicator is always critical and appears at most once.
std::optional<std::uint64_t> baseCrlNumberOf(X509_CRL* crl) {
    int critical = 0;
    Asn1IntegerHandle base(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_delta_crl, &critical, nullptr)));
    if (!base) {
        ERR_clear_error();
        if (critical == -1) return std::nullopt;
        throw MalformedCrlError("CRL has an unreadable or repeated delta CRL indicator");
    }
    if (critical != 1) throw MalformedCrlError("delta CRL indicator is not critical (RFC 5280 §5.2.4)");
    return smallNumber(base.get(), "BaseCRLNumber");
}

} // namespace

RevocationList::RevocationList(std::shared_ptr<X509_CRL> crl) : crl_(std::move(crl)) {
    if (X509_CRL_get_version(crl_.get()) != X509_CRL_VERSION_2) throw MalformedCrlError("CRL is not version 2");
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl_.get());
    if (next == nullptr) throw MalformedCrlError("CRL has no nextUpdate (RFC 5280 §5.1.2.5)");
    try {
        crlNumber_ = crlNumberOf(crl_.get());
        baseCrlNumber_ = baseCrlNumberOf(crl_.get());
        if (baseCrlNumber_ && *baseCrlNumber_ >= crlNumber_)
            throw MalformedCrlError("delta CRL " + std::to_string(crlNumber_) + " names a base that is not older (" +
                                    std::to_string(*baseCrlNumber_) + ")");
        thisUpdate_ = fromAsn1Time(X509_CRL_get0_lastUpdate(crl_.get()));
        nextUpdate_ = fromAsn1Time(next);
    } catch (const MalformedCrlError&) {
        throw;
    } catch (const CryptoError& error) {
        throw MalformedCrlError(std::string("CRL: ") + error.what());
    }
}

RevocationList RevocationList::adopt(X509_CRL* crl) {
    if (crl == nullptr) throw MalformedCrlError("no CRL");
    return RevocationList(std::shared_ptr<X509_CRL>(crl, X509_CRL_free));
}

RevocationList RevocationList::fromDer(ByteView der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) throw MalformedCrlError("CRL: empty or too large");
    const unsigned char* cursor = der.data();
    X509_CRL* parsed = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size()));
    if (parsed == nullptr) {
        ERR_clear_error();
        throw MalformedCrlError("CRL DER does not parse");
    }
    std::shared_ptr<X509_CRL> owned(parsed, X509_CRL_free);
    if (cursor != der.data() + der.size()) throw MalformedCrlError("trailing bytes after the CRL");
    return RevocationList(std::move(owned));
}

RevocationList RevocationList::fromPem(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) throw MalformedCrlError("CRL PEM too large");
    BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throwOpenSslError("BIO_new_mem_buf");
    X509_CRL* parsed = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    if (parsed == nullptr) {
        ERR_clear_error();
        throw MalformedCrlError("CRL PEM does not parse");
    }
    return adopt(parsed);
}

Bytes RevocationList::der() const {
    unsigned char* der = nullptr;
    const int length = i2d_X509_CRL(crl_.get(), &der);
    if (length <= 0 || der == nullptr) throwOpenSslError("encoding a CRL");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

std::string RevocationList::pem() const {
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl_.get()) != 1) throwOpenSslError("writing CRL PEM");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::string RevocationList::issuer() const {
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(crl_.get()), 0, XN_FLAG_RFC2253) < 0)
        throwOpenSslError("printing a name");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::vector<RevokedCertificate> RevocationList::entries() const {
    std::vector<RevokedCertificate> out;
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl_.get());
    const int count = sk_X509_REVOKED_num(revoked);
    out.reserve(static_cast<std::size_t>(count > 0 ? count : 0));
    for (int i = 0; i < count; ++i) {
        const X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
        RevokedCertificate decoded;
        try {
            decoded.serialNumber = integerMagnitude(X509_REVOKED_get0_serialNumber(entry));
            decoded.revocationDate = fromAsn1Time(X509_REVOKED_get0_revocationDate(entry));
        } catch (const CryptoError& error) {
            throw MalformedCrlError(std::string("CRL entry: ") + error.what());
        }
        int critical = 0;
        Asn1EnumeratedHandle reason(
            static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr)));
        if (reason) {
            const auto known = revocationReasonFromCode(ASN1_ENUMERATED_get(reason.get()));
            if (!known) throw MalformedCrlError("CRL entry with an undefined reason code");
            decoded.reason = *known;
        } else if (critical != -1) {
            // -1 means absent; anything else is a reasonCode that did not decode.
            ERR_clear_error();
            throw MalformedCrlError("CRL entry with an unreadable reason code");
        }
        out.push_back(std::move(decoded));
    }
    return out;
}

} // namespace fmc::crypto::pki
