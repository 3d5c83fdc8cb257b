// Pulling the card out in the middle of a read gives a typed error: no crash, no hang.
// Requires the `pcscd` ctest fixture; holds the `pcsc_readers` lock.
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "card/transport.hpp"
#include "integration/support/virtual_card_process.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::pcsc;
using fmc::testing::contactCard;
using fmc::testing::contactlessCard;
using fmc::testing::VirtualCardProcess;
using namespace std::chrono_literals;

namespace {

constexpr char kReader0[] = "Virtual PCD 00 00";
const Bytes kSelectPiv = fromHex("00A4040009A00000030800001000");

// What the layer may throw when the card vanishes: the reader saw the removal
// (SCARD_W_REMOVED_CARD / SCARD_E_NOT_TRANSACTED), or it returned fewer than 2 bytes.
bool isRemovalError(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const CardRemovedError&) {
        return true;
    } catch (const CardProtocolError&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "non-std exception";
    }
}

} // namespace

TEST_CASE("remove-after: the card is pulled when the 3rd APDU arrives", "[removal]") {
    VirtualCardProcess card(contactCard(35963, 3));
    PcscContext context;
    PcscCard connection(context, kReader0);
    CHECK(ResponseApdu::parse(connection.transmitRaw(kSelectPiv)).sw() == 0x9000);
    CHECK(ResponseApdu::parse(connection.transmitRaw(kSelectPiv)).sw() == 0x9000);

    std::exception_ptr error;
    const auto started = std::chrono::steady_clock::now();
    try {
        (void)connection.transmitRaw(kSelectPiv);
    } catch (...) {
        error = std::current_exception();
    }
    REQUIRE(error);
    INFO("third exchange: " << describe(error));
    CHECK(isRemovalError(error));
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    CHECK(card.waitForExit(5s) == 0);

    // Every later exchange on this handle fails the same way, promptly.
    CHECK_THROWS_AS(connection.transmitRaw(kSelectPiv), CardError);
    // ... and a new connection finds no card.
    context.waitForRemoval(kReader0, 5s);
    CHECK_THROWS_AS(PcscCard(context, kReader0), NoCardError);
}

TEST_CASE("remove-after during a chained read through CardChannel and PivCard", "[removal]") {
    // Select, then the CHUID read is the card's 2nd command: it vanishes mid-read.
    VirtualCardProcess card(contactCard(35963, 2));
    PcscContext context;
    PcscCard connection(context, kReader0);
    CardChannel channel(connection);
    piv::PivCard piv(channel);
    piv.select();
    std::exception_ptr error;
    try {
        (void)piv.readChuid();
    } catch (...) {
        error = std::current_exception();
    }
    REQUIRE(error);
    INFO("CHUID read: " << describe(error));
    CHECK(isRemovalError(error));
}

TEST_CASE("SIGKILL while a loop of reads runs: typed error, no hang", "[removal]") {
    VirtualCardProcess card(contactCard(35963));
    std::atomic<int> successfulReads{0};
    std::promise<void> enoughReads;
    auto reader = std::async(std::launch::async, [&]() -> std::exception_ptr {
        try {
            PcscContext context;
            PcscCard connection(context, kReader0);
            CardChannel channel(connection);
            piv::PivCard piv(channel);
            for (int i = 0; i < 100000; ++i) {
                piv.select();
                (void)piv.version();
                if (++successfulReads == 20) enoughReads.set_value();
            }
        } catch (...) {
            if (successfulReads < 20) enoughReads.set_value();
            return std::current_exception();
        }
        return nullptr;
    });
    REQUIRE(enoughReads.get_future().wait_for(30s) == std::future_status::ready);
    REQUIRE(successfulReads >= 20);
    card.kill();
    REQUIRE(reader.wait_for(15s) == std::future_status::ready);
    const std::exception_ptr error = reader.get();
    REQUIRE(error);
    INFO("loop ended with: " << describe(error));
    CHECK(isRemovalError(error));
}
