#pragma once
// A text in several languages, keyed by BCP 47 tag, as the catalog ships it for names and
// places. Terminals show it in the card holder's preferred language, which comes from the
// card (any well-formed tag), so look-up must degrade gracefully rather than fail.
#include <array>
#include <map>
#include <string>
#include <string_view>

namespace fmc::catalog {

// The languages every catalog text must have: English, Simplified Chinese, and the
// languages of the largest groups of foreign buyers in Yiwu (Middle East, Russia, Africa).
inline constexpr std::array<std::string_view, 5> requiredLanguages{"en", "zh-Hans", "ar", "ru", "fr"};

struct LocalizedText {
    std::map<std::string, std::string, std::less<>> byLanguage;

    // The text for `language`: the exact tag, then the tag with its last subtag dropped
    // repeatedly ("zh-Hans-CN" -> "zh-Hans" -> "zh"), then any text in the same primary
    // language (so "zh-CN" still finds "zh-Hans"), then "en". Tags compare case-insensitively.
    // Empty only when none of these exist, which a validated catalog rules out.
    [[nodiscard]] const std::string& text(std::string_view language) const;
};

} // namespace fmc::catalog
