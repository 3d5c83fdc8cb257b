#pragma once
// What the station's commands share: the --home/--operator/--json options, opening the
// station, the JSON and text forms of registry records, and the exit codes of the station's
// own errors.
#include "cli/program_options.hpp"
#include "db/records.hpp"
#include "db/utc_text.hpp"
#include "issuance/card_issuance.hpp"
#include "issuance/station.hpp"

#include <nlohmann/json.hpp>

#include <exception>
#include <optional>
#include <string>

#include "card/exit_codes.hpp"

namespace fmc::issuance {

namespace po = boost::program_options;

// --home and --json; with `changesRegistry` also --operator.
void addStationOptions(po::options_description& options, bool changesRegistry);
[[nodiscard]] Station openStation(const po::variables_map& values);
[[nodiscard]] std::filesystem::path stationHome(const po::variables_map& values);
[[nodiscard]] db::Operator operatorOf(const po::variables_map& values);
[[nodiscard]] bool jsonWanted(const po::variables_map& values);

// "2026-11-29" (times are db::formatUtc)
[[nodiscard]] std::string isoDate(db::Timestamp time);
[[nodiscard]] db::Timestamp now();

[[nodiscard]] nlohmann::json merchantJson(const db::Merchant& merchant);
[[nodiscard]] nlohmann::json cardJson(const db::Card& card);
[[nodiscard]] std::string cardLine(const db::Card& card);

// Rolled-back issuances, as the issuing commands report them before their own result.
void printRecoveries(std::ostream& out, const std::vector<RecoveryReport>& reports);
[[nodiscard]] nlohmann::json recoveriesJson(const std::vector<RecoveryReport>& reports);

// Progress of an issuance: "  [ 3/11] <description> ... done (12 ms)", one line per step.
// `stepOpen` says a line was started and waits for its outcome (the caller ends it with
// " failed" when the issuance throws).
[[nodiscard]] StepListener stepProgress(std::ostream& progress, bool& stepOpen,
                                        std::string_view (*describe)(std::string_view step));

// The exit codes of the station's errors: invalid input 65, busy 75, wrong passphrase 77.
[[nodiscard]] std::optional<ExitCode> stationExitCode(const std::exception& error);

} // namespace fmc::issuance
