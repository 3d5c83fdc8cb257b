// The one table from SCard return codes to typed errors (card/pcsc/pcsc_error.cpp), and the
// exit codes the programs derive from them. No pcscd needed.
#include "card/pcsc/error_exit_code.hpp"
#include "card/pcsc/pcsc_error.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::pcsc;

namespace {

template <typename Expected>
Expected thrownFor(std::uint32_t code, std::string_view call = "SCardTest") {
    try {
        throwPcscError(call, code);
    } catch (const Expected& error) {
        return error;
    }
    FAIL("code " << code << " was not mapped to the expected type");
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("pcscd unavailable codes map to PcscServiceUnavailable and exit code 3", "[pcsc_error]") {
    for (std::uint32_t code : {0x8010001Du /*NO_SERVICE*/, 0x8010001Eu /*SERVICE_STOPPED*/,
                               0x80100013u /*F_COMM_ERROR*/, 0x80100018u /*P_SHUTDOWN*/}) {
        const auto error = thrownFor<PcscServiceUnavailable>(code);
        CHECK(exitCodeFor(error) == ExitCode::pcscUnavailable);
    }
    const auto error = thrownFor<PcscServiceUnavailable>(0x8010001D, "SCardEstablishContext");
    CHECK(std::string(error.what()) == "SCardEstablishContext: pcscd is not running");
    CHECK(error.codeName() == "SCARD_E_NO_SERVICE");
    CHECK(error.call() == "SCardEstablishContext");
    CHECK_FALSE(error.retryable());
}

TEST_CASE("reader codes map to NoReaderError (exit 4), no card to NoCardError (exit 5)", "[pcsc_error]") {
    for (std::uint32_t code : {0x8010002Eu, 0x80100009u, 0x80100017u})
        CHECK(exitCodeFor(thrownFor<NoReaderError>(code)) == ExitCode::noReader);
    const auto noCard = thrownFor<NoCardError>(0x8010000C, "SCardConnect");
    CHECK(std::string(noCard.what()) == "SCardConnect: no smart card in the reader");
    CHECK(exitCodeFor(noCard) == ExitCode::noCard);
}

TEST_CASE("removal, reset, sharing, timeout and cancel have their own types", "[pcsc_error]") {
    CHECK(thrownFor<CardRemovedError>(0x80100069).codeName() == "SCARD_W_REMOVED_CARD");
    CHECK(thrownFor<CardRemovedError>(0x80100016).codeName() == "SCARD_E_NOT_TRANSACTED");
    CHECK(exitCodeFor(thrownFor<CardRemovedError>(0x80100069)) == ExitCode::cardError);
    CHECK(thrownFor<CardResetError>(0x80100068).retryable());
    CHECK(thrownFor<SharingViolation>(0x8010000B).retryable());
    CHECK(thrownFor<PcscTimeout>(0x8010000A).retryable());
    CHECK(thrownFor<PcscCancelled>(0x80100002).codeName() == "SCARD_E_CANCELLED");
    CHECK(thrownFor<CardCommunicationError>(0x80100066).codeName() == "SCARD_W_UNRESPONSIVE_CARD");
}

TEST_CASE("every defined code has a name; unknown codes still give a generic PcscError", "[pcsc_error]") {
    for (std::uint32_t code = 0x80100001; code <= 0x80100031; ++code) {
        if (code == 0x80100022) continue;  // Windows' UNSUPPORTED_FEATURE: not defined by pcsc-lite
        INFO(std::hex << code);
        CHECK(scardCodeName(code).substr(0, 6) == "SCARD_");
    }
    for (std::uint32_t code = 0x80100065; code <= 0x8010006F; ++code) {
        INFO(std::hex << code);
        CHECK(scardCodeName(code).substr(0, 6) == "SCARD_");
    }
    const auto error = thrownFor<PcscError>(0x80109999, "SCardTransmit");
    CHECK(std::string(error.what()) == "SCardTransmit: unknown PC/SC error 0x80109999");
    CHECK(exitCodeFor(error) == ExitCode::cardError);
}

TEST_CASE("the error records the call site and a context for the message", "[pcsc_error]") {
    try {
        throwPcscError("SCardConnect", 0x8010000C, "reader 'Virtual PCD 00 01'");
        FAIL("no throw");
    } catch (const NoCardError& error) {
        CHECK(std::string(error.what()) == "SCardConnect: no smart card in the reader (reader 'Virtual PCD 00 01')");
        CHECK_THAT(error.where().file_name(), Catch::EndsWith("pcsc_error_test.cpp"));
        CHECK(error.where().line() > 0);
    }
}
