#include "card/vcard/fault_injection.hpp"

#include "card/piv/piv_constants.hpp"
#include "crypto/file_io.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fmc::card::vcard {

namespace {

constexpr std::uint8_t kFiller = 0xA5;  // neither 00 nor FF, which TLV parsers skip as padding
constexpr std::size_t kGarbageSize = 64;
// "83 FFFFFF": the longest length field BER-TLV in ISO 7816-4 has room for, a value of 16 MB.
constexpr std::uint8_t kSixteenMegabytes[] = {0x83, 0xFF, 0xFF, 0xFF};

struct KindName {
    FaultKind kind;
    std::string_view name;
    bool takesArgument;
};
constexpr KindName kKinds[] = {
    {FaultKind::garbage, "garbage", false},
    {FaultKind::oversizeLength, "oversize-length", false},
    {FaultKind::oversizeResponse, "oversize-response", false},
    {FaultKind::endlessMoreData, "endless-61xx", false},
    {FaultKind::statusWord, "sw", true},
    {FaultKind::mute, "mute", false},
    {FaultKind::replayAuth, "replay-auth", true},
    {FaultKind::recordAuth, "record-auth", true},
};

std::string_view nameOf(FaultKind kind) {
    for (const KindName& known : kKinds)
        if (known.kind == kind) return known.name;
    return "unknown";
}

bool allDigits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint8_t> insOf(ByteView command) {
    if (command.size() < 4) return std::nullopt;
    return command[1];
}

// Splits an R-APDU into data and status word; a reply always has the 2 SW bytes.
std::pair<Bytes, Bytes> split(const Bytes& reply) {
    if (reply.size() < 2) return {{}, reply};
    const auto boundary = reply.end() - 2;
    return {Bytes(reply.begin(), boundary), Bytes(boundary, reply.end())};
}

// The number of bytes of the tag and of the length field at the start of `data`, when it
// starts like a BER-TLV (tags of 1-3 bytes, length fields of 1-4 bytes); the value may be
// missing, as in the first part of a chained answer.
std::optional<std::pair<std::size_t, std::size_t>> tlvHeader(const Bytes& data) {
    if (data.empty()) return std::nullopt;
    std::size_t tagSize = 1;
    if ((data[0] & 0x1F) == 0x1F) {
        while (tagSize < data.size() && tagSize < 3 && (data[tagSize] & 0x80) != 0) ++tagSize;
        ++tagSize;
    }
    if (tagSize >= data.size()) return std::nullopt;
    const std::uint8_t first = data[tagSize];
    const std::size_t lengthSize = first < 0x80 ? 1 : 1 + static_cast<std::size_t>(first & 0x7F);
    if (first == 0x80 || lengthSize > 4 || tagSize + lengthSize > data.size()) return std::nullopt;
    return std::pair{tagSize, lengthSize};
}

// Pseudo-random bytes (xorshift32, seeded by the command number, so a run can be repeated)
// that can never parse as BER-TLV: a one-byte tag other than the 00/FF padding, then a length
// field announcing 5 or more length bytes.
Bytes garbageFor(std::size_t commandNumber) {
    std::uint32_t state = static_cast<std::uint32_t>(commandNumber * 2654435761u) | 1u;
    Bytes out(kGarbageSize);
    for (std::uint8_t& byte : out) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        byte = static_cast<std::uint8_t>(state >> 24);
    }
    if ((out[0] & 0x1F) == 0x1F) out[0] = static_cast<std::uint8_t>(out[0] & ~0x01u);  // one-byte tag
    if (out[0] == 0x00) out[0] = 0x30;
    out[1] = static_cast<std::uint8_t>(0x85 + out[1] % (0x100 - 0x85));
    return out;
}

Bytes readReplayAnswer(const std::filesystem::path& file) {
    Bytes answer;
    try {
        std::string text = readFileText(file);
        text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
                   text.end());
        answer = fromHex(text);
    } catch (const std::exception& error) {
        throw FaultSpecError("replay-auth: " + file.string() + ": " + error.what());
    }
    if (answer.size() < 2) throw FaultSpecError("replay-auth: " + file.string() + " holds no response APDU");
    return answer;
}

} // namespace

Fault parseFault(std::string_view spec) {
    Fault fault;
    std::string_view body = spec;
    const std::size_t at = spec.rfind('@');
    if (at != std::string_view::npos && allDigits(spec.substr(at + 1))) {
        const std::string_view number = spec.substr(at + 1);
        const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), fault.atCommand);
        if (error != std::errc{} || end != number.data() + number.size() || fault.atCommand == 0)
            throw FaultSpecError("--fault " + std::string(spec) + ": @N must be a command number from 1");
        body = spec.substr(0, at);
    }
    const std::size_t equals = body.find('=');
    const std::string_view name = body.substr(0, equals);
    const std::string_view argument = equals == std::string_view::npos ? std::string_view{} : body.substr(equals + 1);
    const auto known = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindName& k) { return k.name == name; });
    if (known == std::end(kKinds))
        throw FaultSpecError("--fault " + std::string(spec) +
                             ": unknown kind (garbage, oversize-length, oversize-response, endless-61xx, sw=XXXX, "
                             "mute, replay-auth=FILE, record-auth=FILE)");
    if (known->takesArgument != (equals != std::string_view::npos) || (known->takesArgument && argument.empty()))
        throw FaultSpecError("--fault " + std::string(spec) + ": " + std::string(name) +
                             (known->takesArgument ? " needs =VALUE" : " takes no =VALUE"));
    fault.kind = known->kind;
    if (fault.kind == FaultKind::statusWord) {
        Bytes sw;
        try {
            sw = fromHex(argument);
        } catch (const std::invalid_argument&) {
        }
        if (sw.size() != 2 || argument.size() != 4)
            throw FaultSpecError("--fault " + std::string(spec) + ": sw= needs 4 hex digits (sw=6F00)");
        fault.statusWord = static_cast<std::uint16_t>(sw[0] << 8 | sw[1]);
    } else if (known->takesArgument) {
        fault.file = std::filesystem::path(std::string(argument));
    }
    return fault;
}

