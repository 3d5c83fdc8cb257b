#pragma once
// Exit codes shared by fmc-issue, fmc-terminal and fmc-vcard. Scripts may rely on them.
namespace fmc {

enum class ExitCode : int {
    ok = 0,
    negative = 1,            // a decision or check that came out "no" (denied, not verified)
    failure = 2,             // an operational error not listed below
    pcscUnavailable = 3,     // pcscd is not running or not reachable
    noReader = 4,            // no reader, or none matching --reader
    noCard = 5,              // the reader holds no card (or none arrived within --wait)
    cardError = 6,           // the card was removed mid-operation or answered wrongly
    usage = 64,              // bad command line (sysexits EX_USAGE)
    invalidInput = 65,       // the data given is refused: unknown code, duplicate, no such record (EX_DATAERR)
    diskError = 74,          // the disk is full or failing: nothing half-done, free space and retry (EX_IOERR)
    busy = 75,               // try again later: the database or the station is locked (EX_TEMPFAIL)
    notPermitted = 77,       // wrong passphrase or PIN for a key store (EX_NOPERM)
};

constexpr int toInt(ExitCode code) { return static_cast<int>(code); }

} // namespace fmc
