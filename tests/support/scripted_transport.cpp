#include "support/scripted_transport.hpp"

#include <algorithm>

namespace fmc::test {

ScriptedTransport& ScriptedTransport::expect(std::string_view commandHex, std::string_view responseHex) {
    return expect(fromHex(commandHex), fromHex(responseHex));
}

ScriptedTransport& ScriptedTransport::expect(ByteView command, ByteView response) {
    if (response.size() < 2) throw ScriptError("a scripted response needs at least SW1 SW2");
    steps_.push_back(Step{Bytes(command.begin(), command.end()), false, Bytes(response.begin(), response.end()), {}});
    return *this;
}

ScriptedTransport& ScriptedTransport::expectPrefix(std::string_view commandPrefixHex, Responder responder) {
    steps_.push_back(Step{fromHex(commandPrefixHex), true, {}, std::move(responder)});
    return *this;
}

std::string ScriptedTransport::describe(const Step& step) {
    return step.prefixOnly ? toHex(step.command) + "..." : toHex(step.command);
}

Bytes ScriptedTransport::transmitRaw(ByteView command) {
    received_.emplace_back(command.begin(), command.end());
    const std::string stepName = "step " + std::to_string(next_ + 1);
    if (next_ >= steps_.size())
        throw ScriptError(stepName + ": unexpected command " + toHex(command) + ", expected the end of the script");
    const Step& step = steps_[next_];
    const bool matches = step.prefixOnly
                             ? command.size() >= step.command.size() &&
                                   std::equal(step.command.begin(), step.command.end(), command.begin())
                             : std::equal(command.begin(), command.end(), step.command.begin(), step.command.end());
    if (!matches)
        throw ScriptError(stepName + ": unexpected command " + toHex(command) + ", expected " + describe(step));
    ++next_;
    if (step.responder) return step.responder(command);
    return step.response;
}

void ScriptedTransport::requireFinished() const {
    if (finished()) return;
    throw ScriptError("script not finished: step " + std::to_string(next_ + 1) + " of " +
                      std::to_string(steps_.size()) + " (expected " + describe(steps_[next_]) +
                      ") was never sent");
}

} // namespace fmc::test
