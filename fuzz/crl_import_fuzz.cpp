// libFuzzer target: a CRL file arriving at a terminal (`fmc-terminal crl import`, `crl sync`):
// RevocationState::importCrl for complete CRLs, delta CRLs and the root's ARL, both entry
// points (the DER fast path RevocationIndex::buildFromDer and the d2i path through
// RevocationList::fromDer), and the unsigned parse RevocationList::fromDer / fromPem.
//
// Each input is tried twice: as it is (the seeds are lists genuinely signed by the fixed
// PKI of data_fuzz_support, so mutations that keep the signature bytes intact still verify
// only when the signed part is untouched), and, when OpenSSL parses it, re-signed by the
// CA it names, so that mutated lists get past the signature check into the checks behind it.
// Before each input the terminal holds complete CRL 5 of the issuing CA and ARL 5 of the root.
//
// Checked beyond "no crash, no sanitizer report, only the documented exceptions":
//  - both import entry points give the same outcome: the same error (class and message) or
//    the same held index (numbers, dates, size, look-ups), as revocation_state.hpp promises;
//  - a refused list leaves the state as it was;
//  - an accepted complete list is indexed entry for entry; an accepted delta removes its
//    removeFromCRL serials, sets the reason of the others, keeps the complete CRL's number;
//  - a list that parses re-encodes to one with the same number, base, dates and issuer.
#include "crypto/crypto_error.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/revocation_index.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "fuzz/data_fuzz_support.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <cstddef>
#include <ctime>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace pki = fmc::crypto::pki;
using fmc::fuzz::dataFuzzPki;
using fmc::fuzz::require;

const pki::RevocationState& baselineState() {
    static const pki::RevocationState state = [] {
        const auto& testPki = dataFuzzPki();
        pki::RevocationState built;
        built.importCrl(testPki.trust, testPki.baselineCrl());
        built.importCrl(testPki.trust, testPki.baselineArl());
        return built;
    }();
    return state;
}

// The serials whose look-up is compared: the baseline's and every one the input lists.
std::vector<fmc::Bytes> probeSerials(const std::optional<pki::RevocationList>& list) {
    std::vector<fmc::Bytes> serials{{0x10, 0x01}, {0x10, 0x02}, {0x10, 0x03}, {0x10, 0x04}, {0x00}};
    if (list) {
        try {
            for (const pki::RevokedCertificate& entry : list->entries()) serials.push_back(entry.serialNumber);
        } catch (const pki::MalformedCrlError&) {
        }
    }
    return serials;
}

// What a terminal would act on, per CA: enough to tell two states apart.
std::string summarize(const pki::RevocationState& state, const std::vector<fmc::Bytes>& serials) {
    std::string out = std::to_string(state.size());
    for (const pki::CertificateAuthority* ca : {&dataFuzzPki().issuing, &dataFuzzPki().root}) {
        const pki::RevocationIndex* index = state.forIssuer(ca->certificate().native());
        if (index == nullptr) {
            out += "|none";
            continue;
        }
        out += "|" + std::to_string(index->crlNumber()) + "/" + std::to_string(index->completeCrlNumber()) + "/" +
               std::to_string(index->size()) + "/" + std::to_string(index->thisUpdate().time_since_epoch().count()) +
               "/" + std::to_string(index->nextUpdate().time_since_epoch().count()) + ":";
        for (const fmc::Bytes& serial : serials) {
            const auto reason = index->find(fmc::ByteView(serial));
            out += reason ? std::to_string(static_cast<int>(*reason)) : std::string("-");
            out += ",";
        }
    }
    return out;
}

// The documented refusals, as "class: message"; anything else escapes and is a finding.
template <typename Import>
std::string importOutcome(Import&& import) {
    try {
        import();
        return "";
    } catch (const pki::MalformedCrlError& error) {
        return std::string("malformed: ") + error.what();
    } catch (const pki::UntrustedCrlError& error) {
        return std::string("untrusted: ") + error.what();
    } catch (const pki::CrlNotNewerError& error) {
        return std::string("not-newer: ") + error.what();
    } catch (const pki::DeltaCrlBaseError& error) {
        return std::string("delta-base: ") + error.what();
    }
}

