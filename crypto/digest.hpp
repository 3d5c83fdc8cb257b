#pragma once
#include "crypto/bytes.hpp"

namespace fmc::crypto {
Bytes sha256(ByteView data);
Bytes sha384(ByteView data);
} // namespace fmc::crypto
