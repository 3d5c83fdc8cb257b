#pragma once
// Where a key-file passphrase comes from: the environment (for scripts and tests) or the
// operator at the terminal. The value is never logged and lives only in SecretBytes.
#include "crypto/bytes.hpp"

#include <string_view>

namespace fmc::crypto::pki {

inline constexpr const char* passphraseEnvironmentVariable = "FMC_KEY_PASSPHRASE";

// FMC_KEY_PASSPHRASE when set (even if empty it counts as set), else a prompt on /dev/tty
// with echo off. Throws KeyStoreError when neither is available (no TTY, e.g. under ctest).
[[nodiscard]] SecretBytes passphraseFromEnvironmentOrPrompt(std::string_view prompt);

} // namespace fmc::crypto::pki
