// fmc-vcard: a virtual PIV card, or (--ntag216) a virtual NTAG216 NFC tag, in pcscd's vpcd
// reader. Parses the command line and maps errors to exit codes; the cards live in fmc_vcard.
#include "card/exit_codes.hpp"
#include "card/vcard/card_server.hpp"
#include "card/vcard/card_state.hpp"
#include "card/vcard/ntag216_state.hpp"
#include "card/vcard/ntag216_tag.hpp"
#include "card/vcard/piv_applet.hpp"
#include "card/vcard/vpcd_link.hpp"

#include <boost/program_options.hpp>

#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

std::atomic<bool> stopRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void requestStop(int) { stopRequested.store(true); }

void installSignalHandlers() {
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

constexpr const char* kUsage = "usage: fmc-vcard --state FILE [--port 35963|35964] [--host ADDRESS] [--contactless]\n"
                               "                 [--uid HEX] [--quiet] [--remove-after N] [--connect-timeout SECONDS]\n"
                               "                 [--fault KIND[@N]]...   (tests: a misbehaving card, see --help)\n"
                               "       fmc-vcard --ntag216 --state FILE [--uid HEX (7 bytes)] [the options above]\n"
                               "                 (an NTAG216 NFC tag instead of a PIV card)";

constexpr const char* kFaultHelp =
    "test-only: the card misbehaves. KIND: garbage (64 non-TLV bytes + 9000), oversize-length (the first TLV "
    "length says 16 MB), oversize-response (filler up to a 65535-byte frame), endless-61xx (6100 for ever to GET "
    "RESPONSE), sw=XXXX (only that status word), mute (no answer), replay-auth=FILE (GENERAL AUTHENTICATE answered "
    "with the hex R-APDU in FILE), record-auth=FILE (not a fault: each GENERAL AUTHENTICATE answer written to "
    "FILE). @N: only at the Nth command APDU (counted as --remove-after), else at every one. Repeatable; the first "
    "that applies decides";

// Puts `card` into the reader until SIGTERM/SIGINT, behind the --fault injector if asked.
int serve(fmc::card::vcard::VirtualCard& card, fmc::card::vcard::CardServerOptions serverOptions,
          std::vector<fmc::card::vcard::Fault> faults) {
    using namespace fmc::card::vcard;
    std::optional<FaultInjector> faultInjector;
    if (!faults.empty()) {
        try {
            faultInjector.emplace(std::move(faults), [&card](fmc::ByteView command) { return card.process(command); },
                                  serverOptions.log);
        } catch (const FaultSpecError& e) {  // a replay file that does not load
            std::cerr << "fmc-vcard: " << e.what() << "\n";
            return fmc::toInt(fmc::ExitCode::invalidInput);
        }
        serverOptions.faults = &*faultInjector;
    }
    serveCard(card, serverOptions, stopRequested);
    return fmc::toInt(fmc::ExitCode::ok);
}

int run(int argc, char** argv) {
    namespace po = boost::program_options;
    po::options_description options("fmc-vcard: a virtual PIV card (or NTAG216 tag) in the vpcd reader of pcscd");
    options.add_options()
        ("help,h", "show this help")
        ("state", po::value<std::string>(), "card (or tag) state file (created as a factory-blank card or tag if missing)")
        ("port", po::value<unsigned>()->default_value(35963), "vpcd port: 35963 = 'Virtual PCD 00 00', 35964 = '00 01'")
        ("host", po::value<std::string>()->default_value("127.0.0.1"), "address vpcd listens on")
        ("contactless", "present the card as an ISO 14443-4 contactless card (SP 800-73 contactless rules)")
        ("ntag216", "present an NXP NTAG216 NFC tag instead of a PIV card: a PC/SC storage card answering "
                    "FF CA (UID), FF B0 (read pages), FF D6 (write a page); --state is then a tag state file, "
                    "created blank with a random 04xxxxxxxxxxxx UID when missing; implies --contactless")
        ("uid", po::value<std::string>(), "contactless UID in hex (4, 7 or 10 bytes; 7 with --ntag216); saved in "
                                          "the state")
        ("quiet,q", "no APDU log on stderr")
        ("remove-after", po::value<std::size_t>()->default_value(0), "pull the card when the Nth command APDU arrives (tests)")
        ("connect-timeout", po::value<double>()->default_value(10.0), "seconds to keep trying to reach vpcd")
        ("fault", po::value<std::vector<std::string>>()->value_name("KIND[@N]"), kFaultHelp);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "fmc-vcard: " << e.what() << "\n" << kUsage << "\n";
        return fmc::toInt(fmc::ExitCode::usage);
    }
    if (vm.count("help")) {
        std::cout << kUsage << "\n\n" << options << "\n";
        return fmc::toInt(fmc::ExitCode::ok);
    }
    if (!vm.count("state")) {
        std::cerr << "fmc-vcard: --state FILE is required\n" << kUsage << "\n";
        return fmc::toInt(fmc::ExitCode::usage);
    }
    const unsigned port = vm["port"].as<unsigned>();
    const double timeoutSeconds = vm["connect-timeout"].as<double>();
    if (port == 0 || port > 65535 || !(timeoutSeconds >= 0 && timeoutSeconds < 86400)) {
        std::cerr << "fmc-vcard: --port must be 1-65535 and --connect-timeout 0-86400 seconds\n";
        return fmc::toInt(fmc::ExitCode::usage);
    }
    const bool ntag216 = vm.count("ntag216") != 0;
    fmc::Bytes uid;
    if (vm.count("uid")) {
        try {
            uid = fmc::fromHex(vm["uid"].as<std::string>());
        } catch (const std::invalid_argument& e) {
            std::cerr << "fmc-vcard: --uid: " << e.what() << "\n";
            return fmc::toInt(fmc::ExitCode::usage);
        }
        if (uid.size() != 4 && uid.size() != 7 && uid.size() != 10) {
            std::cerr << "fmc-vcard: --uid must be 4, 7 or 10 bytes (ISO 14443-3)\n";
            return fmc::toInt(fmc::ExitCode::usage);
        }
        if (ntag216 && uid.size() != fmc::card::vcard::ntag216::kUidSize) {
            std::cerr << "fmc-vcard: --uid must be 7 bytes with --ntag216 (an NTAG216 has a double-size UID)\n";
            return fmc::toInt(fmc::ExitCode::usage);
        }
    }

    using namespace fmc::card::vcard;
    std::vector<Fault> faults;
    try {
        if (vm.count("fault"))
            for (const std::string& spec : vm["fault"].as<std::vector<std::string>>()) faults.push_back(parseFault(spec));
    } catch (const FaultSpecError& e) {
        std::cerr << "fmc-vcard: " << e.what() << "\n";
        return fmc::toInt(fmc::ExitCode::usage);
    }
    CardServerOptions serverOptions;
    serverOptions.host = vm["host"].as<std::string>();
    serverOptions.port = static_cast<std::uint16_t>(port);
    serverOptions.connectTimeout = std::chrono::milliseconds(static_cast<long long>(timeoutSeconds * 1000));
    serverOptions.removeAfter = vm["remove-after"].as<std::size_t>();
    serverOptions.log = vm.count("quiet") ? nullptr : &std::cerr;
    const std::string statePath = vm["state"].as<std::string>();

    if (ntag216) {
        const Ntag216StateFile stateFile(statePath);
        Ntag216State state = stateFile.loadOrCreate();
        if (!uid.empty() && uid != state.uid()) {
            state.setUid(uid);
            stateFile.save(state);
        }
        if (serverOptions.log)
            *serverOptions.log << "fmc-vcard: NTAG216 tag, UID " << fmc::toHex(state.uid()) << std::endl;
        Ntag216Tag tag(std::move(state), [&stateFile](const Ntag216State& changed) { stateFile.save(changed); });
        return serve(tag, serverOptions, std::move(faults));
    }
    const CardStateFile stateFile(statePath);
    CardState state = stateFile.loadOrCreate();
    if (!uid.empty() && uid != state.uid) {
        state.uid = uid;
        stateFile.save(state);
    }
    const auto cardInterface = vm.count("contactless") ? CardInterface::contactless : CardInterface::contact;
    PivApplet applet(std::move(state), [&stateFile](const CardState& changed) { stateFile.save(changed); },
                     cardInterface);
    return serve(applet, serverOptions, std::move(faults));
}

} // namespace

int main(int argc, char** argv) {
    installSignalHandlers();
    try {
        return run(argc, argv);
    } catch (const fmc::card::vcard::VpcdUnreachable& e) {
        std::cerr << "fmc-vcard: " << e.what() << "\n";
        return fmc::toInt(fmc::ExitCode::pcscUnavailable);
    } catch (const fmc::card::vcard::CardStateError& e) {
        std::cerr << "fmc-vcard: card state: " << e.what() << "\n";
        return fmc::toInt(fmc::ExitCode::failure);
    } catch (const std::exception& e) {
        std::cerr << "fmc-vcard: " << e.what() << "\n";
        return fmc::toInt(fmc::ExitCode::failure);
    }
}
