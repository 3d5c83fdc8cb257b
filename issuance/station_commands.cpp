#include "issuance/station_commands.hpp"

#include "card/exit_codes.hpp"
#include "cli/command_arguments.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/crl_index.hpp"
#include "issuance/card_lifecycle.hpp"
#include "issuance/command_support.hpp"
#include "issuance/crl_publication.hpp"
#include "issuance/station_setup.hpp"

#include <iostream>

namespace fmc::issuance {

namespace {

std::filesystem::path requiredPath(const po::variables_map& values, const char* option) {
    return std::filesystem::absolute(values[option].as<std::string>());
}

} // namespace

int runInitCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options(
        "Usage: fmc-issue init --authority NAME [--station-name NAME] [--key-store file|pkcs11:URI]\n"
        "Creates a station: a root CA (P-384, encrypted key file, to be taken into offline custody\n"
        "with 'root-key export --remove'), this station's issuing CA (P-256) and the station secret\n"
        "(in encrypted files, or on the PKCS#11 token), and the registry. Key files are encrypted\n"
        "with $FMC_KEY_PASSPHRASE (or a prompt); the token PIN is $FMC_PKCS11_PIN.\n\nOptions");
    options.add_options()
        ("authority", po::value<std::string>()->required()->value_name("NAME"), "the issuing authority")
        ("station-name", po::value<std::string>()->value_name("NAME"), "the issuing CA's name")
        ("key-store", po::value<std::string>()->default_value("file")->value_name("file|pkcs11:URI"),
         "where the issuing CA key and the station secret live, e.g. pkcs11:token=fmc-station");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    const std::filesystem::path home = stationHome(*values);
    const db::Operator by = operatorOf(*values);
    InitRequest request;
    request.authority = (*values)["authority"].as<std::string>();
    if (values->count("station-name")) request.stationName = (*values)["station-name"].as<std::string>();
    request.keyStore = (*values)["key-store"].as<std::string>();
    std::ostream& progress = jsonWanted(*values) ? std::cerr : out;
    const InitResult result = initStation(home, request, by, [&](const std::string& step) {
        progress << "  " << step << "\n" << std::flush;
    });
    if (jsonWanted(*values)) {
        out << nlohmann::json{{"home", home.string()},
                              {"root", result.rootSubject},
                              {"issuing_ca", result.issuingSubject},
                              {"issuer_id", result.issuerId},
                              {"root_sha256", result.rootFingerprint}}
                   .dump()
            << "\n";
    } else {
        out << "Station ready in " << home.string() << "\n  root CA     " << result.rootSubject
            << "\n  issuing CA  " << result.issuingSubject << "\n  root SHA-256 " << result.rootFingerprint << "\n";
    }
    return 0;
}

int runTrustCommand(const std::vector<std::string>& args, std::ostream& out) {
    return cli::runCommandGroup(
        "fmc-issue", "trust", "The trust material terminals need.",
        {{"export", "write the root and issuing CA certificates (PEM) for terminals",
          [](const std::vector<std::string>& rest, std::ostream& output) {
              po::options_description options("Usage: fmc-issue trust export --out FILE\n"
                                              "Writes the PEM bundle terminals load with 'fmc-terminal setup --trust'.\n\nOptions");
              options.add_options()("out,o", po::value<std::string>()->required()->value_name("FILE"), "target file");
              addStationOptions(options, false);
              const auto values = cli::parseCommandArguments(rest, options, {}, output);
              if (!values) return 0;
              Station station = openStation(*values);
              const std::filesystem::path target = requiredPath(*values, "out");
              writeFileAtomically(target, trustBundle(station));
              if (jsonWanted(*values)) output << nlohmann::json{{"out", target.string()}}.dump() << "\n";
              else output << "Trust bundle written to " << target.string() << "\n";
              return 0;
          }}},
        args, out);
}

int runRootKeyCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto exportKey = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options("Usage: fmc-issue root-key export --out FILE [--remove]\n"
                                        "Copies the encrypted root key for offline custody; --remove then deletes it\n"
                                        "from the station.\n\nOptions");
        options.add_options()("out,o", po::value<std::string>()->required()->value_name("FILE"), "target file")(
            "remove", "delete the root key from the station afterwards");
        addStationOptions(options, true);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        Station station = openStation(*values);
        exportRootKey(station, requiredPath(*values, "out"), values->count("remove") != 0, operatorOf(*values));
        output << "Root key exported to " << requiredPath(*values, "out").string()
               << (values->count("remove") ? " and removed from the station" : "") << "\n";
        return 0;
    };
    auto importKey = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options("Usage: fmc-issue root-key import FILE\n"
                                        "Brings an exported root key back onto the station.\n\nOptions");
        options.add_options()("file", po::value<std::string>()->required()->value_name("FILE"), "the key file");
        po::positional_options_description positionals;
        positionals.add("file", 1);
        addStationOptions(options, true);
        const auto values = cli::parseCommandArguments(rest, options, positionals, output);
        if (!values) return 0;
        Station station = openStation(*values);
        importRootKey(station, requiredPath(*values, "file"), operatorOf(*values));
        output << "Root key imported\n";
        return 0;
    };
    return cli::runCommandGroup("fmc-issue", "root-key", "Offline custody of the root CA key.",
                                {{"export", "copy the root key out (and remove it)", exportKey},
                                 {"import", "bring the root key back", importKey}},
                                args, out);
}

namespace {

nlohmann::json listFileJson(const std::optional<PublishedListFile>& file) {
    if (!file) return nullptr;
    return {{"file", file->file}, {"crl_number", file->crlNumber}, {"size", file->size}, {"entries", file->entries}};
}

void printFolderPublication(const FolderPublication& published, const std::filesystem::path& folder, bool json,
                            std::ostream& output) {
    const PublishedCrlSummary& crl = published.complete;
    if (json) {
        output << nlohmann::json{{"dir", folder.string()},
                                 {"ca_dir", published.caFolder.string()},
                                 {"crl_number", crl.crlNumber},
                                 {"base_crl_number", published.baseCrlNumber ? nlohmann::json(*published.baseCrlNumber)
                                                                             : nlohmann::json(nullptr)},
                                 {"this_update", db::formatUtc(crl.thisUpdate)},
                                 {"next_update", db::formatUtc(crl.nextUpdate)},
                                 {"revoked", crl.revoked},
                                 {"suspended", crl.suspended},
                                 {"full", listFileJson(published.full)},
                                 {"delta", listFileJson(published.delta)},
                                 {"arl", listFileJson(published.arl)},
                                 {"index", {{"file", crypto::pki::kCrlIndexFileName}, {"size", published.indexSize}}},
                                 {"removed", published.removed}}
                      .dump()
               << "\n";
        return;
    }
    const std::string where = published.caFolder.string() + "/";
    output << "complete CRL " << crl.crlNumber << "  " << where << published.full.file << "  " << published.full.size
           << " bytes, " << crl.revoked << " revoked, " << crl.suspended << " suspended\n";
    if (published.delta)
        output << "delta CRL " << crl.crlNumber << " (base " << *published.baseCrlNumber << ")  " << where
               << published.delta->file << "  " << published.delta->size << " bytes, " << published.delta->entries
               << " changes\n";
    else
        output << "no delta CRL: the first list this CA publishes\n";
    if (published.arl)
        output << "root ARL " << published.arl->crlNumber << "  " << where << published.arl->file << "  "
               << published.arl->size << " bytes, " << published.arl->entries << " revoked CAs\n";
    output << "index  " << where << crypto::pki::kCrlIndexFileName << "  " << published.indexSize
           << " bytes, next update " << db::formatUtc(crl.nextUpdate) << "\n";
    for (const std::string& name : published.removed) output << "removed " << where << name << "\n";
}

} // namespace

int runCrlCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto publish = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options(
            "Usage: fmc-issue crl publish (--out FILE | --dir DIR) [--hours N] [--delta-window HOURS]\n"
            "Signs a CRL (DER) listing every revoked and suspended card; nextUpdate is N hours away\n"
            "(default 24). --out writes that one file, for 'fmc-terminal crl import'. --dir keeps the\n"
            "published folder for 'fmc-terminal crl sync': DIR/<issuing CA key id>/ gets full-N.crl,\n"
            "delta-N.crl (the changes since the oldest list published within the delta window,\n"
            "default 24 hours), the root's ARL arl-M.crl and the signed index.cms; lists no index of\n"
            "the last three names are deleted. Serve DIR as it is from any static web server.\n\nOptions");
        options.add_options()("out,o", po::value<std::string>()->value_name("FILE"), "target file")(
            "dir", po::value<std::string>()->value_name("DIR"), "the published folder")(
            "hours", po::value<int>()->value_name("N"), "hours until nextUpdate")(
            "delta-window", po::value<int>()->value_name("HOURS"),
            "with --dir: terminals that synced within HOURS can apply the delta (default 24)");
        addStationOptions(options, true);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        if (values->count("out") == values->count("dir"))
            throw po::error("give exactly one of --out FILE and --dir DIR");
        if (values->count("delta-window") && !values->count("dir"))
            throw po::error("--delta-window goes with --dir");
        Station station = openStation(*values);
        const int hours = values->count("hours") ? (*values)["hours"].as<int>() : station.config().defaultCrlHours;
        if (values->count("dir")) {
            const std::filesystem::path folder = requiredPath(*values, "dir");
            const int window = values->count("delta-window") ? (*values)["delta-window"].as<int>()
                                                             : kDefaultDeltaWindowHours;
            const FolderPublication published = publishCrlFolder(station, folder, hours, window, operatorOf(*values));
            printFolderPublication(published, folder, jsonWanted(*values), output);
            return 0;
        }
        const std::filesystem::path target = requiredPath(*values, "out");
        const PublishedCrlSummary crl = publishCrl(station, target, hours, operatorOf(*values));
        if (jsonWanted(*values)) {
            output << nlohmann::json{{"out", target.string()},
                                     {"crl_number", crl.crlNumber},
                                     {"this_update", db::formatUtc(crl.thisUpdate)},
                                     {"next_update", db::formatUtc(crl.nextUpdate)},
                                     {"revoked", crl.revoked},
                                     {"suspended", crl.suspended}}
                          .dump()
                   << "\n";
        } else {
            output << "CRL " << crl.crlNumber << " written to " << target.string() << ": " << crl.revoked
                   << " revoked, " << crl.suspended << " suspended, next update " << db::formatUtc(crl.nextUpdate) << "\n";
        }
        return 0;
    };
    return cli::runCommandGroup("fmc-issue", "crl", "Revocation lists for terminals.",
                                {{"publish", "sign and write the current CRL (one file, or the published folder)", publish}},
                                args, out);
}

int runArlCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto publish = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options(
            "Usage: fmc-issue arl publish --out FILE [--days N]\n"
            "Signs the root's ARL (the list of revoked issuing CAs) with the root key, which must\n"
            "be on the station; terminals import it with 'fmc-terminal crl import'. Valid N days\n"
            "(default 365). 'init' writes the first one to <home>/arl.der.\n\nOptions");
        options.add_options()("out,o", po::value<std::string>()->required()->value_name("FILE"), "target file")(
            "days", po::value<int>()->default_value(365)->value_name("N"), "days until nextUpdate");
        addStationOptions(options, true);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        Station station = openStation(*values);
        const std::filesystem::path target = requiredPath(*values, "out");
        const PublishedArl arl = publishArl(station, target, (*values)["days"].as<int>(), operatorOf(*values));
        if (jsonWanted(*values))
            output << nlohmann::json{{"out", target.string()}, {"crl_number", arl.crlNumber},
                                     {"next_update", db::formatUtc(arl.nextUpdate)}}
                          .dump()
                   << "\n";
        else
            output << "ARL " << arl.crlNumber << " written to " << target.string() << ", next update "
                   << db::formatUtc(arl.nextUpdate) << "\n";
        return 0;
    };
    return cli::runCommandGroup("fmc-issue", "arl", "The root's list of revoked issuing CAs.",
                                {{"publish", "sign and write the ARL (needs the root key)", publish}}, args, out);
}

