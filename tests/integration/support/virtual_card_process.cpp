#include "integration/support/virtual_card_process.hpp"

#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_error.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fmc::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::filesystem::path makeTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fmc-vcard-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

} // namespace

std::filesystem::path programPath(const std::string& program) {
    const char* binDir = std::getenv("FMC_BIN_DIR");
    if (!binDir || !*binDir) throw std::runtime_error("FMC_BIN_DIR is not set (run the tests through ctest)");
    std::filesystem::path path = std::filesystem::path(binDir) / program;
    if (!std::filesystem::exists(path)) throw std::runtime_error(path.string() + " does not exist (build it first)");
    return path;
}

std::string VirtualCardProcess::readerNameForPort(int port) {
    return port == 35964 ? "Virtual PCD 00 01" : "Virtual PCD 00 00";
}

VirtualCardProcess::VirtualCardProcess(VirtualCardOptions options) : options_(std::move(options)) {
    tempDir_ = makeTempDir();
    stateFile_ = options_.stateFile.empty() ? tempDir_ / "card.state" : options_.stateFile;
    logFile_ = tempDir_ / "fmc-vcard.log";
    start();
}

VirtualCardProcess::~VirtualCardProcess() {
    try {
        stop();
    } catch (...) {
        // A destructor must not throw; the next test's own checks will notice a stuck reader.
    }
    std::error_code ignored;
    std::filesystem::remove_all(tempDir_, ignored);
}

std::string VirtualCardProcess::readerName() const { return readerNameForPort(options_.port); }

void VirtualCardProcess::spawn() {
    std::vector<std::string> args{programPath("fmc-vcard").string(), "--state", stateFile_.string(),
                                  "--port", std::to_string(options_.port)};
    if (options_.contactless) args.emplace_back("--contactless");
    if (!options_.uidHex.empty()) args.insert(args.end(), {"--uid", options_.uidHex});
    if (options_.removeAfter != 0) args.insert(args.end(), {"--remove-after", std::to_string(options_.removeAfter)});
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    const int logFd = ::open(logFile_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logFd < 0) throw std::runtime_error("cannot open " + logFile_.string());
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(logFd);
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::dup2(logFd, STDOUT_FILENO);
        ::dup2(logFd, STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(logFd);
    pid_ = pid;
}

void VirtualCardProcess::start() {
    if (running()) return;
    spawn();
    card::pcsc::PcscContext context;
    const auto deadline = Clock::now() + options_.insertTimeout;
    // Wait in short slices so that a card process that dies (vpcd busy, bad option) is
    // reported at once with its log instead of after the whole timeout.
    while (true) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("fmc-vcard exited before the card appeared in '" + readerName() +
                                     "'; its log:\n" + log());
        }
        try {
            const auto state = context.waitForCard(readerName(), std::chrono::milliseconds(200));
            if (state.name == readerName()) return;
        } catch (const card::pcsc::NoCardError&) {
        } catch (const card::pcsc::NoReaderError&) {
        }
        if (Clock::now() > deadline) {
            kill();
            throw std::runtime_error("the card did not appear in '" + readerName() + "' within " +
                                     std::to_string(options_.insertTimeout.count()) + " ms; fmc-vcard log:\n" + log());
        }
    }
}

void VirtualCardProcess::reap(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t result = ::waitpid(pid_, &status, WNOHANG);
        if (result == pid_ || result < 0) break;
        if (Clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

void VirtualCardProcess::waitForReaderEmpty() {
    card::pcsc::PcscContext context;
    context.waitForRemoval(readerName(), std::chrono::milliseconds(5000));
}

void VirtualCardProcess::stop() {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    reap(std::chrono::milliseconds(5000));
    waitForReaderEmpty();
}

void VirtualCardProcess::kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    reap(std::chrono::milliseconds(5000));
    waitForReaderEmpty();
}

void VirtualCardProcess::restart() {
    stop();
    start();
}

int VirtualCardProcess::waitForExit(std::chrono::milliseconds timeout) {
    if (!running()) throw std::runtime_error("fmc-vcard is not running");
    const auto deadline = Clock::now() + timeout;
    while (true) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (Clock::now() > deadline) throw std::runtime_error("fmc-vcard did not exit; log:\n" + log());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string VirtualCardProcess::log() const {
    std::ifstream in(logFile_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace fmc::testing
