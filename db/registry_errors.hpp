#pragma once
// Typed registry errors, each with a one-line message fit to show an operator. A locked
// registry is not here: it is a DatabaseError whose isLocked() is true.
#include <stdexcept>
#include <string>

namespace fmc::db {

class RegistryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Input the registry refuses to store: an empty required field, a missing operator.
class InvalidRecordError : public RegistryError {
public:
    using RegistryError::RegistryError;
};

class NotFoundError : public RegistryError {
public:
    using RegistryError::RegistryError;
};

class DuplicateDocumentError : public RegistryError {
public:
    using RegistryError::RegistryError;
};

// A serial already used by a card, a card UUID already live on another credential, ...
class DuplicateError : public RegistryError {
public:
    using RegistryError::RegistryError;
};

// A status change the card lifecycle does not allow (e.g. reinstating a revoked card).
class InvalidTransitionError : public RegistryError {
public:
    using RegistryError::RegistryError;
};

// A CRL number not greater than the last one published for that issuer.
class CrlNumberError : public RegistryError {
public:
    using RegistryError::RegistryError;
};

} // namespace fmc::db
