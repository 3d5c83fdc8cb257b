// fmc-bench-verifier: one offline card verification (path + revocation lookup + challenge
// signature) with CRLs of 0, 10k, 100k and 1M entries, against the same decision made by
// OpenSSL's X509_verify_cert with the CRLs in the store (X509_V_FLAG_CRL_CHECK |
// X509_V_FLAG_CRL_CHECK_ALL: the card's CRL and the root's ARL), which verifies the CRL
// signature again on every call. Then the import of a 1M-entry CRL (time and peak resident
// memory) in a child process, so the figure is not inflated by what the benchmark itself
// holds. See bench/README.md.
#include "bench_pki.hpp"

#include "crypto/pki/card_verifier.hpp"
#include "crypto/pki/revocation_state.hpp"
#include "crypto/pki/trust_store.hpp"

#include <benchmark/benchmark.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace fmc;
using namespace fmc::crypto;
using namespace fmc::crypto::pki;

namespace {

constexpr std::size_t crlSizes[] = {0, 10'000, 100'000, 1'000'000};
constexpr std::size_t importSize = 1'000'000;

TrustStore trustOf(const bench::BenchPki& pki) {
    TrustStore trust;
    trust.addRoot(pki.root);
    trust.addIssuingCa(pki.issuing);
    return trust;
}

// What a tap presents: the certificate read from the card, a fresh challenge and the card's
// signature over it.
struct Tap {
    Bytes certificateDer;
    Bytes challenge;
    Bytes signature;
};

Tap tapOf(const bench::BenchPki& pki) {
    Bytes challenge = CardVerifier::newChallenge();
    Bytes signature = pki.cardKey.signDigest(challenge);
    return {pki.card.der(), std::move(challenge), std::move(signature)};
}

void ours(benchmark::State& state, const bench::BenchPki& pki, std::size_t entries) {
    const TrustStore trust = trustOf(pki);
    RevocationState revocation;
    revocation.importCrl(trust, ByteView(pki.arlDer));
    revocation.importCrl(trust, ByteView(pki.crlDer(entries)));
    const CardVerifier verifier(trust, std::chrono::hours(36));
    const Tap tap = tapOf(pki);
    for (auto _ : state) {
        const Verdict verdict = verifier.verify(tap.certificateDer, bench::benchTime, revocation, tap.challenge, tap.signature);
        if (!verdict.accepted()) {
            state.SkipWithError(("not accepted: " + verdict.summary()).c_str());
            break;
        }
        benchmark::DoNotOptimize(verdict);
    }
}

// Accepts only our own critical card-attributes extension, as CardVerifier does.
int ignoreUnhandledCritical(int ok, X509_STORE_CTX* context) {
    if (ok == 0 && X509_STORE_CTX_get_error(context) == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION &&
        X509_STORE_CTX_get_error_depth(context) == 0)
        return 1;
    return ok;
}

X509_CRL* crlFromDer(const Bytes& der) {
    const unsigned char* cursor = der.data();
    X509_CRL* crl = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size()));
    if (crl == nullptr) throw std::runtime_error("d2i_X509_CRL failed");
    return crl;
}

void openssl(benchmark::State& state, const bench::BenchPki& pki, std::size_t entries) {
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
    std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>
        untrusted(sk_X509_new_null(), [](STACK_OF(X509)* stack) { sk_X509_free(stack); });
    X509_CRL* crl = crlFromDer(pki.crlDer(entries));
    X509_CRL* arl = crlFromDer(pki.arlDer);
    X509_STORE_add_cert(store.get(), pki.root.native());
    X509_STORE_add_crl(store.get(), crl);
    X509_STORE_add_crl(store.get(), arl);
    X509_CRL_free(crl);  // the store holds its own references
    X509_CRL_free(arl);
    sk_X509_push(untrusted.get(), pki.issuing.native());
    const Tap tap = tapOf(pki);
    // Same work as ours: parse the presented certificate, validate, check the challenge.
    const auto check = [&]() -> std::string {
        const unsigned char* cursor = tap.certificateDer.data();
        std::unique_ptr<X509, decltype(&X509_free)> card(
            d2i_X509(nullptr, &cursor, static_cast<long>(tap.certificateDer.size())), X509_free);
        std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(), X509_STORE_CTX_free);
        X509_STORE_CTX_init(context.get(), store.get(), card.get(), untrusted.get());
        X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
        X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(bench::benchTime));
        X509_STORE_CTX_set_verify_cb(context.get(), ignoreUnhandledCritical);
        if (X509_verify_cert(context.get()) != 1) return X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
        const EcPublicKey cardKey = EcPublicKey::fromSubjectPublicKeyInfo(pki.card.publicKey().subjectPublicKeyInfo());
        return cardKey.verifyDigest(tap.challenge, tap.signature) ? "" : "challenge signature does not verify";
    };
    // OpenSSL sorts a CRL's entries on its first lookup; that one-time cost is the peer of our
    // import, so it stays out of the per-check figure.
    std::string failure = check();
    for (auto _ : state) {
        if (!failure.empty() || !(failure = check()).empty()) {
            state.SkipWithError(failure.c_str());
            break;
        }
    }
    ERR_clear_error();
}

// Keeps every mean time (µs) so the final table can show the ratios.
class RecordingReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs)
            if (!run.error_occurred && run.run_type == Run::RT_Iteration) microseconds[run.run_name.function_name] = run.GetAdjustedRealTime();
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, double> microseconds;
};

