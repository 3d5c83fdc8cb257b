#pragma once
// Everything a PIV card remembers between power cycles: its secrets (PIN, PUK, management
// key, private keys), retry counters, data objects and identity. The private keys exist only
// here and in the state file, which plays the part of the card's own memory.
#include "card/tlv.hpp"
#include "crypto/bytes.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace fmc::card::vcard {

// The state file is missing a field, has a bad value, or cannot be written.
class CardStateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct AsymmetricKey {
    std::uint8_t algorithm = 0;   // SP 800-78-4 identifier: 0x11 P-256, 0x14 P-384
    std::uint8_t origin = 1;      // (vendor) metadata origin: 1 generated on the card
    SecretBytes pkcs8;            // unencrypted PKCS#8: never leaves the card
};

struct CardState {
    std::uint32_t serial = 0;
    Bytes uid;                          // 7-byte ISO 14443-3 UID for FF CA in contactless mode
    SecretBytes pin;                    // ASCII digits, without the FF padding
    SecretBytes puk;
    int pinTriesLeft = 3;
    int pukTriesLeft = 3;
    std::uint8_t managementAlgorithm = 0x03;  // 03 3DES, 08/0A/0C AES-128/192/256
    SecretBytes managementKey;
    // Data objects by tag (5FC102 ...), each the value inside the 53 wrapper. Discovery (7E)
    // is kept as its complete 7E TLV because it is answered bare.
    std::map<TlvTag, Bytes> objects;
    std::map<std::uint8_t, AsymmetricKey> keys;  // by key reference 9A/9C/9D/9E

    // A card fresh from the factory: default PIN/PUK/management key, the Discovery object,
    // a random serial and UID, no keys.
    static CardState factoryBlank();
    [[nodiscard]] bool pinIsDefault() const;
    [[nodiscard]] bool pukIsDefault() const;
    [[nodiscard]] bool managementKeyIsDefault() const;
};

// Reads and writes the state file. Each save is atomic (temporary file, fsync, rename, fsync
// of the directory), so a crash or kill -9 never leaves a half-written card behind; the file
// is created with mode 0600 because it holds the private keys.
class CardStateFile {
public:
    explicit CardStateFile(std::filesystem::path path) : path_(std::move(path)) {}

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // A missing file is a factory-blank card, which is saved at once.
    [[nodiscard]] CardState loadOrCreate() const;
    [[nodiscard]] CardState load() const;
    void save(const CardState& state) const;

private:
    std::filesystem::path path_;
};

// The text form of the state (one "name value" per line, binary values in hex). It holds the
// secrets, so it travels in a SecretBytes that wipes itself.
[[nodiscard]] SecretBytes serializeCardState(const CardState& state);
[[nodiscard]] CardState parseCardState(ByteView text);

} // namespace fmc::card::vcard
