#include "terminal/service_point.hpp"

#include "card/pcsc/pcsc_context.hpp"
#include "db/tap_log.hpp"

namespace fmc::terminal {

namespace {

const catalog::Service& requireService(const catalog::ServicesCatalog& catalog, std::string_view code) {
    const catalog::Service* service = catalog.findService(code);
    if (service == nullptr) throw TerminalError("unknown service '" + std::string(code) + "' (see 'services list')");
    return *service;
}

} // namespace

ServicePoint::ServicePoint(const TerminalHome& home, std::string_view serviceCode)
    : catalog_(home.loadCatalog()),
      service_(&requireService(catalog_, serviceCode)),
      verifier_(home, std::chrono::duration_cast<std::chrono::seconds>(service_->maxCrlAge)),
      log_(std::make_unique<db::TapLog>(home.tapLogPath())) {
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
                                   decision.reason, decision.cardInterface, decision.elapsedMs,
                                   decision.assurance});
        logProblem_.clear();
    } catch (const std::exception& error) {
        logProblem_ = error.what();
    }
}

Decision ServicePoint::tap(card::pcsc::PcscContext& context, const std::string& readerName,
                           std::optional<std::chrono::system_clock::time_point> at) {
    const auto started = std::chrono::steady_clock::now();
    const Presentation presentation = readPresentedCard(context, readerName);
    const catalog::CardInterface cardInterface = presentation.cardInterface.value_or(catalog::CardInterface::contact);
    const auto verdictTime = at.value_or(std::chrono::system_clock::now());
    Decision decision =
        presentation.reading      ? decide(*presentation.reading, verifier_.verify(*presentation.reading, verdictTime),
                                           *service_, cardInterface)
        : presentation.tagReading ? decideTag(*presentation.tagReading,
                                              verifier_.verify(*presentation.tagReading, verdictTime), *service_)
                                  : refuseUnread(*presentation.failure, *service_, cardInterface);
    if (!presentation.cardInterface) decision.cardInterface.clear();
    if (presentation.failure) decision.apduExchanges = presentation.exchanges;
    decision.readerName = readerName;
    decision.elapsedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    record(decision);
    return decision;
}

void ServicePoint::watch(const std::optional<std::string>& readerFilter, const std::atomic<bool>& stop,
                         const std::function<void(const Decision&)>& onDecision,
                         const std::function<void(const std::string&)>& notice) {
    watchPresentations(
        readerFilter, stop,
        [&](card::pcsc::PcscContext& context, const std::string& readerName) {
            onDecision(tap(context, readerName));
        },
        [](const std::string&) {}, notice);
}

} // namespace fmc::terminal
