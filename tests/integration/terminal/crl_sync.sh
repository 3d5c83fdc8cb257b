#!/bin/bash
# `fmc-terminal crl sync` against what `fmc-issue crl publish --dir` writes: from a folder (a
# USB stick) and over HTTP (tests/integration/terminal/crl_test_server.py), complete CRL first,
# then deltas stacking, an up-to-date round fetching only the index; then every refusal (a
# truncated file, an index older than held, another key with the same names, garbage) is 65
# and every unreachable source (hang after accept, hang mid-body, 404, closed port) is 75
# within the timeout, each with one line on stderr and the lists held unchanged; `--every`
# runs rounds until SIGTERM and exits 0. No card, no pcscd.
. "$(dirname "$0")/../cli/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

for tool in python3 jq sha256sum; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

export FMC_OPERATOR=tester FMC_KEY_PASSPHRASE=sync-test-passphrase FMC_TERMINAL_HOME=$work/terminal
issue() { "$FMC_BIN_DIR/fmc-issue" "$@"; }
terminal() { "$FMC_BIN_DIR/fmc-terminal" "$@"; }

# start_server MODE [FOLDER]: the test server in the background; sets $url and $requests.
start_server() {
    stop_server
    rm -f "$work/port"
    requests=$work/requests-$1.log
    python3 "$here/crl_test_server.py" "$1" "$work/port" ${2:+"$2"} >>"$requests" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    url="http://127.0.0.1:$(cat "$work/port")"
}
held() { (cd "$work/terminal/crls" && sha256sum -- * | sort); }
publish() { FMC_HOME=$work/station issue crl publish --dir "$work/pub" >/dev/null || fail "crl publish --dir"; }

FMC_HOME=$work/station issue init --authority "Sync PSB" >/dev/null || { fail "fmc-issue init"; exit 1; }
FMC_HOME=$work/station issue trust export --out "$work/trust.pem" >/dev/null
terminal setup --trust "$work/trust.pem" >/dev/null || { fail "terminal setup"; exit 1; }
publish
ski=$(ls "$work/pub")
cp -r "$work/pub" "$work/pub-first"

# --- From a folder: the complete CRL and the root's ARL.
expect_exit 0 "sync from a folder (USB stick)" -- terminal crl sync --dir "$work/pub" --json
[ "$(jq -r '.lists[0].applied' <<<"$out")" = full ] && pass "the complete CRL came" || fail "applied: $out"
[ "$(jq -r '.lists[1].kind + " " + .lists[1].applied' <<<"$out")" = "arl full" ] && pass "and the ARL" || fail "ARL: $out"
jq -e '.lists[0].age_hours >= 0 and .lists[0].age_hours < 1 and (.lists[0].next_update | length) == 20' <<<"$out" >/dev/null &&
    pass "the list's age and next update are reported" || fail "age: $out"

# --- Over HTTP: a delta, then another stacked on it, then only the index.
publish
start_server static "$work/pub"
expect_exit 0 "sync over http" -- terminal crl sync "$url" --json
[ "$(jq -r '.lists[0].applied' <<<"$out")" = delta ] && pass "the delta came" || fail "applied: $out"
publish
expect_exit 0 "sync the next publish" -- terminal crl sync "$url" --json
jq -e '.lists[0].applied == "delta" and .lists[0].crl_number > .lists[0].complete_crl_number' <<<"$out" >/dev/null &&
    pass "a second delta on the same complete CRL" || fail "chain: $out"
[ "$(ls "$work/terminal/crls" | grep -c '\.delta-')" -eq 2 ] && pass "two deltas stored" || fail "stored: $(ls "$work/terminal/crls")"
: >"$requests"
expect_exit 0 "sync again" -- terminal crl sync "$url"
expect_contains "$out" "up to date" "nothing new: up to date"
expect_contains "$out" " h old" "the text line reports the age"
[ "$(sort -u "$requests")" = "/$ski/index.cms" ] && pass "only the index was fetched" || fail "fetched: $(cat "$requests")"
stop_server

