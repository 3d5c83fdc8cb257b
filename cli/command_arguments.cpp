#include "cli/command_arguments.hpp"

#include <algorithm>

namespace po = boost::program_options;

namespace fmc::cli {

std::optional<po::variables_map> parseCommandArguments(const std::vector<std::string>& args,
                                                       po::options_description& options,
                                                       const po::positional_options_description& positionals,
                                                       std::ostream& out) {
    options.add_options()("help,h", "show this help");
    po::variables_map values;
    po::store(po::command_line_parser(args).options(options).positional(positionals).run(), values);
    if (values.count("help")) {
        out << options << "\n";
        return std::nullopt;
    }
    po::notify(values);
    return values;
}

int runCommandGroup(std::string_view program, std::string_view group, std::string_view summary,
                    const std::vector<Subcommand>& commands, const std::vector<std::string>& args,
                    std::ostream& out) {
    auto usage = [&] {
        std::string text = "Usage: " + std::string(program) + " " + std::string(group) + " <command> [<args>]\n" +
                           std::string(summary) + "\n\nCommands:\n";
        for (const Subcommand& command : commands) {
            std::string name = command.name;
            name.resize(std::max<std::size_t>(name.size() + 2, 12), ' ');
            text += "  " + name + command.summary + "\n";
        }
        return text + "\nRun '" + std::string(program) + " " + std::string(group) +
               " <command> --help' for the options of a command.\n";
    };
    if (args.empty())
        throw po::error("'" + std::string(group) + "' needs a command (see '" + std::string(program) + " " +
                        std::string(group) + " --help')");
    if (args.front() == "--help" || args.front() == "-h") {
        out << usage();
        return 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const Subcommand& command : commands)
        if (command.name == args.front()) return command.run(rest, out);
    throw po::error("unknown command '" + std::string(group) + " " + args.front() + "'");
}

} // namespace fmc::cli
