#include "catalog/services_catalog.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace fmc::catalog;
using nlohmann::json;

namespace {

json allLanguages(const std::string& english) {
    return {{"en", english}, {"zh-Hans", "中文"}, {"ar", "عربي"}, {"ru", "русский"}, {"fr", "français"}};
}

// The smallest catalog the loader accepts: one entitlement, one service using it.
json validCatalog() {
    return {{"version", "test"},
            {"entitlements", json::array({{{"code", "transport"}, {"names", allLanguages("Public transport")}}})},
            {"services", json::array({{{"code", "transport.bus"},
                                       {"entitlement", "transport"},
                                       {"names", allLanguages("City buses")},
                                       {"where", allLanguages("On board")},
                                       {"interfaces", {"contactless"}},
                                       {"max_crl_age_hours", 72},
                                       {"min_assurance", "high"}}})}};
}

json& firstService(json& catalog) { return catalog["services"][0]; }

ServicesCatalog parse(const json& catalog) { return ServicesCatalog::parse(catalog.dump(), "test.json"); }

// Every message is one line that starts with the file name.
void checkRefused(const json& catalog, const std::string& expected) {
    try {
        (void)parse(catalog);
        FAIL("accepted a catalog that should be refused for: " << expected);
    } catch (const CatalogError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.starts_with("test.json: "));
        CHECK(message.find('\n') == std::string::npos);
        CHECK_THAT(message, Catch::Contains(expected));
    }
}

} // namespace

TEST_CASE("a minimal catalog parses", "[catalog][validation]") {
    const ServicesCatalog catalog = parse(validCatalog());
    REQUIRE(catalog.services().size() == 1);
    CHECK(catalog.services()[0].maxCrlAge == std::chrono::hours(72));
    CHECK(catalog.isEntitlement("transport"));
}

TEST_CASE("unknown keys are accepted, so older terminals read newer catalogs", "[catalog][validation]") {
    json catalog = validCatalog();
    catalog["published_by"] = "Yiwu Citizens Card Service Company";
    firstService(catalog)["opening_hours"] = "09:00-17:00";
    catalog["entitlements"][0]["colour"] = "blue";
    CHECK_NOTHROW(parse(catalog));
}

TEST_CASE("optional keys take their defaults", "[catalog][validation]") {
    json catalog = validCatalog();
    firstService(catalog).erase("max_crl_age_hours");
    firstService(catalog).erase("min_assurance");
    const ServicesCatalog parsed = parse(catalog);
    CHECK(parsed.services()[0].maxCrlAge == std::chrono::hours(24));
    CHECK(parsed.services()[0].minAssurance == AssuranceLevel::high);
}

TEST_CASE("missing required keys are refused", "[catalog][validation]") {
    SECTION("version") {
        json catalog = validCatalog();
        catalog.erase("version");
        checkRefused(catalog, "missing \"version\"");
    }
    SECTION("services") {
        json catalog = validCatalog();
        catalog.erase("services");
        checkRefused(catalog, "missing \"services\"");
    }
    for (const char* key : {"entitlement", "names", "where", "interfaces"}) {
        DYNAMIC_SECTION("service " << key) {
            json catalog = validCatalog();
            firstService(catalog).erase(key);
            checkRefused(catalog, std::string("service \"transport.bus\": missing \"") + key + "\"");
        }
    }
    SECTION("service code") {
        json catalog = validCatalog();
        firstService(catalog).erase("code");
        checkRefused(catalog, "service #1: missing \"code\"");
    }
    SECTION("entitlement names") {
        json catalog = validCatalog();
        catalog["entitlements"][0].erase("names");
        checkRefused(catalog, "entitlement \"transport\": missing \"names\"");
    }
}

TEST_CASE("duplicate codes are refused", "[catalog][validation]") {
    SECTION("service") {
        json catalog = validCatalog();
        catalog["services"].push_back(firstService(catalog));
        checkRefused(catalog, "service \"transport.bus\": duplicate service code");
    }
    SECTION("entitlement") {
        json catalog = validCatalog();
        catalog["entitlements"].push_back(catalog["entitlements"][0]);
        checkRefused(catalog, "entitlement \"transport\": duplicate entitlement code");
    }
}

TEST_CASE("a service's entitlement must be listed", "[catalog][validation]") {
    json catalog = validCatalog();
    firstService(catalog)["entitlement"] = "transport.metro";
    checkRefused(catalog, "service \"transport.bus\": entitlement \"transport.metro\" is not in the \"entitlements\" list");
}

