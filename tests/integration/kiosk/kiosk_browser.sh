#!/bin/bash
# The merchant kiosk (issue 6) in a real browser: Debian's chromium driven by npm's
# playwright-core (kiosk.mjs) against `fmc-terminal kiosk` with virtual cards on pcscd.
# This script issues the cards (French, Arabic and a revoked one), sets up the terminal,
# starts the kiosk with a short idle time and runs the browser script, which inserts and
# removes the cards itself (fmc-vcard on the saved card states) so that it can time them.
# Screenshots of every state go to $FMC_KIOSK_SCREENSHOTS (default: <build>/kiosk-screenshots).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"

for tool in node npm curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
chromium=${FMC_CHROMIUM:-}
# The real binary starts faster than Debian's /usr/bin/chromium wrapper script.
[ -z "$chromium" ] && for c in /usr/lib/chromium/chromium /usr/bin/chromium; do [ -x "$c" ] && { chromium=$c; break; }; done
[ -n "$chromium" ] || { echo "FAIL: chromium is not installed (apt-get install --no-install-recommends chromium)" >&2; exit 1; }

# playwright-core only (no browser download), at the version package-lock.json pins.
if [ ! -d "$here/node_modules/playwright-core" ]; then
    if [ -f "$here/package-lock.json" ]; then
        (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
    else
        (cd "$here" && npm install --no-audit --no-fund --loglevel=error) >&2
    fi || { echo "FAIL: npm could not install playwright-core" >&2; exit 1; }
fi

work=$(mktemp -d)
kiosk_pid=""
stop_kiosk() { [ -n "$kiosk_pid" ] && { kill "$kiosk_pid" 2>/dev/null; wait "$kiosk_pid" 2>/dev/null; kiosk_pid=""; }; }
trap 'stop_kiosk; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT

export FMC_HOME=$work/station FMC_OPERATOR=kiosk-test FMC_KEY_PASSPHRASE=kiosk-test-passphrase
export FMC_TERMINAL_HOME=$work/terminal
issue=$FMC_BIN_DIR/fmc-issue terminal=$FMC_BIN_DIR/fmc-terminal

expect_exit 0 "fmc-issue init" -- "$issue" init --authority "Yiwu PSB" --json
# The names are what the removal check looks for in the page afterwards.
fr_name="Moussa Diallo" ar_name="Karim Haddad" ar_native="كريم حداد" rv_name="Olga Petrova"
fr_pin=24681357 ar_pin=97531864 rv_pin=13572468
expect_exit 0 "merchant add (fr)" -- "$issue" merchant add --name "$fr_name" --nationality SEN \
    --document SN-K1 --language fr --entitlement trade.licensing library --json
expect_exit 0 "merchant add (ar)" -- "$issue" merchant add --name "$ar_name" --native-name "$ar_native" \
    --nationality MAR --document MA-K2 --language ar --entitlement library transport --json
expect_exit 0 "merchant add (revoked one)" -- "$issue" merchant add --name "$rv_name" --nationality RUS \
    --document RU-K3 --language fr --entitlement trade.licensing --json

# Each card is issued on a factory card in the contact reader; its state file stays in
# $vcard_dir for the browser script to insert again.
issue_card() { # NAME MERCHANT PIN
    start_vcard 35963 "$1" --quiet
    expect_exit 0 "card issue for merchant $2 ($1)" -- \
        "$issue" card issue --merchant "$2" --reader "PCD 00 00" --pin-stdin --json <<<"$3"
    cleanup_vcards
}
issue_card fr 1 "$fr_pin"
issue_card ar 2 "$ar_pin"
issue_card rv 3 "$rv_pin"
rv_serial=$("$issue" card list --merchant 3 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["serial"])')
expect_exit 0 "card revoke $rv_serial" -- "$issue" card revoke "$rv_serial" --reason stolen

expect_exit 0 "trust export" -- "$issue" trust export --out "$work/trust.pem"
expect_exit 0 "crl publish" -- "$issue" crl publish --out "$work/crl.der"
expect_exit 0 "terminal setup" -- "$terminal" setup --trust "$work/trust.pem"
expect_exit 0 "terminal crl import (ARL)" -- "$terminal" crl import "$FMC_HOME/arl.der"
expect_exit 0 "terminal crl import (CRL)" -- "$terminal" crl import "$work/crl.der"
[ "$failures" -eq 0 ] || { echo "setup failed; no browser run" >&2; finish; }

# The kiosk on a free loopback port, only the contact reader, back to welcome after 8 s idle.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
idle=8
"$terminal" kiosk --listen "127.0.0.1:$port" --reader "PCD 00 00" --idle "$idle" 2>"$work/kiosk.log" &
kiosk_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/state" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/api/state" >/dev/null && pass "kiosk serves on 127.0.0.1:$port" ||
    { fail "kiosk did not answer on 127.0.0.1:$port"; cat "$work/kiosk.log" >&2; finish; }

shots=${FMC_KIOSK_SCREENSHOTS:-$FMC_BIN_DIR/../kiosk-screenshots}
mkdir -p "$shots" && shots=$(cd "$shots" && pwd)
echo "screenshots: $shots"

# The browser script prints its own ok/FAIL lines; its failures count as ours.
KIOSK_URL="http://127.0.0.1:$port/" KIOSK_IDLE=$idle KIOSK_SCREENSHOTS=$shots CHROMIUM=$chromium \
KIOSK_READER="Virtual PCD 00 00" KIOSK_VCARD_PORT=35963 VCARD_DIR=$vcard_dir \
FR_NAME=$fr_name FR_PIN=$fr_pin AR_NAME=$ar_name AR_NATIVE=$ar_native RV_NAME=$rv_name \
    node "$here/kiosk.mjs"
browser_failures=$?
[ "$browser_failures" -eq 0 ] || failures=$((failures + browser_failures))

stop_kiosk
# No PIN in the kiosk's log (it never logs one).
grep -q -e "$fr_pin" -e 11111111 "$work/kiosk.log" && fail "a PIN appears in the kiosk's log" || pass "no PIN in the kiosk's log"
[ "$failures" -eq 0 ] || { echo "--- kiosk log ---" >&2; cat "$work/kiosk.log" >&2; }
finish
