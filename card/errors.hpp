#pragma once
// The card layer's exceptions. Programs map them to exit codes in main() (see exit_codes.hpp).
#include <cstdint>
#include <stdexcept>
#include <string>

namespace fmc::card {

class CardError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bytes that are not a well-formed command APDU (ISO 7816-4 §5.1). A card answers 6700.
class MalformedApdu : public CardError {
public:
    using CardError::CardError;
};

// A BER-TLV structure that does not parse (truncated, bad length, too deep).
class TlvError : public CardError {
public:
    using CardError::CardError;
};

// The card broke the protocol: a response shorter than SW1 SW2, an endless 61xx chain,
// an answer that does not have the structure the command asks for.
class CardProtocolError : public CardError {
public:
    using CardError::CardError;
};

} // namespace fmc::card
