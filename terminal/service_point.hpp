#pragma once
// A service point offering one service: everything a tap needs, loaded once (trust anchors,
// CRLs, the service's policy, the verifier with its cached issuer checks, the tap log), so
// each tap costs only the card's APDUs and one signature check.
#include "catalog/services_catalog.hpp"
#include "terminal/card_presentation.hpp"
#include "terminal/tap_decision.hpp"
#include "terminal/terminal_home.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fmc::card::pcsc {
class PcscContext;
}
namespace fmc::db {
class TapLog;
}

namespace fmc::terminal {

class ServicePoint {
public:
    // Throws TerminalError for a service the catalog does not list.
    ServicePoint(const TerminalHome& home, std::string_view serviceCode);
    ~ServicePoint();
    ServicePoint(const ServicePoint&) = delete;
    ServicePoint& operator=(const ServicePoint&) = delete;

    [[nodiscard]] const catalog::Service& service() const { return *service_; }
    // Stored CRLs that no longer verified when loaded (their CA then counts as without CRL).
    [[nodiscard]] const std::vector<std::string>& problems() const { return verifier_.problems(); }

    // Reads the card in `readerName`, decides and logs the decision. A card that leaves
    // mid-read is a `card-removed` decision; pcscd itself failing throws the PC/SC error.
    // `at` replaces the clock for the verdict (diagnostics: "what would this terminal decide
    // then?"); the tap log keeps the real time.
    Decision tap(card::pcsc::PcscContext& context, const std::string& readerName,
                 std::optional<std::chrono::system_clock::time_point> at = std::nullopt);

    // Decides for every card inserted or tapped in a matching reader until `stop` is set:
    // one decision per presentation (the card must leave before it counts again). Survives
    // a card pulled mid-read, a reader unplugged and plugged again, and pcscd restarting;
    // `notice` hears about those.
    void watch(const std::optional<std::string>& readerFilter, const std::atomic<bool>& stop,
               const std::function<void(const Decision&)>& onDecision,
               const std::function<void(const std::string&)>& notice);

    // The last failure to write the tap log, if any (a decision is never lost for it).
    [[nodiscard]] const std::string& logProblem() const { return logProblem_; }

private:
    void record(const Decision& decision);

    catalog::ServicesCatalog catalog_;
    const catalog::Service* service_ = nullptr;
    OfflineVerifier verifier_;
    std::unique_ptr<db::TapLog> log_;
    std::string logProblem_;
};

} // namespace fmc::terminal
