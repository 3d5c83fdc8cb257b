#pragma once
// The service point's folder, chosen with `--home DIR` or FMC_TERMINAL_HOME:
//   terminal.json      the configuration (services catalog, tap-log retention)
//   trust.pem          the trust anchors from `fmc-issue trust export`
//   services.json      the services catalog, when `setup --services` gave one
//   crls/<ca-key-id>.der  the newest CRL (or ARL) of each CA, as imported
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
    std::uint64_t crlNumber = 0;
    std::chrono::system_clock::time_point thisUpdate;
    std::chrono::system_clock::time_point nextUpdate;
    std::size_t entries = 0;
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
    // Every stored list, each verified again against `trust`. A stored file that no longer
    // verifies is left out (its CA then has no CRL: terminals fail closed) and named in
    // `problems`.
    [[nodiscard]] crypto::pki::RevocationState loadRevocations(const crypto::pki::TrustStore& trust,
                                                               std::vector<std::string>& problems) const;
    // Verifies `der` against the trust anchors, refuses a list not newer than the one held
    // (the pki errors say which), then stores it. The previous list stays on any error.
    ImportedCrl importCrl(const std::filesystem::path& file);

private:
    TerminalHome(std::filesystem::path home, TerminalConfig config);
    [[nodiscard]] std::filesystem::path crlDirectory() const { return home_ / "crls"; }

    std::filesystem::path home_;
    TerminalConfig config_;
};

} // namespace fmc::terminal