int runAuditCommand(const std::vector<std::string>& args, std::ostream& out) {
    auto verify = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options("Usage: fmc-issue audit verify [--json]\n"
                                        "Checks the hash chain of the audit log; exit code 1 when it is broken.\n\nOptions");
        addStationOptions(options, false);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        Station station = openStation(*values);
        const db::AuditVerification result = station.registry().verifyAuditChain();
        if (jsonWanted(*values)) {
            nlohmann::json object{{"ok", result.ok()}, {"entries", result.entriesChecked}};
            if (!result.ok()) {
                object["first_bad_sequence"] = *result.firstBadSequence;
                object["problem"] = result.problem;
            }
            output << object.dump() << "\n";
        } else if (result.ok()) {
            output << "audit log intact: " << result.entriesChecked << " entries\n";
        } else {
            output << "audit log BROKEN at entry " << *result.firstBadSequence << ": " << result.problem << "\n";
        }
        return result.ok() ? 0 : toInt(ExitCode::negative);
    };
    auto show = [](const std::vector<std::string>& rest, std::ostream& output) {
        po::options_description options("Usage: fmc-issue audit show [--from N] [--limit N] [--json]\n"
                                        "Prints audit log entries.\n\nOptions");
        options.add_options()("from", po::value<std::int64_t>()->default_value(1)->value_name("N"), "first sequence")(
            "limit", po::value<std::int64_t>()->default_value(0)->value_name("N"), "at most N entries (0: all)");
        addStationOptions(options, false);
        const auto values = cli::parseCommandArguments(rest, options, {}, output);
        if (!values) return 0;
        Station station = openStation(*values);
        const auto entries =
            station.registry().auditEntries((*values)["from"].as<std::int64_t>(), (*values)["limit"].as<std::int64_t>());
        nlohmann::json array = nlohmann::json::array();
        for (const db::AuditEntry& entry : entries) {
            if (jsonWanted(*values)) {
                array.push_back({{"sequence", entry.sequence},
                                 {"time", db::formatUtc(entry.at)},
                                 {"operator", entry.operatorName},
                                 {"action", entry.action},
                                 {"subject", entry.subject},
                                 {"details", nlohmann::json::parse(entry.detailsJson, nullptr, false)},
                                 {"hash", entry.hash}});
            } else {
                output << entry.sequence << "  " << db::formatUtc(entry.at) << "  " << entry.operatorName << "  "
                       << entry.action << "  " << entry.subject << "  " << entry.detailsJson << "\n";
            }
        }
        if (jsonWanted(*values)) output << array.dump() << "\n";
        return 0;
    };
    return cli::runCommandGroup("fmc-issue", "audit", "The hash-chained audit log.",
                                {{"verify", "check the hash chain", verify}, {"show", "print entries", show}}, args,
                                out);
}

int runBackupCommand(const std::vector<std::string>& args, std::ostream& out) {
    po::options_description options("Usage: fmc-issue backup --out FILE\n"
                                    "Copies the registry with SQLite's online backup while it stays in use.\n\nOptions");
    options.add_options()("out,o", po::value<std::string>()->required()->value_name("FILE"), "target file");
    addStationOptions(options, true);
    const auto values = cli::parseCommandArguments(args, options, {}, out);
    if (!values) return 0;
    Station station = openStation(*values);
    const std::filesystem::path target = requiredPath(*values, "out");
    station.registry().backup(target, operatorOf(*values));
    if (jsonWanted(*values)) out << nlohmann::json{{"out", target.string()}}.dump() << "\n";
    else out << "Registry backed up to " << target.string() << "\n";
    return 0;
}

} // namespace fmc::issuance