// The accepted list is what the state now holds for its CA.
void checkAccepted(const pki::RevocationState& state, const pki::RevocationList& list) {
    const pki::Certificate* signer = dataFuzzPki().trust.findCrlSigner(list);
    require(signer != nullptr);
    const pki::RevocationIndex* index = state.forIssuer(signer->native());
    require(index != nullptr && index->crlNumber() == list.crlNumber());
    require(index->thisUpdate() == list.thisUpdate() && index->nextUpdate() == list.nextUpdate());
    std::vector<pki::RevokedCertificate> entries;
    try {
        entries = list.entries();
    } catch (const pki::MalformedCrlError&) {
        // Known: the index never reads revocation dates, so a signed list whose entry date is
        // not a valid time is imported although entries() refuses it (see the issue 8 report).
        return;
    }
    if (!list.isDelta()) {
        require(index->completeCrlNumber() == list.crlNumber() && index->size() == entries.size());
        for (const pki::RevokedCertificate& entry : entries) require(index->find(fmc::ByteView(entry.serialNumber)).has_value());
        return;
    }
    const pki::RevocationIndex* before = baselineState().forIssuer(signer->native());
    require(before != nullptr && index->completeCrlNumber() == before->completeCrlNumber());
    for (const pki::RevokedCertificate& entry : entries) {
        const auto found = index->find(fmc::ByteView(entry.serialNumber));
        if (entry.reason == pki::RevocationReason::removeFromCrl) require(!found.has_value());
        else require(found == entry.reason);
    }
}

void fuzzImport(fmc::ByteView der) {
    const auto& trust = dataFuzzPki().trust;
    std::optional<pki::RevocationList> parsed;
    try {
        parsed = pki::RevocationList::fromDer(der);
    } catch (const pki::MalformedCrlError&) {
    }
    const std::vector<fmc::Bytes> serials = probeSerials(parsed);
    const std::string before = summarize(baselineState(), serials);

    pki::RevocationState fromDer = baselineState();
    const std::string derOutcome = importOutcome([&] { fromDer.importCrl(trust, der); });
    pki::RevocationState fromList = baselineState();
    const std::string listOutcome = importOutcome([&] { fromList.importCrl(trust, pki::RevocationList::fromDer(der)); });

    require(derOutcome == listOutcome);
    require(summarize(fromDer, serials) == summarize(fromList, serials));
    if (!derOutcome.empty()) {
        require(summarize(fromDer, serials) == before);
        return;
    }
    require(parsed.has_value());
    checkAccepted(fromDer, *parsed);
}

// The unsigned parse: what `crl show`-like code and the index build on.
void fuzzParse(fmc::ByteView der) {
    try {
        const pki::RevocationList list = pki::RevocationList::fromDer(der);
        static_cast<void>(list.issuer());
        try {
            static_cast<void>(list.entries());
        } catch (const pki::MalformedCrlError&) {
        }
        const fmc::Bytes encoded = list.der();
        const pki::RevocationList again = pki::RevocationList::fromDer(fmc::ByteView(encoded));
        require(again.crlNumber() == list.crlNumber() && again.baseCrlNumber() == list.baseCrlNumber() &&
                again.thisUpdate() == list.thisUpdate() && again.nextUpdate() == list.nextUpdate() &&
                again.issuer() == list.issuer());
        const pki::RevocationList fromPem = pki::RevocationList::fromPem(list.pem());
        require(fromPem.crlNumber() == list.crlNumber());
    } catch (const pki::MalformedCrlError&) {
    }
    // Text input: the PEM reader (`crl import` takes PEM too).
    const std::string_view text(reinterpret_cast<const char*>(der.data()), der.size());
    if (text.starts_with("-----BEGIN")) {
        try {
            static_cast<void>(pki::RevocationList::fromPem(text));
        } catch (const pki::MalformedCrlError&) {
        }
    }
}

// The input as OpenSSL parses it, signed again by the CA it names (the issuing CA when it
// names neither): a mutated list then fails only for what it says, not for its signature.
std::optional<fmc::Bytes> resigned(fmc::ByteView der) {
    const unsigned char* cursor = der.data();
    X509_CRL* raw = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size()));
    if (raw == nullptr) {
        ERR_clear_error();
        return std::nullopt;
    }
    std::optional<fmc::Bytes> out;
    const auto& testPki = dataFuzzPki();
    const bool namesRoot = X509_NAME_cmp(X509_CRL_get_issuer(raw), X509_get_subject_name(testPki.root.certificate().native())) == 0;
    try {
        (namesRoot ? testPki.rootKeys : testPki.issuingKeys)->signRevocationList(raw);
        unsigned char* encoded = nullptr;
        const int length = i2d_X509_CRL(raw, &encoded);
        if (length > 0 && encoded != nullptr) out = fmc::Bytes(encoded, encoded + length);
        OPENSSL_free(encoded);
    } catch (const fmc::crypto::CryptoError&) {
    }
    ERR_clear_error();
    X509_CRL_free(raw);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fmc::ByteView bytes(data, size);
    fuzzParse(bytes);
    fuzzImport(bytes);
    if (const auto signedAgain = resigned(bytes)) fuzzImport(fmc::ByteView(*signedAgain));
    return 0;
}
