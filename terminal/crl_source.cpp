#include "terminal/crl_source.hpp"

#include "crypto/file_io.hpp"

#include <httplib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace fmc::terminal {

namespace {

using Clock = std::chrono::steady_clock;

struct Url {
    std::string scheme;  // "http" or "https"
    std::string host;
    int port = 0;
    std::string path;  // starts with '/' or is empty
};

// scheme://host[:port][/path], nothing else: no credentials, query or fragment (the layout
// is plain files), and only the two schemes the terminal speaks.
Url parseUrl(const std::string& text) {
    const std::size_t separator = text.find("://");
    if (separator == std::string::npos) throw std::invalid_argument("not a URL: '" + text + "' (http://... or https://...)");
    Url url;
    url.scheme = text.substr(0, separator);
    std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (url.scheme != "http" && url.scheme != "https")
        throw std::invalid_argument("only http:// and https:// URLs are supported, not '" + text + "'");
    const std::string rest = text.substr(separator + 3);
    const std::size_t slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    url.path = slash == std::string::npos ? "" : rest.substr(slash);
    if (authority.find('@') != std::string::npos || rest.find_first_of("?#") != std::string::npos)
        throw std::invalid_argument("a base URL has no credentials, query or fragment: '" + text + "'");
    std::string portText;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        const std::size_t close = authority.find(']');
        if (close == std::string::npos) throw std::invalid_argument("bad host in '" + text + "'");
        url.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') throw std::invalid_argument("bad host in '" + text + "'");
            portText = authority.substr(close + 2);
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        url.host = authority.substr(0, colon);
        if (colon != std::string::npos) portText = authority.substr(colon + 1);
    }
    url.port = url.scheme == "https" ? 443 : 80;
    if (!portText.empty()) {
        if (portText.size() > 5 || !std::all_of(portText.begin(), portText.end(), [](unsigned char c) { return std::isdigit(c); }))
            throw std::invalid_argument("bad port in '" + text + "'");
        url.port = std::stoi(portText);
    }
    if (url.host.empty() || url.port < 1 || url.port > 65535) throw std::invalid_argument("bad host or port in '" + text + "'");
    while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
    return url;
}

std::string show(const Url& url) {
    const bool defaultPort = url.port == (url.scheme == "https" ? 443 : 80);
    const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    return url.scheme + "://" + host + (defaultPort ? "" : ":" + std::to_string(url.port)) + url.path;
}