std::string describeFault(const Fault& fault) {
    std::string out(nameOf(fault.kind));
    if (fault.kind == FaultKind::statusWord)
        out += "=" + toHex(Bytes{static_cast<std::uint8_t>(fault.statusWord >> 8),
                                 static_cast<std::uint8_t>(fault.statusWord & 0xFF)});
    else if (!fault.file.empty())
        out += "=" + fault.file.string();
    if (fault.atCommand != 0) out += "@" + std::to_string(fault.atCommand);
    return out;
}

FaultInjector::FaultInjector(std::vector<Fault> faults, ProcessFunction genuine, std::ostream* log)
    : faults_(std::move(faults)), genuine_(std::move(genuine)), log_(log) {
    for (const Fault& fault : faults_)
        replayAnswers_.push_back(fault.kind == FaultKind::replayAuth ? readReplayAnswer(fault.file) : Bytes{});
}

void FaultInjector::note(const Fault& fault, std::size_t commandNumber) const {
    if (log_) *log_ << "fmc-vcard: fault " << describeFault(fault) << " at command " << commandNumber << std::endl;
}

std::optional<Bytes> FaultInjector::respond(ByteView command, std::size_t commandNumber) {
    const std::optional<std::uint8_t> ins = insOf(command);
    if (endlessChain_) {
        if (ins == piv::ins::kGetResponse) {
            // As many bytes as Le asks (00 = 256), and "256 more" again.
            const std::size_t asked = command.size() >= 5 && command[4] != 0 ? command[4] : 256;
            Bytes answer(asked, kFiller);
            answer.push_back(0x61);
            answer.push_back(0x00);
            return answer;
        }
        endlessChain_ = false;
    }
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        const Fault& fault = faults_[i];
        if (fault.atCommand != 0 && fault.atCommand != commandNumber) continue;
        const bool authenticationOnly = fault.kind == FaultKind::replayAuth || fault.kind == FaultKind::recordAuth;
        if (authenticationOnly && ins != piv::ins::kGeneralAuthenticate) continue;
        note(fault, commandNumber);
        if (fault.kind == FaultKind::replayAuth) return replayAnswers_[i];
        return apply(fault, command, commandNumber);
    }
    return genuine_(command);
}

std::optional<Bytes> FaultInjector::apply(const Fault& fault, ByteView command, std::size_t commandNumber) {
    if (fault.kind == FaultKind::mute) return std::nullopt;
    if (fault.kind == FaultKind::garbage) {
        Bytes answer = garbageFor(commandNumber);
        answer.push_back(0x90);
        answer.push_back(0x00);
        return answer;
    }
    const Bytes genuine = genuine_(command);
    auto [data, sw] = split(genuine);
    switch (fault.kind) {
    case FaultKind::statusWord:
        return Bytes{static_cast<std::uint8_t>(fault.statusWord >> 8), static_cast<std::uint8_t>(fault.statusWord & 0xFF)};
    case FaultKind::oversizeLength: {
        Bytes stretched;
        if (const auto header = tlvHeader(data)) {
            const auto valueStart = data.begin() + static_cast<std::ptrdiff_t>(header->first + header->second);
            stretched.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(header->first));
            stretched.insert(stretched.end(), std::begin(kSixteenMegabytes), std::end(kSixteenMegabytes));
            stretched.insert(stretched.end(), valueStart, data.end());
        } else {
            stretched.push_back(0x53);
            stretched.insert(stretched.end(), std::begin(kSixteenMegabytes), std::end(kSixteenMegabytes));
            stretched.insert(stretched.end(), data.begin(), data.end());
        }
        return concat({stretched, sw});
    }
    case FaultKind::oversizeResponse:
        if (data.size() + sw.size() < kLargestVpcdFrame) data.resize(kLargestVpcdFrame - sw.size(), kFiller);
        return concat({data, sw});
    case FaultKind::endlessMoreData:
        endlessChain_ = true;
        return concat({data, Bytes{0x61, 0x00}});
    case FaultKind::recordAuth:
        try {
            writeFileAtomically(fault.file, toHex(genuine) + "\n", 0600);
        } catch (const FileError& error) {  // the recording is lost, the card answers all the same
            if (log_) *log_ << "fmc-vcard: record-auth: " << error.what() << std::endl;
        }
        return genuine;
    default:
        return genuine;
    }
}

} // namespace fmc::card::vcard
