#pragma once
// An established PC/SC context (SCardEstablishContext .. SCardReleaseContext): lists readers,
// picks one by name, and waits for cards to arrive or leave. winscard.h stays in the .cpp.
#include "crypto/bytes.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::card::pcsc {

struct ReaderState {
    std::string name;
    bool cardPresent = false;
    bool inUse = false;        // another handle is connected (shared)
    bool exclusive = false;    // another handle holds it exclusively
    bool mute = false;         // a card is there but does not answer the reset
    Bytes atr;                 // empty when no card
};

class PcscContext {
public:
    // Throws PcscServiceUnavailable when pcscd is not running.
    PcscContext();
    ~PcscContext();
    PcscContext(PcscContext&&) noexcept;
    PcscContext& operator=(PcscContext&&) noexcept;
    PcscContext(const PcscContext&) = delete;
    PcscContext& operator=(const PcscContext&) = delete;

    // Reader names; empty when there is no reader (not an error).
    [[nodiscard]] std::vector<std::string> listReaders() const;
    // Every reader with its current state (does not wait).
    [[nodiscard]] std::vector<ReaderState> readerStates() const;
    // The first reader whose name contains `nameSubstring`, compared case-insensitively.
    // Throws NoReaderError naming the readers it saw.
    [[nodiscard]] std::string findReader(std::string_view nameSubstring) const;

    // Waits until a reader whose name contains `nameSubstring` (empty: any reader) holds a
    // card, including readers plugged in while waiting. Returns that reader's state.
    // On timeout throws NoCardError, or NoReaderError when no such reader ever appeared.
    // Throws PcscCancelled after cancel().
    ReaderState waitForCard(std::string_view nameSubstring, std::chrono::milliseconds timeout);
    // Waits until `readerName` holds no card (or the reader itself is gone).
    // Throws PcscTimeout, PcscCancelled.
    void waitForRemoval(const std::string& readerName, std::chrono::milliseconds timeout);

    // Makes a wait in another thread return (throwing PcscCancelled). Thread-safe.
    void cancel() noexcept;

    // The SCARDCONTEXT as an integer, for PcscCard (in card/pcsc/ only).
    [[nodiscard]] std::intptr_t nativeHandle() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Case-insensitive substring test used to pick readers ("pcd 00 01" finds "Virtual PCD 00 01").
[[nodiscard]] bool readerNameMatches(std::string_view readerName, std::string_view nameSubstring);

} // namespace fmc::card::pcsc
