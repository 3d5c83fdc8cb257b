#include "catalog/services_catalog.hpp"

#include "catalog/language_tags.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fmc::catalog {

using nlohmann::json;

namespace {

constexpr std::size_t maxCodeLength = 64;  // what the card certificate accepts
constexpr long long minCrlAgeHours = 1;
constexpr long long maxCrlAgeHours = 720;  // 30 days: beyond that a revoked card is not "revoked"

// Values from the file are quoted as JSON so that a stray newline or quote cannot break
// the one-line message.
std::string quoteJson(std::string_view text) {
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool isCodeCharacter(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'; }
bool isLetterOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

} // namespace

bool isWellFormedCatalogCode(std::string_view code) {
    return !code.empty() && code.size() <= maxCodeLength && std::ranges::all_of(code, isCodeCharacter) &&
           isLetterOrDigit(code.front()) && isLetterOrDigit(code.back()) &&
           code.find("..") == std::string_view::npos;
}

std::string_view cardInterfaceName(CardInterface cardInterface) {
    switch (cardInterface) {
    case CardInterface::contact: return "contact";
    case CardInterface::contactless: return "contactless";
    }
    return "unknown";
}

std::string_view assuranceLevelName(AssuranceLevel level) {
    switch (level) {
    case AssuranceLevel::low: return "low";
    case AssuranceLevel::substantial: return "substantial";
    case AssuranceLevel::high: return "high";
    }
    return "unknown";
}

bool Service::accepts(CardInterface cardInterface) const {
    return std::ranges::find(interfaces, cardInterface) != interfaces.end();
}

// Reads the JSON document into a catalog, refusing anything a terminal could misread.
// Unknown keys are accepted so that an older terminal can read a newer catalog; missing or
// malformed required keys are not.
class CatalogParser {
public:
    explicit CatalogParser(std::string_view sourceName) : source_(sourceName) {}

    ServicesCatalog parse(std::string_view text) {
        json document;
        try {
            document = json::parse(text);
        } catch (const json::exception& error) {  // parse_error, and out_of_range for 1e500
            fail("", std::string("not valid JSON: ") + error.what());
        }
        if (!document.is_object()) fail("", "the document must be a JSON object");

        ServicesCatalog catalog;
        catalog.version_ = nonEmptyString(document, "version", "");
        for (const json& entry : array(document, "entitlements", "")) catalog.entitlements_.push_back(entitlement(entry, catalog));
        std::size_t index = 0;
        for (const json& entry : array(document, "services", "")) catalog.services_.push_back(service(entry, ++index, catalog));
        return catalog;
    }

private:
    [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
        throw CatalogError(source_ + ": " + (where.empty() ? "" : where + ": ") + problem);
    }

    const json& member(const json& object, const char* key, const std::string& where) const {
        const auto found = object.find(key);
        if (found == object.end()) fail(where, std::string("missing \"") + key + "\"");
        return *found;
    }

    std::string nonEmptyString(const json& object, const char* key, const std::string& where) const {
        const json& value = member(object, key, where);
        if (!value.is_string() || value.get_ref<const std::string&>().empty())
            fail(where, std::string("\"") + key + "\" must be a non-empty string");
        return value.get<std::string>();
    }

    const json& array(const json& object, const char* key, const std::string& where) const {
        const json& value = member(object, key, where);
        if (!value.is_array()) fail(where, std::string("\"") + key + "\" must be an array");
        return value;
    }

    // The code of the n-th entry, refused when malformed; messages name the entry by it.
    std::string code(const json& entry, const std::string& position) const {
        if (!entry.is_object()) fail(position, "must be a JSON object");
        std::string value = nonEmptyString(entry, "code", position);
        if (!isWellFormedCatalogCode(value))
            fail(position, "code " + quoteJson(value) +
                               " must be 1-64 characters of a-z 0-9 . - starting and ending with a letter or digit");
        return value;
    }

    LocalizedText localized(const json& object, const char* key, const std::string& where) const {
        const json& value = member(object, key, where);
        const std::string field = std::string("\"") + key + "\"";
        if (!value.is_object()) fail(where, field + " must be an object of language tag to text");
        LocalizedText out;
        for (const auto& [language, text] : value.items()) {
            if (!isWellFormedLanguageTag(language)) fail(where, field + ": " + quoteJson(language) + " is not a BCP 47 language tag");
            if (!text.is_string() || text.get_ref<const std::string&>().empty())
                fail(where, field + ": the " + quoteJson(language) + " text must be a non-empty string");
            out.byLanguage.emplace(language, text.get<std::string>());
        }
        for (const std::string_view language : requiredLanguages)
            if (!out.byLanguage.contains(language)) fail(where, field + ": missing language " + quoteJson(language));
        return out;
    }

    Entitlement entitlement(const json& entry, const ServicesCatalog& catalog) const {
        const std::string position = "entitlement #" + std::to_string(catalog.entitlements_.size() + 1);
        Entitlement out;
        out.code = code(entry, position);
        const std::string where = "entitlement " + quoteJson(out.code);
        if (catalog.isEntitlement(out.code)) fail(where, "duplicate entitlement code");
        out.names = localized(entry, "names", where);
        return out;
    }

    Service service(const json& entry, std::size_t index, const ServicesCatalog& catalog) const {
        Service out;
        out.code = code(entry, "service #" + std::to_string(index));
        const std::string where = "service " + quoteJson(out.code);
        if (catalog.findService(out.code) != nullptr) fail(where, "duplicate service code");

        out.entitlement = nonEmptyString(entry, "entitlement", where);
        if (!catalog.isEntitlement(out.entitlement))
            fail(where, "entitlement " + quoteJson(out.entitlement) + " is not in the \"entitlements\" list");
        out.names = localized(entry, "names", where);
        out.where = localized(entry, "where", where);
        out.interfaces = interfaces(entry, where);
        if (entry.contains("max_crl_age_hours")) out.maxCrlAge = crlAge(entry["max_crl_age_hours"], where);
        if (entry.contains("min_assurance")) out.minAssurance = assurance(entry["min_assurance"], where);
        return out;
    }

    std::vector<CardInterface> interfaces(const json& entry, const std::string& where) const {
        const json& names = array(entry, "interfaces", where);
        if (names.empty()) fail(where, "\"interfaces\" must name contact, contactless or both");
        std::vector<CardInterface> out;
        for (const json& name : names) {
            CardInterface cardInterface{};
            if (name == "contact") cardInterface = CardInterface::contact;
            else if (name == "contactless") cardInterface = CardInterface::contactless;
            else fail(where, "unknown interface " + name.dump() + " (expected \"contact\" or \"contactless\")");
            if (std::ranges::find(out, cardInterface) != out.end()) fail(where, "interface " + name.dump() + " listed twice");
            out.push_back(cardInterface);
        }
        return out;
    }

    std::chrono::hours crlAge(const json& value, const std::string& where) const {
        const bool inRange = value.is_number_integer() && value.get<long long>() >= minCrlAgeHours &&
                             value.get<long long>() <= maxCrlAgeHours;
        if (!inRange)
            fail(where, "\"max_crl_age_hours\" must be a whole number from 1 to 720, not " + value.dump());
        return std::chrono::hours(value.get<long long>());
    }

    AssuranceLevel assurance(const json& value, const std::string& where) const {
        for (const AssuranceLevel level : {AssuranceLevel::low, AssuranceLevel::substantial, AssuranceLevel::high})
            if (value.is_string() && value.get_ref<const std::string&>() == assuranceLevelName(level)) return level;
        fail(where, "\"min_assurance\" must be \"low\", \"substantial\" or \"high\", not " + value.dump());
    }

    std::string source_;
};

ServicesCatalog ServicesCatalog::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw CatalogError(file.string() + ": cannot open the services catalog");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw CatalogError(file.string() + ": cannot read the services catalog");
    return parse(text.str(), file.string());
}

ServicesCatalog ServicesCatalog::parse(std::string_view text, std::string_view sourceName) {
    return CatalogParser(sourceName).parse(text);
}

const Service* ServicesCatalog::findService(std::string_view code) const {
    const auto found = std::ranges::find(services_, code, &Service::code);
    return found != services_.end() ? &*found : nullptr;
}

const Entitlement* ServicesCatalog::findEntitlement(std::string_view code) const {
    const auto found = std::ranges::find(entitlements_, code, &Entitlement::code);
    return found != entitlements_.end() ? &*found : nullptr;
}

std::filesystem::path defaultServicesCatalogPath() {
    if (const char* chosen = std::getenv("FMC_SERVICES_CATALOG"); chosen != nullptr && *chosen != '\0') return chosen;
    std::filesystem::path installed = std::filesystem::path(FMC_CATALOG_INSTALL_DIR) / "services.json";
    std::error_code ignored;
    if (std::filesystem::is_regular_file(installed, ignored)) return installed;
    return std::filesystem::path(FMC_CATALOG_SOURCE_DIR) / "services.json";
}

} // namespace fmc::catalog
