#include "catalog/country_codes.hpp"
#include "catalog/language_tags.hpp"
#include "catalog/services_catalog.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>

using namespace fmc::catalog;

namespace {

const ServicesCatalog& shipped() {
    static const ServicesCatalog catalog = ServicesCatalog::load(FMC_SHIPPED_CATALOG);
    return catalog;
}

// Restores FMC_SERVICES_CATALOG however the test ends, so later tests see the real setting.
class ScopedCatalogVariable {
public:
    explicit ScopedCatalogVariable(const char* value) {
        if (const char* old = std::getenv(name)) saved_ = old;
        if (value != nullptr) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~ScopedCatalogVariable() {
        if (saved_) ::setenv(name, saved_->c_str(), 1);
        else ::unsetenv(name);
    }
    ScopedCatalogVariable(const ScopedCatalogVariable&) = delete;
    ScopedCatalogVariable& operator=(const ScopedCatalogVariable&) = delete;

private:
    static constexpr const char* name = "FMC_SERVICES_CATALOG";
    std::optional<std::string> saved_;
};

} // namespace

TEST_CASE("the shipped catalog loads", "[catalog]") {
    const ServicesCatalog& catalog = shipped();
    CHECK_FALSE(catalog.version().empty());
    CHECK(catalog.services().size() >= 10);
    CHECK(catalog.entitlements().size() >= 10);
}

TEST_CASE("every shipped service and entitlement has all five languages", "[catalog]") {
    for (const Service& service : shipped().services()) {
        INFO(service.code);
        for (const std::string_view language : requiredLanguages) {
            INFO(language);
            REQUIRE(service.names.byLanguage.contains(language));
            REQUIRE(service.where.byLanguage.contains(language));
            if (language == "en") continue;
            // A copy of the English text would pass the loader but means a missing translation.
            CHECK(service.names.text(language) != service.names.text("en"));
            CHECK(service.where.text(language) != service.where.text("en"));
        }
        CHECK(shipped().isEntitlement(service.entitlement));
    }
    for (const Entitlement& entitlement : shipped().entitlements())
        for (const std::string_view language : requiredLanguages) CHECK(entitlement.names.byLanguage.contains(language));
}

TEST_CASE("the shipped catalog covers the case study's services", "[catalog]") {
    const ServicesCatalog& catalog = shipped();
    for (const char* code : {"trade.licensing", "mediation", "community", "international-family", "transport.bus",
                             "health.clinic", "library", "parks"})
        CHECK(catalog.findService(code) != nullptr);

    const Service* bus = catalog.findService("transport.bus");
    REQUIRE(bus != nullptr);
    CHECK(bus->accepts(CardInterface::contactless));
    CHECK_FALSE(bus->accepts(CardInterface::contact));
    CHECK(bus->entitlement == "transport");

    const Service* licensing = catalog.findService("trade.licensing");
    REQUIRE(licensing != nullptr);
    CHECK(licensing->maxCrlAge == std::chrono::hours(24));
    CHECK(licensing->minAssurance == AssuranceLevel::high);
    CHECK(licensing->where.text("en") == "International Trade Service Centre, counters 1-52");
    CHECK(licensing->names.text("zh-Hans-CN") == "涉外审批（一站式服务）");

    CHECK(catalog.findService("no.such-service") == nullptr);
    CHECK_FALSE(catalog.isEntitlement("transport.bus"));  // a service code, not an entitlement
}

TEST_CASE("several shipped services share one entitlement", "[catalog]") {
    std::multiset<std::string> uses;
    for (const Service& service : shipped().services()) uses.insert(service.entitlement);
    CHECK(uses.count("transport") == 2);
    CHECK(uses.count("community") == 2);
}

TEST_CASE("defaultServicesCatalogPath honours FMC_SERVICES_CATALOG", "[catalog]") {
    SECTION("set") {
        const ScopedCatalogVariable variable("/etc/fmc/my-services.json");
        CHECK(defaultServicesCatalogPath() == "/etc/fmc/my-services.json");
    }
    SECTION("unset: a services.json that exists, installed or in the source tree") {
        const ScopedCatalogVariable variable(nullptr);
        const std::filesystem::path path = defaultServicesCatalogPath();
        CHECK(path.filename() == "services.json");
        CHECK(std::filesystem::exists(path));
    }
}

TEST_CASE("load names the file it cannot open", "[catalog]") {
    const fmc::test::TempFolder folder("fmc-catalog");
    const std::filesystem::path missing = folder.path / "absent.json";
    CHECK_THROWS_WITH(ServicesCatalog::load(missing), Catch::Contains(missing.string()) && Catch::Contains("cannot open"));

    const std::filesystem::path broken = folder.path / "broken.json";
    std::ofstream(broken) << "{ \"version\": ";
    CHECK_THROWS_WITH(ServicesCatalog::load(broken), Catch::Contains(broken.string()) && Catch::Contains("not valid JSON"));
}

TEST_CASE("the country and language code lists agree with the catalog's languages", "[catalog]") {
    for (const std::string_view language : requiredLanguages) CHECK(isWellFormedLanguageTag(language));
    CHECK(countryName("CHN") == "China");
}
