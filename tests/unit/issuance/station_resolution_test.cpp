// Where the station folder and the operator come from (issuance/station.hpp): the command-line
// option beats the environment, the environment is used without one, neither is an error.
#include "issuance/station.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

using fmc::issuance::resolveOperator;
using fmc::issuance::resolveStationHome;
using fmc::issuance::StationError;

namespace {

// Sets (or unsets) one environment variable for the scope and puts the old value back.
class ScopedEnvironment {
public:
    ScopedEnvironment(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
    ~ScopedEnvironment() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

} // namespace

TEST_CASE("the station folder: --home beats FMC_HOME", "[issuance][station]") {
    const ScopedEnvironment home("FMC_HOME", "/srv/from-environment");
    CHECK(resolveStationHome(std::string("/srv/from-option")) == "/srv/from-option");
    CHECK(resolveStationHome(std::nullopt) == "/srv/from-environment");
}

TEST_CASE("the station folder is made absolute", "[issuance][station]") {
    const ScopedEnvironment home("FMC_HOME", "relative/env");
    CHECK(resolveStationHome(std::string("station")) == std::filesystem::current_path() / "station");
    CHECK(resolveStationHome(std::nullopt) == std::filesystem::current_path() / "relative/env");
}

TEST_CASE("no station folder anywhere is a StationError", "[issuance][station]") {
    {
        const ScopedEnvironment home("FMC_HOME", nullptr);
        CHECK_THROWS_AS((void)resolveStationHome(std::nullopt), StationError);
        CHECK_THROWS_AS((void)resolveStationHome(std::string()), StationError);
    }
    const ScopedEnvironment home("FMC_HOME", "");
    CHECK_THROWS_AS((void)resolveStationHome(std::nullopt), StationError);
}

TEST_CASE("the operator: --operator beats FMC_OPERATOR", "[issuance][station]") {
    const ScopedEnvironment who("FMC_OPERATOR", "from environment");
    CHECK(resolveOperator(std::string("Li Na")).name == "Li Na");
    CHECK(resolveOperator(std::nullopt).name == "from environment");
}

TEST_CASE("no operator, or a blank one, is a StationError", "[issuance][station]") {
    {
        const ScopedEnvironment who("FMC_OPERATOR", nullptr);
        CHECK_THROWS_AS((void)resolveOperator(std::nullopt), StationError);
        CHECK_THROWS_AS((void)resolveOperator(std::string()), StationError);
        CHECK_THROWS_AS((void)resolveOperator(std::string("   ")), StationError);
        CHECK_THROWS_AS((void)resolveOperator(std::string(" \t ")), StationError);
    }
    const ScopedEnvironment blank("FMC_OPERATOR", "  \t");
    CHECK_THROWS_AS((void)resolveOperator(std::nullopt), StationError);
    const ScopedEnvironment empty("FMC_OPERATOR", "");
    CHECK_THROWS_AS((void)resolveOperator(std::nullopt), StationError);
}
