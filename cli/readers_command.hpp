#pragma once
// `fmc-terminal readers` and `fmc-issue readers`: each reader, what card is in it, whether it
// holds a PIV application, whether it is one of ours and from an issuer trusted here, and
// what to do about the common failures (card/reader_hints.hpp).
#include "crypto/pki/certificate.hpp"

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::cli {

// The issuing CAs a program trusts, for "issued by a CA trusted here".
struct TrustedIssuers {
    // nullopt: none loaded here (trust unknown); `description` says why.
    std::optional<std::vector<crypto::pki::Certificate>> issuingCas;
    // "2 issuing CA(s) from /srv/terminal/trust.pem", "none loaded (no terminal folder: ...)".
    std::string description;
};

// How a program finds its trust anchors: the terminal folder, the station folder.
struct TrustSource {
    std::string homeHelp;  // the --home option's help text
    // Gets --home when given; loads what that folder (or the default) trusts. May throw: the
    // command then reports the trust as unknown with the error, and still lists the readers.
    std::function<TrustedIssuers(const std::optional<std::string>& homeOption)> load;
};

// Parses the subcommand's arguments (after "readers") and prints the survey to `out`.
// Throws boost::program_options::error for bad flags, card::CardError subclasses for
// pcscd / reader / card trouble (main maps both to exit codes); the messages of "pcscd not
// running" and "no reader" end with a hint. Without a trust source, trust is unknown.
int runReadersCommand(std::string_view program, const std::vector<std::string>& args,
                      std::ostream& out, const TrustSource& trust = {});

} // namespace fmc::cli
