// fmc-bench-verifier: one offline card verification (path + revocation lookup + challenge
// signature) with CRLs of 0, 10k, 100k and 1M entries, against the same decision made by
// OpenSSL's X509_verify_cert with the CRLs in the store (X509_V_FLAG_CRL_CHECK |
// X509_V_FLAG_CRL_CHECK_ALL: the card's CRL and the root's ARL), which verifies the CRL
// signature again on every call. Then the import of a 1M-entry CRL (time and peak resident
// memory) in a child process, so the figure is not inflated by what the benchmark itself
// holds. See bench/README.md.
//
// Extra modes used by bench/run (BENCHMARKS.md):
//   --summary-json FILE            also write every figure of the run as JSON
//   --import-child[-openssl] DIR N one import in this process (ours, or OpenSSL's d2i_X509_CRL
//                                  + X509_CRL_verify + the first lookup, which sorts)
//   --callgrind ours|openssl N K   one warm-up check, then K checks inside
//                                  fmc_bench_measured_checks (for valgrind --toggle-collect)
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
#include <functional>
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

// Our tap decision, set up as the terminal holds it: trust, the ARL and an N-entry CRL imported.
class OurCheck {
public:
    OurCheck(const bench::BenchPki& pki, std::size_t entries) : trust_(trustOf(pki)), tap_(tapOf(pki)) {
        revocation_.importCrl(trust_, ByteView(pki.arlDer));
        revocation_.importCrl(trust_, ByteView(pki.crlDer(entries)));
    }
    // Empty when the card is accepted, else why not.
    std::string operator()() const {
        const Verdict verdict = verifier_.verify(tap_.certificateDer, bench::benchTime, revocation_, tap_.challenge, tap_.signature);
        return verdict.accepted() ? "" : "not accepted: " + verdict.summary();
    }

private:
    TrustStore trust_;
    RevocationState revocation_;
    const CardVerifier verifier_{trust_, std::chrono::hours(36)};
    Tap tap_;
};

void ours(benchmark::State& state, const bench::BenchPki& pki, std::size_t entries) {
    const OurCheck check(pki, entries);
    for (auto _ : state) {
        const std::string failure = check();
        if (!failure.empty()) {
            state.SkipWithError(failure.c_str());
            break;
        }
        benchmark::DoNotOptimize(failure);
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

// The same decision with OpenSSL alone.
class OpensslCheck {
public:
    OpensslCheck(const bench::BenchPki& pki, std::size_t entries) : pki_(pki), tap_(tapOf(pki)) {
        X509_CRL* crl = crlFromDer(pki.crlDer(entries));
        X509_CRL* arl = crlFromDer(pki.arlDer);
        X509_STORE_add_cert(store_.get(), pki.root.native());
        X509_STORE_add_crl(store_.get(), crl);
        X509_STORE_add_crl(store_.get(), arl);
        X509_CRL_free(crl);  // the store holds its own references
        X509_CRL_free(arl);
        sk_X509_push(untrusted_.get(), pki.issuing.native());
    }
    // Same work as ours: parse the presented certificate, validate, check the challenge.
    std::string operator()() const {
        const unsigned char* cursor = tap_.certificateDer.data();
        std::unique_ptr<X509, decltype(&X509_free)> card(
            d2i_X509(nullptr, &cursor, static_cast<long>(tap_.certificateDer.size())), X509_free);
        std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(), X509_STORE_CTX_free);
        X509_STORE_CTX_init(context.get(), store_.get(), card.get(), untrusted_.get());
        X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
        X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(bench::benchTime));
        X509_STORE_CTX_set_verify_cb(context.get(), ignoreUnhandledCritical);
        if (X509_verify_cert(context.get()) != 1) return X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
        const EcPublicKey cardKey = EcPublicKey::fromSubjectPublicKeyInfo(pki_.card.publicKey().subjectPublicKeyInfo());
        return cardKey.verifyDigest(tap_.challenge, tap_.signature) ? "" : "challenge signature does not verify";
    }

private:
    const bench::BenchPki& pki_;
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store_{X509_STORE_new(), X509_STORE_free};
    std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted_{
        sk_X509_new_null(), [](STACK_OF(X509)* stack) { sk_X509_free(stack); }};
    Tap tap_;
};

void openssl(benchmark::State& state, const bench::BenchPki& pki, std::size_t entries) {
    const OpensslCheck check(pki, entries);
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
            if (!run.error_occurred && run.run_type == Run::RT_Iteration) {
                microseconds[run.run_name.function_name] = run.GetAdjustedRealTime();
                cpuMicroseconds[run.run_name.function_name] = run.GetAdjustedCPUTime();
            }
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, double> microseconds;
    // CPU time of the benchmark thread: on a loaded machine the wall time includes waiting.
    std::map<std::string, double> cpuMicroseconds;
};

