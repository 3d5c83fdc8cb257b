#pragma once
// ISO 3166-1 alpha-3 country codes, as the station records a merchant's nationality (the
// same codes ICAO 9303 puts in the machine-readable zone of a passport).
#include <string_view>

namespace fmc::catalog {

// True for the 249 officially assigned codes, upper case only: the registry stores the
// code as typed, so "chn" would become a second spelling of China.
[[nodiscard]] bool isIsoAlpha3CountryCode(std::string_view code);

// The English short name in everyday use ("South Korea" rather than "Korea, Republic of"),
// for operator screens; empty for a code that is not assigned.
[[nodiscard]] std::string_view countryName(std::string_view alpha3);

} // namespace fmc::catalog
