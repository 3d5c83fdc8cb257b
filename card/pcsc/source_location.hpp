#pragma once
// std::source_location where the standard library has it. clang 14 with libstdc++ 12 (the
// libFuzzer build, -DFMC_FUZZ=ON) lacks __builtin_source_location, so there a stand-in with
// the same members is built from __builtin_FILE, __builtin_FUNCTION and __builtin_LINE.
#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
namespace fmc::card::pcsc {
using SourceLocation = std::source_location;
}
#else
#include <cstdint>
namespace fmc::card::pcsc {
class SourceLocation {
public:
    static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                            const char* function = __builtin_FUNCTION(),
                                            std::uint_least32_t line = __builtin_LINE()) noexcept {
        SourceLocation where;
        where.file_ = file;
        where.function_ = function;
        where.line_ = line;
        return where;
    }
    [[nodiscard]] constexpr const char* file_name() const noexcept { return file_; }
    [[nodiscard]] constexpr const char* function_name() const noexcept { return function_; }
    [[nodiscard]] constexpr std::uint_least32_t line() const noexcept { return line_; }
    [[nodiscard]] constexpr std::uint_least32_t column() const noexcept { return 0; }

private:
    const char* file_ = "";
    const char* function_ = "";
    std::uint_least32_t line_ = 0;
};
} // namespace fmc::card::pcsc
#endif
