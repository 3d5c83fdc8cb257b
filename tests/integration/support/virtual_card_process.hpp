#pragma once
// Runs build/bin/fmc-vcard (found through $FMC_BIN_DIR) as a child process: a card inserted
// into "Virtual PCD 00 00" (port 35963) or "00 01" (35964). The constructor returns once pcscd
// shows the card in the reader; the destructor pulls it out (SIGTERM) and waits until the
// reader is empty, so the next test starts with the reader as it found it.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace fmc::testing {

struct VirtualCardOptions {
    int port = 35963;
    bool contactless = false;
    std::string uidHex;            // --uid, empty = the card's own
    std::size_t removeAfter = 0;   // --remove-after N: pull the card when the Nth C-APDU arrives
    // An existing state file to use (kept); empty = a fresh one in a temporary directory.
    std::filesystem::path stateFile;
    std::chrono::milliseconds insertTimeout{10000};
};

// Options for the usual cards (designated initializers would warn about the fields left out).
[[nodiscard]] inline VirtualCardOptions contactCard(int port, std::size_t removeAfter = 0) {
    VirtualCardOptions options;
    options.port = port;
    options.removeAfter = removeAfter;
    return options;
}
[[nodiscard]] inline VirtualCardOptions contactlessCard(int port, std::string uidHex) {
    VirtualCardOptions options;
    options.port = port;
    options.contactless = true;
    options.uidHex = std::move(uidHex);
    return options;
}

class VirtualCardProcess {
public:
    explicit VirtualCardProcess(VirtualCardOptions options = {});
    ~VirtualCardProcess();
    VirtualCardProcess(const VirtualCardProcess&) = delete;
    VirtualCardProcess& operator=(const VirtualCardProcess&) = delete;

    // "Virtual PCD 00 00" for 35963, "Virtual PCD 00 01" for 35964.
    [[nodiscard]] std::string readerName() const;
    [[nodiscard]] static std::string readerNameForPort(int port);
    [[nodiscard]] const std::filesystem::path& stateFile() const { return stateFile_; }
    [[nodiscard]] const std::filesystem::path& logFile() const { return logFile_; }
    [[nodiscard]] bool running() const { return pid_ > 0; }

    // Starts the process (no-op when it runs) and waits until the reader shows the card.
    void start();
    // The card leaves the reader: SIGTERM, wait for the process and for the reader to be empty.
    void stop();
    // The card vanishes abruptly (SIGKILL): the socket closes with no goodbye.
    void kill();
    // Same card (same state file) out and in again.
    void restart();
    // Waits for the process to exit by itself (e.g. after --remove-after) and returns its
    // exit status; throws std::runtime_error on timeout.
    int waitForExit(std::chrono::milliseconds timeout);
    // The APDU log so far (fmc-vcard writes it on stderr).
    [[nodiscard]] std::string log() const;

private:
    void spawn();
    void reap(std::chrono::milliseconds timeout);
    void waitForReaderEmpty();

    VirtualCardOptions options_;
    std::filesystem::path tempDir_;
    std::filesystem::path stateFile_;
    std::filesystem::path logFile_;
    pid_t pid_ = -1;
};

// $FMC_BIN_DIR/<program>; throws when FMC_BIN_DIR is unset or the program is missing.
[[nodiscard]] std::filesystem::path programPath(const std::string& program);

} // namespace fmc::testing
