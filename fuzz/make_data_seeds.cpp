// Writes the seed corpora of the data-file fuzz targets (built only with -DFMC_FUZZ=ON):
//   make_data_seeds SOURCE_DIR    writes SOURCE_DIR/fuzz/corpus/{crl_import,crl_index,config_files}/
//   make_data_seeds --print-pki   prints a new fixed PKI for data_fuzz_support.cpp
// The CRLs and signed indexes are signed by the fixed PKI of data_fuzz_support, which the
// targets load, so they verify there. ECDSA signatures are randomized: a rerun changes the
// bytes of the signed seeds, never their validity. kiosk_http seeds are hand-written text.
#include "crypto/digest.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/crl_index.hpp"
#include "fuzz/data_fuzz_support.hpp"
#include "issuance/station.hpp"
#include "terminal/terminal_home.hpp"

#include <openssl/cms.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

namespace pki = fmc::crypto::pki;
namespace fs = std::filesystem;
using fmc::fuzz::dataFuzzPki;
using fmc::fuzz::seedEpoch;

void write(const fs::path& file, fmc::ByteView bytes) {
    fs::create_directories(file.parent_path());
    fmc::writeFileAtomically(file, bytes);
    std::cout << file.string() << " (" << bytes.size() << " bytes)\n";
}
void write(const fs::path& file, std::string_view text) {
    write(file, fmc::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}
// A config_files seed: the target's selector byte, then the file.
void writeConfigSeed(const fs::path& file, char selector, const std::string& content) {
    write(file, std::string(1, selector) + content);
}

pki::RevokedCertificate revoked(fmc::Bytes serial, pki::RevocationReason reason) {
    return {std::move(serial), seedEpoch(), reason};
}

void writeCrlSeeds(const fs::path& folder) {
    using pki::RevocationReason;
    const auto& testPki = dataFuzzPki();
    const auto at = seedEpoch() + std::chrono::hours(1);
    const auto day = std::chrono::hours(24);
    const pki::RevocationList complete = testPki.issuing.issueRevocationList(
        {6, at, at + day,
         {revoked({0x10, 0x01}, RevocationReason::keyCompromise), revoked({0x10, 0x03}, RevocationReason::cessationOfOperation),
          revoked({0x10, 0x04}, RevocationReason::certificateHold),
          revoked({0x7F, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00, 0x01, 0x02, 0x03, 0x04},
                  RevocationReason::superseded),
          revoked({0x10, 0x05}, RevocationReason::unspecified)}});
    write(folder / "complete-crl.der", fmc::ByteView(complete.der()));
    write(folder / "complete-crl.pem", complete.pem());
    write(folder / "complete-crl-empty.der",
          fmc::ByteView(testPki.issuing.issueRevocationList({7, at, at + day, {}}).der()));
    // Against the baseline (complete CRL 5): the hold on 1002 released, 1004 placed on hold,
    // 1003's reason changed.
    const pki::RevocationList delta = testPki.issuing.issueRevocationList(
        {6, at, at + day,
         {revoked({0x10, 0x02}, RevocationReason::removeFromCrl), revoked({0x10, 0x03}, RevocationReason::keyCompromise),
          revoked({0x10, 0x04}, RevocationReason::certificateHold)},
         5});
    write(folder / "delta-crl.der", fmc::ByteView(delta.der()));
    write(folder / "delta-crl-base4.der",
          fmc::ByteView(testPki.issuing
                            .issueRevocationList({8, at, at + day, {revoked({0x10, 0x06}, RevocationReason::privilegeWithdrawn)}, 4})
                            .der()));
    // The root's ARL, listing one (made-up) issuing CA serial.
    write(folder / "arl.der", fmc::ByteView(testPki.root.issueRevocationList(
                                                {6, at, at + 30 * day, {revoked({0x02, 0x99}, RevocationReason::caCompromise)}})
                                                .der()));
    write(folder / "arl-delta.der",
          fmc::ByteView(testPki.root.issueRevocationList({7, at, at + 30 * day, {revoked({0x03}, RevocationReason::affiliationChanged)}, 5})
                            .der()));
}

pki::CrlIndexEntry indexEntry(const std::string& file, std::uint64_t number, std::optional<std::uint64_t> base) {
    const std::string content = "stand-in for " + file;
    const fmc::ByteView bytes(reinterpret_cast<const std::uint8_t*>(content.data()), content.size());
    return {file, number, base, content.size(), fmc::crypto::sha256(bytes)};
}

// The JSON a signed index carries, as signCrlIndex wrote it.
std::string signedContent(fmc::ByteView signedIndex) {
    const unsigned char* cursor = signedIndex.data();
    CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &cursor, static_cast<long>(signedIndex.size()));
    ASN1_OCTET_STRING** content = cms ? CMS_get0_content(cms) : nullptr;
    std::string text;
    if (content != nullptr && *content != nullptr)
        text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(*content)), static_cast<std::size_t>(ASN1_STRING_length(*content)));
    CMS_ContentInfo_free(cms);
    return text;
}

