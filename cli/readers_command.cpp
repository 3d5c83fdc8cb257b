#include "cli/readers_command.hpp"

#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "card/reader_hints.hpp"
#include "card/reader_survey.hpp"

#include "cli/program_options.hpp"

#include <chrono>
#include <cmath>

namespace po = boost::program_options;

namespace fmc::cli {
namespace {

TrustedIssuers loadTrust(const TrustSource& source, const std::optional<std::string>& homeOption) {
    if (!source.load) return {std::nullopt, ""};
    try {
        return source.load(homeOption);
    } catch (const std::exception& error) {
        // A broken folder must not hide the readers: the trust is then unknown, and says why.
        return {std::nullopt, std::string("none loaded (") + error.what() + ")"};
    }
}

std::string joinHints(const std::vector<card::Hint>& hints) {
    std::string text;
    for (const card::Hint& hint : hints) text += "; hint: " + hint.text;
    return text;
}

// The message without its "<call>: " prefix, which the rethrown error puts back.
std::string detailOf(const card::pcsc::PcscError& error) {
    const std::string message = error.what();
    const std::string prefix = error.call() + ": ";
    return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

std::vector<std::string> listedReaders(const card::pcsc::PcscContext& context) {
    try {
        return context.listReaders();
    } catch (const card::CardError&) {
        return {};
    }
}

} // namespace

int runReadersCommand(std::string_view program, const std::vector<std::string>& args,
                      std::ostream& out, const TrustSource& trust) {
    po::options_description options(
        "Usage: " + std::string(program) + " readers [--json] [--reader SUBSTRING] [--require-card] [--wait SECONDS]" +
        (trust.load ? " [--home DIR]" : "") + "\n"
        "Lists each reader, whether it holds a card, contact or contactless, the ATR and the card\n"
        "it names, the UID of a contactless card, whether the PIV application answers, whether\n"
        "the card (or NFC tag) is one of ours and issued by a CA trusted here, and a hint for\n"
        "each common failure. Reads no personal data.\n"
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
    if (trust.load)
        options.add_options()("home", po::value<std::string>()->value_name("DIR"), trust.homeHelp.c_str());
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
    TrustedIssuers trusted =
        loadTrust(trust, values.count("home") ? std::optional(values["home"].as<std::string>()) : std::nullopt);
    request.trustedIssuingCas = std::move(trusted.issuingCas);

    const card::HostPaths host = card::HostPaths::fromEnvironment();
    std::optional<card::pcsc::PcscContext> context;
    std::vector<card::ReaderReport> reports;
    try {
        context.emplace();
        reports = card::surveyReaders(*context, request);
    } catch (const card::pcsc::PcscServiceUnavailable& error) {
        // Same type, same exit code (3); the one-line message ends with what to do.
        throw card::pcsc::PcscServiceUnavailable(
            error.call(), error.code(), detailOf(error) + joinHints({card::makeHint(card::HintId::pcscdNotRunning)}),
            error.retryable(), error.where());
    } catch (const card::pcsc::NoReaderError& error) {
        // No reader, or none by that name: perhaps one is plugged in that pcscd cannot see.
        const std::vector<card::Hint> hints =
            card::hostHints(host, context ? listedReaders(*context) : std::vector<std::string>{});
        throw card::pcsc::NoReaderError(error.call(), error.code(), detailOf(error) + joinHints(hints),
                                        error.retryable(), error.where());
    }

    card::SurveyNotes notes;
    notes.trustAnchors = trusted.description;
    notes.hints = card::hostHints(host, listedReaders(*context));
    out << (values.count("json") ? card::formatSurveyJson(reports, notes) : card::formatSurveyText(reports, notes));
    return 0;
}

} // namespace fmc::cli
