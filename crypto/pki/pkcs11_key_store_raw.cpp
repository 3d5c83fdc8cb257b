// The parts of Pkcs11KeyStore that talk to the module directly, through p11-kit's copy of the
// PKCS#11 header: generate (C_GenerateKeyPair, PKCS#11 v2.40 §5.13, CKM_EC_KEY_PAIR_GEN
// §2.3.6; libp11 0.4.12 only generates RSA keys) and checkPin (the engine skips C_Login when
// the process is already logged in, so it would accept any PIN after the first right one).
#include "crypto/pki/pkcs11_key_store.hpp"

#include "crypto/random.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

// Last: the compatibility header defines lower-case macros (e.g. `serial_number`).
#include <p11-kit/pkcs11.h>

namespace fmc::crypto::pki {

namespace {

// The RFC 7512 path attributes this code needs, percent-decoded.
struct Pkcs11Uri {
    std::string token;
    std::string object;
    Bytes id;
};

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || hexValue(text[i + 1]) < 0 || hexValue(text[i + 2]) < 0)
            throw KeyStoreError("bad percent-encoding in pkcs11: URI");
        out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
        i += 2;
    }
    return out;
}

Pkcs11Uri parseUri(std::string_view uri) {
    constexpr std::string_view scheme = "pkcs11:";
    if (uri.substr(0, scheme.size()) != scheme) throw KeyStoreError("not a pkcs11: URI: " + std::string(uri));
    std::string_view path = uri.substr(scheme.size());
    path = path.substr(0, path.find('?'));  // the query (module-path, pin-source, ...) is not used here
    Pkcs11Uri parsed;
    while (!path.empty()) {
        const auto end = path.find(';');
        const std::string_view attribute = path.substr(0, end);
        path = end == std::string_view::npos ? std::string_view() : path.substr(end + 1);
        const auto equals = attribute.find('=');
        if (equals == std::string_view::npos) continue;
        const std::string_view name = attribute.substr(0, equals);
        const std::string value = percentDecode(attribute.substr(equals + 1));
        if (name == "token") parsed.token = value;
        else if (name == "object") parsed.object = value;
        else if (name == "id") parsed.id.assign(value.begin(), value.end());
        else if (name == "type" && value != "private")
            throw KeyStoreError("a CA key is addressed with type=private, not type=" + value);
    }
    return parsed;
}

std::string rvText(CK_RV rv) {
    static const char* const digits = "0123456789ABCDEF";
    std::string hex;
    for (int shift = 28; shift >= 0; shift -= 4) hex += digits[(rv >> shift) & 0xF];
    hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));
    return "CKR 0x" + hex;
}

// The module, initialised for the lifetime of this object. When the engine (or anything else
// in the process) already initialised it, C_Initialize says so and this object must then not
// call C_Finalize, which would end the other user's sessions.
class Module {
public:
    explicit Module(const std::string& path) {
        handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle_ == nullptr) throw KeyStoreError("cannot load PKCS#11 module " + path);
        auto* getFunctionList = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle_, "C_GetFunctionList"));
        if (getFunctionList == nullptr || getFunctionList(&functions_) != CKR_OK || functions_ == nullptr) {
            ::dlclose(handle_);
            throw KeyStoreError(path + " is not a PKCS#11 module");
        }
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        const CK_RV rv = functions_->C_Initialize(&args);
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            ::dlclose(handle_);
            throw KeyStoreError("C_Initialize failed for " + path + ": " + rvText(rv));
        }
        finalize_ = rv == CKR_OK;
    }
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    ~Module() {
        if (finalize_) functions_->C_Finalize(nullptr);
        ::dlclose(handle_);
    }
    [[nodiscard]] CK_FUNCTION_LIST* operator->() const { return functions_; }

private:
    void* handle_ = nullptr;
    CK_FUNCTION_LIST* functions_ = nullptr;
    bool finalize_ = false;
};

// A read-write session with the user logged in; logs out only if it logged in.
class UserSession {
public:
    UserSession(const Module& module, CK_SLOT_ID slot, const SecretBytes& pin) : module_(module) {
        CK_RV rv = module_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session_);
        if (rv != CKR_OK) throw KeyStoreError("C_OpenSession failed: " + rvText(rv));
        // C_Login does not keep the PIN; the SecretBytes owner wipes it.
        rv = module_->C_Login(session_, CKU_USER, const_cast<CK_UTF8CHAR*>(pin.data()),
                              static_cast<CK_ULONG>(pin.size()));
        if (rv == CKR_OK) loggedIn_ = true;
        else if (rv != CKR_USER_ALREADY_LOGGED_IN) {
            module_->C_CloseSession(session_);
            if (rv == CKR_PIN_INCORRECT) throw WrongPinError("wrong token PIN (CKR_PIN_INCORRECT)");
            if (rv == CKR_PIN_LOCKED) throw KeyStoreError("the token PIN is locked (CKR_PIN_LOCKED)");
            throw KeyStoreError("C_Login failed: " + rvText(rv));
        }
    }
    UserSession(const UserSession&) = delete;
    UserSession& operator=(const UserSession&) = delete;
    ~UserSession() {
        if (loggedIn_) module_->C_Logout(session_);
        module_->C_CloseSession(session_);
    }
    [[nodiscard]] CK_SESSION_HANDLE handle() const { return session_; }

