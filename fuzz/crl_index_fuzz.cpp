// libFuzzer target: the signed CRL index (crypto/pki/crl_index.hpp) that `fmc-terminal crl
// sync` downloads first, from any web server or USB stick. Two kinds of input:
//  - bytes (anything not starting with '{'): the file itself, to verifyCrlIndex. The seeds
//    are indexes genuinely signed by the issuing CA of the fixed PKI in data_fuzz_support.
//  - text starting with '{': the JSON content, which the target signs with that CA as
//    signCms does, so that the strict JSON rules (indexFromJson is internal to crl_index.cpp)
//    run on every mutation instead of stopping at the signature.
// Checked beyond "no crash, no sanitizer report, only MalformedCrlIndexError or
// UntrustedCrlIndexError": an accepted index speaks for its signer, has safe file names and
// 32-byte digests, a delta of the full list's number based below it; and signing it again
// (signCrlIndex) gives a file that verifies to the same index.
#include "crypto/pki/crl_index.hpp"
#include "fuzz/data_fuzz_support.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace pki = fmc::crypto::pki;
using fmc::fuzz::dataFuzzPki;
using fmc::fuzz::require;

bool isPlainName(const std::string& name) {
    return !name.empty() && name.size() <= 128 && name != "." && name != ".." &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
           });
}

void checkEntry(const pki::CrlIndexEntry& entry, bool delta) {
    require(isPlainName(entry.file) && entry.size > 0 && entry.sha256.size() == 32);
    require(entry.baseCrlNumber.has_value() == delta);
    if (delta) require(*entry.baseCrlNumber < entry.crlNumber);
}

void checkAccepted(const pki::CrlIndex& index) {
    const auto& issuing = dataFuzzPki().issuing;
    require(index.issuerKeyId == issuing.certificate().subjectKeyIdentifier());
    checkEntry(index.full, false);
    if (index.delta) {
        checkEntry(*index.delta, true);
        require(index.delta->crlNumber == index.full.crlNumber);
    }
    if (index.arl) checkEntry(*index.arl, false);
    // What was accepted can be published again and reads back the same.
    try {
        const fmc::Bytes again = pki::signCrlIndex(index, issuing);
        require(pki::verifyCrlIndex(fmc::ByteView(again), dataFuzzPki().trust) == index);
    } catch (const pki::MalformedCrlIndexError&) {
        // signCrlIndex refuses an issuer text that is not UTF-8, which the JSON reader could
        // not have produced: reaching here is a finding.
        require(false);
    }
}

void verify(fmc::ByteView signedIndex) {
    try {
        checkAccepted(pki::verifyCrlIndex(signedIndex, dataFuzzPki().trust));
    } catch (const pki::MalformedCrlIndexError&) {
    } catch (const pki::UntrustedCrlIndexError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fmc::ByteView bytes(data, size);
    if (size > 0 && data[0] == '{') {
        if (size > pki::kCrlIndexMaxBytes / 2) return 0;  // signed, it would pass the size limit
        verify(fmc::ByteView(dataFuzzPki().issuing.signCms(bytes)));
        return 0;
    }
    verify(bytes);
    return 0;
}
