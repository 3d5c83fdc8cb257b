#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, and runs every test with ctest,
# including the real-stack tests (pcscd + vpcd + fmc-vcard, OpenSC, yubico-piv-tool).
#   bash scripts/test.sh                 # build in build-test/
#   FMC_SANITIZE=ON bash scripts/test.sh # the same under ASan + UBSan, in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

sanitize=${FMC_SANITIZE:-OFF}
build_dir=build-test
[ "$sanitize" = ON ] && build_dir=build-asan
werror=OFF
[ "${CI:-}" = true ] && werror=ON

cmake -S . -B "$build_dir" -DFMC_WERROR="$werror" -DFMC_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
cd "$build_dir"
# Unit tests run in parallel; the real-stack tests share pcscd and hold one resource lock.
ctest --output-on-failure -j"$(nproc)" --timeout 300
