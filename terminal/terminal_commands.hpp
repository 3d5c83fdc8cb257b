#pragma once
// The commands of `fmc-terminal`: setup, crl import and sync, check, watch, kiosk, services list, log export.
#include <exception>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "card/exit_codes.hpp"

namespace fmc::terminal {

int runSetupCommand(const std::vector<std::string>& args, std::ostream& out);
int runCrlCommand(const std::vector<std::string>& args, std::ostream& out);
int runCheckCommand(const std::vector<std::string>& args, std::ostream& out);
int runWatchCommand(const std::vector<std::string>& args, std::ostream& out);
int runKioskCommand(const std::vector<std::string>& args, std::ostream& out);
int runServicesCommand(const std::vector<std::string>& args, std::ostream& out);
int runLogCommand(const std::vector<std::string>& args, std::ostream& out);

// Refused CRLs and bad input 65, a locked tap log or an unreachable CRL source 75.
[[nodiscard]] std::optional<ExitCode> terminalExitCode(const std::exception& error);

} // namespace fmc::terminal
