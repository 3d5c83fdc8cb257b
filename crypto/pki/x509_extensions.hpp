#pragma once
// Adding standard extensions through OpenSSL's v3 configuration syntax, which already knows
// the DER of every RFC 5280 §4.2.1 extension. Internal to crypto/pki.
#include <openssl/x509v3.h>

namespace fmc::crypto::pki {

// `value` in openssl x509v3_config(5) syntax, e.g. "critical,CA:TRUE,pathlen:0".
void addCertificateExtension(X509* certificate, X509V3_CTX& context, int nid, const char* value);
void addCrlExtension(X509_CRL* crl, X509V3_CTX& context, int nid, const char* value);

} // namespace fmc::crypto::pki
