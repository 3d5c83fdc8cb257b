#pragma once
// Where `fmc-terminal crl sync` fetches the published lists from: a static web server (http or
// https base URL, the layout `fmc-issue crl publish --dir` writes) or a folder (a USB stick).
// Nothing fetched is trusted here: the caller checks sizes, digests and signatures. This only
// makes sure a slow, hostile or broken server cannot hold the terminal or fill its memory:
// every file has a size cap, and connection, each read and the whole transfer share a deadline.
#include "crypto/bytes.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace fmc::terminal {

// The source cannot be reached, timed out, or does not hold the file (yet): a mirror behind or
// a link down. Try again later (exit 75).
class CrlSourceUnavailableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What the source sent is refused before anything parses it: larger than the cap, a redirect
// from https to http; or a --ca-file that is missing or loads no certificate (exit 65).
class CrlSourceRefusedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CrlSourceOptions {
    // Connecting, each read, and the whole transfer of one file each end within this.
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    // HTTPS: trust these CA certificates (PEM) instead of the system's.
    std::optional<std::filesystem::path> caFile;
};

class CrlSource {
public:
    virtual ~CrlSource() = default;
    // The file `relativePath` ("<ski>/index.cms"; plain names only) of the source, refused
    // (CrlSourceRefusedError) when it has more than `maxBytes`.
    [[nodiscard]] virtual Bytes fetch(const std::string& relativePath, std::uint64_t maxBytes) = 0;
    // Where `relativePath` lives, for messages: the URL or the file path.
    [[nodiscard]] virtual std::string locate(const std::string& relativePath) const = 0;
};

// An http:// or https:// base URL; throws std::invalid_argument for anything else. HTTPS
// verifies the server's certificate and host name (system CAs, or `caFile`, checked here
// before any connection: CrlSourceRefusedError). Redirects are followed (at most 3) only to
// http or https URLs, never from https to http.
[[nodiscard]] std::unique_ptr<CrlSource> openHttpCrlSource(const std::string& baseUrl, const CrlSourceOptions& options);
// A folder holding the same layout.
[[nodiscard]] std::unique_ptr<CrlSource> openFolderCrlSource(const std::filesystem::path& folder);

} // namespace fmc::terminal
