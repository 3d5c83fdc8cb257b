#pragma once
// `fmc-issue card issue | list | show | revoke | suspend | reinstate | replace | renew | wipe`
// and `fmc-issue recover`.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::issuance {

int runCardCommand(const std::vector<std::string>& args, std::ostream& out);
int runRecoverCommand(const std::vector<std::string>& args, std::ostream& out);

} // namespace fmc::issuance
