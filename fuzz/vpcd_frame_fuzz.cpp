// libFuzzer target: the byte stream pcscd's vpcd driver sends to the virtual card (each
// message a 2-byte big-endian length and a payload; a 1-byte payload is a control byte:
// 00 power off, 01 power on, 02 reset, 04 ATR request; anything longer is a command APDU).
//
// The real code runs unchanged: fmc-vcard's serveCard() connects over TCP to a fake vpcd
// listening on 127.0.0.1 (an ephemeral port, not pcscd's), the harness writes the input into
// that connection, half-closes it (vpcd going away) and reads everything the card sends back.
// serveCard() then logs that vpcd hung up; the harness's log stream sets the stop flag at that
// line, so the server returns instead of reconnecting.
//
// Input: byte 0 chooses --remove-after (1-15: the card leaves when that command APDU arrives,
// else never); the rest is the stream from vpcd.
//
// Invariants, checked against a reference model that parses the same stream itself and feeds a
// second applet in-process:
//   - the card answers exactly the complete frames: one ATR frame (the applet's ATR) per
//     04 request, one response per APDU frame, nothing for power/reset/empty frames, nothing
//     for a truncated last frame; what it sends is well-framed;
//   - each response carries the status word (and length) the in-process applet gives for the
//     same APDU in the same order, power cycles included: framing neither loses, splits nor
//     merges APDUs;
//   - with --remove-after N the card stops at command N unanswered, and serveCard says so;
//   - nothing throws out of serveCard, and the session ends (no hang).
#include "card_vcard_fuzz_support.hpp"

#include "card/vcard/card_server.hpp"
#include "card/vcard/vpcd_link.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ostream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

namespace {

using fmc::Bytes;
using fmc::ByteView;
using fmc::fuzz::vcard::require;
using namespace fmc::card::vcard;

// The fake vpcd: listens once for the whole run.
struct FakeVpcd {
    int listener = -1;
    std::uint16_t port = 0;
    FakeVpcd() {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0 || ::listen(listener, 16) != 0)
            std::abort();
        port = ntohs(address.sin_port);
    }
};

const FakeVpcd& fakeVpcd() {
    static const FakeVpcd instance;
    return instance;
}

// serveCard's log: kept (the masking of APDUs for the log runs on fuzzed bytes too), and the
// line saying vpcd hung up stops the server instead of letting it reconnect.
class StopOnHangUp final : public std::streambuf {
public:
    explicit StopOnHangUp(std::atomic<bool>& stop) : stop_(stop) {}

protected:
    int_type overflow(int_type c) override {
        if (c != traits_type::eof()) line_.push_back(static_cast<char>(c));
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        line_.append(s, static_cast<std::size_t>(n));
        return n;
    }
    int sync() override {
        if (line_.find("vpcd closed the connection") != std::string::npos) stop_.store(true);
        line_.clear();
        return 0;
    }

private:
    std::atomic<bool>& stop_;
    std::string line_;
};

struct Expected {
    std::vector<Bytes> frames;  // ATRs in full; for responses, only SW and length are compared
    std::vector<bool> isAtr;
    bool removed = false;
};

// The reference: vpcd's framing parsed here, the APDUs given to an in-process applet.
Expected model(ByteView stream, std::size_t removeAfter) {
    Expected out;
    PivApplet reference(fmc::fuzz::vcard::blankCard(), nullptr);
    reference.powerCycle();  // serveCard power-cycles on every connection
    std::size_t commands = 0;
    while (stream.size() >= 2) {
        const std::size_t length = static_cast<std::size_t>(stream[0]) << 8 | stream[1];
        if (stream.size() - 2 < length) break;  // truncated: vpcd hung up mid-frame
        const ByteView payload = stream.subspan(2, length);
        stream = stream.subspan(2 + length);
        if (length == 1) {
            if (payload[0] <= 0x02) reference.powerCycle();
            if (payload[0] == 0x04) {
                out.frames.push_back(reference.atr());
                out.isAtr.push_back(true);
            }
            continue;
        }
        if (length == 0) continue;
        if (++commands == removeAfter) {
            out.removed = true;
            break;
        }
        out.frames.push_back(reference.process(payload));
        out.isAtr.push_back(false);
    }
    return out;
}

