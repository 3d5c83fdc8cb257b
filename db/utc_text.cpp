#include "db/utc_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace fmc::db {

namespace {

[[noreturn]] void refuseTime(std::string_view text) {
    throw std::invalid_argument("\"" + std::string(text) +
                                "\" is not a UTC time like 2026-11-29T08:00:00Z or a date like 2026-11-29");
}

// Exactly `length` decimal digits at `position`, or refuseTime.
int digitsAt(std::string_view text, std::size_t position, std::size_t length) {
    const std::string_view field = text.substr(position, length);
    int value = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc{} || end != field.data() + field.size() || field.find_first_not_of("0123456789") != std::string_view::npos)
        refuseTime(text);
    return value;
}

} // namespace

std::string formatUtc(Timestamp time) {
    const auto day = std::chrono::floor<std::chrono::days>(time);
    const std::chrono::year_month_day date(day);
    const std::chrono::hh_mm_ss clock(time - day);
    std::array<char, 64> text{};
    const int length = std::snprintf(text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02dZ",
                                     static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                                     static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                                     static_cast<int>(clock.minutes().count()),
                                     static_cast<int>(clock.seconds().count()));
    return {text.data(), static_cast<std::size_t>(std::max(length, 0))};
}

Timestamp parseUtc(std::string_view text) {
    constexpr std::size_t kDateLength = 10;      // 2026-11-29
    constexpr std::size_t kDateTimeLength = 20;  // 2026-11-29T08:00:00Z
    if (text.size() != kDateLength && text.size() != kDateTimeLength) refuseTime(text);
    if (text[4] != '-' || text[7] != '-') refuseTime(text);
    const std::chrono::year_month_day date{std::chrono::year(digitsAt(text, 0, 4)),
                                           std::chrono::month(static_cast<unsigned>(digitsAt(text, 5, 2))),
                                           std::chrono::day(static_cast<unsigned>(digitsAt(text, 8, 2)))};
    if (!date.ok()) refuseTime(text);
    Timestamp result{std::chrono::sys_days(date)};
    if (text.size() == kDateLength) return result;

    if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') refuseTime(text);
    const int hours = digitsAt(text, 11, 2);
    const int minutes = digitsAt(text, 14, 2);
    const int seconds = digitsAt(text, 17, 2);
    // No leap seconds: sys_seconds cannot represent 23:59:60, and no tap is logged in one.
    if (hours > 23 || minutes > 59 || seconds > 59) refuseTime(text);
    result += std::chrono::hours(hours) + std::chrono::minutes(minutes) + std::chrono::seconds(seconds);
    return result;
}

} // namespace fmc::db
