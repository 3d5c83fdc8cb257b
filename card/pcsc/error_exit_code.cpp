#include "card/pcsc/error_exit_code.hpp"

#include "card/pcsc/pcsc_error.hpp"

namespace fmc::card::pcsc {

ExitCode exitCodeFor(const CardError& error) {
    if (dynamic_cast<const PcscServiceUnavailable*>(&error)) return ExitCode::pcscUnavailable;
    if (dynamic_cast<const NoReaderError*>(&error)) return ExitCode::noReader;
    if (dynamic_cast<const NoCardError*>(&error)) return ExitCode::noCard;
    return ExitCode::cardError;
}

} // namespace fmc::card::pcsc
