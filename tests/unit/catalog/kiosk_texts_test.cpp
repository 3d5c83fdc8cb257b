#include "catalog/kiosk_texts.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <cctype>
#include <set>
#include <sstream>

using namespace fmc::catalog;
using nlohmann::json;

namespace {

// Restores an environment variable however the test ends.
class ScopedVariable {
public:
    ScopedVariable(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) saved_ = old;
        if (value != nullptr) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~ScopedVariable() {
        if (saved_) ::setenv(name_, saved_->c_str(), 1);
        else ::unsetenv(name_);
    }
    ScopedVariable(const ScopedVariable&) = delete;
    ScopedVariable& operator=(const ScopedVariable&) = delete;

private:
    const char* name_;
    std::optional<std::string> saved_;
};

// The page in the source tree, and the shipped texts next to it in catalog/.
std::filesystem::path sourcePage() {
    const ScopedVariable unset("FMC_KIOSK_PAGE", nullptr);
    return defaultKioskPagePath();
}

std::filesystem::path shippedTextsPath() {
    return sourcePage().parent_path().parent_path().parent_path() / "catalog" / "kiosk_texts.json";
}

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

json minimal() {
    return json::parse(R"({
      "version": "1",
      "languages": [{"tag": "en", "name": "English", "dir": "ltr"},
                    {"tag": "ar", "name": "العربية", "dir": "rtl"}],
      "texts": {"en": {"hello": "Hello", "days": "Days: {days}"},
                "ar": {"hello": "مرحبا", "days": "الأيام: {days}"}}
    })");
}

void requireRefused(const json& document, const std::string& fragment) {
    INFO(document.dump());
    try {
        (void)KioskTexts::parse(document.dump(), "test texts");
        FAIL("accepted");
    } catch (const CatalogError& error) {
        INFO(error.what());
        CHECK(std::string(error.what()).find("test texts: ") == 0);
        CHECK(std::string(error.what()).find(fragment) != std::string::npos);
    }
}

} // namespace

TEST_CASE("the shipped kiosk texts load with the five kiosk languages", "[catalog][kiosk]") {
    const KioskTexts texts = KioskTexts::load(shippedTextsPath());
    CHECK(texts.languageTags() == std::vector<std::string>{"en", "zh-Hans", "ar", "ru", "fr"});
    CHECK(texts.json() == readFile(shippedTextsPath()));
}

TEST_CASE("no shipped kiosk translation is a copy of the English text", "[catalog][kiosk]") {
    const json document = json::parse(readFile(shippedTextsPath()));
    const json& english = document["texts"]["en"];
    for (const auto& [language, entries] : document["texts"].items()) {
        if (language == "en") continue;
        for (const auto& [key, value] : entries.items()) {
            INFO(language << " " << key);
            // Short texts such as "OK" may legitimately stay as they are.
            if (value.get<std::string>().size() > 3) CHECK(value != english[key]);
        }
    }
}

TEST_CASE("the kiosk page is self-contained and uses only keys the texts have", "[catalog][kiosk]") {
    const std::string page = readFile(sourcePage());
    // The ids the browser tests use, written in the HTML or set by the script.
    for (const char* id : {"welcome", "card", "status", "days-left", "renewal", "entitlements", "language-switcher",
                           "show-personal", "pin-pad", "pin-input", "pin-ok", "personal", "message"}) {
        INFO(id);
        CHECK((page.find(std::string("id=\"") + id + "\"") != std::string::npos ||
               page.find(std::string("id: \"") + id + "\"") != std::string::npos));
    }
    // Offline: no external scripts, styles, fonts or images.
    CHECK(page.find("http://") == std::string::npos);
    CHECK(page.find("https://") == std::string::npos);
    CHECK(page.find("@import") == std::string::npos);
    CHECK(page.find("@font-face") == std::string::npos);

    // Keys appear in the script as t("key") or as "snake_case" literals in its lookup tables.
    const json english = json::parse(readFile(shippedTextsPath()))["texts"]["en"];
    // A plain scan rather than std::regex: g++ 12 warns inside <regex> under the sanitizers.
    std::set<std::string> used;
    for (std::size_t open = page.find('"'); open != std::string::npos; open = page.find('"', open + 1)) {
        const std::size_t close = page.find('"', open + 1);
        if (close == std::string::npos) break;
        const std::string literal = page.substr(open + 1, close - open - 1);
        const bool keyCharacters = !literal.empty() && std::islower(static_cast<unsigned char>(literal.front())) &&
                                   literal.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos &&
                                   literal.back() != '_' && literal.find("__") == std::string::npos;
        const bool calledWithT = open >= 2 && page.compare(open - 2, 2, "t(") == 0 &&
                                 (open < 3 || !std::isalnum(static_cast<unsigned char>(page[open - 3])));
        if (keyCharacters && (calledWithT || literal.find('_') != std::string::npos)) used.insert(literal);
        open = close;
    }
    CHECK(used.size() >= 40);
    for (const std::string& key : used) {
        INFO("the page uses " << key);
        CHECK(english.contains(key));
    }
    for (const auto& [key, text] : english.items()) {
        INFO("the texts have " << key);
        CHECK(page.find("\"" + key + "\"") != std::string::npos);
    }
}

