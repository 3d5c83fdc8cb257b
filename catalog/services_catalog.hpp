#pragma once
// The services catalog: which services a Foreign Merchant Card opens, the entitlement code
// each one needs, and how a terminal at that service checks the card. The terminal ships
// services.json and reads it at start-up; the issuance station reads the same file to
// validate and show the entitlement codes it writes on a card.
#include "catalog/localized_text.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::catalog {

// A catalog that cannot be used, with a one-line message naming the file, the service or
// entitlement, and the problem, fit to show an operator or to print from main().
class CatalogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class CardInterface { contact, contactless };

// eIDAS assurance levels; a service states the lowest it accepts.
enum class AssuranceLevel { low, substantial, high };

[[nodiscard]] std::string_view cardInterfaceName(CardInterface cardInterface);
[[nodiscard]] std::string_view assuranceLevelName(AssuranceLevel level);

struct Entitlement {
    std::string code;
    LocalizedText names;
};

struct Service {
    std::string code;
    std::string entitlement;  // the code a card must carry; several services may share one
    LocalizedText names;
    LocalizedText where;      // where the service is delivered
    std::vector<CardInterface> interfaces;
    // A terminal refuses cards when its CRL is older than this. Bus validators sync less
    // often than counters, so the catalog sets it per service.
    std::chrono::hours maxCrlAge{24};
    AssuranceLevel minAssurance = AssuranceLevel::high;

    [[nodiscard]] bool accepts(CardInterface cardInterface) const;
};

class ServicesCatalog {
public:
    // Both throw CatalogError. `sourceName` only labels the messages of parse().
    [[nodiscard]] static ServicesCatalog load(const std::filesystem::path& file);
    [[nodiscard]] static ServicesCatalog parse(std::string_view json, std::string_view sourceName = "services catalog");

    [[nodiscard]] const std::string& version() const { return version_; }
    [[nodiscard]] const std::vector<Service>& services() const { return services_; }
    [[nodiscard]] const std::vector<Entitlement>& entitlements() const { return entitlements_; }

    // nullptr when the catalog has no such code.
    [[nodiscard]] const Service* findService(std::string_view code) const;
    [[nodiscard]] const Entitlement* findEntitlement(std::string_view code) const;
    [[nodiscard]] bool isEntitlement(std::string_view code) const { return findEntitlement(code) != nullptr; }

private:
    ServicesCatalog() = default;
    friend class CatalogParser;

    std::string version_;
    std::vector<Entitlement> entitlements_;  // in catalog order, which stations show
    std::vector<Service> services_;
};

// Service and entitlement codes: 1-64 characters of a-z 0-9 . -, starting and ending with a
// letter or digit, no "..". A subset of what the card certificate accepts, kept lower case
// so that one service cannot hide under two spellings.
[[nodiscard]] bool isWellFormedCatalogCode(std::string_view code);

// FMC_SERVICES_CATALOG if set; else services.json in the installed data folder
// (<prefix>/share/fmc) if it exists; else the copy in the source tree, so that programs run
// from a build folder find it without installing. Not checked for existence: load() says
// what is missing.
[[nodiscard]] std::filesystem::path defaultServicesCatalogPath();

} // namespace fmc::catalog
