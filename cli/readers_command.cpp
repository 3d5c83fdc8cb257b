#include "cli/readers_command.hpp"

#include "card/pcsc/pcsc_context.hpp"
#include "card/reader_survey.hpp"

#include "cli/program_options.hpp"

#include <chrono>
#include <cmath>

namespace po = boost::program_options;

namespace fmc::cli {

int runReadersCommand(std::string_view program, const std::vector<std::string>& args,
                      std::ostream& out) {
    po::options_description options(
        "Usage: " + std::string(program) + " readers [--json] [--reader SUBSTRING] [--require-card] [--wait SECONDS]\n"
        "Lists each reader, whether it holds a card, contact or contactless, the ATR, the UID\n"
        "of a contactless card, whether the PIV application answers, and the card UUID.\n"
        "Exit codes: 3 pcscd not running, 4 no (matching) reader, 5 no card (with\n"
        "--require-card or --wait), 6 card error.\n\nOptions");
    options.add_options()
        ("help,h", "show this help")
        ("json", "print JSON instead of text")
        ("reader,r", po::value<std::string>()->value_name("SUBSTRING"),
         "only readers whose name contains SUBSTRING (case-insensitive)")
        ("require-card", "fail with exit code 5 unless a (matching) reader holds a card")
        ("wait", po::value<double>()->value_name("SECONDS"),
         "wait up to SECONDS for a card in a (matching) reader, then fail with exit code 5");
    po::variables_map values;
    // No positional arguments: an empty description makes boost reject stray words.
    const po::positional_options_description noPositionals;
    po::store(po::command_line_parser(args).options(options).positional(noPositionals).run(), values);
    po::notify(values);
    if (values.count("help")) {
        out << options << "\n";
        return 0;
    }

    card::ReaderSurveyRequest request;
    if (values.count("reader")) request.readerFilter = values["reader"].as<std::string>();
    request.requireCard = values.count("require-card") != 0;
    if (values.count("wait")) {
        const double seconds = values["wait"].as<double>();
        if (!(seconds >= 0 && seconds <= 86400))
            throw po::error("--wait must be between 0 and 86400 seconds");
        request.waitForCard = std::chrono::milliseconds(std::llround(seconds * 1000));
    }

    card::pcsc::PcscContext context;
    const auto reports = card::surveyReaders(context, request);
    out << (values.count("json") ? card::formatSurveyJson(reports) : card::formatSurveyText(reports));
    return 0;
}

} // namespace fmc::cli
