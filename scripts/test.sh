#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, and runs every test with ctest:
#  1. the project built with g++ under AddressSanitizer + UndefinedBehaviorSanitizer
#     (-fno-sanitize-recover=all: any report fails its test), every unit and real-stack test
#     (pcscd + vpcd + fmc-vcard, OpenSC, yubico-piv-tool, SoftHSM2, Chromium);
#  2. every libFuzzer target (clang 14) run from its seeds for FMC_FUZZ_SECONDS (30) each.
#   bash scripts/test.sh                      # as CI runs it (build-asan/ and build-fuzz/)
#   FMC_SANITIZE=OFF bash scripts/test.sh     # the suite without sanitizers, in build-test/
#   FMC_FUZZ=OFF bash scripts/test.sh         # without the fuzz runs
# In CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

sanitize=${FMC_SANITIZE:-ON}
fuzz=${FMC_FUZZ:-ON}
build_dir=build-test
[ "$sanitize" = ON ] && build_dir=build-asan
werror=OFF
[ "${CI:-}" = true ] && werror=ON
sanitized_flags="-O1 -g1 -DNDEBUG"

if [ "$fuzz" = ON ]; then
    # Only the libraries and the fuzz targets; clang instruments them for coverage.
    CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DFMC_FUZZ=ON -DFMC_BUILD_TESTS=OFF \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitized_flags" \
        -DFMC_WERROR="$werror" -DFMC_FUZZ_SECONDS="${FMC_FUZZ_SECONDS:-30}" >/dev/null
    cmake --build build-fuzz --target fmc_fuzz_targets -j"$(nproc)"
fi
sanitized_build=()
# Sanitized builds at -O1 with line tables only (what sanitizer reports need): the sanitizers'
# usual level, and half the compile time of -O2 -g on 2 cores.
[ "$sanitize" = ON ] && sanitized_build=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitized_flags")
cmake -S . -B "$build_dir" -DFMC_WERROR="$werror" -DFMC_SANITIZE="$sanitize" "${sanitized_build[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

# Unit tests run in parallel; the real-stack tests share pcscd and hold one resource lock.
# The fuzz runs go beside them, one at a time on one core (the real-stack tests mostly wait on
# card I/O), and report afterwards.
status=0
fuzz_pid=""
if [ "$fuzz" = ON ]; then
    (cd build-fuzz && ctest --output-on-failure -j1 --timeout $((${FMC_FUZZ_SECONDS:-30} + 120)) \
        >Testing-fuzz.log 2>&1) &
    fuzz_pid=$!
fi
(cd "$build_dir" && ctest --output-on-failure -j"$(nproc)" --timeout 300) || status=1
if [ -n "$fuzz_pid" ]; then
    wait "$fuzz_pid" || status=1
    cat build-fuzz/Testing-fuzz.log
    # One line per target: executions, coverage, crashes.
    grep -h '^[a-z_]*_fuzz: ' build-fuzz/Testing/Temporary/LastTest.log || true
fi
exit $status
