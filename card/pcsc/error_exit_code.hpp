#pragma once
// Which exit code (card/exit_codes.hpp) a card-layer failure means to a script. Both programs'
// main() use it, so "pcscd not running", "no reader" and "no card" read the same everywhere.
#include "card/errors.hpp"
#include "card/exit_codes.hpp"

namespace fmc::card::pcsc {

// PcscServiceUnavailable -> 3, NoReaderError -> 4, NoCardError -> 5, anything else from the
// card layer (removed mid-operation, bad answers, status words) -> 6.
[[nodiscard]] ExitCode exitCodeFor(const CardError& error);

} // namespace fmc::card::pcsc
