#pragma once
// The typed errors of the card PKI. All derive from CryptoError, so a caller that only wants
// "the crypto layer failed" catches one type; the terminal and the station catch the
// specific ones to give a clear message.
#include "crypto/crypto_error.hpp"

namespace fmc::crypto::pki {

// DER or PEM that does not parse, or parses but breaks the profile (RFC 5280 §4.1, §5.1).
class MalformedCertificateError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

class MalformedCrlError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

// A request the CA refuses: a validity that leaves the issuer's, an empty card number, ...
class CertificateProfileError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

// A CRL whose issuer is not in the trust store or whose signature does not verify.
class UntrustedCrlError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

// A CRL whose CRL number is not newer than the one already held (RFC 5280 §5.2.3: the
// number increases monotonically, so an older number is a replayed list).
class CrlNotNewerError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

// A delta CRL whose BaseCRLNumber is above the list held for its CA, or with no list held:
// the terminal needs the complete CRL first (RFC 5280 §5.2.4).
class DeltaCrlBaseError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

// The passphrase does not decrypt the key file.
class WrongPassphraseError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

// The key file is missing, unreadable, or not an encrypted PKCS#8 key.
class KeyStoreError : public CryptoError {
public:
    using CryptoError::CryptoError;
};

} // namespace fmc::crypto::pki