TEST_CASE("badly formed codes are refused", "[catalog][validation]") {
    for (const char* code : {"Transport.Bus", "transport bus", "transport_bus", ".bus", "bus-", "transport..bus", "bus/1"}) {
        DYNAMIC_SECTION(code) {
            json catalog = validCatalog();
            firstService(catalog)["code"] = code;
            checkRefused(catalog, "service #1: code " + json(code).dump() + " must be");
        }
    }
    SECTION("too long") {
        json catalog = validCatalog();
        catalog["entitlements"][0]["code"] = std::string(65, 'a');
        checkRefused(catalog, "entitlement #1: code");
    }
    CHECK(isWellFormedCatalogCode("education.school-enrolment"));
    CHECK(isWellFormedCatalogCode(std::string(64, 'a')));
}

TEST_CASE("every text needs all five languages", "[catalog][validation]") {
    for (const std::string_view language : requiredLanguages) {
        DYNAMIC_SECTION("service names without " << language) {
            json catalog = validCatalog();
            firstService(catalog)["names"].erase(std::string(language));
            checkRefused(catalog, "service \"transport.bus\": \"names\": missing language \"" + std::string(language) + "\"");
        }
    }
    SECTION("service where") {
        json catalog = validCatalog();
        firstService(catalog)["where"].erase("ar");
        checkRefused(catalog, "\"where\": missing language \"ar\"");
    }
    SECTION("entitlement names") {
        json catalog = validCatalog();
        catalog["entitlements"][0]["names"].erase("zh-Hans");
        checkRefused(catalog, "entitlement \"transport\": \"names\": missing language \"zh-Hans\"");
    }
    SECTION("an empty text") {
        json catalog = validCatalog();
        firstService(catalog)["names"]["ru"] = "";
        checkRefused(catalog, "the \"ru\" text must be a non-empty string");
    }
    SECTION("a key that is not a language tag") {
        json catalog = validCatalog();
        firstService(catalog)["names"]["english please"] = "x";
        checkRefused(catalog, "\"english please\" is not a BCP 47 language tag");
    }
    SECTION("extra languages are welcome") {
        json catalog = validCatalog();
        firstService(catalog)["names"]["es-419"] = "Autobuses urbanos";
        CHECK(parse(catalog).services()[0].names.text("es-MX") == "Autobuses urbanos");
    }
}

TEST_CASE("max_crl_age_hours must be 1..720 whole hours", "[catalog][validation]") {
    for (const json& value : {json(0), json(-5), json(721), json(24.5), json("24")}) {
        DYNAMIC_SECTION(value.dump()) {
            json catalog = validCatalog();
            firstService(catalog)["max_crl_age_hours"] = value;
            checkRefused(catalog, "\"max_crl_age_hours\" must be a whole number from 1 to 720, not " + value.dump());
        }
    }
    for (const int hours : {1, 720}) {
        json catalog = validCatalog();
        firstService(catalog)["max_crl_age_hours"] = hours;
        CHECK(parse(catalog).services()[0].maxCrlAge == std::chrono::hours(hours));
    }
}

TEST_CASE("interfaces are contact and contactless only", "[catalog][validation]") {
    SECTION("unknown name") {
        json catalog = validCatalog();
        firstService(catalog)["interfaces"] = {"contactless", "nfc"};
        checkRefused(catalog, "unknown interface \"nfc\"");
    }
    SECTION("empty") {
        json catalog = validCatalog();
        firstService(catalog)["interfaces"] = json::array();
        checkRefused(catalog, "\"interfaces\" must name contact, contactless or both");
    }
    SECTION("twice") {
        json catalog = validCatalog();
        firstService(catalog)["interfaces"] = {"contact", "contact"};
        checkRefused(catalog, "interface \"contact\" listed twice");
    }
    SECTION("not an array") {
        json catalog = validCatalog();
        firstService(catalog)["interfaces"] = "contact";
        checkRefused(catalog, "\"interfaces\" must be an array");
    }
    SECTION("both") {
        json catalog = validCatalog();
        firstService(catalog)["interfaces"] = {"contact", "contactless"};
        const Service service = parse(catalog).services()[0];
        CHECK(service.accepts(CardInterface::contact));
        CHECK(service.accepts(CardInterface::contactless));
    }
}

TEST_CASE("min_assurance is an eIDAS level", "[catalog][validation]") {
    json catalog = validCatalog();
    firstService(catalog)["min_assurance"] = "substantial";
    CHECK(parse(catalog).services()[0].minAssurance == AssuranceLevel::substantial);
    firstService(catalog)["min_assurance"] = "very high";
    checkRefused(catalog, "\"min_assurance\" must be \"low\", \"substantial\" or \"high\"");
}

TEST_CASE("documents that are not a catalog are refused", "[catalog][validation]") {
    CHECK_THROWS_WITH(ServicesCatalog::parse("[]", "test.json"), "test.json: the document must be a JSON object");
    CHECK_THROWS_AS(ServicesCatalog::parse("{", "test.json"), CatalogError);
    json catalog = validCatalog();
    catalog["services"][0] = "transport.bus";
    checkRefused(catalog, "service #1: must be a JSON object");
}
