#include "catalog/language_tags.hpp"

#include <catch2/catch.hpp>

using fmc::catalog::isWellFormedLanguageTag;

TEST_CASE("well-formed BCP 47 tags are accepted", "[catalog][language]") {
    for (const char* tag : {"en", "zh-Hans", "zh-Hans-CN", "ar", "ru-RU", "es-419", "sl-rozaj-biske", "de-CH-x-phonebk",
                            "EN-us", "zh-yue-HK", "zh-cmn-Hans-CN", "sr-Latn-RS", "de-CH-1901", "hy-Latn-IT-arevela",
                            "en-US-u-islamcal", "en-a-myext-b-another", "x-whatever", "qaa-Qaaa-QM-x-southern",
                            "fil", "yoruba"}) {
        INFO(tag);
        CHECK(isWellFormedLanguageTag(tag));
    }
}

TEST_CASE("ill-formed tags are refused", "[catalog][language]") {
    for (const char* tag : {"", "e", "toolongtag9", "en--US", "zh-Hans-", "-en", "en_US", "en-US-", "1en", "en-a",
                            "en-a-x", "en-x", "x", "en-ÿ", "en US", "de-419-DE", "en-abcd-efgh-ijkl-US-a-b",
                            "en-US-u-toolongsubtag", "zh-Hans-CN-ab"}) {
        INFO(tag);
        CHECK_FALSE(isWellFormedLanguageTag(tag));
    }
}