private:
    const Module& module_;
    CK_SESSION_HANDLE session_ = 0;
    bool loggedIn_ = false;
};

std::string trimmedLabel(const unsigned char (&label)[32]) {
    std::string text(reinterpret_cast<const char*>(label), sizeof label);
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
}

CK_SLOT_ID slotOfToken(const Module& module, const std::string& token) {
    CK_ULONG count = 0;
    CK_RV rv = module->C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) throw KeyStoreError("C_GetSlotList failed: " + rvText(rv));
    std::vector<CK_SLOT_ID> slots(count);
    rv = module->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv != CKR_OK) throw KeyStoreError("C_GetSlotList failed: " + rvText(rv));
    slots.resize(count);
    for (const CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info{};
        if (module->C_GetTokenInfo(slot, &info) == CKR_OK && trimmedLabel(info.label) == token) return slot;
    }
    throw KeyStoreError("no PKCS#11 token labelled \"" + token + "\"");
}

bool privateKeyLabelled(const Module& module, CK_SESSION_HANDLE session, std::string label) {
    CK_OBJECT_CLASS keyClass = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE query[] = {{CKA_CLASS, &keyClass, sizeof keyClass},
                            {CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())}};
    if (module->C_FindObjectsInit(session, query, 2) != CKR_OK) throw KeyStoreError("C_FindObjectsInit failed");
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG count = 0;
    const CK_RV rv = module->C_FindObjects(session, &found, 1, &count);
    module->C_FindObjectsFinal(session);
    if (rv != CKR_OK) throw KeyStoreError("C_FindObjects failed: " + rvText(rv));
    return count > 0;
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
    const Pkcs11Uri parsed = parseUri(uri);
    if (parsed.token.empty()) return;  // no token named: the engine picks one and logs in itself
    const Module loaded(modulePath);
    const CK_SLOT_ID slot = slotOfToken(loaded, parsed.token);
    CK_SESSION_HANDLE session = 0;
    CK_RV rv = loaded->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
    if (rv != CKR_OK) throw KeyStoreError("C_OpenSession failed: " + rvText(rv));
    const auto login = [&] {
        return loaded->C_Login(session, CKU_USER, const_cast<CK_UTF8CHAR*>(pin.data()), static_cast<CK_ULONG>(pin.size()));
    };
    rv = login();
    // Login state belongs to the whole process: to test this PIN, end the earlier login. A
    // wrong PIN then also logs out other open stores of this process, which is the price of
    // never accepting a PIN unchecked.
    if (rv == CKR_USER_ALREADY_LOGGED_IN) {
        loaded->C_Logout(session);
        rv = login();
    }
    // Closing the process's last session returns the token to the public state (PKCS#11
    // v2.40 §5.6), so the engine logs in again with the same, now checked, PIN.
    loaded->C_CloseSession(session);
    if (rv == CKR_OK) return;
    if (rv == CKR_PIN_INCORRECT) throw WrongPinError("wrong PIN for " + std::string(uri) + " (CKR_PIN_INCORRECT)");
    if (rv == CKR_PIN_LOCKED) throw KeyStoreError("the token PIN is locked (CKR_PIN_LOCKED): " + std::string(uri));
    throw KeyStoreError("C_Login failed for " + std::string(uri) + ": " + rvText(rv));
}

std::unique_ptr<Pkcs11KeyStore> Pkcs11KeyStore::generate(std::string_view uri, Curve curve, const SecretBytes& pin,
                                                         const std::optional<std::string>& modulePath) {
    const Pkcs11Uri parsed = parseUri(uri);
    if (parsed.token.empty() || parsed.object.empty())
        throw KeyStoreError("key generation needs token= and object= in the URI: " + std::string(uri));
    const std::string module = pkcs11ModulePath(modulePath);
    {
        const Module loaded(module);
        const UserSession session(loaded, slotOfToken(loaded, parsed.token), pin);
        if (privateKeyLabelled(loaded, session.handle(), parsed.object))
            throw KeyStoreError("token \"" + parsed.token + "\" already holds a private key labelled \"" +
                                parsed.object + "\"");
        // libp11 pairs the private key with its public object through CKA_ID.
        generateKeyPair(loaded, session.handle(), curve, parsed.object, parsed.id.empty() ? randomBytes(8) : parsed.id);
    }
    return open(uri, pin, module);
}

} // namespace fmc::crypto::pki
