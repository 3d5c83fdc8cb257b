#include "terminal/terminal_commands.hpp"

#include "card/errors.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"
#include "cli/command_arguments.hpp"
#include "crypto/pki/crl_index.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "crypto/file_io.hpp"
#include "db/database.hpp"
#include "db/tap_log.hpp"
#include "terminal/crl_source.hpp"
#include "terminal/crl_sync.hpp"
#include "terminal/decision_output.hpp"
#include "terminal/kiosk_server.hpp"
#include "terminal/service_point.hpp"

#include <atomic>
#include <cmath>
#include <csignal>
#include <iostream>
#include <thread>

namespace po = boost::program_options;

namespace fmc::terminal {

namespace {

void addHomeOption(po::options_description& options) {
    options.add_options()("home", po::value<std::string>()->value_name("DIR"),
                          "the terminal folder (default: $FMC_TERMINAL_HOME)");
}

std::filesystem::path homeOf(const po::variables_map& values) {
    return resolveTerminalHome(values.count("home") ? std::optional(values["home"].as<std::string>()) : std::nullopt);
}

std::optional<std::string> readerOf(const po::variables_map& values) {
    return values.count("reader") ? std::optional(values["reader"].as<std::string>()) : std::nullopt;
}

void addServiceOptions(po::options_description& options) {
    options.add_options()("service,s", po::value<std::string>()->required()->value_name("CODE"),
                          "the service offered here (see 'services list')")(
        "reader,r", po::value<std::string>()->value_name("SUBSTRING"), "only readers whose name contains this")(
        "json", "print one JSON object per decision");
}

void printDecision(std::ostream& out, const Decision& decision, bool json) {
    out << (json ? decisionJson(decision).dump() : decisionLine(decision)) << "\n" << std::flush;
}

std::atomic<bool> stopRequested{false};
extern "C" void requestStop(int) { stopRequested = true; }

// `crl sync`: one round, or a round every --every minutes until SIGINT/SIGTERM.
int syncCrls(const std::vector<std::string>& rest, std::ostream& output) {
    po::options_description options(
        "Usage: fmc-terminal crl sync URL | --dir DIR [--every MINUTES] [--timeout SECONDS]\n"
        "                             [--ca-file PEM] [--json]\n"
        "Brings the CRLs up to date from what 'fmc-issue crl publish --dir' wrote, served by any\n"
        "web server at URL (http:// or https://) or read from DIR (a USB stick). Per issuing CA of\n"
        "the trust anchors: its signed index, then the delta CRL when it applies to the list held,\n"
        "else the complete CRL, then the root's ARL. Every file is checked against the index (size,\n"
        "SHA-256) and verified with the trust anchors; a list never goes backwards, and the one held\n"
        "stays on any failure. Prints each list's number, age and next update (one line per round).\n"
        "Exit codes: 0 synced or up to date; 65 something fetched was refused (forged, truncated,\n"
        "older than held, wrong delta base, garbage, https redirected to http, a bad --ca-file);\n"
        "75 the source is unreachable, timed out, stale (past its next update) or\n"
        "lacks a file (HTTP 404: a mirror not yet updated): try again later. With --every it runs\n"
        "until SIGINT/SIGTERM (exit 0); failed rounds do not end it.\n\nOptions");
    options.add_options()("url", po::value<std::string>()->value_name("URL"), "the published folder's base URL")(
        "dir", po::value<std::string>()->value_name("DIR"), "the published folder, e.g. on a USB stick")(
        "every", po::value<double>()->value_name("MINUTES"), "sync again every MINUTES, until stopped")(
        "timeout", po::value<double>()->default_value(30)->value_name("SECONDS"),
        "per file: connecting, each read and the whole transfer")(
        "ca-file", po::value<std::string>()->value_name("PEM"), "HTTPS: trust these CAs instead of the system's")(
        "json", "print one JSON object per round");
    addHomeOption(options);
    po::positional_options_description positionals;
    positionals.add("url", 1);
    const auto values = cli::parseCommandArguments(rest, options, positionals, output);
    if (!values) return 0;
    if (values->count("url") == values->count("dir")) throw po::error("give either URL or --dir DIR");
    CrlSourceOptions sourceOptions;
    const double timeout = (*values)["timeout"].as<double>();
    if (!(timeout >= 0.1 && timeout <= 3600)) throw po::error("--timeout must be between 0.1 and 3600 seconds");
    sourceOptions.timeout = std::chrono::milliseconds(std::llround(timeout * 1000));
    if (values->count("ca-file")) sourceOptions.caFile = (*values)["ca-file"].as<std::string>();
    std::optional<std::chrono::milliseconds> every;
    if (values->count("every")) {
        const double minutes = (*values)["every"].as<double>();
        if (!(minutes >= 0.01 && minutes <= 10080)) throw po::error("--every must be between 0.01 and 10080 minutes");
        every = std::chrono::milliseconds(std::llround(minutes * 60000));
    }
    const bool json = values->count("json") != 0;
    if (values->count("url")) {
        try {
            // Also checks --ca-file, before any network access (a bad one: exit 65).
            (void)openHttpCrlSource((*values)["url"].as<std::string>(), sourceOptions);
        } catch (const std::invalid_argument& error) {
            throw po::error(error.what());
        }
    }
    TerminalHome home = TerminalHome::open(homeOf(*values));
    const auto round = [&] {
        const std::unique_ptr<CrlSource> source = values->count("url")
                                                      ? openHttpCrlSource((*values)["url"].as<std::string>(), sourceOptions)
                                                      : openFolderCrlSource((*values)["dir"].as<std::string>());
        const SyncReport report = syncRevocationLists(home, *source, std::chrono::system_clock::now());
        output << (json ? syncReportJson(report).dump() : syncSummaryLine(report)) << "\n" << std::flush;
        for (const ListSyncReport& list : report.lists)
            for (const std::string& problem : list.problems)
                std::cerr << "fmc-terminal: crl sync: " << list.issuer << ": " << problem << "\n";
        for (const std::string& problem : report.problems) std::cerr << "fmc-terminal: crl sync: stored list: " << problem << "\n";
        return report.exitCode();
    };
    if (!every) return round();
    stopRequested = false;
    std::signal(SIGINT, requestStop);
    std::signal(SIGTERM, requestStop);
    while (!stopRequested) {
        try {
            (void)round();
        } catch (const std::exception& error) {  // e.g. the USB stick is not there: next round
            std::cerr << "fmc-terminal: crl sync: " << error.what() << "\n";
        }
        const auto wakeUp = std::chrono::steady_clock::now() + *every;
        while (!stopRequested && std::chrono::steady_clock::now() < wakeUp)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
}

} // namespace

int runSetupCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-terminal setup --trust FILE [--services FILE] [--retention-days N]\n"
        "Prepares the terminal folder: the trust anchors from 'fmc-issue trust export' and,\n"
        "optionally, a services catalog other than the shipped one. Then import the station's\n"
        "ARL and CRL with 'crl import'.\n\nOptions");
    options.add_options()("trust", po::value<std::string>()->required()->value_name("FILE"), "the trust bundle (PEM)")(
        "services", po::value<std::string>()->value_name("FILE"), "a services catalog (JSON)")(
        "retention-days", po::value<int>()->default_value(90)->value_name("N"), "keep taps this many days");
    addHomeOption(options);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    const std::filesystem::path home = homeOf(*values);
    const std::optional<std::filesystem::path> services =
        values->count("services") ? std::optional<std::filesystem::path>((*values)["services"].as<std::string>())
                                  : std::nullopt;
    const TerminalHome terminal = TerminalHome::setup(home, (*values)["trust"].as<std::string>(), services,
                                                      (*values)["retention-days"].as<int>());
    const crypto::pki::TrustStore trust = terminal.loadTrust();
    out << "Terminal ready in " << home.string() << ": " << trust.roots().size() << " root(s), "
        << trust.issuingCas().size() << " issuing CA(s), " << terminal.loadCatalog().services().size()
        << " services\n";
    return 0;
}

int runCrlCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto importList = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options(
            "Usage: fmc-terminal crl import FILE [--json]\n"
            "Imports a CRL, a delta CRL or the root's ARL (DER): its signature must verify with a\n"
            "trusted CA, it must be newer than the one held, and a delta's base must not be above\n"
            "it; the list held stays on any refusal (exit 65).\n\nOptions");
        options.add_options()("file", po::value<std::string>()->required()->value_name("FILE"), "the list")(
            "json", "print JSON");
        addHomeOption(options);
        po::positional_options_description positionals;
        positionals.add("file", 1);
        const auto values = cli::parseCommandArguments(rest, options, positionals, output);
        if (!values) return 0;
        TerminalHome home = TerminalHome::open(homeOf(*values));
        const ImportedCrl crl = home.importCrl((*values)["file"].as<std::string>());
        for (const std::string& warning : crl.warnings) std::cerr << "fmc-terminal: warning: " << warning << "\n";
        const auto day = [](std::chrono::system_clock::time_point t) {
            return db::formatUtc(std::chrono::floor<std::chrono::seconds>(t));
        };
        if (values->count("json"))
            output << nlohmann::json{{"issuer", crl.issuer}, {"crl_number", crl.crlNumber},
                                     {"complete_crl_number", crl.completeCrlNumber}, {"delta", crl.delta},
                                     {"this_update", day(crl.thisUpdate)}, {"next_update", day(crl.nextUpdate)},
                                     {"entries", crl.entries}}
                          .dump()
                   << "\n";
        else
            output << "Imported " << (crl.delta ? "delta CRL " : "CRL ") << crl.crlNumber << " of " << crl.issuer
                   << (crl.delta ? " on CRL " + std::to_string(crl.completeCrlNumber) : std::string()) << ": "
                   << crl.entries << " entries, next update " << day(crl.nextUpdate) << "\n";
        return 0;
    };
    return cli::runCommandGroup("fmc-terminal", "crl", "The revocation lists the terminal checks cards against.",
                                {{"import", "import a CRL, delta CRL or ARL file", importList},
                                 {"sync", "fetch the newest lists from a URL or a folder", syncCrls}},
                                args, out);
}

int runCheckCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-terminal check --service CODE [--reader SUBSTRING] [--wait SECONDS] [--json]\n"
        "Decides for the card in a reader: verified offline (certificate chain, validity, CRL and\n"
        "its age, challenge-response with the card's key), then the service's policy.\n"
        "Exit codes: 0 granted, 1 denied, 2 no card or an operational error.\n\nOptions");
    addServiceOptions(options);
    options.add_options()("wait", po::value<double>()->default_value(0)->value_name("SECONDS"),
                          "wait this long for a card")(
        "at", po::value<std::string>()->value_name("TIME"),
        "decide as of TIME (2027-01-31T12:00:00Z) instead of now: diagnostics for expiry and CRL age");
    addHomeOption(options);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    const double wait = (*values)["wait"].as<double>();
    if (!(wait >= 0 && wait <= 86400)) throw po::error("--wait must be between 0 and 86400 seconds");
    std::optional<std::chrono::system_clock::time_point> at;
    if (values->count("at")) {
        try {
            at = db::parseUtc((*values)["at"].as<std::string>());
        } catch (const std::invalid_argument&) {
            throw po::error("--at takes 2027-01-31 or 2027-01-31T12:00:00Z");
        }
    }
    try {
        const TerminalHome home = TerminalHome::open(homeOf(*values));
        ServicePoint point(home, (*values)["service"].as<std::string>());
        for (const std::string& problem : point.problems()) std::cerr << "fmc-terminal: warning: " << problem << "\n";
        card::pcsc::PcscContext context;
        const card::pcsc::ReaderState reader =
            context.waitForCard(readerOf(*values).value_or(""), std::chrono::milliseconds(std::llround(wait * 1000)));
        const Decision decision = point.tap(context, reader.name, at);
        printDecision(out, decision, values->count("json") != 0);
        if (!point.logProblem().empty()) std::cerr << "fmc-terminal: warning: tap log: " << point.logProblem() << "\n";
        return decision.granted ? 0 : toInt(ExitCode::negative);
    } catch (const po::error&) {
        throw;
    } catch (const std::exception& error) {
        // `check` promises scripts three outcomes only: granted, denied, or could not decide.
        std::cerr << "fmc-terminal: " << error.what() << "\n";
        return toInt(ExitCode::failure);
    }
}

int runWatchCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-terminal watch --service CODE [--reader SUBSTRING] [--json]\n"
        "Decides for every card inserted or tapped, one line (or JSON object) each, until\n"
        "interrupted (SIGINT/SIGTERM). Survives a card pulled mid-read, a reader unplugged and\n"
        "plugged again, and pcscd restarting.\n\nOptions");
    addServiceOptions(options);
    addHomeOption(options);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    const TerminalHome home = TerminalHome::open(homeOf(*values));
    ServicePoint point(home, (*values)["service"].as<std::string>());
    for (const std::string& problem : point.problems()) std::cerr << "fmc-terminal: warning: " << problem << "\n";
    stopRequested = false;
    std::signal(SIGINT, requestStop);
    std::signal(SIGTERM, requestStop);
    const bool json = values->count("json") != 0;
    std::cerr << "fmc-terminal: watching for cards (" << point.service().code << "); Ctrl-C to stop\n";
    point.watch(
        readerOf(*values), stopRequested, [&](const Decision& decision) { printDecision(out, decision, json); },
        [](const std::string& notice) { std::cerr << "fmc-terminal: " << notice << "\n"; });
    return 0;
}

int runKioskCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-terminal kiosk [--listen HOST:PORT] [--reader SUBSTRING] [--idle SECONDS]\n"
        "Serves the merchants' self-service page (default http://127.0.0.1:8080/): each card\n"
        "presented is verified as at a service point and shown in the card's language; with a\n"
        "contact reader the merchant may type the PIN to see the personal data on the card.\n"
        "Runs until SIGINT/SIGTERM. Keep it on the loopback interface of the kiosk machine.\n\nOptions");
    options.add_options()("listen", po::value<std::string>()->default_value("127.0.0.1:8080")->value_name("HOST:PORT"),
                          "address to serve on")(
        "reader,r", po::value<std::string>()->value_name("SUBSTRING"), "only readers whose name contains this")(
        "idle", po::value<int>()->default_value(60)->value_name("SECONDS"), "back to the welcome screen after this");
    addHomeOption(options);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    KioskOptions kiosk;
    const std::string listen = (*values)["listen"].as<std::string>();
    const std::size_t colon = listen.rfind(':');
    try {
        if (colon == std::string::npos) throw std::invalid_argument("no port");
        kiosk.host = listen.substr(0, colon);
        kiosk.port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
        throw po::error("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
    }
    if (kiosk.port < 1 || kiosk.port > 65535 || kiosk.host.empty()) throw po::error("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
    kiosk.reader = readerOf(*values);
    kiosk.idleSeconds = (*values)["idle"].as<int>();
    if (kiosk.idleSeconds < 5 || kiosk.idleSeconds > 3600) throw po::error("--idle must be between 5 and 3600 seconds");
    const TerminalHome home = TerminalHome::open(homeOf(*values));
    stopRequested = false;
    std::signal(SIGINT, requestStop);
    std::signal(SIGTERM, requestStop);
    runKiosk(home, kiosk, stopRequested);
    return 0;
}

int runServicesCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto list = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options("Usage: fmc-terminal services list [--language TAG] [--json]\n"
                                        "The services this terminal's catalog offers.\n\nOptions");
        options.add_options()("language", po::value<std::string>()->default_value("en")->value_name("TAG"),
                              "names in this language (en, zh-Hans, ar, ru, fr)")("json", "print JSON");
        addHomeOption(options);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        const catalog::ServicesCatalog catalog = TerminalHome::open(homeOf(*values)).loadCatalog();
        const std::string language = (*values)["language"].as<std::string>();
        nlohmann::json array = nlohmann::json::array();
        for (const catalog::Service& service : catalog.services()) {
            std::vector<std::string> interfaces;
            for (catalog::CardInterface cardInterface : service.interfaces)
                interfaces.emplace_back(catalog::cardInterfaceName(cardInterface));
            if (values->count("json")) {
                array.push_back({{"code", service.code}, {"entitlement", service.entitlement},
                                 {"name", service.names.text(language)}, {"where", service.where.text(language)},
                                 {"interfaces", interfaces}, {"max_crl_age_hours", service.maxCrlAge.count()}});
            } else {
                output << service.code << "  (" << service.entitlement << ")  " << service.names.text(language) << "\n";
            }
        }
        if (values->count("json")) output << array.dump() << "\n";
        return 0;
    };
    return cli::runCommandGroup("fmc-terminal", "services", "The services catalog.",
                                {{"list", "list the services", list}}, args, out);
}

int runLogCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto exportLog = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options("Usage: fmc-terminal log export [--since TIME]\n"
                                        "Prints the tap log as JSON lines: time, serial, service, decision,\n"
                                        "reason, interface, elapsed_ms. TIME: 2026-11-29 or 2026-11-29T08:00:00Z.\n\nOptions");
        options.add_options()("since", po::value<std::string>()->value_name("TIME"), "only taps from then on");
        addHomeOption(options);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        std::optional<db::Timestamp> since;
        if (values->count("since")) {
            try {
                since = db::parseUtc((*values)["since"].as<std::string>());
            } catch (const std::invalid_argument&) {
                throw po::error("--since takes 2026-11-29 or 2026-11-29T08:00:00Z");
            }
        }
        const TerminalHome home = TerminalHome::open(homeOf(*values));
        db::TapLog(home.tapLogPath()).exportJsonLines(since, output);
        return 0;
    };
    return cli::runCommandGroup("fmc-terminal", "log", "The tap log (no personal data).",
                                {{"export", "print taps as JSON lines", exportLog}}, args, out);
}

std::optional<ExitCode> terminalExitCode(const std::exception& error) {
    if (const auto* databaseError = dynamic_cast<const db::DatabaseError*>(&error)) {
        if (databaseError->isLocked()) return ExitCode::busy;
        if (databaseError->isDiskProblem()) return ExitCode::diskError;
    }
    if (const auto* fileError = dynamic_cast<const FileError*>(&error))
        if (fileError->isDiskProblem()) return ExitCode::diskError;
    if (dynamic_cast<const CrlSourceUnavailableError*>(&error)) return ExitCode::busy;
    if (dynamic_cast<const crypto::pki::UntrustedCrlError*>(&error) ||
        dynamic_cast<const crypto::pki::CrlNotNewerError*>(&error) ||
        dynamic_cast<const crypto::pki::MalformedCrlError*>(&error) ||
        dynamic_cast<const crypto::pki::DeltaCrlBaseError*>(&error) ||
        dynamic_cast<const crypto::pki::MalformedCrlIndexError*>(&error) ||
        dynamic_cast<const crypto::pki::UntrustedCrlIndexError*>(&error) ||
        dynamic_cast<const CrlSourceRefusedError*>(&error) ||
        dynamic_cast<const crypto::pki::MalformedCertificateError*>(&error) ||
        dynamic_cast<const catalog::CatalogError*>(&error))
        return ExitCode::invalidInput;
    return std::nullopt;
}

} // namespace fmc::terminal
