// fmc-issue: the issuance station. All logic lives in fmc_issuance; see issuance_cli.hpp.
#include "issuance/issuance_cli.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return fmc::issuance::runIssuanceCli(args, std::cout, std::cerr);
}
