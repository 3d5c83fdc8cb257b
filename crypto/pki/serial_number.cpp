#include "crypto/pki/serial_number.hpp"

#include "crypto/random.hpp"

namespace fmc::crypto::pki {

Bytes newSerialNumber() {
    Bytes serial = randomBytes(16);
    serial[0] = static_cast<std::uint8_t>((serial[0] & 0x3F) | 0x40);
    return serial;
}

} // namespace fmc::crypto::pki
