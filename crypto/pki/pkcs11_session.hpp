#pragma once
// Internal to crypto/pki: the raw PKCS#11 plumbing that the token key store
// (pkcs11_key_store_raw.cpp) and the station secret (station_secret.cpp) share: loading the
// module, the RFC 7512 URI attributes we use, finding a token, a logged-in session, and
// finding objects by label. Talks to the module through p11-kit's copy of the PKCS#11 header,
// which is why only .cpp files of fmc_crypto may include this header.
#include "crypto/bytes.hpp"

#include <optional>
#include <string>
#include <string_view>

// Last: the compatibility header defines lower-case macros (e.g. `serial_number`).
#include <p11-kit/pkcs11.h>

namespace fmc::crypto::pki::pkcs11 {

// The RFC 7512 path attributes this code needs, percent-decoded.
struct Pkcs11Uri {
    std::string token;
    std::string object;
    Bytes id;
    std::string type;  // empty when the URI has no type=
};

// Throws KeyStoreError for a URI that is not `pkcs11:` or has bad percent-encoding.
[[nodiscard]] Pkcs11Uri parseUri(std::string_view uri);

// "CKR 0xA0" for CKR_PIN_INCORRECT: the code as the PKCS#11 header spells it, for messages.
[[nodiscard]] std::string rvText(CK_RV rv);

// The module, initialised for the lifetime of this object. When the engine (or anything else
// in the process) already initialised it, C_Initialize says so and this object must then not
// call C_Finalize, which would end the other user's sessions.
class Module {
public:
    explicit Module(const std::string& path);
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    ~Module();
    [[nodiscard]] CK_FUNCTION_LIST* operator->() const { return functions_; }

private:
    void* handle_ = nullptr;
    CK_FUNCTION_LIST* functions_ = nullptr;
    bool finalize_ = false;
};

// Throws KeyStoreError when no present token carries this label.
[[nodiscard]] CK_SLOT_ID slotOfToken(const Module& module, const std::string& token);

// C_Login with `pin`, even when this process is already logged in: login state belongs to the
// whole process, so an earlier login would otherwise let any PIN through. Throws WrongPinError
// for CKR_PIN_INCORRECT; `what` (the URI) names the object in messages.
void checkUserPin(const Module& module, CK_SLOT_ID slot, const SecretBytes& pin, std::string_view what);

// A read-write session with the user logged in; logs out only if it logged in. Accepts a login
// the process already holds, so call checkUserPin first where a wrong PIN must be refused.
class UserSession {
public:
    UserSession(const Module& module, CK_SLOT_ID slot, const SecretBytes& pin);
    UserSession(const UserSession&) = delete;
    UserSession& operator=(const UserSession&) = delete;
    ~UserSession();
    [[nodiscard]] CK_SESSION_HANDLE handle() const { return session_; }

private:
    const Module& module_;
    CK_SESSION_HANDLE session_ = 0;
    bool loggedIn_ = false;
};

// The first object with this CKA_LABEL, of class `objectClass` when given (any class when not).
[[nodiscard]] std::optional<CK_OBJECT_HANDLE> findObjectLabelled(const Module& module, CK_SESSION_HANDLE session,
                                                                 std::string label,
                                                                 std::optional<CK_OBJECT_CLASS> objectClass);

} // namespace fmc::crypto::pki::pkcs11