std::string seconds(std::chrono::milliseconds duration) {
    const auto count = duration.count();
    return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

// Stops the client's socket at the deadline. cpp-httplib's timeouts apply to each read and
// write only: a server trickling a byte every few seconds would never trip them.
class Watchdog {
public:
    Watchdog(httplib::ClientImpl& client, Clock::time_point deadline)
        : thread_([this, &client, deadline] {
              std::unique_lock lock(mutex_);
              if (!wake_.wait_until(lock, deadline, [this] { return done_; })) {
                  fired_ = true;
                  lock.unlock();
                  client.stop();  // thread-safe: shuts the socket down under the client's lock
              }
          }) {}
    ~Watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    [[nodiscard]] bool fired() {
        std::lock_guard lock(mutex_);
        return fired_;
    }

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    bool fired_ = false;
    std::thread thread_;
};

class HttpCrlSource final : public CrlSource {
public:
    HttpCrlSource(Url base, CrlSourceOptions options) : base_(std::move(base)), options_(std::move(options)) {}

    Bytes fetch(const std::string& relativePath, std::uint64_t maxBytes) override {
        Url url = base_;
        url.path += "/" + relativePath;
        return fetchUrl(url, maxBytes, Clock::now() + options_.timeout, 3);
    }
    [[nodiscard]] std::string locate(const std::string& relativePath) const override {
        return show(base_) + "/" + relativePath;
    }

private:
    Bytes fetchUrl(const Url& url, std::uint64_t maxBytes, Clock::time_point deadline, int redirectsLeft) {
        const std::string shown = show(url);
        const auto remaining = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
        if (remaining.count() <= 0) throw CrlSourceUnavailableError(shown + ": no complete answer within " + seconds(options_.timeout));
        std::unique_ptr<httplib::ClientImpl> client;
        if (url.scheme == "https") {
            auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
            if (options_.caFile) tls->set_ca_cert_path(options_.caFile->string().c_str());
            tls->enable_server_certificate_verification(true);
            // cpp-httplib 0.11 accepts a subject common name naming the host even when the
            // certificate's SANs do not, which RFC 6125 §6.4.4 forbids. OpenSSL checks the
            // name in the handshake instead, from the SANs only.
            X509_VERIFY_PARAM* names = SSL_CTX_get0_param(tls->ssl_context());
            X509_VERIFY_PARAM_set_hostflags(names, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
            if (X509_VERIFY_PARAM_set1_ip_asc(names, url.host.c_str()) != 1 &&
                X509_VERIFY_PARAM_set1_host(names, url.host.c_str(), 0) != 1)
                throw CrlSourceRefusedError(shown + ": cannot check the server's name " + url.host);
            ERR_clear_error();
            client = std::move(tls);
        } else {
            client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
        }
        client->set_connection_timeout(remaining);
        client->set_read_timeout(remaining);
        client->set_write_timeout(remaining);
        client->set_follow_location(false);  // followed below, only to http(s), at most 3 times
        client->set_keep_alive(false);

        int status = 0;
        std::string location;
        bool tooLarge = false;
        bool late = false;
        Bytes body;
        auto watchdog = std::make_unique<Watchdog>(*client, deadline);
        const httplib::Result result = client->Get(
                url.path.empty() ? "/" : url.path, httplib::Headers{},
                [&](const httplib::Response& response) {
                    status = response.status;
                    location = response.get_header_value("Location");
                    if (status != 200) return false;
                    if (response.has_header("Content-Length")) {
                        const std::string length = response.get_header_value("Content-Length");
                        if (length.size() > 19 || std::stoull("0" + length) > maxBytes) {
                            tooLarge = true;
                            return false;
                        }
                    }
                    return true;
                },
                [&](const char* data, std::size_t length) {
                    if (Clock::now() >= deadline) {
                        late = true;
                        return false;
                    }
                    if (body.size() + length > maxBytes) {
                        tooLarge = true;
                        return false;
                    }
                    body.insert(body.end(), data, data + length);
                    return true;
                });
        const bool watchdogFired = watchdog->fired();
        watchdog.reset();
        if (tooLarge) throw CrlSourceRefusedError(shown + ": more than the " + std::to_string(maxBytes) + " bytes expected");
        if (late || watchdogFired || Clock::now() >= deadline)
            throw CrlSourceUnavailableError(shown + ": no complete answer within " + seconds(options_.timeout));
        if (status >= 300 && status < 400 && !location.empty()) return followRedirect(url, location, maxBytes, deadline, redirectsLeft);
        if (status == 404 || status == 410)
            throw CrlSourceUnavailableError(shown + ": not found (HTTP " + std::to_string(status) + "): not published there (yet)");
        if (status != 0 && status != 200) throw CrlSourceUnavailableError(shown + ": HTTP " + std::to_string(status));
        if (!result) {
            switch (result.error()) {
            case httplib::Error::Connection:
                throw CrlSourceUnavailableError(shown + ": cannot connect");
            case httplib::Error::Read:
                throw CrlSourceUnavailableError(shown + ": no complete answer within " + seconds(options_.timeout));
            case httplib::Error::SSLServerVerification:
                throw CrlSourceUnavailableError(shown + ": the server's certificate does not verify" +
                                                (options_.caFile ? " with " + options_.caFile->string() : std::string(" (--ca-file?)")));
            case httplib::Error::SSLLoadingCerts:
                throw CrlSourceUnavailableError(shown + ": cannot load the CA certificates" +
                                                (options_.caFile ? " of " + options_.caFile->string() : std::string()));
            default:
                throw CrlSourceUnavailableError(shown + ": " + httplib::to_string(result.error()));
            }
        }
        return body;
    }

    Bytes followRedirect(const Url& from, const std::string& location, std::uint64_t maxBytes, Clock::time_point deadline,
                         int redirectsLeft) {
        if (redirectsLeft == 0) throw CrlSourceUnavailableError(show(from) + ": too many redirects");
        Url target;
        if (location.front() == '/') {
            target = from;
            target.path = location;
        } else {
            try {
                target = parseUrl(location);
            } catch (const std::invalid_argument&) {
                throw CrlSourceUnavailableError(show(from) + ": redirect to '" + location + "' refused (http or https only)");
            }
        }
        // A TLS base URL promised an authenticated transport; plain http would let anyone on the
        // path answer (the index signature still holds, but withholding becomes trivial).
        if (from.scheme == "https" && target.scheme == "http")
            throw CrlSourceRefusedError(show(from) + ": redirect to '" + location + "' refused (https to http downgrade)");
        return fetchUrl(target, maxBytes, deadline, redirectsLeft - 1);
    }

    Url base_;
    CrlSourceOptions options_;
};

class FolderCrlSource final : public CrlSource {
public:
    explicit FolderCrlSource(std::filesystem::path folder) : folder_(std::move(folder)) {}

    // One open, at most maxBytes + 1 bytes read: a file swapped or growing between a size check
    // and the read cannot get more than the cap into memory.
    Bytes fetch(const std::string& relativePath, std::uint64_t maxBytes) override {
        const std::filesystem::path file = folder_ / relativePath;
        const std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream(std::fopen(file.c_str(), "rb"), &std::fclose);
        if (!stream) {
            const int error = errno;
            throw CrlSourceUnavailableError(file.string() + ": " + (error == ENOENT ? std::string("no such file") : std::strerror(error)));
        }
        Bytes content;
        unsigned char buffer[16384];
        while (content.size() <= maxBytes) {
            const std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer, maxBytes + 1 - content.size()));
            const std::size_t got = std::fread(buffer, 1, wanted, stream.get());
            content.insert(content.end(), buffer, buffer + got);
            if (got < wanted) break;
        }
        if (std::ferror(stream.get())) throw CrlSourceUnavailableError(file.string() + ": cannot read (a folder, or a read error)");
        if (content.size() > maxBytes)
            throw CrlSourceRefusedError(file.string() + ": more than the " + std::to_string(maxBytes) + " bytes expected");
        return content;
    }
    [[nodiscard]] std::string locate(const std::string& relativePath) const override { return (folder_ / relativePath).string(); }

private:
    std::filesystem::path folder_;
};

} // namespace

std::unique_ptr<CrlSource> openHttpCrlSource(const std::string& baseUrl, const CrlSourceOptions& options) {
    if (options.caFile) {
        // Checked here, before any network access: a wrong --ca-file is the operator's input,
        // not a server to try again later.
        const std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), &X509_STORE_free);
        std::error_code error;
        if (!std::filesystem::is_regular_file(*options.caFile, error))
            throw CrlSourceRefusedError("--ca-file " + options.caFile->string() + ": no such file");
        if (!store || X509_STORE_load_file(store.get(), options.caFile->c_str()) != 1) {
            ERR_clear_error();
            throw CrlSourceRefusedError("--ca-file " + options.caFile->string() + ": holds no PEM certificate that loads");
        }
    }
    return std::make_unique<HttpCrlSource>(parseUrl(baseUrl), options);
}

std::unique_ptr<CrlSource> openFolderCrlSource(const std::filesystem::path& folder) {
    if (!std::filesystem::is_directory(folder)) throw CrlSourceUnavailableError(folder.string() + ": no such folder");
    return std::make_unique<FolderCrlSource>(folder);
}

} // namespace fmc::terminal
