#include "cli/command_line_program.hpp"

#include "card/errors.hpp"
#include "card/exit_codes.hpp"
#include "card/pcsc/error_exit_code.hpp"
#include "cli/program_options.hpp"

#include <exception>

namespace po = boost::program_options;

namespace fmc::cli {
namespace {

po::options_description globalOptions(const ProgramDescription& program) {
    std::string usage = "Usage: " + program.name + " [--help] [--version] <command> [<args>]\n" +
                        program.summary + "\n\nCommands:\n";
    for (const Subcommand& command : program.commands) {
        std::string name = command.name;
        name.resize(std::max<std::size_t>(name.size() + 2, 12), ' ');
        usage += "  " + name + command.summary + "\n";
    }
    usage += "\nRun '" + program.name + " <command> --help' for the options of a command.\n\nOptions";
    po::options_description options(usage);
    options.add_options()("help,h", "show this help")("version", "print the version");
    return options;
}

int usageError(const ProgramDescription& program, std::ostream& err, const std::string& message) {
    err << program.name << ": " << message << " (see '" << program.name << " --help')\n";
    return toInt(ExitCode::usage);
}

int dispatch(const ProgramDescription& program, const std::vector<std::string>& args,
             std::ostream& out, std::ostream& err) {
    if (args.empty()) return usageError(program, err, "a command is required");
    const std::string& first = args.front();
    if (!first.empty() && first.front() == '-') {
        po::variables_map values;
        const po::positional_options_description commandComesFirst;  // "--help readers" is an error
        po::store(po::command_line_parser(args)
                      .options(globalOptions(program))
                      .positional(commandComesFirst)
                      .run(),
                  values);
        if (values.count("help")) {
            out << globalOptions(program) << "\n";
            return 0;
        }
        if (values.count("version")) {
            out << program.name << " " << FMC_VERSION << "\n";
            return 0;
        }
        return usageError(program, err, "a command is required");
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const Subcommand& command : program.commands)
        if (command.name == first) return command.run(rest, out);
    return usageError(program, err, "unknown command '" + first + "'");
}

} // namespace

int runCommandLineProgram(const ProgramDescription& program, const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& err) {
    try {
        return dispatch(program, args, out, err);
    } catch (const po::error& error) {
        return usageError(program, err, error.what());
    } catch (const std::exception& error) {
        err << program.name << ": " << error.what() << "\n";
        if (const auto* cardError = dynamic_cast<const card::CardError*>(&error))
            return toInt(card::pcsc::exitCodeFor(*cardError));
        if (program.exitCodeFor)
            if (const std::optional<ExitCode> code = program.exitCodeFor(error)) return toInt(*code);
        return toInt(ExitCode::failure);
    }
}

} // namespace fmc::cli
