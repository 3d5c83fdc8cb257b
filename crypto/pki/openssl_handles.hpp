#pragma once
// Owning handles for the OpenSSL objects the PKI code uses: one unique_ptr alias per type,
// each freed by OpenSSL's own free function.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace fmc::crypto::pki {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
    void operator()(T* object) const noexcept { Free(object); }
};

template <typename T, void (*Free)(T*)>
using OpenSslHandle = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using X509Handle = OpenSslHandle<X509, X509_free>;
using X509CrlHandle = OpenSslHandle<X509_CRL, X509_CRL_free>;
using X509RevokedHandle = OpenSslHandle<X509_REVOKED, X509_REVOKED_free>;
using X509NameHandle = OpenSslHandle<X509_NAME, X509_NAME_free>;
using X509ExtensionHandle = OpenSslHandle<X509_EXTENSION, X509_EXTENSION_free>;
using X509StoreHandle = OpenSslHandle<X509_STORE, X509_STORE_free>;
using X509StoreContextHandle = OpenSslHandle<X509_STORE_CTX, X509_STORE_CTX_free>;
using EvpPkeyHandle = OpenSslHandle<EVP_PKEY, EVP_PKEY_free>;
using BioHandle = OpenSslHandle<BIO, BIO_free_all>;
using Asn1IntegerHandle = OpenSslHandle<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1EnumeratedHandle = OpenSslHandle<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
using Asn1TimeHandle = OpenSslHandle<ASN1_TIME, ASN1_TIME_free>;
using Asn1ObjectHandle = OpenSslHandle<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1OctetStringHandle = OpenSslHandle<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using BignumHandle = OpenSslHandle<BIGNUM, BN_free>;
using GeneralNamesHandle = OpenSslHandle<GENERAL_NAMES, GENERAL_NAMES_free>;

} // namespace fmc::crypto::pki
