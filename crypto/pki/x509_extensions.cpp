#include "crypto/pki/x509_extensions.hpp"

#include "crypto/crypto_error.hpp"
#include "crypto/pki/openssl_handles.hpp"

#include <string>

namespace fmc::crypto::pki {

namespace {
X509ExtensionHandle makeExtension(X509V3_CTX& context, int nid, const char* value) {
    X509ExtensionHandle extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    if (!extension) throwOpenSslError(std::string("building extension ") + OBJ_nid2sn(nid));
    return extension;
}
} // namespace

void addCertificateExtension(X509* certificate, X509V3_CTX& context, int nid, const char* value) {
    auto extension = makeExtension(context, nid, value);
    if (X509_add_ext(certificate, extension.get(), -1) != 1) throwOpenSslError("adding a certificate extension");
}

void addCrlExtension(X509_CRL* crl, X509V3_CTX& context, int nid, const char* value) {
    auto extension = makeExtension(context, nid, value);
    if (X509_CRL_add_ext(crl, extension.get(), -1) != 1) throwOpenSslError("adding a CRL extension");
}

} // namespace fmc::crypto::pki
