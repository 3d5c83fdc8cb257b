#!/usr/bin/env bash
# The main job, end to end on virtual cards: installs what it needs, builds, starts pcscd and
# two virtual PIV cards (a contact card in "Virtual PCD 00 00", a contactless one in
# "Virtual PCD 00 01"), and shows them through the project's own PC/SC layer.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n== %s\n' "$*"; }

step "Installing Debian packages (only those missing)"
bash scripts/install-deps.sh

step "Building (build/)"
cmake -S . -B build -DFMC_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target fmc-vcard fmc-terminal fmc-issue >/dev/null
bin=$root/build/bin

demo=$root/build/demo
mkdir -p "$demo"
vcard_pids=()
cleanup() {
  for pid in "${vcard_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  sh tests/fixtures/stop_pcscd.sh "$demo/pcscd-started" >/dev/null || true
}
trap cleanup EXIT

step "Starting pcscd with the vpcd reader driver"
sh tests/fixtures/start_pcscd.sh "$demo/pcscd-started"

step "Inserting two virtual PIV cards (state kept in $demo)"
"$bin/fmc-vcard" --state "$demo/contact-card.state" --port 35963 --quiet &
vcard_pids+=($!)
"$bin/fmc-vcard" --state "$demo/contactless-card.state" --port 35964 --contactless --quiet &
vcard_pids+=($!)
for _ in $(seq 1 50); do
  present=$("$bin/fmc-terminal" readers --json 2>/dev/null | grep -o '"card_present": *true' | wc -l || true)
  [ "$present" -ge 2 ] && break
  sleep 0.2
done

step "fmc-terminal readers: every reader and its card, through our PC/SC layer"
"$bin/fmc-terminal" readers

step "The same as JSON, for integration"
"$bin/fmc-terminal" readers --json

printf '\nDone. Next issues turn this into the full issue-and-verify demo.\n'