TEST_CASE("well-formed kiosk texts are kept byte for byte", "[catalog][kiosk]") {
    const std::string text = minimal().dump(2);
    const KioskTexts texts = KioskTexts::parse(text);
    CHECK(texts.json() == text);
    CHECK(texts.languageTags() == std::vector<std::string>{"en", "ar"});
}

TEST_CASE("kiosk texts a page would show badly are refused", "[catalog][kiosk]") {
    SECTION("not JSON") {
        CHECK_THROWS_AS(KioskTexts::parse("{", "test texts"), CatalogError);
    }
    SECTION("a missing key") {
        json document = minimal();
        document["texts"]["ar"].erase("days");
        requireRefused(document, "\"ar\": missing key \"days\"");
    }
    SECTION("an extra key") {
        json document = minimal();
        document["texts"]["ar"]["bye"] = "وداعا";
        requireRefused(document, "extra key \"bye\"");
    }
    SECTION("an empty text") {
        json document = minimal();
        document["texts"]["ar"]["hello"] = "";
        requireRefused(document, "\"hello\" must be a non-empty string");
    }
    SECTION("a text that is not a string") {
        json document = minimal();
        document["texts"]["en"]["hello"] = 3;
        requireRefused(document, "\"hello\" must be a non-empty string");
    }
    SECTION("a language outside the list") {
        json document = minimal();
        document["texts"]["ru"] = document["texts"]["en"];
        requireRefused(document, "\"ru\": the language is not in \"languages\"");
    }
    SECTION("a listed language without texts") {
        json document = minimal();
        document["texts"].erase("ar");
        requireRefused(document, "missing language \"ar\"");
    }
    SECTION("a dir other than ltr or rtl") {
        json document = minimal();
        document["languages"][1]["dir"] = "right";
        requireRefused(document, "must be \"ltr\" or \"rtl\"");
    }
    SECTION("a malformed tag") {
        json document = minimal();
        document["languages"][1]["tag"] = "arabic!";
        requireRefused(document, "is not a BCP 47 language tag");
    }
    SECTION("a duplicate language") {
        json document = minimal();
        document["languages"][1]["tag"] = "en";
        requireRefused(document, "duplicate language \"en\"");
    }
    SECTION("no English") {
        json document = minimal();
        document["languages"].erase(0);
        document["texts"].erase("en");
        requireRefused(document, "must include \"en\"");
    }
    SECTION("a translation that loses a placeholder") {
        json document = minimal();
        document["texts"]["ar"]["days"] = "الأيام";
        requireRefused(document, "placeholders none, English has {days}");
    }
    SECTION("no version") {
        json document = minimal();
        document.erase("version");
        requireRefused(document, "\"version\"");
    }
}

TEST_CASE("a missing kiosk texts file is named in the error", "[catalog][kiosk]") {
    const fmc::test::TempFolder folder("fmc-kiosk");
    CHECK_THROWS_WITH(KioskTexts::load(folder.path / "none.json"), Catch::Contains("none.json"));
}

TEST_CASE("the kiosk files can be chosen through the environment", "[catalog][kiosk]") {
    {
        const ScopedVariable texts("FMC_KIOSK_TEXTS", "/elsewhere/texts.json");
        const ScopedVariable page("FMC_KIOSK_PAGE", "/elsewhere/page.html");
        CHECK(defaultKioskTextsPath() == "/elsewhere/texts.json");
        CHECK(defaultKioskPagePath() == "/elsewhere/page.html");
    }
    const ScopedVariable texts("FMC_KIOSK_TEXTS", nullptr);
    CHECK(defaultKioskTextsPath().filename() == "kiosk_texts.json");
    CHECK(sourcePage().filename() == "kiosk.html");
    CHECK(std::filesystem::is_regular_file(sourcePage()));
}
