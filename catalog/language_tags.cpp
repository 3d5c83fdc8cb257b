#include "catalog/language_tags.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace fmc::catalog {
namespace {

bool isAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }

bool allAlpha(std::string_view s) { return std::ranges::all_of(s, isAlpha); }
bool allDigit(std::string_view s) { return std::ranges::all_of(s, isDigit); }
bool allAlnum(std::string_view s) { return std::ranges::all_of(s, isAlnum); }

bool sized(std::string_view s, std::size_t min, std::size_t max) { return s.size() >= min && s.size() <= max; }

// Every subtag is 1-8 letters or digits; an empty one (leading, trailing or doubled '-')
// makes the tag ill-formed, so splitting refuses it here once for all the rules below.
bool splitSubtags(std::string_view tag, std::vector<std::string_view>& out) {
    while (true) {
        const std::size_t dash = tag.find('-');
        const std::string_view subtag = tag.substr(0, dash);
        if (!sized(subtag, 1, 8) || !allAlnum(subtag)) return false;
        out.push_back(subtag);
        if (dash == std::string_view::npos) return true;
        tag.remove_prefix(dash + 1);
    }
}

bool isPrivateUseSingleton(std::string_view s) { return s == "x" || s == "X"; }

// "x" 1*("-" 1*8alphanum): every subtag after the singleton is already 1-8 alnum.
bool privateUseFrom(const std::vector<std::string_view>& subtags, std::size_t i) {
    return isPrivateUseSingleton(subtags[i]) && i + 1 < subtags.size();
}

} // namespace

bool isWellFormedLanguageTag(std::string_view tag) {
    std::vector<std::string_view> subtags;
    if (tag.empty() || !splitSubtags(tag, subtags)) return false;
    const std::size_t count = subtags.size();
    std::size_t i = 0;

    if (isPrivateUseSingleton(subtags[0])) return privateUseFrom(subtags, 0);

    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA; extlang = 3ALPHA *2("-" 3ALPHA)
    const std::string_view language = subtags[i++];
    if (!sized(language, 2, 8) || !allAlpha(language)) return false;
    if (language.size() <= 3) {
        for (int extlangs = 0; extlangs < 3 && i < count && subtags[i].size() == 3 && allAlpha(subtags[i]); ++extlangs)
            ++i;
    }
    // script = 4ALPHA
    if (i < count && subtags[i].size() == 4 && allAlpha(subtags[i])) ++i;
    // region = 2ALPHA / 3DIGIT
    if (i < count && ((subtags[i].size() == 2 && allAlpha(subtags[i])) || (subtags[i].size() == 3 && allDigit(subtags[i]))))
        ++i;
    // variant = 5*8alphanum / (DIGIT 3alphanum)
    while (i < count && (subtags[i].size() >= 5 || (subtags[i].size() == 4 && isDigit(subtags[i][0])))) ++i;
    // extension = singleton 1*("-" (2*8alphanum)), singleton being any alnum but x
    while (i < count && subtags[i].size() == 1 && !isPrivateUseSingleton(subtags[i])) {
        ++i;
        const std::size_t first = i;
        while (i < count && subtags[i].size() >= 2) ++i;
        if (i == first) return false;
    }
    if (i < count && isPrivateUseSingleton(subtags[i])) return privateUseFrom(subtags, i);
    return i == count;
}

} // namespace fmc::catalog
