#pragma once
// Byte strings shared by every layer, and a buffer for secrets that wipes itself.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fmc {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "0A1B..." upper-case, no separators.
std::string toHex(ByteView bytes);
// Accepts upper or lower case, ignores spaces and colons; throws std::invalid_argument.
Bytes fromHex(std::string_view hex);
// The value of one hex digit (either case), or -1.
int hexDigitValue(char c);

Bytes concat(std::initializer_list<ByteView> parts);

// Overwrites memory in a way the optimiser may not remove (OPENSSL_cleanse).
void secureWipe(void* data, std::size_t size);

// Holds a PIN or a key; wiped when destroyed or cleared. Deliberately has no printing helpers.
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(Bytes bytes) : bytes_(std::move(bytes)) {}
    explicit SecretBytes(std::string_view text) : bytes_(text.begin(), text.end()) {}
    SecretBytes(const SecretBytes& other) = default;
    SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.clear(); }
    SecretBytes& operator=(const SecretBytes& other);
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    ~SecretBytes() { clear(); }

    [[nodiscard]] ByteView view() const { return bytes_; }
    [[nodiscard]] const std::uint8_t* data() const { return bytes_.data(); }
    [[nodiscard]] std::size_t size() const { return bytes_.size(); }
    [[nodiscard]] bool empty() const { return bytes_.empty(); }
    bool operator==(const SecretBytes& other) const;
    void clear() noexcept;

private:
    Bytes bytes_;
};

} // namespace fmc
