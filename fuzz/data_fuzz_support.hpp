#pragma once
// A fixed card PKI for the data-file fuzz targets (crl_import_fuzz, crl_index_fuzz) and for
// make_data_seeds, which writes their seeds. The keys and CA certificates are constants
// (data_fuzz_support.cpp), not generated at start-up, so that the seed CRLs and signed CRL
// indexes in fuzz/corpus/ carry signatures this PKI verifies on every run. Nothing here is
// secret: these keys exist only to sign fuzz seeds.
//   Regenerating the seeds:  make_data_seeds fuzz/corpus
//   Replacing the PKI itself (e.g. after a profile change makes the certificates invalid):
//   make_data_seeds --print-pki, paste its output over the constants, then regenerate seeds.
#include "crypto/ec_key.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/key_store.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/trust_store.hpp"
#include "tests/support/memory_key_store.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

namespace fmc::fuzz {

using Clock = std::chrono::system_clock;

// libFuzzer reports the input that reaches an abort.
inline void require(bool condition) {
    if (!condition) std::abort();
}

using fmc::test::MemoryKeyStore;

// 2026-01-01T00:00:00Z: every seed list is dated from here.
inline Clock::time_point seedEpoch() { return Clock::time_point(std::chrono::seconds(1767225600)); }

struct DataFuzzPki {
    crypto::pki::CertificateAuthority root;     // P-384, "FMC Fuzz Root CA"
    crypto::pki::CertificateAuthority issuing;  // P-256, "FMC Fuzz Issuing CA"
    crypto::pki::TrustStore trust;              // root and issuing CA, as a terminal holds them
    // The CAs' keys, for signing what a CA would never issue (a mutated list, any JSON).
    std::shared_ptr<const MemoryKeyStore> rootKeys;
    std::shared_ptr<const MemoryKeyStore> issuingKeys;

    // The baseline the CRL target imports before each input: complete CRL 5 of the issuing
    // CA (three revoked serials) and ARL 5 of the root (none), so that delta CRLs based on
    // 1..5 have something to apply to.
    [[nodiscard]] crypto::pki::RevocationList baselineCrl() const;
    [[nodiscard]] crypto::pki::RevocationList baselineArl() const;
};

// Built on first use from the constants; never changes.
const DataFuzzPki& dataFuzzPki();

// A fresh random PKI of the same shape, printed as the C++ constants data_fuzz_support.cpp
// holds (for make_data_seeds --print-pki).
std::string newPkiConstants();

} // namespace fmc::fuzz
