#include "card/pcsc/pcsc_context.hpp"

#include "card/pcsc/pcsc_error.hpp"
#include "card/pcsc/scard_call.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace fmc::card::pcsc {
namespace {

using detail::scardCheck;
using detail::SCardSite;
using Clock = std::chrono::steady_clock;

// The pseudo reader whose state changes when readers are added or removed (PC/SC Part 5).
constexpr char kPnpNotification[] = "\\\\?PnP?\\Notification";

// Each wait is cut into slices so that a reader that appears between listing and waiting is
// seen within one slice even if pcscd missed telling us (pcsc-lite 1.9.9 does not count reader
// events, so a change that happens before the wait starts is not reported).
constexpr std::chrono::milliseconds kWaitSlice{1000};

std::string describeReaders(const std::vector<std::string>& readers) {
    if (readers.empty()) return "no reader is connected";
    std::string text = "readers seen: ";
    for (std::size_t i = 0; i < readers.size(); ++i) {
        if (i != 0) text += ", ";
        text += "'" + readers[i] + "'";
    }
    return text;
}

ReaderState toReaderState(const SCARD_READERSTATE& state) {
    ReaderState reader;
    reader.name = state.szReader;
    const DWORD event = state.dwEventState;
    reader.cardPresent = (event & SCARD_STATE_PRESENT) != 0;
    reader.inUse = (event & SCARD_STATE_INUSE) != 0;
    reader.exclusive = (event & SCARD_STATE_EXCLUSIVE) != 0;
    reader.mute = (event & SCARD_STATE_MUTE) != 0;
    if (reader.cardPresent) {
        const auto length = std::min<DWORD>(state.cbAtr, sizeof(state.rgbAtr));
        reader.atr.assign(state.rgbAtr, state.rgbAtr + length);
    }
    return reader;
}

DWORD toTimeoutMs(std::chrono::milliseconds timeout) {
    return static_cast<DWORD>(std::max<std::chrono::milliseconds::rep>(0, timeout.count()));
}

} // namespace

struct PcscContext::Impl {
    SCARDCONTEXT context = 0;

    // SCardGetStatusChange over `states`; returns false on timeout, throws on other errors.
    // A reader that vanished while we waited is reported by pcscd in the states (UNKNOWN),
    // or as SCARD_E_UNKNOWN_READER: both mean "look again".
    bool getStatusChange(std::vector<SCARD_READERSTATE>& states, std::chrono::milliseconds timeout) const {
        const LONG rc = SCardGetStatusChange(context, toTimeoutMs(timeout), states.data(),
                                             static_cast<DWORD>(states.size()));
        if (rc == SCARD_S_SUCCESS) return true;
        if (rc == SCARD_E_TIMEOUT) return false;
        if (rc == SCARD_E_UNKNOWN_READER) return true;
        detail::throwFor(SCardSite{"SCardGetStatusChange"}, rc);
    }
};

PcscContext::PcscContext() : impl_(std::make_unique<Impl>()) {
    scardCheck(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &impl_->context),
               {"SCardEstablishContext"});
}

PcscContext::~PcscContext() {
    if (impl_) SCardReleaseContext(impl_->context);
}

PcscContext::PcscContext(PcscContext&&) noexcept = default;

PcscContext& PcscContext::operator=(PcscContext&& other) noexcept {
    if (this != &other) {
        if (impl_) SCardReleaseContext(impl_->context);
        impl_ = std::move(other.impl_);
    }
    return *this;
}

std::intptr_t PcscContext::nativeHandle() const { return static_cast<std::intptr_t>(impl_->context); }

void PcscContext::cancel() noexcept {
    if (impl_) SCardCancel(impl_->context);
}

std::vector<std::string> PcscContext::listReaders() const {
    // SCARD_AUTOALLOCATE: the list can change between a size query and the real call.
    char* multiString = nullptr;
    DWORD length = SCARD_AUTOALLOCATE;
    const LONG rc = SCardListReaders(impl_->context, nullptr,
                                     reinterpret_cast<char*>(&multiString), &length);
    if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rc != SCARD_S_SUCCESS) detail::throwFor(SCardSite{"SCardListReaders"}, rc);

    std::vector<std::string> readers;
    for (const char* name = multiString; name < multiString + length && *name != '\0';
         name += std::strlen(name) + 1) {
        readers.emplace_back(name);
    }
    SCardFreeMemory(impl_->context, multiString);
    return readers;
}

