#pragma once
// The service point's folder, chosen with `--home DIR` or FMC_TERMINAL_HOME:
//   terminal.json      the configuration (services catalog, tap-log retention)
//   trust.pem          the trust anchors from `fmc-issue trust export`
//   services.json      the services catalog, when `setup --services` gave one
//   crls/<ca-key-id>.der  the newest complete CRL (or ARL) of each CA, as imported
//   crls/<ca-key-id>.delta-<N>.der  delta CRLs applied on top of it, in ascending N
//   taps.sqlite        the tap log: time, serial, service, decision, reason; no names
// Nothing here is secret: a terminal holds no keys at all.
#include "catalog/services_catalog.hpp"
#include "crypto/bytes.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fmc::terminal {

// A set-up problem the operator fixes: no terminal folder, no trust, an unknown service.
class TerminalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr const char* terminalHomeEnvironmentVariable = "FMC_TERMINAL_HOME";

// `--home` when given, else FMC_TERMINAL_HOME; throws TerminalError when neither is set.
[[nodiscard]] std::filesystem::path resolveTerminalHome(const std::optional<std::string>& homeOption);

struct TerminalConfig {
    std::string servicesCatalog;  // empty: the catalog shipped with the terminal
    int tapRetentionDays = 90;
};

// What a CRL import did.
struct ImportedCrl {
    std::string issuer;
    std::uint64_t crlNumber = 0;          // the list now held: the delta's number after a delta
    std::uint64_t completeCrlNumber = 0;  // the complete CRL under any deltas
    bool delta = false;
    std::chrono::system_clock::time_point thisUpdate;
    std::chrono::system_clock::time_point nextUpdate;
    std::size_t entries = 0;
    // Housekeeping that failed after the list was stored (a superseded file not removed): the
    // import itself succeeded; the next load passes over such leftovers.
    std::vector<std::string> warnings;
};

class TerminalHome {
public:
    // Creates (or re-does) the folder: copies the trust bundle (checked first) and the
    // services catalog (checked first) into it. CRLs and the tap log are kept.
    static TerminalHome setup(const std::filesystem::path& home, const std::filesystem::path& trustFile,
                              const std::optional<std::filesystem::path>& servicesFile, int tapRetentionDays);
    // Throws TerminalError when `home` was never set up.
    static TerminalHome open(const std::filesystem::path& home);

    [[nodiscard]] const std::filesystem::path& path() const { return home_; }
    [[nodiscard]] const TerminalConfig& config() const { return config_; }
    [[nodiscard]] std::filesystem::path tapLogPath() const { return home_ / "taps.sqlite"; }

    [[nodiscard]] crypto::pki::TrustStore loadTrust() const;
    [[nodiscard]] catalog::ServicesCatalog loadCatalog() const;
    // Every stored list, each verified again against `trust`, with its CA's stored deltas
    // applied in ascending order. A stored file that no longer verifies is left out (a
    // complete CRL: its CA then has no CRL, terminals fail closed; a delta: the list stays at
    // the one before) and named in `problems`. Deltas no newer than their complete CRL are
    // leftovers of an interrupted replacement and are passed over silently. Holds a shared
    // flock on the folder while reading, so an import never shows half done.
    [[nodiscard]] crypto::pki::RevocationState loadRevocations(const crypto::pki::TrustStore& trust,
                                                               std::vector<std::string>& problems) const;
    // Verifies the list (complete or delta) against the trust anchors, refuses one not newer
    // than the one held, a delta whose base is above it (the pki errors say which), then
    // stores it: a delta next to its complete CRL, a complete CRL replacing the CA's complete
    // CRL and deltas. A delta based on the stored complete CRL (BaseCRLNumber <= its number)
    // says everything alone, so the CA's other deltas are deleted: the chain stays one file. The previous list stays on any error. Importers of one folder (other
    // processes too) take turns through an flock on the folder.
    ImportedCrl importCrl(const std::filesystem::path& file);
    ImportedCrl importCrl(ByteView der);
    // How many deltas are stored on top of `ca`'s complete CRL.
    [[nodiscard]] std::size_t storedDeltaCount(const crypto::pki::Certificate& ca) const;
    // Where the lists live; a running terminal reloads them when this folder changes.
    [[nodiscard]] std::filesystem::path crlDirectory() const { return home_ / "crls"; }

private:
    TerminalHome(std::filesystem::path home, TerminalConfig config);
    // loadRevocations without the lock, for importCrl, which holds the exclusive one.
    [[nodiscard]] crypto::pki::RevocationState loadRevocationsUnlocked(const crypto::pki::TrustStore& trust,
                                                                       std::vector<std::string>& problems) const;

    std::filesystem::path home_;
    TerminalConfig config_;
};

} // namespace fmc::terminal
