#pragma once
// What every kind of terminal does with a presented card, whatever it decides afterwards
// (a service point's yes/no, the kiosk's status page): verify it offline with what the
// terminal folder holds, read it from a reader, and follow cards arriving and leaving.
#include "catalog/services_catalog.hpp"
#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"
#include "terminal/card_reading.hpp"
#include "terminal/terminal_home.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fmc::card::pcsc {
class PcscContext;
}

namespace fmc::terminal {

// Trust anchors, CRLs and the verifier (with its cached issuer checks), loaded once.
class OfflineVerifier {
public:
    OfflineVerifier(const TerminalHome& home, std::chrono::seconds maxCrlAge);
    OfflineVerifier(const OfflineVerifier&) = delete;
    OfflineVerifier& operator=(const OfflineVerifier&) = delete;

    [[nodiscard]] crypto::pki::Verdict verify(const CardReading& reading, std::chrono::system_clock::time_point at) const;
    // Stored CRLs that no longer verified when loaded (their CA then counts as without CRL).
    [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

private:
    crypto::pki::TrustStore trust_;
    std::vector<std::string> problems_;
    crypto::pki::RevocationState revocations_;
    std::unique_ptr<crypto::pki::CardVerifier> verifier_;
};

// A card read from a reader, or why it could not be.
struct Presentation {
    std::optional<catalog::CardInterface> cardInterface;  // unknown when the card left first
    std::optional<CardReading> reading;
    std::optional<CardReadError> failure;
    std::size_t exchanges = 0;  // APDU exchanges before a failure (a reading counts its own)
};

// Connects (shared), reads the card inside one transaction and disconnects. A card that
// leaves at any point is a `cardRemoved` failure; pcscd itself failing throws.
[[nodiscard]] Presentation readPresentedCard(card::pcsc::PcscContext& context, const std::string& readerName);

// Calls `onPresented` once per card presentation in a matching reader (the card must leave
// before it counts again) and `onRemoved` when it leaves, until `stop` is set. Survives a
// card pulled mid-read, a reader unplugged and plugged again, and pcscd restarting; `notice`
// hears about those.
void watchPresentations(const std::optional<std::string>& readerFilter, const std::atomic<bool>& stop,
                        const std::function<void(card::pcsc::PcscContext&, const std::string&)>& onPresented,
                        const std::function<void(const std::string&)>& onRemoved,
                        const std::function<void(const std::string&)>& notice);

} // namespace fmc::terminal
