#include "catalog/kiosk_texts.hpp"

#include "catalog/language_tags.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace fmc::catalog {

using nlohmann::json;

namespace {

std::string quoteJson(std::string_view text) {
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

// The {name} placeholders of a text, which every translation must keep.
std::set<std::string> placeholders(std::string_view text) {
    std::set<std::string> out;
    std::size_t position = 0;
    while ((position = text.find('{', position)) != std::string_view::npos) {
        const std::size_t end = text.find('}', position + 1);
        if (end == std::string_view::npos) break;
        out.emplace(text.substr(position + 1, end - position - 1));
        position = end + 1;
    }
    return out;
}

std::string joined(const std::set<std::string>& names) {
    std::string out;
    for (const std::string& name : names) out += (out.empty() ? "{" : ", {") + name + "}";
    return out.empty() ? "none" : out;
}

class Checker {
public:
    explicit Checker(std::string_view source) : source_(source) {}

    std::vector<std::string> check(std::string_view text) {
        json document;
        try {
            document = json::parse(text);
        } catch (const json::exception& error) {  // parse_error, and out_of_range for 1e500
            fail(std::string("not valid JSON: ") + error.what());
        }
        if (!document.is_object()) fail("the document must be a JSON object");
        const auto version = document.find("version");
        if (version == document.end() || !version->is_string() || version->get_ref<const std::string&>().empty())
            fail("\"version\" must be a non-empty string");

        const std::vector<std::string> tags = languages(document);
        const auto texts = document.find("texts");
        if (texts == document.end() || !texts->is_object()) fail("\"texts\" must be an object of language tag to texts");
        for (const auto& [language, entries] : texts->items())
            if (std::find(tags.begin(), tags.end(), language) == tags.end())
                fail("texts " + quoteJson(language) + ": the language is not in \"languages\"");
        for (const std::string& tag : tags)
            if (!texts->contains(tag)) fail("texts: missing language " + quoteJson(tag));

        const json& english = textsOf(*texts, "en");
        for (const std::string& tag : tags) {
            const json& entries = textsOf(*texts, tag);
            for (const auto& [key, value] : english.items()) {
                const auto found = entries.find(key);
                if (found == entries.end()) fail("texts " + quoteJson(tag) + ": missing key " + quoteJson(key));
                const std::set<std::string> expected = placeholders(value.get_ref<const std::string&>());
                const std::set<std::string> actual = placeholders(found->get_ref<const std::string&>());
                if (actual != expected)
                    fail("texts " + quoteJson(tag) + ": key " + quoteJson(key) + " has placeholders " + joined(actual) +
                         ", English has " + joined(expected));
            }
            for (const auto& [key, value] : entries.items())
                if (!english.contains(key)) fail("texts " + quoteJson(tag) + ": extra key " + quoteJson(key) + " that \"en\" has not");
        }
        return tags;
    }

private:
    [[noreturn]] void fail(const std::string& problem) const { throw CatalogError(source_ + ": " + problem); }

    std::vector<std::string> languages(const json& document) const {
        const auto list = document.find("languages");
        if (list == document.end() || !list->is_array() || list->empty()) fail("\"languages\" must be a non-empty array");
        std::vector<std::string> tags;
        std::size_t index = 0;
        for (const json& entry : *list) {
            const std::string where = "language #" + std::to_string(++index);
            if (!entry.is_object()) fail(where + ": must be a JSON object");
            for (const char* key : {"tag", "name", "dir"}) {
                const auto value = entry.find(key);
                if (value == entry.end() || !value->is_string() || value->get_ref<const std::string&>().empty())
                    fail(where + ": \"" + key + "\" must be a non-empty string");
            }
            const std::string& tag = entry["tag"].get_ref<const std::string&>();
            if (!isWellFormedLanguageTag(tag)) fail(where + ": " + quoteJson(tag) + " is not a BCP 47 language tag");
            if (std::find(tags.begin(), tags.end(), tag) != tags.end()) fail(where + ": duplicate language " + quoteJson(tag));
            const std::string& dir = entry["dir"].get_ref<const std::string&>();
            if (dir != "ltr" && dir != "rtl")
                fail(where + ": \"dir\" of " + quoteJson(tag) + " must be \"ltr\" or \"rtl\", not " + quoteJson(dir));
            tags.push_back(tag);
        }
        if (std::find(tags.begin(), tags.end(), "en") == tags.end()) fail("\"languages\" must include \"en\"");
        return tags;
    }

    // The texts of one language, every one a non-empty string.
    const json& textsOf(const json& texts, const std::string& tag) const {
        const json& entries = texts.at(tag);
        if (!entries.is_object() || entries.empty()) fail("texts " + quoteJson(tag) + ": must be a non-empty object of key to text");
        for (const auto& [key, value] : entries.items())
            if (!value.is_string() || value.get_ref<const std::string&>().empty())
                fail("texts " + quoteJson(tag) + ": key " + quoteJson(key) + " must be a non-empty string");
        return entries;
    }

    std::string source_;
};

std::filesystem::path chosenOrInstalled(const char* variable, const std::filesystem::path& installed,
                                        const std::filesystem::path& inSource) {
    if (const char* chosen = std::getenv(variable); chosen != nullptr && *chosen != '\0') return chosen;
    std::error_code ignored;
    if (std::filesystem::is_regular_file(installed, ignored)) return installed;
    return inSource;
}

} // namespace

KioskTexts KioskTexts::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw CatalogError(file.string() + ": cannot open the kiosk texts");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw CatalogError(file.string() + ": cannot read the kiosk texts");
    return parse(text.str(), file.string());
}

KioskTexts KioskTexts::parse(std::string_view text, std::string_view source) {
    KioskTexts texts;
    texts.tags_ = Checker(source).check(text);
    texts.json_ = std::string(text);
    return texts;
}

std::filesystem::path defaultKioskTextsPath() {
    return chosenOrInstalled("FMC_KIOSK_TEXTS", std::filesystem::path(FMC_CATALOG_INSTALL_DIR) / "kiosk_texts.json",
                             std::filesystem::path(FMC_CATALOG_SOURCE_DIR) / "kiosk_texts.json");
}

std::filesystem::path defaultKioskPagePath() {
    if (const char* chosen = std::getenv("FMC_KIOSK_PAGE"); chosen != nullptr && *chosen != '\0') return chosen;
    return FMC_KIOSK_PAGE_SOURCE;
}

} // namespace fmc::catalog