// Writes the stream and reads the card's answers at the same time (neither side may block
// the other on a full socket buffer), then half-closes and reads to the end.
Bytes talk(int connection, ByteView stream) {
    ::fcntl(connection, F_SETFL, ::fcntl(connection, F_GETFL) | O_NONBLOCK);
    Bytes received;
    std::size_t written = 0;
    bool writing = true;
    for (int idle = 0; idle < 50;) {  // 50 x 100 ms without progress: a hang
        if (writing && written == stream.size()) {
            ::shutdown(connection, SHUT_WR);
            writing = false;
        }
        pollfd waiting{connection, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
        const int ready = ::poll(&waiting, 1, 100);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            ++idle;
            continue;
        }
        idle = 0;
        if (writing && (waiting.revents & POLLOUT) != 0) {
            const ssize_t put = ::send(connection, stream.data() + written, stream.size() - written, MSG_NOSIGNAL);
            if (put > 0) written += static_cast<std::size_t>(put);
            else if (put < 0 && errno != EAGAIN && errno != EINTR) writing = false;  // the card left
        }
        if ((waiting.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            std::uint8_t buffer[4096];
            const ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
            if (got > 0) received.insert(received.end(), buffer, buffer + got);
            else if (got == 0 || (errno != EAGAIN && errno != EINTR)) return received;  // closed or reset
        }
    }
    std::abort();  // the card neither answered nor left
}

std::vector<Bytes> frames(ByteView stream, bool& wellFramed) {
    std::vector<Bytes> out;
    while (stream.size() >= 2) {
        const std::size_t length = static_cast<std::size_t>(stream[0]) << 8 | stream[1];
        if (stream.size() - 2 < length) break;
        out.emplace_back(stream.begin() + 2, stream.begin() + 2 + static_cast<std::ptrdiff_t>(length));
        stream = stream.subspan(2 + length);
    }
    wellFramed = stream.empty();
    return out;
}

// What vpcd sends when pcscd starts and OpenSC looks at the card, framed.
void writeSeeds() {
    using fmc::card::CommandApdu;
    auto frame = [](Bytes& out, const Bytes& payload) {
        out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
        out.push_back(static_cast<std::uint8_t>(payload.size()));
        out.insert(out.end(), payload.begin(), payload.end());
    };
    const Bytes select = CommandApdu(0x00, 0xA4, 0x04, 0x00, Bytes{0xA0, 0x00, 0x00, 0x03, 0x08}, 256).encode();
    const Bytes discovery = CommandApdu(0x00, 0xCB, 0x3F, 0xFF, Bytes{0x5C, 0x01, 0x7E}, 256).encode();
    const Bytes verify = CommandApdu(0x00, 0x20, 0x00, 0x80, Bytes{'1', '2', '3', '4', '5', '6', 0xFF, 0xFF}).encode();
    const Bytes version = CommandApdu(0x00, 0xFD, 0x00, 0x00, {}, 256).encode();

    Bytes startup{0x00};  // never removed
    for (const Bytes& payload : {Bytes{0x01}, Bytes{0x04}, select, discovery, Bytes{0x02}, Bytes{0x04}, select, verify,
                                 Bytes{}, version, Bytes{0x00}})
        frame(startup, payload);
    fmc::fuzz::writeSeed("pcscd_startup", startup);

    Bytes removed{0x02};  // pulled at the second command APDU
    for (const Bytes& payload : {Bytes{0x01}, Bytes{0x04}, select, discovery, version}) frame(removed, payload);
    fmc::fuzz::writeSeed("removed_at_second_apdu", removed);

    Bytes truncated{0x00};  // vpcd hangs up in the middle of a frame
    frame(truncated, Bytes{0x04});
    frame(truncated, select);
    truncated.insert(truncated.end(), {0x00, 0x09, 0x00, 0xCB});
    fmc::fuzz::writeSeed("truncated_frame", truncated);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (fmc::fuzz::seedFolder() != nullptr) {
        writeSeeds();
        std::exit(0);
    }
    std::signal(SIGPIPE, SIG_IGN);  // as fmc-vcard's main does
    (void)fakeVpcd();
    (void)fmc::fuzz::vcard::blankCard();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t removeAfter = data[0] >= 1 && data[0] <= 15 ? data[0] : 0;
    const ByteView stream(data + 1, size - 1);

    PivApplet applet(fmc::fuzz::vcard::blankCard(), nullptr);
    std::atomic<bool> stop{false};
    StopOnHangUp logBuffer(stop);
    std::ostream log(&logBuffer);
    CardServerOptions options;
    options.port = fakeVpcd().port;
    options.connectTimeout = std::chrono::milliseconds(5000);
    options.removeAfter = removeAfter;
    options.log = &log;
    CardServerOutcome outcome = CardServerOutcome::stopped;
    std::thread server([&] {
        try {
            outcome = serveCard(applet, options, stop);
        } catch (...) {
            std::abort();
        }
    });

    // libFuzzer's -timeout alarm interrupts system calls: EINTR is not the card's doing.
    pollfd waiting{fakeVpcd().listener, POLLIN, 0};
    int ready = 0;
    do {
        ready = ::poll(&waiting, 1, 5000);
    } while (ready < 0 && errno == EINTR);
    if (ready != 1) std::abort();  // the card never came
    int connection = -1;
    do {
        connection = ::accept(fakeVpcd().listener, nullptr, nullptr);
    } while (connection < 0 && errno == EINTR);
    if (connection < 0) std::abort();
    const Bytes received = talk(connection, stream);
    ::close(connection);
    server.join();

    const Expected expected = model(stream, removeAfter);
    bool wellFramed = false;
    const std::vector<Bytes> got = frames(received, wellFramed);
    require(wellFramed);
    require((outcome == CardServerOutcome::removedOnRequest) == expected.removed);
    // After a removal the connection is reset: answers still in flight may be lost, never added.
    if (expected.removed) require(got.size() <= expected.frames.size());
    else require(got.size() == expected.frames.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const Bytes& mine = got[i];
        const Bytes& theirs = expected.frames[i];
        if (expected.isAtr[i]) {
            require(mine == theirs);
            continue;
        }
        require(mine.size() == theirs.size() && mine.size() >= 2);
        require(mine[mine.size() - 2] == theirs[theirs.size() - 2] && mine.back() == theirs.back());
    }
    return 0;
}
