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
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace fmc::card::pcsc {
class PcscContext;
}

namespace fmc::terminal {

// Trust anchors, CRLs and the verifier (with its cached issuer checks), loaded once; the CRLs
// are loaded again when the terminal folder's crls/ changed (a `crl sync` or `crl import` by
// another process), so a running watch or kiosk uses new lists from its next card on. The
// check is one stat() per card, plus a load while the folder's last change is under 2 s old
// (its time has tick granularity). Lists where any CA's number went down are not taken.
class OfflineVerifier {
public:
    OfflineVerifier(const TerminalHome& home, std::chrono::seconds maxCrlAge);
    OfflineVerifier(const OfflineVerifier&) = delete;
    OfflineVerifier& operator=(const OfflineVerifier&) = delete;

    [[nodiscard]] crypto::pki::Verdict verify(const CardReading& reading, std::chrono::system_clock::time_point at) const;
    [[nodiscard]] crypto::pki::Verdict verify(const TagReading& reading, std::chrono::system_clock::time_point at) const;
    // Stored CRLs that no longer verified when last loaded (their CA then counts as without
    // CRL). The reference stays valid until the next reload (the next verify, on this thread).
    [[nodiscard]] const std::vector<std::string>& problems() const;
    // Reloads the CRLs if crls/ changed since they were loaded, or changed under 2 s ago; true
    // when it loaded (even if it kept the lists in use because a number went down).
    bool reloadIfChanged() const;
    // How many times the CRLs were loaded (1 after construction).
    [[nodiscard]] std::size_t loadCount() const;

private:
    // Called with mutex_ held.
    void load() const;

    TerminalHome home_;
    crypto::pki::TrustStore trust_;
    std::unique_ptr<crypto::pki::CardVerifier> verifier_;
    // verify() may run on another thread than the one reading loadCount().
    mutable std::mutex mutex_;
    mutable std::vector<std::string> problems_;
    mutable crypto::pki::RevocationState revocations_;
    mutable std::optional<std::filesystem::file_time_type> loadedStamp_;
    mutable std::size_t loadCount_ = 0;
};

// A card (or an NFC tag) read from a reader, or why it could not be: exactly one of
// reading, tagReading and failure is set.
struct Presentation {
    std::optional<catalog::CardInterface> cardInterface;  // unknown when the card left first
    std::optional<CardReading> reading;
    std::optional<TagReading> tagReading;
    std::optional<CardReadError> failure;
    std::size_t exchanges = 0;  // APDU exchanges before a failure (a reading counts its own)
};

// A card that stops answering holds SCardTransmit without limit. Card I/O that must end in
// time runs through runWithCardDeadline: `work` runs on a thread of its own (opening its own
// PcscContext, owning everything it uses: it may outlive the call); nullopt when it has not
// finished within the deadline, and the thread is left to end when pcscd gives up on the
// card (it is removed, or pcscd stops). Exceptions from `work` are rethrown.
// A tap takes 30-60 ms on the virtual card and well under a second on real cards (ECDSA P-256
// on a JavaCard: about 0.2 s); a card still busy after 5 s is not going to answer.
inline constexpr std::chrono::seconds kCardDeadline{5};
template <class Result>
[[nodiscard]] std::optional<Result> runWithCardDeadline(std::function<Result()> work);
// Card reads still running past their deadline. A process must not run its static
// destructors under them (OpenSSL's and pcsc-lite's): main() ends with _Exit while any are.
[[nodiscard]] int cardReadsStillRunning();

// Connects (shared), reads the card inside one transaction and disconnects. A card that
// leaves at any point is a `cardRemoved` failure, one that does not answer within 5 s an
// `unreadable` one; pcscd itself failing throws. `context` serves only to see whether a card
// that gave a garbled answer has left: the read has a context (and thread) of its own.
[[nodiscard]] Presentation readPresentedCard(card::pcsc::PcscContext& context, const std::string& readerName);

// Calls `onPresented` once per card presentation in a matching reader (the card must leave
// before it counts again) and `onRemoved` when it leaves, until `stop` is set. Survives a
// card pulled mid-read, a reader unplugged and plugged again, and pcscd restarting; `notice`
// hears about those.
void watchPresentations(const std::optional<std::string>& readerFilter, const std::atomic<bool>& stop,
                        const std::function<void(card::pcsc::PcscContext&, const std::string&)>& onPresented,
                        const std::function<void(const std::string&)>& onRemoved,
                        const std::function<void(const std::string&)>& notice);

namespace detail {
// Counts a read thread in and out (cardReadsStillRunning).
void cardReadStarted();
void cardReadEnded();
} // namespace detail

template <class Result>
std::optional<Result> runWithCardDeadline(std::function<Result()> work) {
    auto outcome = std::make_shared<std::promise<Result>>();
    std::future<Result> result = outcome->get_future();
    detail::cardReadStarted();
    try {
        std::thread([outcome, work = std::move(work)] {
            try {
                outcome->set_value(work());
            } catch (...) {
                outcome->set_exception(std::current_exception());
            }
            detail::cardReadEnded();
        }).detach();
    } catch (const std::system_error&) {  // no thread to be had: the card is not read
        detail::cardReadEnded();
        throw;
    }
    if (result.wait_for(kCardDeadline) != std::future_status::ready) return std::nullopt;
    return result.get();
}

} // namespace fmc::terminal
