// StationLock (issuance/station_lock.hpp): one card operation at a time per station folder.
// flock(2) locks belong to the open file description, so a second open+flock conflicts even
// within one process; across processes the kernel drops the lock when the holder dies.
#include "issuance/station_lock.hpp"

#include "issuance/station.hpp"
#include "unit/pki_test_support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <functional>
#include <optional>
#include <sys/wait.h>
#include <unistd.h>

using fmc::crypto::pki::testing::TempDir;
using fmc::issuance::StationBusyError;
using fmc::issuance::StationError;
using fmc::issuance::StationLock;

namespace {

// Runs `child` in a forked process and returns its exit status (the child never returns to
// Catch: it reports through _exit).
int inChild(const std::function<int()>& child) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int code = 99;
        try {
            code = child();
        } catch (...) {
            code = 98;
        }
        ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

// 0: got the lock, 1: busy, 2: another StationError.
int tryLock(const std::filesystem::path& file) {
    try {
        const StationLock lock(file);
        return 0;
    } catch (const StationBusyError&) {
        return 1;
    } catch (const StationError&) {
        return 2;
    }
}

} // namespace

TEST_CASE("a second lock on the same file in the same process is refused as busy", "[issuance][lock]") {
    const TempDir dir;
    const auto file = dir.path() / "issuance.lock";
    std::optional<StationLock> first;
    first.emplace(file);
    CHECK(std::filesystem::exists(file));
    CHECK(tryLock(file) == 1);
    CHECK_THROWS_AS(StationLock(file), StationBusyError);
    first.reset();
    // Released on destruction: the next one gets it, and so does the one after.
    CHECK(tryLock(file) == 0);
    CHECK(tryLock(file) == 0);
}

TEST_CASE("another process is refused while the lock is held, and gets it afterwards", "[issuance][lock]") {
    const TempDir dir;
    const auto file = dir.path() / "issuance.lock";
    {
        const StationLock held(file);
        CHECK(inChild([&] { return tryLock(file); }) == 1);
    }
    CHECK(inChild([&] { return tryLock(file); }) == 0);
}

TEST_CASE("the lock dies with its holder, even by SIGKILL", "[issuance][lock]") {
    const TempDir dir;
    const auto file = dir.path() / "issuance.lock";
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
        ::close(ready[0]);
        try {
            const StationLock lock(file);
            const char byte = 'L';
            (void)!::write(ready[1], &byte, 1);
            for (;;) ::pause();
        } catch (...) {
            ::_exit(98);
        }
    }
    ::close(ready[1]);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    CHECK(tryLock(file) == 1);
    ::kill(holder, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(holder, &status, 0) == holder);
    CHECK(WIFSIGNALED(status));
    CHECK(tryLock(file) == 0);
}

TEST_CASE("a lock file that cannot be created is a StationError, not busy", "[issuance][lock]") {
    const TempDir dir;
    CHECK(tryLock(dir.path() / "no-such-folder" / "issuance.lock") == 2);
}
