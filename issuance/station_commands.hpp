#pragma once
// `fmc-issue init`, `trust export`, `root-key export|import`, `crl publish`, `arl publish`,
// `audit verify|show`, `backup`.
#include <ostream>
#include <string>
#include <vector>

namespace fmc::issuance {

int runInitCommand(const std::vector<std::string>& args, std::ostream& out);
int runTrustCommand(const std::vector<std::string>& args, std::ostream& out);
int runRootKeyCommand(const std::vector<std::string>& args, std::ostream& out);
int runCrlCommand(const std::vector<std::string>& args, std::ostream& out);
int runArlCommand(const std::vector<std::string>& args, std::ostream& out);
int runAuditCommand(const std::vector<std::string>& args, std::ostream& out);
int runBackupCommand(const std::vector<std::string>& args, std::ostream& out);

} // namespace fmc::issuance
