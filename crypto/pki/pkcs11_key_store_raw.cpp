// The parts of Pkcs11KeyStore that talk to the module directly, through p11-kit's copy of the
// PKCS#11 header: generate (C_GenerateKeyPair, PKCS#11 v2.40 §5.13, CKM_EC_KEY_PAIR_GEN
// §2.3.6; libp11 0.4.12 only generates RSA keys) and checkPin (the engine skips C_Login when
// the process is already logged in, so it would accept any PIN after the first right one).
#include "crypto/pki/pkcs11_key_store.hpp"

#include "crypto/random.hpp"

#include <string>

// Last: it includes the PKCS#11 header, whose compatibility part defines lower-case macros.
#include "crypto/pki/pkcs11_session.hpp"

namespace fmc::crypto::pki {

namespace {

using namespace pkcs11;

// A CA key is a private key: refuse a URI that asks for another type of object.
Pkcs11Uri parseKeyUri(std::string_view uri) {
    Pkcs11Uri parsed = parseUri(uri);
    if (!parsed.type.empty() && parsed.type != "private")
        throw KeyStoreError("a CA key is addressed with type=private, not type=" + parsed.type);
    return parsed;
}

// DER of the namedCurve OID (RFC 5480 §2.1.1.1), the value of CKA_EC_PARAMS.
Bytes curveParameters(Curve curve) {
    switch (curve) {
    case Curve::p256: return {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    case Curve::p384: return {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
    }
    throw KeyStoreError("unsupported curve");
}

void generateKeyPair(const Module& module, CK_SESSION_HANDLE session, Curve curve, std::string label, Bytes id) {
    Bytes parameters = curveParameters(curve);
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    const auto labelLength = static_cast<CK_ULONG>(label.size());
    const auto idLength = static_cast<CK_ULONG>(id.size());
    CK_ATTRIBUTE publicTemplate[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_VERIFY, &yes, sizeof yes},
        {CKA_EC_PARAMS, parameters.data(), static_cast<CK_ULONG>(parameters.size())},
        {CKA_LABEL, label.data(), labelLength},
        {CKA_ID, id.data(), idLength},
    };
    // Sensitive and never extractable: the CA key exists only inside the token. Signing only:
    // no derive, no decrypt, no unwrap.
    CK_ATTRIBUTE privateTemplate[] = {
        {CKA_TOKEN, &yes, sizeof yes},     {CKA_PRIVATE, &yes, sizeof yes}, {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no}, {CKA_SIGN, &yes, sizeof yes},    {CKA_DERIVE, &no, sizeof no},
        {CKA_LABEL, label.data(), labelLength}, {CKA_ID, id.data(), idLength},
    };
    CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE publicKey = 0;
    CK_OBJECT_HANDLE privateKey = 0;
    const CK_RV rv = module->C_GenerateKeyPair(session, &mechanism, publicTemplate, std::size(publicTemplate),
                                               privateTemplate, std::size(privateTemplate), &publicKey, &privateKey);
    if (rv != CKR_OK) throw KeyStoreError("C_GenerateKeyPair failed: " + rvText(rv));
}

} // namespace

void Pkcs11KeyStore::checkPin(std::string_view uri, const SecretBytes& pin, const std::string& modulePath) {
    const Pkcs11Uri parsed = parseKeyUri(uri);
    if (parsed.token.empty()) return;  // no token named: the engine picks one and logs in itself
    const Module loaded(modulePath);
    checkUserPin(loaded, slotOfToken(loaded, parsed.token), pin, uri);
}

std::unique_ptr<Pkcs11KeyStore> Pkcs11KeyStore::generate(std::string_view uri, Curve curve, const SecretBytes& pin,
                                                         const std::optional<std::string>& modulePath) {
    const Pkcs11Uri parsed = parseKeyUri(uri);
    if (parsed.token.empty() || parsed.object.empty())
        throw KeyStoreError("key generation needs token= and object= in the URI: " + std::string(uri));
    const std::string module = pkcs11ModulePath(modulePath);
    {
        const Module loaded(module);
        const UserSession session(loaded, slotOfToken(loaded, parsed.token), pin);
        if (findObjectLabelled(loaded, session.handle(), parsed.object, CKO_PRIVATE_KEY))
            throw KeyStoreError("token \"" + parsed.token + "\" already holds a private key labelled \"" +
                                parsed.object + "\"");
        // libp11 pairs the private key with its public object through CKA_ID.
        generateKeyPair(loaded, session.handle(), curve, parsed.object, parsed.id.empty() ? randomBytes(8) : parsed.id);
    }
    return open(uri, pin, module);
}

} // namespace fmc::crypto::pki
