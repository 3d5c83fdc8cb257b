#pragma once
// BCP 47 language tags, as merchants' preferred languages are recorded on the card and in
// the registry.
#include <string_view>

namespace fmc::catalog {

// Well-formed per RFC 5646 §2.1: language (2-3 letters with up to three extlangs, or 4-8
// letters), then optional script, region, variants, extensions and private use; or a
// private-use tag alone ("x-..."). Case-insensitive. Grandfathered tags ("i-klingon") are
// refused: no merchant needs one, and accepting them means carrying the RFC's list.
// Well-formed is not valid: the subtags are not checked against the IANA registry.
[[nodiscard]] bool isWellFormedLanguageTag(std::string_view tag);

} // namespace fmc::catalog
