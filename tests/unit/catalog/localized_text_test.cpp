#include "catalog/localized_text.hpp"

#include <catch2/catch.hpp>

using fmc::catalog::LocalizedText;

namespace {

LocalizedText sample() {
    return {{{"en", "Library"}, {"zh-Hans", "图书馆"}, {"zh-Hant", "圖書館"}, {"ar", "المكتبة"}, {"fr", "Bibliothèque"}}};
}

} // namespace

TEST_CASE("text: the exact tag first", "[catalog][text]") {
    CHECK(sample().text("zh-Hans") == "图书馆");
    CHECK(sample().text("zh-Hant") == "圖書館");
    CHECK(sample().text("ar") == "المكتبة");
}

TEST_CASE("text: then the tag with subtags dropped from the end", "[catalog][text]") {
    CHECK(sample().text("zh-Hans-CN") == "图书馆");
    CHECK(sample().text("zh-Hant-TW") == "圖書館");
    CHECK(sample().text("ar-AE") == "المكتبة");
    CHECK(sample().text("fr-CA-x-quebec") == "Bibliothèque");
}

TEST_CASE("text: then the same primary language, then English", "[catalog][text]") {
    const std::string chinese = sample().text("zh-CN");
    CHECK((chinese == "图书馆" || chinese == "圖書館"));
    CHECK(sample().text("ru") == "Library");
    CHECK(sample().text("") == "Library");
    CHECK(LocalizedText{{{"en", "Library"}, {"zh", "图书馆"}}}.text("zh-Hans-CN") == "图书馆");
}

TEST_CASE("text: tags compare case-insensitively", "[catalog][text]") {
    CHECK(sample().text("ZH-hans-cn") == "图书馆");
    CHECK(sample().text("AR") == "المكتبة");
}

TEST_CASE("text: empty when nothing matches and there is no English", "[catalog][text]") {
    CHECK(LocalizedText{{{"fr", "Bibliothèque"}}}.text("de").empty());
    CHECK(LocalizedText{}.text("en").empty());
}