// Resident-memory high-water mark and current size of this process, in kB.
long statusKb(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}

// The child: reads the CRL file, then imports it once, with our RevocationState or (peer)
// OpenSSL alone; prints seconds and kB.
int importChild(const std::filesystem::path& cacheDir, std::size_t entries, bool withOpenssl) {
    const bench::BenchPki pki = bench::BenchPki::loadOrCreate(cacheDir);
    const TrustStore trust = trustOf(pki);
    const Bytes der = bench::readFile(pki.crlPath(entries));
    // Reset the high-water mark to the current RSS (Linux clear_refs "5"), so the peak below
    // is what the import adds on top of the DER the terminal has already received.
    std::ofstream("/proc/self/clear_refs") << "5";
    const long before = statusKb("VmHWM:");
    RevocationState revocation;
    std::size_t imported = 0;
    const auto start = std::chrono::steady_clock::now();
    if (withOpenssl) {
        // What a program built on OpenSSL does with a received CRL before its first check:
        // parse it, verify its signature with the issuer's key, and one lookup (OpenSSL sorts
        // the entries then; our import sorts too).
        X509_CRL* crl = crlFromDer(der);
        EVP_PKEY* issuerKey = X509_get0_pubkey(pki.issuing.native());
        if (X509_CRL_verify(crl, issuerKey) != 1) throw std::runtime_error("X509_CRL_verify failed");
        X509_REVOKED* found = nullptr;
        X509_CRL_get0_by_serial(crl, &found, X509_get0_serialNumber(pki.card.native()));
        if (found != nullptr) throw std::runtime_error("the card is listed");
        imported = static_cast<std::size_t>(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)));
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        const long after = statusKb("VmHWM:");
        std::printf("%.3f %ld %ld %zu %zu\n", took.count(), before, after, imported, der.size());
        X509_CRL_free(crl);
        return 0;
    }
    imported = revocation.importCrl(trust, ByteView(der)).size();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const long after = statusKb("VmHWM:");
    std::printf("%.3f %ld %ld %zu %zu\n", took.count(), before, after, imported, der.size());
    return 0;
}

struct ImportFigures {
    double seconds = 0;
    long hwmBeforeKb = 0, hwmAfterKb = 0;
    std::size_t entries = 0, derBytes = 0;
};

ImportFigures runImportChild(const std::filesystem::path& cacheDir, std::size_t entries, bool withOpenssl) {
    const std::string command = "\"/proc/" + std::to_string(::getpid()) + "/exe\" " +
                                (withOpenssl ? "--import-child-openssl \"" : "--import-child \"") +
                                cacheDir.string() + "\" " + std::to_string(entries);
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed");
    ImportFigures figures;
    const int got = std::fscanf(pipe, "%lf %ld %ld %zu %zu", &figures.seconds, &figures.hwmBeforeKb,
                                &figures.hwmAfterKb, &figures.entries, &figures.derBytes);
    if (::pclose(pipe) != 0 || got != 5) throw std::runtime_error("the import child failed");
    return figures;
}

// Three imports in fresh processes; returns the fastest.
ImportFigures bestOfThreeImports(const std::filesystem::path& cacheDir, bool withOpenssl) {
    std::printf("\nImporting a %zu-entry CRL (%s, in a fresh process):\n", importSize,
                withOpenssl ? "OpenSSL d2i_X509_CRL + X509_CRL_verify + first lookup"
                            : "RevocationState::importCrl from DER");
    ImportFigures best;
    for (int run = 0; run < 3; ++run) {
        const ImportFigures figures = runImportChild(cacheDir, importSize, withOpenssl);
        std::printf("  run %d: %.3f s, resident %ld kB before (DER of %zu bytes read) -> peak %ld kB (+%ld kB), %zu entries\n",
                    run + 1, figures.seconds, figures.hwmBeforeKb, figures.derBytes, figures.hwmAfterKb,
                    figures.hwmAfterKb - figures.hwmBeforeKb, figures.entries);
        if (run == 0 || figures.seconds < best.seconds) best = figures;
    }
    return best;
}

