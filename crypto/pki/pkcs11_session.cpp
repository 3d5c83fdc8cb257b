#include "crypto/pki/pkcs11_session.hpp"

#include "crypto/pki/pkcs11_key_store.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <vector>

namespace fmc::crypto::pki::pkcs11 {

namespace {

std::string percentDecode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || hexDigitValue(text[i + 1]) < 0 || hexDigitValue(text[i + 2]) < 0)
            throw KeyStoreError("bad percent-encoding in pkcs11: URI");
        out += static_cast<char>(hexDigitValue(text[i + 1]) * 16 + hexDigitValue(text[i + 2]));
        i += 2;
    }
    return out;
}

std::string trimmedLabel(const unsigned char (&label)[32]) {
    std::string text(reinterpret_cast<const char*>(label), sizeof label);
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
}

CK_RV login(const Module& module, CK_SESSION_HANDLE session, const SecretBytes& pin) {
    // C_Login does not keep the PIN; the SecretBytes owner wipes it.
    return module->C_Login(session, CKU_USER, const_cast<CK_UTF8CHAR*>(pin.data()), static_cast<CK_ULONG>(pin.size()));
}

} // namespace

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
        else if (name == "type") parsed.type = value;
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

Module::Module(const std::string& path) {
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

Module::~Module() {
    if (finalize_) functions_->C_Finalize(nullptr);
    ::dlclose(handle_);
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

void checkUserPin(const Module& module, CK_SLOT_ID slot, const SecretBytes& pin, std::string_view what) {
    CK_SESSION_HANDLE session = 0;
    CK_RV rv = module->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
    if (rv != CKR_OK) throw KeyStoreError("C_OpenSession failed: " + rvText(rv));
    rv = login(module, session, pin);
    // Login state belongs to the whole process: to test this PIN, end the earlier login. A
    // wrong PIN then also logs out other open stores of this process, which is the price of
    // never accepting a PIN unchecked.
    if (rv == CKR_USER_ALREADY_LOGGED_IN) {
        module->C_Logout(session);
        rv = login(module, session, pin);
    }
    // Closing the process's last session returns the token to the public state (PKCS#11
    // v2.40 §5.6), so the next user (the engine, a UserSession) logs in again with the same,
    // now checked, PIN.
    module->C_CloseSession(session);
    if (rv == CKR_OK) return;
    if (rv == CKR_PIN_INCORRECT) throw WrongPinError("wrong PIN for " + std::string(what) + " (CKR_PIN_INCORRECT)");
    if (rv == CKR_PIN_LOCKED) throw KeyStoreError("the token PIN is locked (CKR_PIN_LOCKED): " + std::string(what));
    throw KeyStoreError("C_Login failed for " + std::string(what) + ": " + rvText(rv));
}

UserSession::UserSession(const Module& module, CK_SLOT_ID slot, const SecretBytes& pin) : module_(module) {
    CK_RV rv = module_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session_);
    if (rv != CKR_OK) throw KeyStoreError("C_OpenSession failed: " + rvText(rv));
    rv = login(module_, session_, pin);
    if (rv == CKR_OK) loggedIn_ = true;
    else if (rv != CKR_USER_ALREADY_LOGGED_IN) {
        module_->C_CloseSession(session_);
        if (rv == CKR_PIN_INCORRECT) throw WrongPinError("wrong token PIN (CKR_PIN_INCORRECT)");
        if (rv == CKR_PIN_LOCKED) throw KeyStoreError("the token PIN is locked (CKR_PIN_LOCKED)");
        throw KeyStoreError("C_Login failed: " + rvText(rv));
    }
}

UserSession::~UserSession() {
    if (loggedIn_) module_->C_Logout(session_);
    module_->C_CloseSession(session_);
}

std::optional<CK_OBJECT_HANDLE> findObjectLabelled(const Module& module, CK_SESSION_HANDLE session, std::string label,
                                                   std::optional<CK_OBJECT_CLASS> objectClass) {
    CK_OBJECT_CLASS wantedClass = objectClass.value_or(CKO_DATA);
    CK_ATTRIBUTE query[] = {{CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())},
                            {CKA_CLASS, &wantedClass, sizeof wantedClass}};
    const CK_ULONG queryLength = objectClass ? 2 : 1;
    CK_RV rv = module->C_FindObjectsInit(session, query, queryLength);
    if (rv != CKR_OK) throw KeyStoreError("C_FindObjectsInit failed: " + rvText(rv));
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG count = 0;
    rv = module->C_FindObjects(session, &found, 1, &count);
    module->C_FindObjectsFinal(session);
    if (rv != CKR_OK) throw KeyStoreError("C_FindObjects failed: " + rvText(rv));
    if (count == 0) return std::nullopt;
    return found;
}

} // namespace fmc::crypto::pki::pkcs11
