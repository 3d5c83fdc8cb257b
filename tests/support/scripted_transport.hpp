#pragma once
// A card::Transport that plays a scripted APDU conversation, for unit tests of card-profile
// code: each step is the command the code under test must send and the bytes the "card"
// answers. A command off script fails at once with
//   "step N: unexpected command <hex>, expected <hex>"
// and requireFinished() checks at the end that nothing the script expected was skipped.
#include "card/transport.hpp"
#include "crypto/bytes.hpp"

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::test {

// The code under test left the script. A logic_error, so library code that catches
// card::CardError or std::runtime_error does not swallow it.
class ScriptError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

class ScriptedTransport : public card::Transport {
public:
    // Computes the card's answer from the command, for steps whose command carries data the
    // test cannot know in advance (a host challenge). May throw ScriptError.
    using Responder = std::function<Bytes(ByteView command)>;

    // The command must be exactly `commandHex`; the card answers `responseHex` (data + SW).
    ScriptedTransport& expect(std::string_view commandHex, std::string_view responseHex);
    ScriptedTransport& expect(ByteView command, ByteView response);
    // The command must start with `commandPrefixHex`; `responder` builds the answer.
    ScriptedTransport& expectPrefix(std::string_view commandPrefixHex, Responder responder);

    Bytes transmitRaw(ByteView command) override;

    [[nodiscard]] std::size_t stepsPlayed() const { return next_; }
    [[nodiscard]] std::size_t stepsLeft() const { return steps_.size() - next_; }
    [[nodiscard]] bool finished() const { return next_ == steps_.size(); }
    // Throws ScriptError "script not finished: step N of M (expected <hex>) was never sent".
    void requireFinished() const;
    // Every command received, in order (including the one that left the script).
    [[nodiscard]] const std::vector<Bytes>& received() const { return received_; }

private:
    struct Step {
        Bytes command;         // exact command, or the required prefix
        bool prefixOnly = false;
        Bytes response;
        Responder responder;   // when set, computes the response
    };
    [[nodiscard]] static std::string describe(const Step& step);

    std::vector<Step> steps_;
    std::size_t next_ = 0;
    std::vector<Bytes> received_;
};

} // namespace fmc::test