# --- Refusals (65): the lists held stay exactly as they are.
publish
before=$(held)
refused() {  # refused DESCRIPTION NEEDLE -- COMMAND...
    local what=$1 needle=$2
    shift 2
    expect_exit 65 "$what" "$@"
    expect_contains "$err" "$needle" "$what: the message says why"
    # One line per problem (a failed delta, then the complete CRL it fell back to).
    ! grep -qv '^fmc-terminal: crl sync: ' <<<"$err" && pass "$what: one line per problem" || fail "$what: stray lines: $err"
    [ "$(held)" = "$before" ] && pass "$what: the lists held are unchanged" || fail "$what: the lists held changed"
}
rm -rf "$work/bad" && cp -r "$work/pub" "$work/bad"
for file in "$work/bad/$ski"/full-*.crl "$work/bad/$ski"/delta-*.crl; do truncate -s -7 "$file"; done
refused "truncated files" "truncated" -- terminal crl sync --dir "$work/bad"
refused "an index older than held" "older than the CRL" -- terminal crl sync --dir "$work/pub-first"
# Another station with the same names (its own keys) publishes into this CA's folder.
FMC_HOME=$work/forger issue init --authority "Sync PSB" >/dev/null || fail "second station init"
FMC_HOME=$work/forger issue crl publish --dir "$work/forged" >/dev/null || fail "second station publish"
mkdir -p "$work/forged-here" && mv "$work/forged"/* "$work/forged-here/$ski"
refused "an index signed by another key with the same names" "index.cms" -- terminal crl sync --dir "$work/forged-here"
start_server garbage
refused "garbage from the server" "index.cms" -- terminal crl sync "$url"

# --- Unreachable (75), within the timeout.
unreachable() {  # unreachable DESCRIPTION NEEDLE -- COMMAND...
    local what=$1 needle=$2 started=$SECONDS
    shift 2
    expect_exit 75 "$what" "$@"
    expect_contains "$err" "$needle" "$what: the message says why"
    [ $((SECONDS - started)) -le 6 ] && pass "$what: ended in $((SECONDS - started)) s" || fail "$what: took $((SECONDS - started)) s"
    [ "$(held)" = "$before" ] && pass "$what: the lists held are unchanged" || fail "$what: the lists held changed"
}
start_server hang
unreachable "a server that accepts and never answers" "no complete answer within 1 s" -- terminal crl sync "$url" --timeout 1
start_server midbody
unreachable "a server that stops mid-body" "no complete answer within 1 s" -- terminal crl sync "$url" --timeout 1
start_server notfound
unreachable "404" "not found" -- terminal crl sync "$url"
port=$(cat "$work/port")
stop_server
unreachable "a closed port" "cannot connect" -- terminal crl sync "http://127.0.0.1:$port" --timeout 2
unreachable "a missing folder" "no such folder" -- terminal crl sync --dir "$work/no-usb-stick"
expect_exit 64 "an ftp URL is a usage error" -- terminal crl sync ftp://127.0.0.1/crls

# --- After all that, the good mirror still works, and --every runs until SIGTERM.
start_server static "$work/pub"
"$FMC_BIN_DIR/fmc-terminal" crl sync "$url" --every 0.01 --json >"$work/every.out" 2>"$work/every.err" &
every_pid=$!
for _ in $(seq 100); do [ "$(wc -l <"$work/every.out")" -ge 2 ] && break; sleep 0.1; done
kill -TERM "$every_pid"
wait "$every_pid"
every_exit=$?
[ "$every_exit" -eq 0 ] && pass "--every exits 0 on SIGTERM" || fail "--every exit $every_exit: $(cat "$work/every.err")"
[ "$(wc -l <"$work/every.out")" -ge 2 ] && pass "--every ran two rounds or more" || fail "rounds: $(cat "$work/every.out")"
[ "$(head -1 "$work/every.out" | jq -r '.lists[0].applied')" = delta ] && pass "round 1 applied the delta" ||
    fail "round 1: $(head -1 "$work/every.out")"
[ "$(sed -n 2p "$work/every.out" | jq -r '.lists[0].outcome')" = up-to-date ] && pass "round 2 was up to date" ||
    fail "round 2: $(sed -n 2p "$work/every.out")"
finish
