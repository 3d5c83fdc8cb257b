#include "card/vcard/card_state.hpp"

#include "card/piv/piv_constants.hpp"
#include "card/vcard/ntag216_state.hpp"
#include "crypto/random.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fmc::card::vcard {

namespace {

constexpr std::string_view kFormatLine = "fmc-vcard-state 1";

// SP 800-73-4 Part 1 §3.3.2 Discovery object: the full AID and a PIN usage policy of
// "application PIN only" (40 00).
Bytes factoryDiscovery() {
    Bytes value = encodeTlv(piv::tag::kApplicationIdentifier, piv::kAid);
    const Bytes policy = encodeTlv(0x5F2F, Bytes{0x40, 0x00});
    value.insert(value.end(), policy.begin(), policy.end());
    return encodeTlv(piv::object::kDiscovery, value);
}

std::string hexTag(TlvTag tag) {
    Bytes bytes;
    if (tag > 0xFFFF) bytes.push_back(static_cast<std::uint8_t>(tag >> 16));
    if (tag > 0xFF) bytes.push_back(static_cast<std::uint8_t>(tag >> 8));
    bytes.push_back(static_cast<std::uint8_t>(tag));
    return toHex(bytes);
}

// Appends text to a secret buffer without leaving copies in temporary strings.
void append(Bytes& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }

void appendHexSecret(Bytes& out, ByteView secret) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    for (std::uint8_t b : secret) {
        out.push_back(static_cast<std::uint8_t>(kDigits[b >> 4]));
        out.push_back(static_cast<std::uint8_t>(kDigits[b & 0x0F]));
    }
}

std::vector<std::string_view> splitWords(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && line[pos] == ' ') ++pos;
        const std::size_t end = line.find(' ', pos);
        const std::size_t stop = end == std::string_view::npos ? line.size() : end;
        if (stop > pos) words.push_back(line.substr(pos, stop - pos));
        pos = stop;
    }
    return words;
}

std::uint32_t parseNumber(std::string_view text, std::uint32_t max, const char* field) {
    if (text.empty() || text.size() > 10) throw CardStateError(std::string("bad ") + field);
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') throw CardStateError(std::string("bad ") + field);
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > max) throw CardStateError(std::string(field) + " out of range");
    return static_cast<std::uint32_t>(value);
}

Bytes parseHex(std::string_view text, const char* field) {
    try {
        return fromHex(text);
    } catch (const std::invalid_argument&) {
        throw CardStateError(std::string("bad hex in ") + field);
    }
}

TlvTag parseTag(std::string_view text, const char* field) {
    const Bytes bytes = parseHex(text, field);
    if (bytes.empty() || bytes.size() > 3) throw CardStateError(std::string("bad tag in ") + field);
    TlvTag tag = 0;
    for (std::uint8_t b : bytes) tag = (tag << 8) | b;
    return tag;
}

std::uint8_t parseByte(std::string_view text, const char* field) {
    const Bytes bytes = parseHex(text, field);
    if (bytes.size() != 1) throw CardStateError(std::string("bad byte in ") + field);
    return bytes[0];
}

void syncOrThrow(int fd, const std::filesystem::path& path) {
    if (::fsync(fd) != 0)
        throw CardStateError("cannot sync " + path.string() + ": " + std::strerror(errno));
}

} // namespace

CardState CardState::factoryBlank() {
    CardState state;
    const Bytes serialBytes = crypto::randomBytes(4);
    // Keep the serial positive and eight decimal digits long, like a YubiKey's.
    state.serial = 10000000u + ((static_cast<std::uint32_t>(serialBytes[0]) << 24 |
                                 static_cast<std::uint32_t>(serialBytes[1]) << 16 |
                                 static_cast<std::uint32_t>(serialBytes[2]) << 8 | serialBytes[3]) %
                                89999999u);
    // ISO 14443-3 double-size UID; the first byte is the manufacturer code (04 = NXP), as on
    // the JavaCards this virtual card stands in for.
    state.uid = crypto::randomBytes(7);
    state.uid[0] = 0x04;
    state.pin = SecretBytes(std::string_view(piv::kDefaultPin));
    state.puk = SecretBytes(std::string_view(piv::kDefaultPuk));
    state.pinTriesLeft = piv::kPinRetries;
    state.pukTriesLeft = piv::kPukRetries;
    state.managementAlgorithm = piv::algorithm::kTripleDes;
    state.managementKey = SecretBytes(Bytes(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end()));
    state.objects[piv::object::kDiscovery] = factoryDiscovery();
    return state;
}

bool CardState::pinIsDefault() const { return pin == SecretBytes(std::string_view(piv::kDefaultPin)); }
bool CardState::pukIsDefault() const { return puk == SecretBytes(std::string_view(piv::kDefaultPuk)); }
bool CardState::managementKeyIsDefault() const {
    return managementAlgorithm == piv::algorithm::kTripleDes &&
           managementKey ==
               SecretBytes(Bytes(piv::kDefaultManagementKey.begin(), piv::kDefaultManagementKey.end()));
}