std::vector<ReaderState> PcscContext::readerStates() const {
    const std::vector<std::string> names = listReaders();
    if (names.empty()) return {};
    std::vector<SCARD_READERSTATE> states(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        states[i].szReader = names[i].c_str();
        states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    impl_->getStatusChange(states, std::chrono::milliseconds{0});
    std::vector<ReaderState> result;
    for (const auto& state : states) {
        if ((state.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0) continue;
        result.push_back(toReaderState(state));
    }
    return result;
}

bool readerNameMatches(std::string_view readerName, std::string_view nameSubstring) {
    const auto lower = [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    return std::search(readerName.begin(), readerName.end(), nameSubstring.begin(),
                       nameSubstring.end(), [&](char a, char b) { return lower(a) == lower(b); }) !=
           readerName.end();
}

std::string PcscContext::findReader(std::string_view nameSubstring) const {
    const std::vector<std::string> readers = listReaders();
    for (const auto& reader : readers) {
        if (readerNameMatches(reader, nameSubstring)) return reader;
    }
    const std::string context = describeReaders(readers);
    if (readers.empty())
        throwPcscError("SCardListReaders", static_cast<std::uint32_t>(SCARD_E_NO_READERS_AVAILABLE));
    throwPcscError("findReader", static_cast<std::uint32_t>(SCARD_E_UNKNOWN_READER),
                   "no reader name contains '" + std::string(nameSubstring) + "'; " + context);
}

ReaderState PcscContext::waitForCard(std::string_view nameSubstring, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    bool sawMatchingReader = false;
    std::vector<std::string> lastReaders;
    while (true) {
        // Re-list after every wake-up: readers may have come or gone.
        lastReaders = listReaders();
        std::vector<std::string> matching;
        for (const auto& reader : lastReaders) {
            if (readerNameMatches(reader, nameSubstring)) matching.push_back(reader);
        }
        sawMatchingReader = sawMatchingReader || !matching.empty();

        std::vector<SCARD_READERSTATE> states(matching.size() + 1);
        for (std::size_t i = 0; i < matching.size(); ++i) {
            states[i].szReader = matching[i].c_str();
            states[i].dwCurrentState = SCARD_STATE_UNAWARE;
        }
        states.back().szReader = kPnpNotification;
        states.back().dwCurrentState = SCARD_STATE_UNAWARE;
        // First the current state (UNAWARE answers at once), then wait for a change from it.
        impl_->getStatusChange(states, std::chrono::milliseconds{0});
        for (std::size_t i = 0; i < matching.size(); ++i) {
            const auto& state = states[i];
            if ((state.dwEventState & SCARD_STATE_PRESENT) != 0 &&
                (state.dwEventState & SCARD_STATE_MUTE) == 0)
                return toReaderState(state);
        }

        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (remaining.count() <= 0) break;
        for (auto& state : states) state.dwCurrentState = state.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        impl_->getStatusChange(states, std::min(remaining, kWaitSlice));
    }
    const std::string what = nameSubstring.empty() ? std::string("any reader")
                                                   : "a reader matching '" + std::string(nameSubstring) + "'";
    if (!sawMatchingReader) {
        throwPcscError("waitForCard", static_cast<std::uint32_t>(SCARD_E_NO_READERS_AVAILABLE),
                       "waited " + std::to_string(timeout.count()) + " ms for " + what + "; " +
                           describeReaders(lastReaders));
    }
    throwPcscError("waitForCard", static_cast<std::uint32_t>(SCARD_E_NO_SMARTCARD),
                   "no card arrived in " + what + " within " + std::to_string(timeout.count()) + " ms");
}

void PcscContext::waitForRemoval(const std::string& readerName, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::vector<SCARD_READERSTATE> states(1);
    states[0].szReader = readerName.c_str();
    states[0].dwCurrentState = SCARD_STATE_UNAWARE;
    while (true) {
        impl_->getStatusChange(states, std::chrono::milliseconds{0});
        const DWORD event = states[0].dwEventState;
        if ((event & (SCARD_STATE_UNKNOWN | SCARD_STATE_EMPTY)) != 0 ||
            (event & SCARD_STATE_PRESENT) == 0)
            return;
        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (remaining.count() <= 0) break;
        states[0].dwCurrentState = event & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        impl_->getStatusChange(states, std::min(remaining, kWaitSlice));
        states[0].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    throwPcscError("waitForRemoval", static_cast<std::uint32_t>(SCARD_E_TIMEOUT),
                   "the card stayed in '" + readerName + "' for " + std::to_string(timeout.count()) + " ms");
}

} // namespace fmc::card::pcsc
