#include "card/vcard/vpcd_link.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace fmc::card::vcard {

namespace {

// How often a blocking wait looks at the stop flag (SIGTERM must not wait for vpcd's next
// presence poll).
constexpr int kPollMilliseconds = 100;

void setOption(int fd, int level, int name) {
    const int on = 1;
    ::setsockopt(fd, level, name, &on, sizeof on);
}

int tryConnect(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return -1;
    int connected = -1;
    for (addrinfo* a = found; a != nullptr && connected < 0; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            connected = fd;
        } else {
            ::close(fd);
        }
    }
    ::freeaddrinfo(found);
    return connected;
}

} // namespace

VpcdLink VpcdLink::connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                           const std::atomic<bool>& stop) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const int fd = tryConnect(host, port);
        if (fd >= 0) {
            // vpcd writes the length and the payload separately; without NODELAY on our side
            // and QUICKACK before each read, Nagle and delayed ACKs cost ~44 ms per exchange
            // (pcsc-and-nfc.md).
            setOption(fd, IPPROTO_TCP, TCP_NODELAY);
            return VpcdLink(fd);
        }
        if (stop.load() || std::chrono::steady_clock::now() >= deadline)
            throw VpcdUnreachable("cannot reach the vpcd reader on " + host + ":" + std::to_string(port) +
                                  ": is pcscd running with vsmartcard-vpcd?");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

VpcdLink& VpcdLink::operator=(VpcdLink&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

void VpcdLink::close() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

VpcdLink::ReceiveStatus VpcdLink::readExactly(std::uint8_t* out, std::size_t count, const std::atomic<bool>& stop) {
    std::size_t have = 0;
    while (have < count) {
        if (stop.load()) return ReceiveStatus::stopped;
        pollfd waiting{fd_, POLLIN, 0};
        const int ready = ::poll(&waiting, 1, kPollMilliseconds);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) throw VpcdLinkError(std::string("poll on the vpcd socket: ") + std::strerror(errno));
        if (ready == 0) continue;
        setOption(fd_, IPPROTO_TCP, TCP_QUICKACK);  // Linux clears it after use: set each time
        const ssize_t got = ::recv(fd_, out + have, count - have, 0);
        if (got == 0) return ReceiveStatus::closed;
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            if (errno == ECONNRESET) return ReceiveStatus::closed;
            throw VpcdLinkError(std::string("reading from vpcd: ") + std::strerror(errno));
        }
        have += static_cast<std::size_t>(got);
    }
    return ReceiveStatus::message;
}

VpcdLink::ReceiveStatus VpcdLink::receive(Bytes& message, const std::atomic<bool>& stop) {
    if (fd_ < 0) return ReceiveStatus::closed;
    std::uint8_t header[2];
    if (auto status = readExactly(header, sizeof header, stop); status != ReceiveStatus::message) return status;
    const std::size_t length = static_cast<std::size_t>(header[0]) << 8 | header[1];
    message.assign(length, 0);
    if (length == 0) return ReceiveStatus::message;
    return readExactly(message.data(), length, stop);
}

void VpcdLink::send(ByteView payload) {
    if (payload.size() > 0xFFFF) throw VpcdLinkError("response longer than vpcd's 65535-byte frame");
    // Length and payload in one write: one segment, no Nagle wait on our side.
    Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    std::size_t sent = 0;
    while (sent < frame.size()) {
        const ssize_t put = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (put < 0 && errno == EINTR) continue;
        if (put < 0) throw VpcdLinkError(std::string("writing to vpcd: ") + std::strerror(errno));
        sent += static_cast<std::size_t>(put);
    }
}

} // namespace fmc::card::vcard
