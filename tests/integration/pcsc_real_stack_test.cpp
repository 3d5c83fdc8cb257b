// Our PC/SC layer against the real stack: pcscd + the vpcd reader driver + fmc-vcard.
// Requires the `pcscd` ctest fixture; holds the `pcsc_readers` lock.
#include "card/atr.hpp"
#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/pcsc/pcsc_transaction.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "card/transport.hpp"
#include "integration/support/virtual_card_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <future>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::pcsc;
using fmc::testing::contactCard;
using fmc::testing::contactlessCard;
using fmc::testing::VirtualCardProcess;
using namespace std::chrono_literals;

namespace {

constexpr char kReader0[] = "Virtual PCD 00 00";
constexpr char kReader1[] = "Virtual PCD 00 01";

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

const ReaderState& stateOf(const std::vector<ReaderState>& states, const std::string& name) {
    for (const auto& state : states)
        if (state.name == name) return state;
    throw std::runtime_error("reader '" + name + "' not listed");
}

void selectPiv(PcscCard& card) {
    CardChannel channel(card);
    piv::PivCard piv(channel);
    const auto properties = piv.select();
    CHECK_FALSE(properties.applicationIdentifier.empty());
}

} // namespace

TEST_CASE("listReaders shows both virtual readers", "[pcsc]") {
    PcscContext context;
    const auto readers = context.listReaders();
    CHECK(contains(readers, kReader0));
    CHECK(contains(readers, kReader1));
    const auto states = context.readerStates();
    CHECK_FALSE(stateOf(states, kReader1).cardPresent);
}

TEST_CASE("findReader matches a case-insensitive substring and names the readers it saw", "[pcsc]") {
    PcscContext context;
    CHECK(context.findReader("virtual pcd 00 01") == kReader1);
    CHECK(context.findReader("PCD 00 00") == kReader0);
    try {
        (void)context.findReader("NoSuchReader");
        FAIL("findReader accepted a name no reader has");
    } catch (const NoReaderError& error) {
        CHECK_THAT(error.what(), Catch::Contains("NoSuchReader") && Catch::Contains(kReader0) &&
                                     Catch::Contains(kReader1));
    }
}

TEST_CASE("connecting to an empty reader is NoCardError", "[pcsc]") {
    PcscContext context;
    CHECK_THROWS_AS(PcscCard(context, kReader1), NoCardError);
}

TEST_CASE("a contact card: contact ATR, PIV answers, no contactless UID", "[pcsc]") {
    VirtualCardProcess card(contactCard(35963));
    PcscContext context;
    const auto state = stateOf(context.readerStates(), kReader0);
    REQUIRE(state.cardPresent);

    PcscCard connection(context, kReader0);
    CHECK(connection.atr() == state.atr);
    CHECK(connection.cardInterface() == CardInterface::contact);
    CHECK(describeAtr(connection.atr()).kind == AtrKind::contactCard);
    CHECK(connection.protocol() == CardProtocol::t1);
    selectPiv(connection);
    try {
        (void)connection.contactlessUid();
        FAIL("a contact card gave a contactless UID");
    } catch (const CardStatusError& error) {
        CHECK(error.sw() == 0x6E00);
    }
}

TEST_CASE("a contactless card: contactless ATR and the UID given with --uid", "[pcsc]") {
    VirtualCardProcess card(contactlessCard(35964, "04A1B2C3D4E5F6"));
    PcscContext context;
    PcscCard connection(context, context.findReader("pcd 00 01"));
    const AtrDescription description = describeAtr(connection.atr());
    CHECK(description.cardInterface == CardInterface::contactless);
    CHECK(description.kind == AtrKind::contactlessApduCard);
    CHECK(connection.cardInterface() == CardInterface::contactless);
    CHECK(connection.contactlessUid() == fromHex("04A1B2C3D4E5F6"));
    selectPiv(connection);
}

