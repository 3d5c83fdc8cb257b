// libFuzzer target: the files the programs read at start-up, which an operator (or whoever
// can write the folder) supplies. The first byte selects the reader, the rest is the file:
//   0  services.json       catalog::ServicesCatalog::parse          (terminal, station)
//   1  kiosk_texts.json    catalog::KioskTexts::parse               (kiosk)
//   2  terminal.json       terminal::TerminalHome::open             (every fmc-terminal command)
//   3  station.json        issuance::readStationConfig              (every fmc-issue command)
//   4  trust.pem           crypto::pki::TrustStore::fromPem         (terminal home, setup)
// (No program reads a boost::program_options config file: options come from the command
// line only.) Each reader may refuse a file only with its own error type, which the
// programs turn into a one-line message; any other exception would end the program with
// std::terminate or an unhelpful what(). Beyond that:
//   - an accepted catalog is consistent: codes well formed and unique, every service's
//     entitlement listed, every text present in the required languages and found again;
//   - accepted kiosk texts are served byte for byte and list "en" among well-formed tags;
//   - an accepted trust bundle writes out to one that reads back the same.
#include "catalog/kiosk_texts.hpp"
#include "catalog/language_tags.hpp"
#include "catalog/services_catalog.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/pki/trust_store.hpp"
#include "issuance/station.hpp"
#include "terminal/terminal_home.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

// One scratch folder per process (libFuzzer -fork/-jobs run several), in memory when /dev/shm exists.
const fs::path& scratchFolder() {
    static const fs::path folder = [] {
        const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        fs::path made = base / ("fmc-config-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(made);
        std::atexit([] { std::error_code ignored; fs::remove_all(scratchFolder(), ignored); });
        return made;
    }();
    return folder;
}

void checkLocalized(const fmc::catalog::LocalizedText& text) {
    for (const std::string_view language : fmc::catalog::requiredLanguages) {
        const auto found = text.byLanguage.find(language);
        require(found != text.byLanguage.end() && !found->second.empty());
        require(&text.text(language) == &found->second);
    }
    for (const auto& [language, value] : text.byLanguage) {
        require(fmc::catalog::isWellFormedLanguageTag(language) && !value.empty());
        require(text.text(language) == value);
    }
}

void fuzzServicesCatalog(std::string_view file) {
    try {
        const auto catalog = fmc::catalog::ServicesCatalog::parse(file, "fuzz");
        require(!catalog.version().empty());
        for (const auto& entitlement : catalog.entitlements()) {
            require(fmc::catalog::isWellFormedCatalogCode(entitlement.code));
            require(catalog.findEntitlement(entitlement.code) == &entitlement);
            checkLocalized(entitlement.names);
        }
        for (const auto& service : catalog.services()) {
            require(fmc::catalog::isWellFormedCatalogCode(service.code));
            require(catalog.findService(service.code) == &service);
            require(catalog.isEntitlement(service.entitlement));
            require(!service.interfaces.empty());
            require(service.maxCrlAge.count() >= 1 && service.maxCrlAge.count() <= 720);
            checkLocalized(service.names);
            checkLocalized(service.where);
        }
    } catch (const fmc::catalog::CatalogError&) {
    }
}

void fuzzKioskTexts(std::string_view file) {
    try {
        const auto texts = fmc::catalog::KioskTexts::parse(file, "fuzz");
        require(texts.json() == file);
        const auto tags = texts.languageTags();
        require(std::find(tags.begin(), tags.end(), "en") != tags.end());
        for (const std::string& tag : tags) require(fmc::catalog::isWellFormedLanguageTag(tag));
    } catch (const fmc::catalog::CatalogError&) {
    }
}

void fuzzTerminalConfig(std::string_view file) {
    const fs::path home = scratchFolder() / "terminal";
    fs::create_directories(home);
    fmc::writeFileAtomically(home / "terminal.json", file);
    try {
        static_cast<void>(fmc::terminal::TerminalHome::open(home));
    } catch (const fmc::terminal::TerminalError&) {
    }
}

void fuzzStationConfig(std::string_view file) {
    const fs::path path = scratchFolder() / "station.json";
    fmc::writeFileAtomically(path, file);
    try {
        static_cast<void>(fmc::issuance::readStationConfig(path));
    } catch (const fmc::issuance::StationError&) {
    }
}

void fuzzTrustBundle(std::string_view file) {
    namespace pki = fmc::crypto::pki;
    try {
        const pki::TrustStore trust = pki::TrustStore::fromPem(file);
        require(!trust.roots().empty());
        const pki::TrustStore again = pki::TrustStore::fromPem(trust.toPem());
        require(again.roots().size() == trust.roots().size() && again.issuingCas().size() == trust.issuingCas().size());
    } catch (const pki::MalformedCertificateError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
    case 0: fuzzServicesCatalog(file); break;
    case 1: fuzzKioskTexts(file); break;
    case 2: fuzzTerminalConfig(file); break;
    case 3: fuzzStationConfig(file); break;
    default: fuzzTrustBundle(file); break;
    }
    return 0;
}
