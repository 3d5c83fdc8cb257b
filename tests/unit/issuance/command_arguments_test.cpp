// The command-line parsing every fmc-issue command shares (cli/command_arguments.hpp):
// --help prints and stops, bad command lines throw boost::program_options::error (exit 64),
// and command groups such as `card issue` dispatch with their own usage.
#include "cli/command_arguments.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace po = boost::program_options;
using fmc::cli::parseCommandArguments;
using fmc::cli::runCommandGroup;
using fmc::cli::Subcommand;

namespace {

// `merchant show --id ID [--json]`, with the id also allowed as the one positional word.
struct ShowCommand {
    po::options_description options{"Options"};
    po::positional_options_description positionals;
    ShowCommand() {
        options.add_options()("id", po::value<std::string>()->required()->value_name("ID"), "the merchant id")(
            "json", po::bool_switch(), "print JSON");
        positionals.add("id", 1);
    }
    std::optional<po::variables_map> parse(const std::vector<std::string>& args, std::ostream& out) {
        return parseCommandArguments(args, options, positionals, out);
    }
};

} // namespace

TEST_CASE("options and the positional word are parsed", "[cli]") {
    std::ostringstream out;
    ShowCommand command;
    const auto byOption = command.parse({"--id", "42", "--json"}, out);
    REQUIRE(byOption);
    CHECK((*byOption)["id"].as<std::string>() == "42");
    CHECK((*byOption)["json"].as<bool>());
    ShowCommand again;
    const auto byPosition = again.parse({"43"}, out);
    REQUIRE(byPosition);
    CHECK((*byPosition)["id"].as<std::string>() == "43");
    CHECK_FALSE((*byPosition)["json"].as<bool>());
    CHECK(out.str().empty());
}

TEST_CASE("--help prints the options and returns nothing, even without the required ones", "[cli]") {
    for (const char* help : {"--help", "-h"}) {
        std::ostringstream out;
        ShowCommand command;
        CHECK_FALSE(command.parse({help}, out));
        CHECK_THAT(out.str(), Catch::Contains("--id ID") && Catch::Contains("the merchant id") &&
                                  Catch::Contains("--json") && Catch::Contains("--help"));
    }
}

TEST_CASE("a missing required option is a program_options error", "[cli]") {
    std::ostringstream out;
    ShowCommand command;
    CHECK_THROWS_AS(command.parse({"--json"}, out), po::required_option);
    ShowCommand again;
    CHECK_THROWS_AS(again.parse({}, out), po::error);
}

TEST_CASE("a stray positional word or an unknown option is a program_options error", "[cli]") {
    std::ostringstream out;
    ShowCommand command;
    CHECK_THROWS_AS(command.parse({"42", "43"}, out), po::error);
    ShowCommand noPositionals;
    CHECK_THROWS_AS(parseCommandArguments({"--id", "1", "stray"}, noPositionals.options,
                                          po::positional_options_description(), out),
                    po::error);
    ShowCommand unknown;
    CHECK_THROWS_AS(unknown.parse({"--id", "1", "--no-such-option"}, out), po::error);
    CHECK(out.str().empty());
}

TEST_CASE("a command group dispatches to its command with the remaining words", "[cli]") {
    std::vector<std::string> seen;
    std::string ran;
    const std::vector<Subcommand> commands{
        {"issue", "issue a card", [&](const std::vector<std::string>& args, std::ostream& out) {
             ran = "issue";
             seen = args;
             out << "issued\n";
             return 0;
         }},
        {"revoke", "revoke a card", [&](const std::vector<std::string>& args, std::ostream&) {
             ran = "revoke";
             seen = args;
             return 7;
         }},
    };
    std::ostringstream out;
    CHECK(runCommandGroup("fmc-issue", "card", "Cards.", commands, {"issue", "--merchant", "3"}, out) == 0);
    CHECK(ran == "issue");
    CHECK(seen == std::vector<std::string>{"--merchant", "3"});
    CHECK(out.str() == "issued\n");
    CHECK(runCommandGroup("fmc-issue", "card", "Cards.", commands, {"revoke"}, out) == 7);
    CHECK(ran == "revoke");
    CHECK(seen.empty());
    // A command's own --help goes to the command, not the group.
    CHECK(runCommandGroup("fmc-issue", "card", "Cards.", commands, {"issue", "--help"}, out) == 0);
    CHECK(seen == std::vector<std::string>{"--help"});
}

TEST_CASE("a command group prints its usage for --help", "[cli]") {
    const std::vector<Subcommand> commands{
        {"issue", "issue a card", [](const std::vector<std::string>&, std::ostream&) { return 1; }},
        {"revoke", "revoke a card", [](const std::vector<std::string>&, std::ostream&) { return 1; }},
    };
    for (const char* help : {"--help", "-h"}) {
        std::ostringstream out;
        CHECK(runCommandGroup("fmc-issue", "card", "The station's cards.", commands, {help}, out) == 0);
        const std::string text = out.str();
        CHECK_THAT(text, Catch::StartsWith("Usage: fmc-issue card <command> [<args>]\nThe station's cards.\n"));
        CHECK_THAT(text, Catch::Contains("  issue       issue a card\n") &&
                             Catch::Contains("  revoke      revoke a card\n") &&
                             Catch::Contains("Run 'fmc-issue card <command> --help'"));
    }
}

TEST_CASE("a command group refuses an unknown or missing command", "[cli]") {
    bool ran = false;
    const std::vector<Subcommand> commands{
        {"issue", "issue a card", [&](const std::vector<std::string>&, std::ostream&) {
             ran = true;
             return 0;
         }},
    };
    std::ostringstream out;
    CHECK_THROWS_AS(runCommandGroup("fmc-issue", "card", "Cards.", commands, {"isue"}, out), po::error);
    CHECK_THROWS_WITH(runCommandGroup("fmc-issue", "card", "Cards.", commands, {"frobnicate", "x"}, out),
                      Catch::Contains("card frobnicate"));
    CHECK_THROWS_AS(runCommandGroup("fmc-issue", "card", "Cards.", commands, {}, out), po::error);
    CHECK_THROWS_AS(runCommandGroup("fmc-issue", "card", "Cards.", commands, {"--issue"}, out), po::error);
    CHECK_FALSE(ran);
    CHECK(out.str().empty());
}
