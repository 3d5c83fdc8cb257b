#pragma once
// How a decision is shown: one human line, or one JSON object (`--json`, one per line in
// `watch`). The JSON keys are an interface other systems integrate with.
#include "terminal/tap_decision.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace fmc::terminal {

[[nodiscard]] nlohmann::json decisionJson(const Decision& decision);
[[nodiscard]] std::string decisionLine(const Decision& decision);

} // namespace fmc::terminal
