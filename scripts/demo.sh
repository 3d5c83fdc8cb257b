#!/usr/bin/env bash
# The main job, end to end on virtual cards: installs what it needs, builds, starts pcscd and
# two virtual PIV cards (a contact card in "Virtual PCD 00 00", a contactless one in
# "Virtual PCD 00 01"), shows them through the project's own PC/SC layer, then runs the
# issuance station: creates a station, enrolls a merchant, issues the contact card, refuses
# the contactless one, sets up a terminal, decides offline for the card (granted, not entitled,
# tapped contactless), revokes it, publishes the CRL folder (complete CRL, delta CRL, signed
# index), lets the terminal sync the delta over HTTP from a static web server, and shows the denial.
# Last, an NFC sticker (a virtual NTAG216): a low-assurance credential bound to its UID, accepted
# at the library, refused where a service asks for a PIV card.
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
rm -rf "$demo"
mkdir -p "$demo"
vcard_pids=()
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
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

# The station's keys are encrypted files; a real station types the passphrase at a prompt.
export FMC_HOME=$demo/station FMC_OPERATOR="officer.wang" FMC_KEY_PASSPHRASE="demo passphrase, not for production"
# Shows each command as typed (arguments with spaces in quotes), then runs it.
issue() {
  local shown="" arg
  for arg in "$@"; do case "$arg" in *" "*) shown+=" '$arg'" ;; *) shown+=" $arg" ;; esac; done
  echo "\$ fmc-issue$shown"
  "$bin/fmc-issue" "$@"
}

step "Creating the issuance station: root CA, issuing CA, station secret, registry"
issue init --authority "Yiwu Public Security Bureau" --station-name "Yiwu ITSC issuance station 1"
issue trust export --out "$demo/trust.pem"

step "Enrolling a merchant"
merchant=$("$bin/fmc-issue" merchant add --name "Amina Bello" --nationality NGA --document A07731942 \
  --business-reg YW-2026-0412 --language fr --entitlement trade.licensing mediation library transport --json |
  sed -n 's/.*"id":\([0-9]*\).*/\1/p')
issue merchant show "$merchant"

step "Issuing the contact card: key made on the card, certificate signed, written, read back, tested"
issue card issue --merchant "$merchant" --reader "PCD 00 00"

step "A card on the contactless reader is refused before anything changes (PIV forbids it)"
issue card issue --merchant "$merchant" --reader "PCD 00 01" || echo "(exit code $?)"

step "The station publishes its revocation folder; a service point is set up and syncs it from a USB stick"
issue crl publish --dir "$demo/published"
export FMC_TERMINAL_HOME=$demo/terminal
terminal() {
  local shown="" arg
  for arg in "$@"; do case "$arg" in *" "*) shown+=" '$arg'" ;; *) shown+=" $arg" ;; esac; done
  echo "\$ fmc-terminal$shown"
  "$bin/fmc-terminal" "$@"
}
terminal setup --trust "$demo/trust.pem"
terminal crl sync --dir "$demo/published"

step "The merchant inserts the card at the International Trade Service Centre: offline decisions"
terminal check --service trade.licensing --reader "PCD 00 00"
terminal check --service health.clinic --reader "PCD 00 00" || echo "(exit code $?: denied)"
terminal check --service trade.licensing --reader "PCD 00 00" --json

step "The same card tapped on a bus reader (contactless)"
kill "${vcard_pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
vcard_pids=()
# pcscd notices a card leaving within about half a second; wait for that before the next one.
for _ in $(seq 1 50); do
  "$bin/fmc-terminal" readers --reader "PCD 00 01" --require-card >/dev/null 2>&1 || break
  sleep 0.1
done
"$bin/fmc-vcard" --state "$demo/contact-card.state" --port 35964 --contactless --quiet &
vcard_pids+=($!)
terminal check --service transport.bus --reader "PCD 00 01" --wait 5

step "The card is reported lost: revoked at the station; the terminal syncs the delta CRL over HTTP"
serial=$("$bin/fmc-issue" card list --json | sed -n 's/.*"serial":"\([0-9A-F]*\)".*/\1/p' | head -1)
issue card revoke "$serial" --reason lost
issue crl publish --dir "$demo/published"
# Any static web server will do (nginx, a CDN); here Python's, on the loopback only.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$demo/published" >"$demo/http.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
terminal crl sync "http://127.0.0.1:$port"
terminal check --service transport.bus --reader "PCD 00 01" || echo "(exit code $?: denied)"

step "An NFC sticker (NTAG216) for the library: a signed credential bound to its UID, low assurance"
kill "${vcard_pids[@]}" 2>/dev/null || true
wait "${vcard_pids[@]}" 2>/dev/null || true
vcard_pids=()
for _ in $(seq 1 50); do
  "$bin/fmc-terminal" readers --reader "PCD 00 01" --require-card >/dev/null 2>&1 || break
  sleep 0.1
done
"$bin/fmc-vcard" --ntag216 --uid 04A1B2C3D4E5F6 --state "$demo/sticker.state" --port 35964 --quiet &
vcard_pids+=($!)
"$bin/fmc-terminal" readers --reader "PCD 00 01" --wait 5 >/dev/null
issue tag issue --merchant "$merchant" --reader "PCD 00 01"
terminal readers --reader "PCD 00 01"
terminal check --service library --reader "PCD 00 01"
terminal check --service transport.bus --reader "PCD 00 01" || echo "(exit code $?: a tag is low assurance; the bus asks for a PIV card)"

step "The tap log (no names) and the station's audit log"
terminal log export
issue audit verify

printf '\nDone: a card issued, verified offline (granted, not entitled, contactless), revoked and refused;\n'
printf 'an NFC sticker issued and accepted at low assurance where the service allows it.\n'
