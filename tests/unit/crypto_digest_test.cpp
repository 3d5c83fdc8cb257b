#include "crypto/digest.hpp"
#include "crypto/random.hpp"

#include <catch2/catch.hpp>

#include <string_view>

using fmc::Bytes;
using fmc::fromHex;

namespace {
Bytes ascii(std::string_view text) { return Bytes(text.begin(), text.end()); }
} // namespace

TEST_CASE("SHA-256 and SHA-384 of \"abc\" (FIPS 180-4 examples)", "[crypto][digest]") {
    CHECK(fmc::crypto::sha256(ascii("abc")) ==
          fromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    CHECK(fmc::crypto::sha384(ascii("abc")) ==
          fromHex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                  "8086072ba1e7cc2358baeca134c825a7"));
    CHECK(fmc::crypto::sha256(Bytes{}) ==
          fromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST_CASE("random bytes have the asked length and differ", "[crypto][random]") {
    CHECK(fmc::crypto::randomBytes(0).empty());
    const Bytes a = fmc::crypto::randomBytes(32);
    const Bytes b = fmc::crypto::randomBytes(32);
    CHECK(a.size() == 32);
    CHECK(a != b);
}
