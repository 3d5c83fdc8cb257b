#include "terminal/terminal_home.hpp"

#include "crypto/file_io.hpp"
#include "crypto/pki/revocation_index.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/file.h>
#include <unistd.h>

namespace fmc::terminal {

namespace pki = crypto::pki;
using nlohmann::json;

namespace {

std::filesystem::path configPath(const std::filesystem::path& home) { return home / "terminal.json"; }

constexpr std::string_view kDeltaMarker = ".delta-";

// A stored list's file name: "<ski>.der" (complete) or "<ski>.delta-<N>.der".
struct StoredListName {
    std::string keyId;
    std::optional<std::uint64_t> deltaNumber;
};

std::optional<StoredListName> parseStoredListName(const std::filesystem::path& file) {
    if (file.extension() != ".der") return std::nullopt;
    const std::string stem = file.stem().string();
    const std::size_t marker = stem.find(kDeltaMarker);
    if (marker == std::string::npos) return StoredListName{stem, std::nullopt};
    const std::string digits = stem.substr(marker + kDeltaMarker.size());
    if (digits.empty() || digits.size() > 19 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    return StoredListName{stem.substr(0, marker), std::stoull(digits)};
}

// Holds an flock on the terminal folder: exclusive (LOCK_EX) for `crl import`, `crl sync` and
// any other process storing lists, so two of them never interleave load-check-store; shared
// (LOCK_SH) for readers, so none sees a new complete CRL next to deltas about to be deleted.
class FolderLock {
public:
    FolderLock(const std::filesystem::path& folder, int operation)
        : descriptor_(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (descriptor_ < 0) throw TerminalError("cannot open " + folder.string() + ": " + std::strerror(errno));
        while (::flock(descriptor_, operation) != 0) {
            if (errno == EINTR) continue;
            const int error = errno;
            ::close(descriptor_);
            throw TerminalError("cannot lock " + folder.string() + ": " + std::strerror(error));
        }
    }
    ~FolderLock() { ::close(descriptor_); }  // closing releases the lock
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

private:
    int descriptor_;
};

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
        // A whole number of days in setup's range: nlohmann would turn 2.5 into 2 and 1e300
        // into undefined behaviour.
        const json retention = document.value("tap_retention_days", json(90));
        if (!retention.is_number_integer() || retention.get<long long>() < 1 || retention.get<long long>() > 3660)
            throw TerminalError(configPath(home).string() + ": tap_retention_days must be a whole number from 1 to 3660");
        config.tapRetentionDays = retention.get<int>();
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

// Deletes `keyId`'s stored deltas except `keep`; a failure is a warning, not an error: the
// list is already stored, and leftovers no newer than the complete CRL are passed over.
static void removeDeltas(const std::filesystem::path& folder, const std::string& keyId, std::optional<std::uint64_t> keep,
                  std::vector<std::string>& warnings) {
    std::error_code error;
    std::vector<std::filesystem::path> doomed;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
        const std::optional<StoredListName> stored = parseStoredListName(entry.path());
        if (stored && stored->deltaNumber && stored->keyId == keyId && stored->deltaNumber != keep) doomed.push_back(entry.path());
    }
    if (error) warnings.push_back("cannot list " + folder.string() + ": " + error.message());
    for (const std::filesystem::path& file : doomed) {
        std::error_code removeError;
        std::filesystem::remove(file, removeError);
        if (removeError) warnings.push_back("cannot remove the superseded " + file.string() + ": " + removeError.message());
    }
}

pki::RevocationState TerminalHome::loadRevocations(const pki::TrustStore& trust,
                                                   std::vector<std::string>& problems) const {
    if (!std::filesystem::exists(crlDirectory())) return pki::RevocationState();
    const FolderLock lock(home_, LOCK_SH);
    return loadRevocationsUnlocked(trust, problems);
}

pki::RevocationState TerminalHome::loadRevocationsUnlocked(const pki::TrustStore& trust,
                                                           std::vector<std::string>& problems) const {
    pki::RevocationState state;
    if (!std::filesystem::exists(crlDirectory())) return state;
    std::vector<std::filesystem::path> completes;
    std::map<std::string, std::map<std::uint64_t, std::filesystem::path>> deltasByKeyId;  // ascending numbers
    for (const auto& entry : std::filesystem::directory_iterator(crlDirectory())) {
        const std::optional<StoredListName> name = parseStoredListName(entry.path());
        if (!name) continue;
        if (name->deltaNumber)
            deltasByKeyId[name->keyId][*name->deltaNumber] = entry.path();
        else
            completes.push_back(entry.path());
    }
    for (const std::filesystem::path& file : completes) {
        const pki::RevocationIndex* held = nullptr;
        try {
            held = &state.importCrl(trust, ByteView(readFileBytes(file)));
        } catch (const std::exception& error) {
            problems.push_back(file.filename().string() + ": " + error.what());
        }
        const auto deltas = deltasByKeyId.find(parseStoredListName(file)->keyId);
        if (deltas == deltasByKeyId.end()) continue;
        for (const auto& [number, deltaFile] : deltas->second) {
            if (held != nullptr && number <= held->completeCrlNumber()) continue;  // superseded leftover
            try {
                held = &state.importCrl(trust, ByteView(readFileBytes(deltaFile)));
            } catch (const std::exception& error) {
                problems.push_back(deltaFile.filename().string() + ": " + error.what());
            }
        }
        deltasByKeyId.erase(deltas);
    }
    for (const auto& [keyId, deltas] : deltasByKeyId)
        for (const auto& [number, deltaFile] : deltas)
            problems.push_back(deltaFile.filename().string() + ": no complete CRL stored for it");
    return state;
}

ImportedCrl TerminalHome::importCrl(const std::filesystem::path& file) { return importCrl(ByteView(readFileBytes(file))); }

ImportedCrl TerminalHome::importCrl(ByteView der) {
    std::filesystem::create_directories(crlDirectory());
    const FolderLock lock(home_, LOCK_EX);
    const pki::TrustStore trust = loadTrust();
    std::vector<std::string> ignored;  // a stored list that no longer verifies is replaced or stays out anyway
    pki::RevocationState state = loadRevocationsUnlocked(trust, ignored);
    const pki::RevocationIndex& index = state.importCrl(trust, der);
    std::string name = toHex(index.issuer().subjectKeyIdentifier());
    if (name.empty()) name = "issuer";
    const bool delta = index.crlNumber() != index.completeCrlNumber();
    ImportedCrl imported{index.issuer().subject(), index.crlNumber(), index.completeCrlNumber(), delta,
                         index.thisUpdate(),        index.nextUpdate(), index.size(), {}};
    if (delta) {
        writeFileAtomically(crlDirectory() / (name + std::string(kDeltaMarker) + std::to_string(index.crlNumber()) + ".der"), der);
        // Based on the complete CRL itself: the deltas before it are redundant. Stored first,
        // so an interrupted removal leaves a chain that still loads to the same state.
        const std::optional<std::uint64_t> base = pki::RevocationList::fromDer(der).baseCrlNumber();
        if (base && *base <= index.completeCrlNumber()) removeDeltas(crlDirectory(), name, index.crlNumber(), imported.warnings);
    } else {
        // The complete CRL first: if the deltas' removal is interrupted, they are no newer than
        // it and the next load passes over them.
        writeFileAtomically(crlDirectory() / (name + ".der"), der);
        removeDeltas(crlDirectory(), name, std::nullopt, imported.warnings);
    }
    return imported;
}

std::size_t TerminalHome::storedDeltaCount(const pki::Certificate& ca) const {
    const std::string keyId = toHex(ca.subjectKeyIdentifier());
    std::size_t count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(crlDirectory(), error)) {
        const std::optional<StoredListName> stored = parseStoredListName(entry.path());
        if (stored && stored->deltaNumber && stored->keyId == keyId) ++count;
    }
    return count;
}

} // namespace fmc::terminal
