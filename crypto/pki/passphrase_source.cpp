#include "crypto/pki/passphrase_source.hpp"

#include "crypto/pki/pki_errors.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace fmc::crypto::pki {

namespace {

// Closes the TTY and restores its echo setting however the read ends.
class TerminalWithoutEcho {
public:
    TerminalWithoutEcho() : descriptor_(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {
        if (descriptor_ < 0) throw KeyStoreError("no passphrase: set FMC_KEY_PASSPHRASE or run on a terminal");
        if (::tcgetattr(descriptor_, &saved_) == 0) {
            termios quiet = saved_;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            restore_ = ::tcsetattr(descriptor_, TCSAFLUSH, &quiet) == 0;
        }
    }
    TerminalWithoutEcho(const TerminalWithoutEcho&) = delete;
    TerminalWithoutEcho& operator=(const TerminalWithoutEcho&) = delete;
    ~TerminalWithoutEcho() {
        if (restore_) ::tcsetattr(descriptor_, TCSAFLUSH, &saved_);
        ::close(descriptor_);
    }

    void write(std::string_view text) const {
        if (::write(descriptor_, text.data(), text.size()) < 0) { /* the prompt is a courtesy */ }
    }

    // One line, without its newline; bytes go straight into the secret buffer.
    [[nodiscard]] SecretBytes readLine() const {
        // Reserved once so growing never leaves a copy of the passphrase in freed memory.
        constexpr std::size_t maxLength = 1024;
        Bytes line;
        line.reserve(maxLength);
        unsigned char c = 0;
        while (line.size() < maxLength) {
            const ssize_t got = ::read(descriptor_, &c, 1);
            if (got <= 0 || c == '\n' || c == '\r') break;
            line.push_back(c);
        }
        c = 0;
        SecretBytes secret(std::move(line));
        return secret;
    }

private:
    int descriptor_;
    termios saved_{};
    bool restore_ = false;
};

} // namespace

SecretBytes passphraseFromEnvironmentOrPrompt(std::string_view prompt) {
    if (const char* value = std::getenv(passphraseEnvironmentVariable))
        return SecretBytes(std::string_view(value, std::strlen(value)));
    TerminalWithoutEcho terminal;
    terminal.write(prompt);
    SecretBytes passphrase = terminal.readLine();
    terminal.write("\n");
    return passphrase;
}

} // namespace fmc::crypto::pki
