#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs; installs only what is missing, so a
# second run changes nothing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  # build
  g++ cmake make pkg-config
  # libraries
  libpcsclite-dev libssl-dev libsqlite3-dev libboost-program-options-dev
  nlohmann-json3-dev zlib1g-dev catch2 libcpp-httplib-dev
  # the NFC tag credential (CWT / COSE_Sign1)
  libcbor-dev
  # the smart-card stack and the real middleware the tests drive
  pcscd vsmartcard-vpcd opensc yubico-piv-tool pcsc-tools openssl
  # the PKCS#11 key store: libp11 and its OpenSSL engine, SoftHSM2 for the tests
  libp11-dev libengine-pkcs11-openssl libp11-kit-dev softhsm2
  # used by the scripts and tests
  procps iproute2 xxd python3 jq curl
  # the station's fault-injection test kills fmc-issue at chosen writes
  strace
  # the kiosk: fonts for Arabic and Chinese; its browser tests: headless Chromium (driven by
  # npm's playwright-core)
  fonts-noto-core fonts-noto-cjk chromium
  # fuzz/ (FMC_FUZZ=ON): clang with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # bench/ (FMC_BUILD_BENCHMARKS=ON)
  libbenchmark-dev
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$package")
done
# Node.js with npm, for playwright-core: any node that brings npm will do (some images carry
# a nodejs package that includes npm and conflicts with Debian's separate npm package).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "Installing Debian packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
