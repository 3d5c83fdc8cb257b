#include "issuance/merchant_commands.hpp"

#include "catalog/country_codes.hpp"
#include "catalog/language_tags.hpp"
#include "catalog/services_catalog.hpp"
#include "cli/command_arguments.hpp"
#include "db/registry_errors.hpp"
#include "issuance/command_support.hpp"

#include <algorithm>
#include <set>

namespace fmc::issuance {

namespace {

// Names, numbers and codes: one line of printable text each, of a sane length.
void requireText(const std::string& value, const std::string& what, std::size_t maxLength, bool required) {
    if (value.empty()) {
        if (required) throw InputError(what + " must not be empty");
        return;
    }
    if (value.find_first_not_of(" \t") == std::string::npos) throw InputError(what + " must not be blank");
    if (value.size() > maxLength) throw InputError(what + " is longer than " + std::to_string(maxLength) + " bytes");
    if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
        throw InputError(what + " must be one line of text");
}

// The station checks what the registry cannot: codes against ISO 3166, BCP 47 and the
// services catalog that the terminals use too.
void validateMerchant(db::MerchantDetails& details, const catalog::ServicesCatalog& catalog) {
    requireText(details.name, "--name", 125, true);
    requireText(details.nativeName, "--native-name", 125, false);
    requireText(details.travelDocument, "--document", 32, true);
    requireText(details.businessRegistration, "--business-reg", 64, false);
    requireText(details.phone, "--phone", 32, false);
    if (!catalog::isIsoAlpha3CountryCode(details.nationality))
        throw InputError("unknown nationality code '" + details.nationality +
                         "' (use an ISO 3166-1 alpha-3 code in capitals, e.g. RUS, NGA, ARE)");
    if (!details.preferredLanguage.empty() && !catalog::isWellFormedLanguageTag(details.preferredLanguage))
        throw InputError("'" + details.preferredLanguage + "' is not a BCP 47 language tag (e.g. ar, ru, fr, zh-Hans)");
    if (details.entitlements.empty()) throw InputError("at least one --entitlement is required");
    for (const std::string& code : details.entitlements)
        if (!catalog.isEntitlement(code)) {
            std::string known;
            for (const catalog::Entitlement& entitlement : catalog.entitlements())
                known += (known.empty() ? "" : ", ") + entitlement.code;
            throw InputError("unknown entitlement '" + code + "' (the catalog has: " + known + ")");
        }
    std::sort(details.entitlements.begin(), details.entitlements.end());
    details.entitlements.erase(std::unique(details.entitlements.begin(), details.entitlements.end()),
                               details.entitlements.end());
}

void addDetailOptions(po::options_description& options) {
    options.add_options()
        ("name", po::value<std::string>()->value_name("NAME"), "name as in the travel document (Latin script)")
        ("native-name", po::value<std::string>()->value_name("NAME"), "name in the holder's own script")
        ("nationality", po::value<std::string>()->value_name("ALPHA3"), "ISO 3166-1 alpha-3 code, e.g. NGA")
        ("document", po::value<std::string>()->value_name("NUMBER"), "travel document number (unique)")
        ("business-reg", po::value<std::string>()->value_name("NUMBER"), "business registration number")
        ("phone", po::value<std::string>()->value_name("NUMBER"), "phone number")
        ("language", po::value<std::string>()->value_name("BCP47"), "preferred language, e.g. ar, ru, fr, zh-Hans");
}

// Fields given on the command line replace the ones in `details`.
void applyDetailOptions(const po::variables_map& values, db::MerchantDetails& details) {
    auto take = [&](const char* option, std::string& field) {
        if (values.count(option)) field = values[option].as<std::string>();
    };
    take("name", details.name);
    take("native-name", details.nativeName);
    take("nationality", details.nationality);
    take("document", details.travelDocument);
    take("business-reg", details.businessRegistration);
    take("phone", details.phone);
    take("language", details.preferredLanguage);
}

std::int64_t merchantIdArgument(const po::variables_map& values) {
    const std::string text = values["id"].as<std::string>();
    try {
        std::size_t used = 0;
        const long long id = std::stoll(text, &used);
        if (used == text.size() && id > 0) return id;
    } catch (const std::exception&) {
    }
    throw InputError("'" + text + "' is not a merchant id");
}

void printMerchant(std::ostream& out, const db::Merchant& merchant) {
    const db::MerchantDetails& details = merchant.details;
    out << "merchant " << merchant.id << ": " << details.name;
    if (!details.nativeName.empty()) out << " (" << details.nativeName << ")";
    out << "\n  nationality   " << details.nationality << "\n  document      " << details.travelDocument;
    if (!details.businessRegistration.empty()) out << "\n  business reg. " << details.businessRegistration;
    if (!details.phone.empty()) out << "\n  phone         " << details.phone;
    if (!details.preferredLanguage.empty()) out << "\n  language      " << details.preferredLanguage;
    out << "\n  entitlements  ";
    for (std::size_t i = 0; i < details.entitlements.size(); ++i) out << (i ? ", " : "") << details.entitlements[i];
    out << "\n";
}

int addMerchant(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue merchant add --name NAME --nationality ALPHA3 --document NUMBER --entitlement CODE...\n"
        "Enrolls a merchant. Entitlement codes come from the services catalog terminals use.\n\nOptions");
    addDetailOptions(options);
    options.add_options()("entitlement", po::value<std::vector<std::string>>()->multitoken()->composing()->value_name("CODE"),
                          "an entitlement code; repeat or list several");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    for (const char* required : {"name", "nationality", "document"})
        if (!values->count(required)) throw po::error(std::string("--") + required + " is required");
    Station station = openStation(*values);
    const db::Operator by = operatorOf(*values);
    db::MerchantDetails details;
    applyDetailOptions(*values, details);
    if (values->count("entitlement")) details.entitlements = (*values)["entitlement"].as<std::vector<std::string>>();
    validateMerchant(details, station.catalog());
    const db::Merchant merchant = station.registry().addMerchant(details, by);
    if (jsonWanted(*values)) out << merchantJson(merchant).dump() << "\n";
    else out << "merchant " << merchant.id << " added: " << merchant.details.name << "\n";
    return 0;
}

int listMerchants(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options("Usage: fmc-issue merchant list [--json]\nLists the enrolled merchants.\n\nOptions");
    addStationOptions(options, false);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::vector<db::Merchant> merchants = station.registry().listMerchants();
    if (jsonWanted(*values)) {
        nlohmann::json list = nlohmann::json::array();
        for (const db::Merchant& merchant : merchants) list.push_back(merchantJson(merchant));
        out << list.dump() << "\n";
        return 0;
    }
    if (merchants.empty()) out << "no merchants enrolled\n";
    for (const db::Merchant& merchant : merchants)
        out << merchant.id << "  " << merchant.details.nationality << "  " << merchant.details.name << "  ("
            << merchant.details.entitlements.size() << " entitlements)\n";
    return 0;
}

int showMerchant(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options("Usage: fmc-issue merchant show ID [--json]\nShows a merchant and their cards.\n\nOptions");
    options.add_options()("id", po::value<std::string>()->required()->value_name("ID"), "the merchant id");
    addStationOptions(options, false);
    po::positional_options_description positionals;
    positionals.add("id", 1);
    const auto values = cli::parseCommandArguments(args, options, positionals, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::int64_t id = merchantIdArgument(*values);
    const std::optional<db::Merchant> merchant = station.registry().findMerchant(id);
    if (!merchant) throw db::NotFoundError("no merchant " + std::to_string(id));
    const std::vector<db::Card> cards = station.registry().listCards(db::CardFilter{id, {}, {}, {}});
    if (jsonWanted(*values)) {
        nlohmann::json object = merchantJson(*merchant);
        object["cards"] = nlohmann::json::array();
        for (const db::Card& card : cards) object["cards"].push_back(cardJson(card));
        out << object.dump() << "\n";
        return 0;
    }
    printMerchant(out, *merchant);
    out << "  cards         " << (cards.empty() ? "none" : "") << "\n";
    for (const db::Card& card : cards) out << "    " << cardLine(card) << "\n";
    return 0;
}

int updateMerchant(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue merchant update ID [--name NAME] ... [--entitlement CODE...]\n"
        "Changes a merchant's details. --entitlement replaces the list; --add-entitlement and\n"
        "--remove-entitlement change it. Cards already issued keep the entitlements in their\n"
        "certificate until they are renewed.\n\nOptions");
    options.add_options()("id", po::value<std::string>()->required()->value_name("ID"), "the merchant id");
    addDetailOptions(options);
    options.add_options()
        ("entitlement", po::value<std::vector<std::string>>()->multitoken()->composing()->value_name("CODE"), "the new list")
        ("add-entitlement", po::value<std::vector<std::string>>()->composing()->value_name("CODE"), "add one")
        ("remove-entitlement", po::value<std::vector<std::string>>()->composing()->value_name("CODE"), "remove one");
    addStationOptions(options, true);
    po::positional_options_description positionals;
    positionals.add("id", 1);
    const auto values = cli::parseCommandArguments(args, options, positionals, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const db::Operator by = operatorOf(*values);
    const std::int64_t id = merchantIdArgument(*values);
    const std::optional<db::Merchant> current = station.registry().findMerchant(id);
    if (!current) throw db::NotFoundError("no merchant " + std::to_string(id));
    db::MerchantDetails details = current->details;
    applyDetailOptions(*values, details);
    std::vector<std::string>& codes = details.entitlements;
    if (values->count("entitlement")) codes = (*values)["entitlement"].as<std::vector<std::string>>();
    if (values->count("add-entitlement"))
        for (const std::string& code : (*values)["add-entitlement"].as<std::vector<std::string>>()) codes.push_back(code);
    if (values->count("remove-entitlement"))
        for (const std::string& code : (*values)["remove-entitlement"].as<std::vector<std::string>>()) {
            const auto found = std::find(codes.begin(), codes.end(), code);
            if (found == codes.end()) throw InputError("merchant " + std::to_string(id) + " has no entitlement '" + code + "'");
            codes.erase(found);
        }
    validateMerchant(details, station.catalog());
    const db::Merchant merchant = station.registry().updateMerchant(id, details, by);
    if (jsonWanted(*values)) out << merchantJson(merchant).dump() << "\n";
    else out << "merchant " << merchant.id << " updated\n";
    return 0;
}

} // namespace

int runMerchantCommand(const std::vector<std::string>& args, std::ostream& out) {
    return cli::runCommandGroup("fmc-issue", "merchant", "Enrolls merchants and keeps their details.",
                                {{"add", "enroll a merchant", addMerchant},
                                 {"list", "list merchants", listMerchants},
                                 {"show", "show a merchant and their cards", showMerchant},
                                 {"update", "change a merchant's details or entitlements", updateMerchant}},
                                args, out);
}

} // namespace fmc::issuance
