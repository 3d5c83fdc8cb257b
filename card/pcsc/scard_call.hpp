#pragma once
// Internal to card/pcsc/ (includes winscard.h): the one way our code calls SCard* functions.
// `scardCheck(SCardConnect(...), {"SCardConnect"})` throws the typed error from
// pcsc_error.cpp's table and records the caller's source location.
#include "card/pcsc/pcsc_error.hpp"

#include <PCSC/winscard.h>

#include "card/pcsc/source_location.hpp"
#include <string>
#include <string_view>
#include <utility>

namespace fmc::card::pcsc::detail {

struct SCardSite {
    // Implicit on purpose: the default argument captures the location of the call.
    SCardSite(const char* callName, std::string context_ = {},  // NOLINT(google-explicit-constructor)
              SourceLocation where_ = SourceLocation::current())
        : name(callName), context(std::move(context_)), where(where_) {}
    std::string_view name;
    std::string context;
    SourceLocation where;
};

[[noreturn]] inline void throwFor(const SCardSite& site, LONG rc) {
    throwPcscError(site.name, static_cast<std::uint32_t>(rc), site.context, site.where);
}

// Returns on SCARD_S_SUCCESS, throws the mapped error otherwise.
inline void scardCheck(LONG rc, const SCardSite& site) {
    if (rc != SCARD_S_SUCCESS) throwFor(site, rc);
}

} // namespace fmc::card::pcsc::detail
