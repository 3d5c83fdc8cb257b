#include "catalog/localized_text.hpp"

#include <algorithm>

namespace fmc::catalog {
namespace {

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) { return lowerAscii(x) == lowerAscii(y); });
}

std::string_view primarySubtag(std::string_view tag) { return tag.substr(0, tag.find('-')); }

} // namespace

const std::string& LocalizedText::text(std::string_view language) const {
    static const std::string none;
    const auto findTag = [this](std::string_view tag) -> const std::string* {
        for (const auto& [key, value] : byLanguage)
            if (equalsIgnoringCase(key, tag)) return &value;
        return nullptr;
    };

    for (std::string_view tag = language; !tag.empty();) {
        if (const std::string* found = findTag(tag)) return *found;
        const std::size_t dash = tag.rfind('-');
        tag = dash == std::string_view::npos ? std::string_view{} : tag.substr(0, dash);
    }
    const std::string_view primary = primarySubtag(language);
    if (!primary.empty()) {
        for (const auto& [key, value] : byLanguage)
            if (equalsIgnoringCase(primarySubtag(key), primary)) return value;
    }
    if (const std::string* english = findTag("en")) return *english;
    return none;
}

} // namespace fmc::catalog
