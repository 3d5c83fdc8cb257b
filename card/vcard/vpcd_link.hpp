#pragma once
// The TCP link to vsmartcard's vpcd reader driver inside pcscd. vpcd listens; the card
// connects (= card inserted) and closes (= card removed). Each message both ways is a 2-byte
// big-endian length and a payload; a 1-byte payload from vpcd is a control byte.
#include "crypto/bytes.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace fmc::card::vcard {

// Nothing listens on host:port within the connect timeout: pcscd is down or has no vpcd.
class VpcdUnreachable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The connection broke in a way other than an orderly close.
class VpcdLinkError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class VpcdLink {
public:
    // Tries to connect until `timeout` has passed (pcscd may still be starting), giving up
    // early when `stop` becomes true. Throws VpcdUnreachable.
    static VpcdLink connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                            const std::atomic<bool>& stop);

    VpcdLink(VpcdLink&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    VpcdLink& operator=(VpcdLink&& other) noexcept;
    VpcdLink(const VpcdLink&) = delete;
    VpcdLink& operator=(const VpcdLink&) = delete;
    ~VpcdLink() { close(); }

    enum class ReceiveStatus { message, closed, stopped };
    // Waits for the next message from vpcd. `closed`: vpcd hung up (pcscd stopped or
    // restarted); `stopped`: `stop` became true while waiting.
    ReceiveStatus receive(Bytes& message, const std::atomic<bool>& stop);
    void send(ByteView payload);
    // Closing the socket is how a card leaves the reader.
    void close() noexcept;
    [[nodiscard]] bool isOpen() const { return fd_ >= 0; }

private:
    explicit VpcdLink(int fd) : fd_(fd) {}
    ReceiveStatus readExactly(std::uint8_t* out, std::size_t count, const std::atomic<bool>& stop);
    int fd_ = -1;
};

} // namespace fmc::card::vcard
