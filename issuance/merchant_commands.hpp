#pragma once
// `fmc-issue merchant add | list | show | update`.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::issuance {

int runMerchantCommand(const std::vector<std::string>& args, std::ostream& out);

} // namespace fmc::issuance
