#include "terminal/card_presentation.hpp"

#include "card/atr.hpp"
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/pcsc/pcsc_transaction.hpp"

#include <future>
#include <memory>
#include <thread>

namespace fmc::terminal {

namespace pki = crypto::pki;

namespace {

// How long each wait lasts before the watch loop looks at `stop` again.
constexpr std::chrono::milliseconds kPollInterval{500};
// Generously above any file system's timestamp tick.
constexpr std::chrono::seconds kStampTick{2};
// Card reads still running past their deadline (runWithCardDeadline).
std::atomic<int> readsRunning{0};

} // namespace

namespace {

// The crls folder's modification time: changed by every file renamed into it or removed from
// it, which is how TerminalHome stores and replaces lists. Its granularity is the kernel's
// timestamp tick (a jiffy, some milliseconds, even where the field holds nanoseconds), so two
// changes within one tick can leave it equal: see reloadIfChanged.
std::optional<std::filesystem::file_time_type> stampOf(const std::filesystem::path& folder) {
    std::error_code error;
    const auto stamp = std::filesystem::last_write_time(folder, error);
    if (error) return std::nullopt;
    return stamp;
}

} // namespace

OfflineVerifier::OfflineVerifier(const TerminalHome& home, std::chrono::seconds maxCrlAge)
    : home_(home), trust_(home.loadTrust()) {
    verifier_ = std::make_unique<pki::CardVerifier>(trust_, maxCrlAge);
    const std::lock_guard lock(mutex_);
    load();
}

void OfflineVerifier::load() const {
    // The stamp first: a change while loading makes the next check load again.
    loadedStamp_ = stampOf(home_.crlDirectory());
    std::vector<std::string> problems;
    pki::RevocationState loaded = home_.loadRevocations(trust_, problems);
    if (loadCount_ > 0) {
        // Lists never go backwards (importCrl refuses it): a lower number on disk means files
        // were copied over or restored from a backup. Keep the newer lists held.
        bool wentBack = false;
        for (const auto* cas : {&trust_.issuingCas(), &trust_.roots()})
            for (const pki::Certificate& ca : *cas) {
                const pki::RevocationIndex* before = revocations_.forIssuer(ca.native());
                const pki::RevocationIndex* after = loaded.forIssuer(ca.native());
                if (before && after && after->crlNumber() < before->crlNumber()) {
                    wentBack = true;
                    problems.push_back("crls/ holds list " + std::to_string(after->crlNumber()) + " of " + ca.subject() +
                                       ", older than the list " + std::to_string(before->crlNumber()) +
                                       " in use: kept the lists in use");
                }
            }
        if (wentBack) {
            problems_ = std::move(problems);
            ++loadCount_;
            return;
        }
    }
    revocations_ = std::move(loaded);
    problems_ = std::move(problems);
    ++loadCount_;
}

bool OfflineVerifier::reloadIfChanged() const {
    const std::lock_guard lock(mutex_);
    // A stamp under kStampTick old may still change without a new value (same tick): load
    // again until it is older, so a list stored right after the last load is not missed.
    const bool recent = loadedStamp_ && std::filesystem::file_time_type::clock::now() - *loadedStamp_ < kStampTick;
    if (!recent && stampOf(home_.crlDirectory()) == loadedStamp_) return false;
    load();
    return true;
}

const std::vector<std::string>& OfflineVerifier::problems() const {
    const std::lock_guard lock(mutex_);
    return problems_;
}

std::size_t OfflineVerifier::loadCount() const {
    const std::lock_guard lock(mutex_);
    return loadCount_;
}

pki::Verdict OfflineVerifier::verify(const CardReading& reading, std::chrono::system_clock::time_point at) const {
    (void)reloadIfChanged();
    const std::lock_guard lock(mutex_);
    return verifier_->verify(reading.certificateDer, at, revocations_, reading.challenge, reading.signature);
}

pki::Verdict OfflineVerifier::verify(const TagReading& reading, std::chrono::system_clock::time_point at) const {
    (void)reloadIfChanged();
    const std::lock_guard lock(mutex_);
    return verifier_->verifyTag(reading.credential, reading.uid, at, revocations_);
}

namespace detail {
void cardReadStarted() { ++readsRunning; }
void cardReadEnded() { --readsRunning; }
} // namespace detail

int cardReadsStillRunning() { return readsRunning.load(); }

namespace {

bool isStorageCard(const Bytes& atr) {
    try {
        return card::describeAtr(atr).kind == card::AtrKind::contactlessStorageCard;
    } catch (const card::MalformedAtr&) {
        return false;  // then the PIV read decides what it is
    }
}

// Connects (shared), reads the card inside one transaction and disconnects, on the calling
// thread with its own pcscd context.
Presentation readCardOnce(const std::string& readerName) {
    Presentation presentation;
    try {
        card::pcsc::PcscContext context;
        card::pcsc::PcscCard card(context, readerName);
        presentation.cardInterface = card.cardInterface() == card::CardInterface::contactless
                                         ? catalog::CardInterface::contactless
                                         : catalog::CardInterface::contact;
        card::pcsc::PcscTransaction transaction(card);
        card::CardChannel channel(card);
        try {
            // A storage card (the reader says so in the ATR it builds) speaks no APDUs of its
            // own: it can only be an NFC tag credential.
            if (isStorageCard(card.atr())) presentation.tagReading = readMerchantTag(channel);
            else presentation.reading = readMerchantCard(channel);
        } catch (const CardReadError& error) {
            presentation.failure = error;
            presentation.exchanges = channel.exchangeCount();
        }
    } catch (const CardReadError& error) {
        presentation.failure = error;
    } catch (const card::pcsc::CardRemovedError& error) {  // e.g. while starting the transaction
        presentation.failure = CardReadError(ReadFailure::cardRemoved, error.what());
    } catch (const card::pcsc::NoCardError& error) {  // gone before we could connect
        presentation.failure = CardReadError(ReadFailure::cardRemoved, error.what());
    }
    return presentation;
}

} // namespace

Presentation readPresentedCard(card::pcsc::PcscContext& context, const std::string& readerName) {
    // Past the deadline (a card that stops answering, or keeps asking for more time) the tap
    // is decided as unreadable. pcscd itself failing is rethrown here.
    std::optional<Presentation> read;
    try {
        read = runWithCardDeadline<Presentation>([readerName] { return readCardOnce(readerName); });
    } catch (const std::system_error& error) {  // no thread for the read
        read = Presentation{};
        read->failure = CardReadError(ReadFailure::unreadable, std::string("the card was not read: ") + error.what());
    }
    if (!read) {
        Presentation presentation;
        presentation.failure = CardReadError(ReadFailure::unreadable, "the card did not answer within " +
                                                                          std::to_string(kCardDeadline.count()) + " s");
        return presentation;
    }
    Presentation presentation = std::move(*read);
    // A card pulled mid-APDU can look like a garbled answer (a reader reporting success with
    // no bytes): if the card is gone a moment later (pcscd polls vpcd and USB readers a few
    // times a second), that is what happened.
    if (presentation.failure && presentation.failure->failure() == ReadFailure::unreadable) {
        try {
            context.waitForRemoval(readerName, std::chrono::milliseconds(1000));
            presentation.failure = CardReadError(ReadFailure::cardRemoved,
                                                 std::string(presentation.failure->what()) + "; the card left");
        } catch (const card::pcsc::PcscError&) {  // still there: really unreadable
        }
    }
    return presentation;
}

void watchPresentations(const std::optional<std::string>& readerFilter, const std::atomic<bool>& stop,
                        const std::function<void(card::pcsc::PcscContext&, const std::string&)>& onPresented,
                        const std::function<void(const std::string&)>& onRemoved,
                        const std::function<void(const std::string&)>& notice) {
    const std::string filter = readerFilter.value_or("");
    while (!stop) {
        try {
            card::pcsc::PcscContext context;
            bool sawReader = true;
            while (!stop) {
                card::pcsc::ReaderState state;
                try {
                    state = context.waitForCard(filter, kPollInterval);
                } catch (const card::pcsc::NoCardError&) {
                    sawReader = true;
                    continue;
                } catch (const card::pcsc::NoReaderError&) {
                    if (sawReader)
                        notice("no reader" + (filter.empty() ? "" : " matching '" + filter + "'") + "; waiting for one");
                    sawReader = false;
                    continue;
                }
                sawReader = true;
                onPresented(context, state.name);
                // One presentation counts once: wait until this card leaves.
                while (!stop) {
                    try {
                        context.waitForRemoval(state.name, kPollInterval);
                        onRemoved(state.name);
                        break;
                    } catch (const card::pcsc::PcscTimeout&) {
                    }
                }
            }
        } catch (const card::pcsc::PcscError& error) {
            // pcscd stopped or restarted: a fresh context once it is back.
            notice(std::string("PC/SC: ") + error.what() + "; reconnecting");
            for (int i = 0; i < 4 && !stop; ++i) std::this_thread::sleep_for(kPollInterval / 2);
        }
    }
}

} // namespace fmc::terminal