TEST_CASE("both virtual readers hold a card at once", "[pcsc]") {
    VirtualCardProcess contact(contactCard(35963));
    VirtualCardProcess contactless(contactlessCard(35964, "11223344"));
    PcscContext context;
    const auto states = context.readerStates();
    CHECK(stateOf(states, kReader0).cardPresent);
    CHECK(stateOf(states, kReader1).cardPresent);

    PcscCard first(context, kReader0);
    PcscCard second(context, kReader1);
    // Interleaved exchanges: the two cards are independent.
    for (int round = 0; round < 3; ++round) {
        selectPiv(first);
        selectPiv(second);
    }
    CHECK(second.contactlessUid() == fromHex("11223344"));
}

TEST_CASE("waitForCard sees an insertion and waitForRemoval a removal", "[pcsc]") {
    PcscContext context;
    REQUIRE_FALSE(stateOf(context.readerStates(), kReader1).cardPresent);
    auto inserted = std::async(std::launch::async, [&] { return context.waitForCard("pcd 00 01", 15s); });
    // Nothing there yet: the wait is still going.
    CHECK(inserted.wait_for(300ms) == std::future_status::timeout);

    auto card = std::make_unique<VirtualCardProcess>(contactCard(35964));
    const ReaderState state = inserted.get();
    CHECK(state.name == kReader1);
    CHECK(state.cardPresent);
    CHECK_FALSE(state.atr.empty());

    PcscContext watcher;
    auto removed = std::async(std::launch::async, [&] { watcher.waitForRemoval(kReader1, 15s); });
    CHECK(removed.wait_for(300ms) == std::future_status::timeout);
    card.reset();  // SIGTERM: the card leaves the reader
    CHECK_NOTHROW(removed.get());
}

TEST_CASE("waits end with typed errors: timeout, no reader, cancel", "[pcsc]") {
    PcscContext context;
    CHECK_THROWS_AS(context.waitForCard("pcd 00 01", 200ms), NoCardError);
    CHECK_THROWS_AS(context.waitForCard("no such reader", 200ms), NoReaderError);

    auto waiting = std::async(std::launch::async, [&] { return context.waitForCard("pcd 00 01", 30s); });
    REQUIRE(waiting.wait_for(200ms) == std::future_status::timeout);
    context.cancel();
    REQUIRE(waiting.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_AS(waiting.get(), PcscCancelled);
}

TEST_CASE("waitForRemoval times out while the card stays", "[pcsc]") {
    VirtualCardProcess card(contactCard(35963));
    PcscContext context;
    CHECK_THROWS_AS(context.waitForRemoval(kReader0, 300ms), PcscTimeout);
}

TEST_CASE("exclusive while shared is a SharingViolation", "[pcsc]") {
    VirtualCardProcess card(contactCard(35963));
    PcscContext context;
    PcscCard shared(context, kReader0);
    PcscContext other;
    CHECK_THROWS_AS(PcscCard(other, kReader0, ShareMode::exclusive), SharingViolation);
}

TEST_CASE("a transaction keeps other handles out until its destructor ends it", "[pcsc]") {
    VirtualCardProcess card(contactCard(35963));
    PcscContext firstContext;
    PcscContext secondContext;
    PcscCard first(firstContext, kReader0);
    PcscCard second(secondContext, kReader0);

    std::future<void> secondTransaction;
    {
        PcscTransaction transaction(first);
        selectPiv(first);
        secondTransaction = std::async(std::launch::async, [&] {
            PcscTransaction other(second);
            selectPiv(second);
        });
        // The other handle blocks in SCardBeginTransaction while ours is open.
        CHECK(secondTransaction.wait_for(500ms) == std::future_status::timeout);
        selectPiv(first);
    }
    REQUIRE(secondTransaction.wait_for(10s) == std::future_status::ready);
    CHECK_NOTHROW(secondTransaction.get());
}

TEST_CASE("the same card out and in again keeps its state file", "[pcsc]") {
    VirtualCardProcess card(contactCard(35963));
    const auto stateFile = card.stateFile();
    card.restart();
    CHECK(card.stateFile() == stateFile);
    PcscContext context;
    PcscCard connection(context, kReader0);
    selectPiv(connection);
}