void writeIndexSeeds(const fs::path& folder) {
    const auto& testPki = dataFuzzPki();
    pki::CrlIndex index;
    index.issuer = testPki.issuing.certificate().subject();
    index.issuerKeyId = testPki.issuing.certificate().subjectKeyIdentifier();
    index.published = seedEpoch() + std::chrono::hours(1);
    index.nextUpdate = seedEpoch() + std::chrono::hours(25);
    index.full = indexEntry("crl-00000006.der", 6, std::nullopt);
    const fmc::Bytes fullOnly = pki::signCrlIndex(index, testPki.issuing);
    write(folder / "index-full.cms", fmc::ByteView(fullOnly));
    index.delta = indexEntry("delta-00000006.der", 6, 5);
    index.arl = indexEntry("arl-00000006.der", 6, std::nullopt);
    const fmc::Bytes everything = pki::signCrlIndex(index, testPki.issuing);
    write(folder / "index-full-delta-arl.cms", fmc::ByteView(everything));
    // The target signs a text input itself (it starts with '{'): the JSON rules then run on it.
    write(folder / "index-full.json", signedContent(fmc::ByteView(fullOnly)));
    write(folder / "index-full-delta-arl.json", signedContent(fmc::ByteView(everything)));
}

void writeConfigSeeds(const fs::path& sourceDir, const fs::path& folder) {
    const std::string catalogText = fmc::readFileText(sourceDir / "catalog" / "services.json");
    writeConfigSeed(folder / "services.json", '\0', catalogText);
    writeConfigSeed(folder / "kiosk_texts.json", '\1', fmc::readFileText(sourceDir / "catalog" / "kiosk_texts.json"));
    // The small files the programs write for themselves, written by their own writers.
    const fs::path scratch = fs::temp_directory_path() / ("fmc-data-seeds-" + std::to_string(::getpid()));
    fs::create_directories(scratch);
    fmc::writeFileAtomically(scratch / "trust.pem", dataFuzzPki().trust.toPem());
    static_cast<void>(fmc::terminal::TerminalHome::setup(scratch / "terminal", scratch / "trust.pem", std::nullopt, 90));
    writeConfigSeed(folder / "terminal.json", '\2', fmc::readFileText(scratch / "terminal" / "terminal.json"));
    fmc::issuance::StationConfig station;
    station.authority = "Public Security";
    station.stationName = "Yiwu Station 1";
    station.issuingKeyLocation = "keys/issuing-ca.key";
    station.rootKeyLocation = "pkcs11:token=FMC%20Root;object=root-ca";
    station.secretLocation = "keys/station-secret.bin";
    fmc::issuance::writeStationConfig(scratch / "station.json", station);
    writeConfigSeed(folder / "station.json", '\3', fmc::readFileText(scratch / "station.json"));
    writeConfigSeed(folder / "trust.pem", '\4', dataFuzzPki().trust.toPem());
    fs::remove_all(scratch);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_data_seeds SOURCE_DIR | --print-pki\n";
        return 2;
    }
    const std::string argument = argv[1];
    if (argument == "--print-pki") {
        std::cout << fmc::fuzz::newPkiConstants();
        return 0;
    }
    const fs::path corpus = fs::path(argument) / "fuzz" / "corpus";
    writeCrlSeeds(corpus / "crl_import");
    writeIndexSeeds(corpus / "crl_index");
    writeConfigSeeds(argument, corpus / "config_files");
    return 0;
}
