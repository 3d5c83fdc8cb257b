#include "catalog/country_codes.hpp"

#include <catch2/catch.hpp>

using namespace fmc::catalog;

TEST_CASE("assigned ISO 3166-1 alpha-3 codes are accepted", "[catalog][country]") {
    for (const char* code : {"CHN", "RUS", "NGA", "ARE", "VNM", "PAK", "IRQ", "IND", "USA", "AUS", "ABW", "ZWE", "SSD", "TLS"}) {
        INFO(code);
        CHECK(isIsoAlpha3CountryCode(code));
    }
}

TEST_CASE("anything else is refused", "[catalog][country]") {
    for (const char* code : {"chn", "Chn", "XXX", "CN", "", "CHNA", "XKX" /* Kosovo: user-assigned */, "ANT" /* withdrawn */, "SUN", "YUG", "D"}) {
        INFO(code);
        CHECK_FALSE(isIsoAlpha3CountryCode(code));
    }
}

TEST_CASE("country names are in English", "[catalog][country]") {
    CHECK(countryName("CHN") == "China");
    CHECK(countryName("NGA") == "Nigeria");
    CHECK(countryName("ARE") == "United Arab Emirates");
    CHECK(countryName("VNM") == "Vietnam");
    CHECK(countryName("KOR") == "South Korea");
    CHECK(countryName("XXX").empty());
    CHECK(countryName("chn").empty());
}