SecretBytes serializeCardState(const CardState& state) {
    Bytes out;
    out.reserve(4096);
    append(out, kFormatLine);
    append(out, "\nserial " + std::to_string(state.serial));
    append(out, "\nuid " + toHex(state.uid));
    append(out, "\npin ");
    appendHexSecret(out, state.pin.view());
    append(out, "\npin-tries " + std::to_string(state.pinTriesLeft));
    append(out, "\npuk ");
    appendHexSecret(out, state.puk.view());
    append(out, "\npuk-tries " + std::to_string(state.pukTriesLeft));
    append(out, "\nmanagement-key " + toHex(Bytes{state.managementAlgorithm}) + " ");
    appendHexSecret(out, state.managementKey.view());
    for (const auto& [tag, value] : state.objects)
        append(out, "\nobject " + hexTag(tag) + " " + (value.empty() ? "-" : toHex(value)));
    for (const auto& [reference, key] : state.keys) {
        append(out, "\nkey " + toHex(Bytes{reference, key.algorithm, key.origin}) + " ");
        appendHexSecret(out, key.pkcs8.view());
    }
    append(out, "\n");
    SecretBytes secret(std::move(out));
    return secret;
}

CardState parseCardState(ByteView text) {
    const std::string_view all(reinterpret_cast<const char*>(text.data()), text.size());
    CardState state;
    bool sawFormat = false, sawPin = false, sawPuk = false, sawManagement = false, sawSerial = false;
    std::size_t pos = 0;
    while (pos < all.size()) {
        std::size_t end = all.find('\n', pos);
        if (end == std::string_view::npos) end = all.size();
        const std::string_view line = all.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        if (!sawFormat) {
            if (line == kNtag216StateMarker)
                throw CardStateError("this is an NTAG216 tag state file, not a PIV card's: start fmc-vcard with --ntag216");
            if (line != kFormatLine) throw CardStateError("not a fmc-vcard state file (or a newer format)");
            sawFormat = true;
            continue;
        }
        const auto words = splitWords(line);
        const std::string_view name = words.at(0);
        auto need = [&](std::size_t count) {
            if (words.size() != count) throw CardStateError("bad line for " + std::string(name));
        };
        if (name == "serial") {
            need(2);
            state.serial = parseNumber(words[1], 0xFFFFFFFFu, "serial");
            sawSerial = true;
        } else if (name == "uid") {
            need(2);
            state.uid = parseHex(words[1], "uid");
        } else if (name == "pin") {
            need(2);
            state.pin = SecretBytes(parseHex(words[1], "pin"));
            sawPin = true;
        } else if (name == "puk") {
            need(2);
            state.puk = SecretBytes(parseHex(words[1], "puk"));
            sawPuk = true;
        } else if (name == "pin-tries") {
            need(2);
            state.pinTriesLeft = static_cast<int>(parseNumber(words[1], 15, "pin-tries"));
        } else if (name == "puk-tries") {
            need(2);
            state.pukTriesLeft = static_cast<int>(parseNumber(words[1], 15, "puk-tries"));
        } else if (name == "management-key") {
            need(3);
            state.managementAlgorithm = parseByte(words[1], "management-key");
            state.managementKey = SecretBytes(parseHex(words[2], "management-key"));
            sawManagement = true;
        } else if (name == "object") {
            need(3);
            state.objects[parseTag(words[1], "object")] = words[2] == "-" ? Bytes{} : parseHex(words[2], "object");
        } else if (name == "key") {
            need(3);
            const Bytes header = parseHex(words[1], "key");
            if (header.size() != 3) throw CardStateError("bad key header");
            AsymmetricKey key;
            key.algorithm = header[1];
            key.origin = header[2];
            key.pkcs8 = SecretBytes(parseHex(words[2], "key"));
            state.keys[header[0]] = std::move(key);
        } else {
            throw CardStateError("unknown field '" + std::string(name) + "'");
        }
    }
    if (!sawFormat || !sawPin || !sawPuk || !sawManagement || !sawSerial)
        throw CardStateError("state file is incomplete");
    return state;
}

CardState CardStateFile::load() const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw CardStateError("cannot open " + path_.string() + ": " + std::strerror(errno));
    Bytes content;
    std::uint8_t buffer[4096];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            const int error = errno;
            ::close(fd);
            secureWipe(content.data(), content.size());
            throw CardStateError("cannot read " + path_.string() + ": " + std::strerror(error));
        }
        if (got == 0) break;
        content.insert(content.end(), buffer, buffer + got);
    }
    ::close(fd);
    secureWipe(buffer, sizeof buffer);
    const SecretBytes secret(std::move(content));
    try {
        return parseCardState(secret.view());
    } catch (const CardStateError& e) {
        throw CardStateError(path_.string() + ": " + e.what());
    }
}

CardState CardStateFile::loadOrCreate() const {
    std::error_code error;
    if (!std::filesystem::exists(path_, error) && !error) {
        CardState state = CardState::factoryBlank();
        save(state);
        return state;
    }
    return load();
}

void CardStateFile::save(const CardState& state) const {
    const SecretBytes text = serializeCardState(state);
    const std::filesystem::path temporary = path_.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw CardStateError("cannot write " + temporary.string() + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t put = ::write(fd, text.data() + written, text.size() - written);
        if (put < 0 && errno == EINTR) continue;
        if (put < 0) {
            const int error = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            throw CardStateError("cannot write " + temporary.string() + ": " + std::strerror(error));
        }
        written += static_cast<std::size_t>(put);
    }
    // A pre-existing temporary file keeps its old mode through O_CREAT: force 0600.
    ::fchmod(fd, 0600);
    syncOrThrow(fd, temporary);
    ::close(fd);
    if (::rename(temporary.c_str(), path_.c_str()) != 0)
        throw CardStateError("cannot replace " + path_.string() + ": " + std::strerror(errno));
    // The rename itself must reach the disk too, or a crash could bring back the old state.
    const std::filesystem::path directory = path_.has_parent_path() ? path_.parent_path() : ".";
    const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
}

} // namespace fmc::card::vcard