// Everything bench/run needs, as JSON (times in microseconds, memory in kB).
void writeSummary(const std::string& path, const RecordingReporter& reporter, const ImportFigures& ours,
                  const ImportFigures& theirs) {
    std::FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr) throw std::runtime_error("cannot write " + path);
    const auto times = [&](const char* name, const std::map<std::string, double>& microseconds) {
        std::fprintf(out, "  \"%s\": {", name);
        const char* separator = "";
        for (const auto& [benchmark, us] : microseconds) {
            std::fprintf(out, "%s\n    \"%s\": %.3f", separator, benchmark.c_str(), us);
            separator = ",";
        }
        std::fprintf(out, "\n  },\n");
    };
    std::fprintf(out, "{\n");
    times("per_check_us", reporter.microseconds);
    times("per_check_cpu_us", reporter.cpuMicroseconds);
    const auto import = [&](const char* name, const ImportFigures& figures, const char* end) {
        std::fprintf(out, "  \"%s\": {\"seconds\": %.4f, \"rss_before_kb\": %ld, \"rss_peak_kb\": %ld, \"entries\": %zu, \"der_bytes\": %zu}%s\n",
                     name, figures.seconds, figures.hwmBeforeKb, figures.hwmAfterKb, figures.entries, figures.derBytes, end);
    };
    import("import_ours", ours, ",");
    import("import_openssl", theirs, "");
    std::fprintf(out, "}\n");
    std::fclose(out);
}

} // namespace

// valgrind --tool=callgrind --toggle-collect=fmc_bench_measured_checks counts only this call:
// `count` tap decisions, after the set-up and one warm-up decision ran uncounted.
extern "C" [[gnu::noinline]] int fmc_bench_measured_checks(const std::function<std::string()>* check, int count) {
    int failures = 0;
    for (int i = 0; i < count; ++i) failures += (*check)().empty() ? 0 : 1;
    return failures;
}

namespace {

int callgrindMode(const std::filesystem::path& cacheDir, const std::string& which, std::size_t entries, int count) {
    const bench::BenchPki pki = bench::BenchPki::loadOrCreate(cacheDir);
    std::function<std::string()> check;
    std::unique_ptr<OurCheck> ourCheck;
    std::unique_ptr<OpensslCheck> opensslCheck;
    if (which == "ours") {
        ourCheck = std::make_unique<OurCheck>(pki, entries);
        check = [&] { return (*ourCheck)(); };
    } else if (which == "openssl") {
        opensslCheck = std::make_unique<OpensslCheck>(pki, entries);
        check = [&] { return (*opensslCheck)(); };
    } else {
        std::fprintf(stderr, "fmc-bench-verifier: --callgrind ours|openssl ENTRIES COUNT\n");
        return 64;
    }
    const std::string warmUp = check();
    if (!warmUp.empty()) throw std::runtime_error(warmUp);
    const int failures = fmc_bench_measured_checks(&check, count);
    std::printf("%d checks, %d failed\n", count, failures);
    return failures == 0 ? 0 : 1;
}

// Takes "--summary-json FILE" out of the arguments (Google Benchmark refuses unknown flags).
std::string takeSummaryPath(int& argc, char** argv) {
    std::string path;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--summary-json") {
            path = argv[i + 1];
            for (int j = i; j + 2 <= argc; ++j) argv[j] = argv[j + 2];
            argc -= 2;
            break;
        }
    return path;
}

} // namespace

int main(int argc, char** argv) {
    const std::filesystem::path exe = std::filesystem::canonical("/proc/self/exe");
    // <build>/bin/fmc-bench-verifier caches in <build>/bench-cache.
    const std::filesystem::path cacheDir = exe.parent_path().parent_path() / "bench-cache";
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (argc == 4 && (mode == "--import-child" || mode == "--import-child-openssl"))
            return importChild(argv[2], std::stoul(argv[3]), mode == "--import-child-openssl");
        if (argc == 5 && mode == "--callgrind") return callgrindMode(cacheDir, argv[2], std::stoul(argv[3]), std::stoi(argv[4]));
        const std::string summaryPath = takeSummaryPath(argc, argv);
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

        const ImportFigures best = bestOfThreeImports(cacheDir, false);
        const ImportFigures bestOpenssl = bestOfThreeImports(cacheDir, true);

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
        std::printf("OpenSSL import: best %.3f s, peak resident %.1f MB (%.1f MB above the DER)\n", bestOpenssl.seconds,
                    static_cast<double>(bestOpenssl.hwmAfterKb) / 1024.0,
                    static_cast<double>(bestOpenssl.hwmAfterKb - bestOpenssl.hwmBeforeKb) / 1024.0);
        std::printf("goals: <= 1000 us per check at 1M and >= 50x OpenSSL; import <= 1.5 s and <= 150 MB\n");
        if (!summaryPath.empty()) writeSummary(summaryPath, reporter, best, bestOpenssl);
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fmc-bench-verifier: %s\n", error.what());
        return 2;
    }
}
