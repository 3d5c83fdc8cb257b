// fmc-terminal: the service point. All logic lives in fmc_terminal; see terminal_cli.hpp.
#include "terminal/terminal_cli.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return fmc::terminal::runTerminalCli(args, std::cout, std::cerr);
}
