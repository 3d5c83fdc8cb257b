#include "terminal/service_point.hpp"

#include "card/atr.hpp"
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/pcsc/pcsc_transaction.hpp"
#include "db/tap_log.hpp"

#include <thread>

namespace fmc::terminal {

namespace pki = crypto::pki;
using SteadyClock = std::chrono::steady_clock;

namespace {

// How long each wait lasts before the watch loop looks at `stop` again.
constexpr std::chrono::milliseconds kPollInterval{500};

catalog::CardInterface interfaceOf(const card::pcsc::PcscCard& card) {
    return card.cardInterface() == card::CardInterface::contactless ? catalog::CardInterface::contactless
                                                                    : catalog::CardInterface::contact;
}

} // namespace

ServicePoint::ServicePoint(const TerminalHome& home, std::string_view serviceCode)
    : catalog_(home.loadCatalog()), trust_(home.loadTrust()) {
    service_ = catalog_.findService(serviceCode);
    if (service_ == nullptr) throw TerminalError("unknown service '" + std::string(serviceCode) + "' (see 'services list')");
    revocations_ = home.loadRevocations(trust_, problems_);
    verifier_ = std::make_unique<pki::CardVerifier>(
        trust_, std::chrono::duration_cast<std::chrono::seconds>(service_->maxCrlAge));
    log_ = std::make_unique<db::TapLog>(home.tapLogPath());
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    try {
        (void)log_->purgeOlderThan(now - std::chrono::hours(24) * home.config().tapRetentionDays);
    } catch (const std::exception& error) {
        logProblem_ = error.what();
    }
}

ServicePoint::~ServicePoint() = default;

void ServicePoint::record(const Decision& decision) {
    try {
        log_->record(db::TapRecord{std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()),
                                   decision.serial, decision.service, decision.granted ? "granted" : "denied",
                                   decision.reason, decision.cardInterface, decision.elapsedMs});
        logProblem_.clear();
    } catch (const std::exception& error) {
        logProblem_ = error.what();
    }
}

Decision ServicePoint::tap(card::pcsc::PcscContext& context, const std::string& readerName,
                           std::optional<std::chrono::system_clock::time_point> at) {
    const auto started = SteadyClock::now();
    Decision decision;
    try {
        card::pcsc::PcscCard card(context, readerName);
        const catalog::CardInterface cardInterface = interfaceOf(card);
        try {
            card::pcsc::PcscTransaction transaction(card);
            card::CardChannel channel(card);
            const CardReading reading = readMerchantCard(channel);
            const pki::Verdict verdict = verifier_->verify(reading.certificateDer, at.value_or(std::chrono::system_clock::now()),
                                                           revocations_, reading.challenge, reading.signature);
            decision = decide(reading, verdict, *service_, cardInterface);
        } catch (const CardReadError& error) {
            decision = refuseUnread(error, *service_, cardInterface);
        } catch (const card::pcsc::CardRemovedError& error) {  // e.g. while starting the transaction
            decision = refuseUnread(CardReadError(ReadFailure::cardRemoved, error.what()), *service_, cardInterface);
        }
    } catch (const card::pcsc::NoCardError& error) {  // gone before we could connect
        decision = refuseUnread(CardReadError(ReadFailure::cardRemoved, error.what()), *service_,
                                catalog::CardInterface::contact);
        decision.cardInterface.clear();
    }
    decision.readerName = readerName;
    decision.elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count();
    record(decision);
    return decision;
}

void ServicePoint::watch(const std::optional<std::string>& readerFilter, const std::atomic<bool>& stop,
                         const std::function<void(const Decision&)>& onDecision,
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
                    if (sawReader) notice("no reader" + (filter.empty() ? "" : " matching '" + filter + "'") + "; waiting for one");
                    sawReader = false;
                    continue;
                }
                sawReader = true;
                onDecision(tap(context, state.name));
                // One decision per presentation: wait until this card leaves.
                while (!stop) {
                    try {
                        context.waitForRemoval(state.name, kPollInterval);
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
