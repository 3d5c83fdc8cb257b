// The vpcd link and card server against a fake vpcd: a listening socket on 127.0.0.1 that
// speaks vpcd's framing (2-byte length + payload; 1-byte payloads are control bytes).
#include "vcard_test_support.hpp"

#include "card/vcard/card_server.hpp"
#include "card/vcard/vpcd_link.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <future>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using namespace std::chrono_literals;

namespace {

class FakeVpcd {
public:
    FakeVpcd() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listener_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
        REQUIRE(::listen(listener_, 4) == 0);
    }
    ~FakeVpcd() {
        dropCard();
        ::close(listener_);
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }

    // Waits for the card to connect (= card inserted).
    bool acceptCard(std::chrono::milliseconds timeout = 5s) {
        pollfd waiting{listener_, POLLIN, 0};
        if (::poll(&waiting, 1, static_cast<int>(timeout.count())) != 1) return false;
        connection_ = ::accept(listener_, nullptr, nullptr);
        return connection_ >= 0;
    }
    void dropCard() {
        if (connection_ >= 0) ::close(connection_);
        connection_ = -1;
    }
    // Sends one frame, optionally a byte at a time (vpcd writes length and data separately).
    void send(const Bytes& payload, bool trickle = false) {
        Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size())};
        frame.insert(frame.end(), payload.begin(), payload.end());
        if (!trickle) {
            REQUIRE(::send(connection_, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size()));
            return;
        }
        for (std::uint8_t b : frame) {
            REQUIRE(::send(connection_, &b, 1, MSG_NOSIGNAL) == 1);
            std::this_thread::sleep_for(2ms);
        }
    }
    // Reads one frame; nullopt when the card closed the connection (= card removed).
    std::optional<Bytes> receive() {
        std::uint8_t header[2];
        if (!readExactly(header, 2)) return std::nullopt;
        Bytes payload(static_cast<std::size_t>(header[0]) << 8 | header[1]);
        if (!readExactly(payload.data(), payload.size())) return std::nullopt;
        return payload;
    }
    std::optional<Bytes> exchange(const Bytes& apdu) {
        send(apdu);
        return receive();
    }

private:
    bool readExactly(std::uint8_t* out, std::size_t count) {
        std::size_t have = 0;
        while (have < count) {
            pollfd waiting{connection_, POLLIN, 0};
            if (::poll(&waiting, 1, 5000) != 1) return false;
            const ssize_t got = ::recv(connection_, out + have, count - have, 0);
            if (got <= 0) return false;
            have += static_cast<std::size_t>(got);
        }
        return true;
    }
    int listener_ = -1;
    int connection_ = -1;
    std::uint16_t port_ = 0;
};

struct ServedCard {
    explicit ServedCard(FakeVpcd& vpcd, std::size_t removeAfter = 0) {
        options.port = vpcd.port();
        options.connectTimeout = 3s;
        options.removeAfter = removeAfter;
        outcome = std::async(std::launch::async, [this] { return serveCard(applet, options, stop); });
    }
    ~ServedCard() {
        stop = true;
        if (outcome.valid()) outcome.wait();
    }
    PivApplet applet{CardState::factoryBlank(), {}};
    CardServerOptions options;
    std::atomic<bool> stop{false};
    std::future<CardServerOutcome> outcome;
};

} // namespace

TEST_CASE("the card answers vpcd's ATR poll, control bytes and APDUs", "[vcard][vpcd]") {
    FakeVpcd vpcd;
    ServedCard card(vpcd);
    REQUIRE(vpcd.acceptCard());
    vpcd.send({0x01});  // power on: no reply
    vpcd.send({0x04});
    CHECK(vpcd.receive() == card.applet.atr());
    vpcd.send(hex("00A4040005A000000308"), true);  // in small pieces
    CHECK(toHex(*vpcd.receive()) == "61114F0600001000010079074F05A0000003089000");
    CHECK(vpcd.exchange(hex("00FD000000")) == hex("0504039000"));
    vpcd.send({0x02});  // reset: PIV is no longer selected
    CHECK(vpcd.exchange(hex("00FD000000")) == hex("6985"));
    vpcd.send({0x04});
    CHECK(vpcd.receive() == card.applet.atr());

    // SIGTERM: the card leaves the reader (the socket closes) and serveCard returns.
    card.stop = true;
    REQUIRE(card.outcome.wait_for(3s) == std::future_status::ready);
    CHECK(card.outcome.get() == CardServerOutcome::stopped);
    CHECK_FALSE(vpcd.receive());
}

TEST_CASE("when vpcd hangs up the card reconnects with fresh volatile state", "[vcard][vpcd]") {
    FakeVpcd vpcd;
    ServedCard card(vpcd);
    REQUIRE(vpcd.acceptCard());
    CHECK(vpcd.exchange(hex("00A4040005A000000308"))->size() == 21);
    CHECK(vpcd.exchange(hex("0020008008313233343536FFFF")) == hex("9000"));
    vpcd.dropCard();  // pcscd restarted
    REQUIRE(vpcd.acceptCard());
    CHECK(vpcd.exchange(hex("00FD000000")) == hex("6985"));
    CHECK(vpcd.exchange(hex("00A4040005A000000308"))->size() == 21);
    CHECK(vpcd.exchange(hex("00200080")) == hex("63C3"));  // the PIN must be verified again
}

TEST_CASE("remove-after pulls the card in the middle of an APDU", "[vcard][vpcd]") {
    FakeVpcd vpcd;
    ServedCard card(vpcd, 2);
    REQUIRE(vpcd.acceptCard());
    vpcd.send({0x04});
    CHECK(vpcd.receive());  // control bytes do not count
    CHECK(vpcd.exchange(hex("00A4040005A000000308")));
    CHECK_FALSE(vpcd.exchange(hex("00FD000000")));  // no answer: the socket closed
    REQUIRE(card.outcome.wait_for(3s) == std::future_status::ready);
    CHECK(card.outcome.get() == CardServerOutcome::removedOnRequest);
}

TEST_CASE("an unreachable vpcd is reported after the connect timeout", "[vcard][vpcd]") {
    std::uint16_t port = 0;
    {
        FakeVpcd closedSoon;  // take a free port, then free it again
        port = closedSoon.port();
    }
    PivApplet applet(CardState::factoryBlank(), {});
    CardServerOptions options;
    options.port = port;
    options.connectTimeout = 300ms;
    std::atomic<bool> stop{false};
    const auto start = std::chrono::steady_clock::now();
    try {
        serveCard(applet, options, stop);
        FAIL("serveCard returned without a vpcd");
    } catch (const VpcdUnreachable& e) {
        CHECK(std::string(e.what()) == "cannot reach the vpcd reader on 127.0.0.1:" + std::to_string(port) +
                                           ": is pcscd running with vsmartcard-vpcd?");
    }
    CHECK(std::chrono::steady_clock::now() - start < 3s);
}

TEST_CASE("a stop request while waiting for vpcd ends quietly", "[vcard][vpcd]") {
    std::uint16_t port = 0;
    {
        FakeVpcd closedSoon;
        port = closedSoon.port();
    }
    PivApplet applet(CardState::factoryBlank(), {});
    CardServerOptions options;
    options.port = port;
    options.connectTimeout = 10s;
    std::atomic<bool> stop{false};
    auto outcome = std::async(std::launch::async, [&] { return serveCard(applet, options, stop); });
    std::this_thread::sleep_for(300ms);
    stop = true;
    REQUIRE(outcome.wait_for(3s) == std::future_status::ready);
    CHECK(outcome.get() == CardServerOutcome::stopped);
}