// Resident-memory high-water mark and current size of this process, in kB.
long statusKb(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}

// The child: reads the CRL file, then imports it once; prints seconds and kB.
int importChild(const std::filesystem::path& cacheDir, std::size_t entries) {
    const bench::BenchPki pki = bench::BenchPki::loadOrCreate(cacheDir);
    const TrustStore trust = trustOf(pki);
    const Bytes der = bench::readFile(pki.crlPath(entries));
    // Reset the high-water mark to the current RSS (Linux clear_refs "5"), so the peak below
    // is what the import adds on top of the DER the terminal has already received.
    std::ofstream("/proc/self/clear_refs") << "5";
    const long before = statusKb("VmHWM:");
    RevocationState revocation;
    const auto start = std::chrono::steady_clock::now();
    const RevocationIndex& index = revocation.importCrl(trust, ByteView(der));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const long after = statusKb("VmHWM:");
    std::printf("%.3f %ld %ld %zu %zu\n", took.count(), before, after, index.size(), der.size());
    return 0;
}

struct ImportFigures {
    double seconds = 0;
    long hwmBeforeKb = 0, hwmAfterKb = 0;
    std::size_t entries = 0, derBytes = 0;
};

ImportFigures runImportChild(const std::filesystem::path& cacheDir, std::size_t entries) {
    const std::string command = "\"/proc/" + std::to_string(::getpid()) + "/exe\" --import-child \"" +
                                cacheDir.string() + "\" " + std::to_string(entries);
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed");
    ImportFigures figures;
    const int got = std::fscanf(pipe, "%lf %ld %ld %zu %zu", &figures.seconds, &figures.hwmBeforeKb,
                                &figures.hwmAfterKb, &figures.entries, &figures.derBytes);
    if (::pclose(pipe) != 0 || got != 5) throw std::runtime_error("the import child failed");
    return figures;
}

} // namespace

int main(int argc, char** argv) {
    const std::filesystem::path exe = std::filesystem::canonical("/proc/self/exe");
    if (argc == 4 && std::string(argv[1]) == "--import-child") return importChild(argv[2], std::stoul(argv[3]));
    try {
        // <build>/bin/fmc-bench-verifier caches in <build>/bench-cache.
        const std::filesystem::path cacheDir = exe.parent_path().parent_path() / "bench-cache";
        const bench::BenchPki pki = bench::BenchPki::loadOrCreate(cacheDir);
        for (std::size_t entries : crlSizes) static_cast<void>(pki.crlDer(entries));  // generate missing CRLs up front

        for (std::size_t entries : crlSizes) {
            const std::string size = std::to_string(entries);
            benchmark::RegisterBenchmark(("ours/crl:" + size).c_str(), ours, std::cref(pki), entries)
                ->Unit(benchmark::kMicrosecond)->MinTime(0.5)->UseRealTime();
            benchmark::RegisterBenchmark(("openssl/crl:" + size).c_str(), openssl, std::cref(pki), entries)
                ->Unit(benchmark::kMicrosecond)->MinTime(0.5)->UseRealTime();
        }
        benchmark::Initialize(&argc, argv);
        RecordingReporter reporter;
        benchmark::RunSpecifiedBenchmarks(&reporter);
        benchmark::Shutdown();

        std::printf("\nImporting a %zu-entry CRL (RevocationState::importCrl from DER, in a fresh process):\n", importSize);
        ImportFigures best;
        for (int run = 0; run < 3; ++run) {
            const ImportFigures figures = runImportChild(cacheDir, importSize);
            std::printf("  run %d: %.3f s, resident %ld kB before (DER of %zu bytes read) -> peak %ld kB (+%ld kB), %zu entries\n",
                        run + 1, figures.seconds, figures.hwmBeforeKb, figures.derBytes, figures.hwmAfterKb,
                        figures.hwmAfterKb - figures.hwmBeforeKb, figures.entries);
            if (run == 0 || figures.seconds < best.seconds) best = figures;
        }

        std::printf("\n%-10s %14s %14s %10s\n", "CRL size", "ours (us)", "OpenSSL (us)", "ratio");
        for (std::size_t entries : crlSizes) {
            const std::string size = std::to_string(entries);
            const double ourTime = reporter.microseconds["ours/crl:" + size];
            const double theirTime = reporter.microseconds["openssl/crl:" + size];
            if (ourTime > 0 && theirTime > 0)
                std::printf("%-10zu %14.1f %14.1f %9.1fx\n", entries, ourTime, theirTime, theirTime / ourTime);
            else  // filtered out (--benchmark_filter) or failed
                std::printf("%-10zu %14.1f %14.1f %10s\n", entries, ourTime, theirTime, "-");
        }
        std::printf("import %zu entries: best %.3f s, peak resident %.1f MB (%.1f MB above the DER already read)\n",
                    importSize, best.seconds, static_cast<double>(best.hwmAfterKb) / 1024.0,
                    static_cast<double>(best.hwmAfterKb - best.hwmBeforeKb) / 1024.0);
        std::printf("goals: <= 1000 us per check at 1M and >= 50x OpenSSL; import <= 1.5 s and <= 150 MB\n");
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fmc-bench-verifier: %s\n", error.what());
        return 2;
    }
}
