#pragma once
// The texts of the merchant kiosk page (terminal/kiosk/kiosk.html): every string the page
// shows, in each kiosk language, as kiosk_texts.json ships them. The terminal serves the file
// as is at GET /api/texts; this class only refuses a file the page would show badly.
#include "catalog/services_catalog.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::catalog {

class KioskTexts {
public:
    // Both throw CatalogError when the file is unusable: not JSON, no "version", a language
    // entry without a well-formed tag, a name or a dir of "ltr" / "rtl", no "en", a "texts"
    // language outside "languages" or a listed language without texts, a key that "en" has
    // missing in another language or an extra one, an empty or non-string text, or a
    // translation whose {placeholders} differ from the English ones. `source` only labels
    // the messages of parse().
    [[nodiscard]] static KioskTexts load(const std::filesystem::path& file);
    [[nodiscard]] static KioskTexts parse(std::string_view json, std::string_view source = "kiosk texts");

    // The document as read, byte for byte, which the kiosk serves.
    [[nodiscard]] const std::string& json() const { return json_; }
    // The tags of "languages", in file order.
    [[nodiscard]] std::vector<std::string> languageTags() const { return tags_; }

private:
    KioskTexts() = default;

    std::string json_;
    std::vector<std::string> tags_;
};

// FMC_KIOSK_TEXTS if set; else kiosk_texts.json in the installed data folder (<prefix>/share/fmc)
// if it exists; else the copy in the source tree. Not checked for existence.
[[nodiscard]] std::filesystem::path defaultKioskTextsPath();

// FMC_KIOSK_PAGE if set; else terminal/kiosk/kiosk.html in the source tree. Not checked for
// existence.
[[nodiscard]] std::filesystem::path defaultKioskPagePath();

} // namespace fmc::catalog
