#include "terminal/terminal_cli.hpp"

#include "card/errors.hpp"
#include "card/exit_codes.hpp"
#include "card/pcsc/error_exit_code.hpp"
#include "terminal/readers_command.hpp"

#include <boost/program_options.hpp>

#include <exception>

namespace po = boost::program_options;

namespace fmc::terminal {
namespace {

constexpr char kProgram[] = "fmc-terminal";

po::options_description globalOptions() {
    po::options_description options(
        "Usage: fmc-terminal [--help] [--version] <command> [<args>]\n"
        "The Foreign Merchant Card service point.\n\n"
        "Commands:\n"
        "  readers   list readers and the cards in them\n\n"
        "Run 'fmc-terminal <command> --help' for the options of a command.\n\nOptions");
    options.add_options()("help,h", "show this help")("version", "print the version");
    return options;
}

int usageError(std::ostream& err, const std::string& message) {
    err << kProgram << ": " << message << " (see '" << kProgram << " --help')\n";
    return toInt(ExitCode::usage);
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty()) return usageError(err, "a command is required");
    const std::string& first = args.front();
    if (!first.empty() && first.front() == '-') {
        po::variables_map values;
        const po::positional_options_description commandComesFirst;  // "--help readers" is an error
        po::store(po::command_line_parser(args).options(globalOptions()).positional(commandComesFirst).run(),
                  values);
        if (values.count("help")) {
            out << globalOptions() << "\n";
            return 0;
        }
        if (values.count("version")) {
            out << kProgram << " " << FMC_VERSION << "\n";
            return 0;
        }
        return usageError(err, "a command is required");
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (first == "readers") return runReadersCommand(rest, out);
    return usageError(err, "unknown command '" + first + "'");
}

} // namespace

int runTerminalCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        return dispatch(args, out, err);
    } catch (const po::error& error) {
        return usageError(err, error.what());
    } catch (const card::CardError& error) {
        err << kProgram << ": " << error.what() << "\n";
        return toInt(card::pcsc::exitCodeFor(error));
    } catch (const std::exception& error) {
        err << kProgram << ": " << error.what() << "\n";
        return toInt(ExitCode::failure);
    }
}

} // namespace fmc::terminal
