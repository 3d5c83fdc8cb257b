#!/usr/bin/env bash
# The long fuzz run: every libFuzzer target for MINUTES (default 10) each, one per core at a time,
# building them first (clang 14, build-fuzz/). The corpus grows in fuzz-work/corpus/<target>/
# and is kept between runs; findings land in fuzz-work/artifacts/ and fail the run.
#   bash scripts/fuzz.sh [MINUTES]
# To keep an input that found new coverage as a seed, minimise it into fuzz/corpus/<name>/:
#   build-fuzz/bin/<name>_fuzz -merge=1 fuzz/corpus/<name> fuzz-work/corpus/<name>_fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
case "$minutes" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [MINUTES]" >&2; exit 64 ;; esac

bash scripts/install-deps.sh
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DFMC_FUZZ=ON -DFMC_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz --target fmc_fuzz_targets -j"$(nproc)"

seconds=$((minutes * 60))
mkdir -p fuzz-work/corpus fuzz-work/artifacts
echo "Fuzzing every target for $minutes min, $(nproc) at a time; corpus in fuzz-work/corpus/"
status=0
(cd build-fuzz && FMC_FUZZ_SECONDS=$seconds FMC_FUZZ_CORPUS=$PWD/../fuzz-work/corpus \
    FMC_FUZZ_ARTIFACTS=$PWD/../fuzz-work/artifacts \
    ctest --output-on-failure -j"$(nproc)" --timeout $((seconds + 300))) || status=1
grep -h '^[a-z_]*_fuzz: ' build-fuzz/Testing/Temporary/LastTest.log || true
exit $status
