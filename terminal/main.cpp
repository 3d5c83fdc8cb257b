// fmc-terminal: the service point. All logic lives in fmc_terminal; see terminal_cli.hpp.
#include "terminal/card_presentation.hpp"
#include "terminal/terminal_cli.hpp"

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int code = fmc::terminal::runTerminalCli(args, std::cout, std::cerr);
    // A card read left running past its deadline (a silent card) may wake up at any time:
    // static destructors must not run under it.
    if (fmc::terminal::cardReadsStillRunning() > 0) {
        std::cout.flush();
        std::cerr.flush();
        std::_Exit(code);
    }
    return code;
}
