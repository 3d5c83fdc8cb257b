#pragma once
// `fmc-issue tag issue`: a low-assurance credential on an NFC tag (tag_issuance.hpp). A tag's
// credential is a card in the registry: `card list | show | revoke | suspend` manage it.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::issuance {

int runTagCommand(const std::vector<std::string>& args, std::ostream& out);

} // namespace fmc::issuance
