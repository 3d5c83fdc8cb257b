#include "terminal/terminal_home.hpp"

#include "crypto/file_io.hpp"
#include "crypto/pki/revocation_index.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace fmc::terminal {

namespace pki = crypto::pki;
using nlohmann::json;

namespace {

std::filesystem::path configPath(const std::filesystem::path& home) { return home / "terminal.json"; }

} // namespace

std::filesystem::path resolveTerminalHome(const std::optional<std::string>& homeOption) {
    if (homeOption && !homeOption->empty()) return std::filesystem::absolute(*homeOption);
    if (const char* fromEnvironment = std::getenv(terminalHomeEnvironmentVariable); fromEnvironment && *fromEnvironment)
        return std::filesystem::absolute(fromEnvironment);
    throw TerminalError("no terminal folder: pass --home DIR or set FMC_TERMINAL_HOME");
}

TerminalHome::TerminalHome(std::filesystem::path home, TerminalConfig config)
    : home_(std::move(home)), config_(std::move(config)) {}

TerminalHome TerminalHome::setup(const std::filesystem::path& home, const std::filesystem::path& trustFile,
                                 const std::optional<std::filesystem::path>& servicesFile, int tapRetentionDays) {
    if (tapRetentionDays < 1 || tapRetentionDays > 3660)
        throw TerminalError("--retention-days must be between 1 and 3660");
    const std::string trustPem = readFileText(trustFile);
    const pki::TrustStore trust = pki::TrustStore::fromPem(trustPem);  // refuses a bundle that is not one
    if (trust.roots().empty()) throw TerminalError(trustFile.string() + " holds no root CA certificate");
    std::filesystem::create_directories(home / "crls");
    TerminalConfig config;
    config.tapRetentionDays = tapRetentionDays;
    if (servicesFile) {
        const std::string catalogJson = readFileText(*servicesFile);
        (void)catalog::ServicesCatalog::parse(catalogJson, servicesFile->string());  // refuses a bad catalog
        writeFileAtomically(home / "services.json", catalogJson);
        config.servicesCatalog = "services.json";
    }
    writeFileAtomically(home / "trust.pem", trustPem);
    writeFileAtomically(configPath(home),
                        json{{"services_catalog", config.servicesCatalog}, {"tap_retention_days", config.tapRetentionDays}}
                                .dump(2) +
                            "\n");
    return TerminalHome(home, config);
}

TerminalHome TerminalHome::open(const std::filesystem::path& home) {
    if (!std::filesystem::exists(configPath(home)))
        throw TerminalError("no terminal in " + home.string() + ": run 'fmc-terminal setup --trust FILE' first");
    try {
        const json document = json::parse(readFileText(configPath(home)));
        TerminalConfig config;
        config.servicesCatalog = document.value("services_catalog", std::string());
        config.tapRetentionDays = document.value("tap_retention_days", 90);
        return TerminalHome(home, config);
    } catch (const json::exception& error) {
        throw TerminalError(configPath(home).string() + " is not a valid terminal configuration: " + error.what());
    }
}

pki::TrustStore TerminalHome::loadTrust() const { return pki::TrustStore::fromPem(readFileText(home_ / "trust.pem")); }

catalog::ServicesCatalog TerminalHome::loadCatalog() const {
    if (config_.servicesCatalog.empty()) return catalog::ServicesCatalog::load(catalog::defaultServicesCatalogPath());
    const std::filesystem::path file(config_.servicesCatalog);
    return catalog::ServicesCatalog::load(file.is_absolute() ? file : home_ / file);
}

pki::RevocationState TerminalHome::loadRevocations(const pki::TrustStore& trust,
                                                   std::vector<std::string>& problems) const {
    pki::RevocationState state;
    if (!std::filesystem::exists(crlDirectory())) return state;
    for (const auto& entry : std::filesystem::directory_iterator(crlDirectory())) {
        if (entry.path().extension() != ".der") continue;
        try {
            (void)state.importCrl(trust, ByteView(readFileBytes(entry.path())));
        } catch (const std::exception& error) {
            problems.push_back(entry.path().filename().string() + ": " + error.what());
        }
    }
    return state;
}

ImportedCrl TerminalHome::importCrl(const std::filesystem::path& file) {
    const pki::TrustStore trust = loadTrust();
    std::vector<std::string> ignored;
    pki::RevocationState state = loadRevocations(trust, ignored);
    const Bytes der = readFileBytes(file);
    const pki::RevocationIndex& index = state.importCrl(trust, ByteView(der));
    const std::string name = toHex(index.issuer().subjectKeyIdentifier());
    writeFileAtomically(crlDirectory() / (name.empty() ? "issuer.der" : name + ".der"), ByteView(der));
    return ImportedCrl{index.issuer().subject(), index.crlNumber(), index.thisUpdate(), index.nextUpdate(), index.size()};
}

} // namespace fmc::terminal
