#pragma once
// Boost.Program_options, included once for every command: g++ 12 reports a false "potential
// null pointer dereference" inside typed_value<std::string>::notify (boost::any_cast) at -O2.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/program_options.hpp>
#pragma GCC diagnostic pop
