// fmc-bench-registry: fills the registry of a station made with `fmc-issue init` with
// synthetic merchants and cards (db/synthetic_registry.hpp), for the scale figures of
// BENCHMARKS.md; or revokes more of them through the registry's own revokeCard, as a day of
// `fmc-issue card revoke` would.
//
//   fmc-bench-registry --station HOME --cards 1000000 --revoked-percent 1
//   fmc-bench-registry --station HOME --revoke 300
#include "crypto/pki/certificate.hpp"
#include "db/database.hpp"
#include "db/sqlite_registry.hpp"
#include "db/synthetic_registry.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: fmc-bench-registry --station HOME (--cards N [--revoked-percent P] | --revoke N)\n"
    "  fills HOME/registry.sqlite with N synthetic cards (one merchant each, P%% revoked), or\n"
    "  revokes N more of its active synthetic cards (reason lost). Operator: FMC_OPERATOR or \"bench\".\n";

std::string readText(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (is --station a station made with fmc-issue init?)");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Revokes `count` active synthetic cards (those with no PEM) with SqliteRegistry::revokeCard.
std::size_t revokeMore(const std::string& registryFile, std::size_t count, const fmc::db::Operator& by) {
    std::vector<std::string> serials;
    {
        fmc::db::Database db(registryFile);
        fmc::db::Statement query = db.prepare(
            "SELECT serial FROM card WHERE status = 'active' AND certificate_pem = '' ORDER BY created_at LIMIT ?");
        query.bind(1, static_cast<std::int64_t>(count));
        while (query.step()) serials.push_back(query.columnText(1));
    }
    fmc::db::SqliteRegistry registry(registryFile);
    for (const std::string& serial : serials) registry.revokeCard(serial, "lost", by);
    return serials.size();
}

} // namespace

int main(int argc, char** argv) {
    std::string station;
    long long cards = -1, revoke = -1;
    double revokedPercent = 1.0;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string flag = argv[i];
            if (flag == "--help" || flag == "-h") {
                std::printf(kUsage);
                return 0;
            }
            if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
            const std::string value = argv[++i];
            if (flag == "--station") station = value;
            else if (flag == "--cards") cards = std::stoll(value);
            else if (flag == "--revoked-percent") revokedPercent = std::stod(value);
            else if (flag == "--revoke") revoke = std::stoll(value);
            else throw std::invalid_argument("unknown option " + flag);
        }
        if (station.empty() || (cards < 0) == (revoke < 0)) throw std::invalid_argument("give --station and one of --cards, --revoke");
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fmc-bench-registry: %s\n%s", error.what(), kUsage);
        return 64;
    }
    try {
        const char* operatorName = std::getenv("FMC_OPERATOR");
        const fmc::db::Operator by{operatorName != nullptr && *operatorName != '\0' ? operatorName : "bench"};
        const std::string registryFile = station + "/registry.sqlite";
        const auto start = std::chrono::steady_clock::now();
        if (revoke >= 0) {
            const std::size_t revoked = revokeMore(registryFile, static_cast<std::size_t>(revoke), by);
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
            std::printf("{\"revoked\": %zu, \"seconds\": %.3f}\n", revoked, took.count());
            return revoked == static_cast<std::size_t>(revoke) ? 0 : 1;
        }
        const auto issuing = fmc::crypto::pki::Certificate::fromPem(readText(station + "/certs/issuing-ca.pem"));
        fmc::db::SyntheticRegistryRequest request;
        request.cards = static_cast<std::size_t>(cards);
        request.revokedPercent = revokedPercent;
        request.issuerId = fmc::toHex(issuing.subjectKeyIdentifier());
        request.issuerName = issuing.subject();
        request.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        request.operatorName = by.name;
        const fmc::db::SyntheticRegistryResult result = fmc::db::fillSyntheticRegistry(registryFile, request);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        std::printf("{\"cards\": %zu, \"merchants\": %zu, \"revoked\": %zu, \"seconds\": %.3f}\n", result.cards,
                    result.merchants, result.revoked, took.count());
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fmc-bench-registry: %s\n", error.what());
        return 1;
    }
}
