#!/bin/bash
# `fmc-terminal crl sync` against what `fmc-issue crl publish --dir` writes: from a folder (a
# USB stick) and over HTTP (tests/integration/terminal/crl_test_server.py), complete CRL first,
# then deltas stacking, an up-to-date round fetching only the index; then every refusal (a
# truncated file, an index older than held, another key with the same names, garbage) is 65
# and every unreachable source (hang after accept, hang mid-body, 404, closed port) is 75
# within the timeout, each with one line on stderr and the lists held unchanged; `--every`
# runs rounds until SIGTERM and exits 0. Then HTTPS with a throwaway CA made here by openssl:
# with --ca-file the same lists as over HTTP; without it, or with a certificate for another
# name, 75 with one line and the lists unchanged; http:// redirected to https:// is followed,
# https:// redirected to http:// is refused (65); a bad --ca-file is 65 before any connection.
# No card, no pcscd.
. "$(dirname "$0")/../cli/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

for tool in python3 jq sha256sum openssl; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
server_pids=""
stop_server() {
    for pid in $server_pids; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    server_pids=""
}
trap 'stop_server; rm -rf "$work" "$vcard_dir"' EXIT

export FMC_OPERATOR=tester FMC_KEY_PASSPHRASE=sync-test-passphrase FMC_TERMINAL_HOME=$work/terminal
issue() { "$FMC_BIN_DIR/fmc-issue" "$@"; }
terminal() { "$FMC_BIN_DIR/fmc-terminal" "$@"; }

# start_server [--tls CERT KEY] MODE [FOLDER | BASE_URL]: the test server in the background,
# in place of any running; sets $url, $port and $requests. also_start_server keeps the others.
start_server() { stop_server; also_start_server "$@"; }
also_start_server() {
    local tls=() scheme=http
    if [ "$1" = --tls ]; then tls=("$1" "$2" "$3") scheme=https; shift 3; fi
    rm -f "$work/port"
    requests=$work/requests-$1-$scheme.log
    python3 "$here/crl_test_server.py" "${tls[@]}" "$1" "$work/port" ${2:+"$2"} >>"$requests" 2>&1 &
    server_pids="$server_pids $!"
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    port=$(cat "$work/port")
    url="$scheme://127.0.0.1:$port"
}
held() { (cd "${1:-$work/terminal}/crls" && sha256sum -- * | sort); }  # held [TERMINAL_HOME]
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
# Both deltas are against the complete CRL held (the station's base is the earliest in the
# window): the newer says everything, so the older is deleted and the chain stays one file.
[ "$(ls "$work/terminal/crls" | grep -c '\.delta-')" -eq 1 ] && pass "one delta stored: the second replaced the first" ||
    fail "stored: $(ls "$work/terminal/crls")"
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
stop_server
unreachable "a closed port" "cannot connect" -- terminal crl sync "http://127.0.0.1:$port" --timeout 2
unreachable "a missing folder" "no such folder" -- terminal crl sync --dir "$work/no-usb-stick"
expect_exit 64 "an ftp URL is a usage error" -- terminal crl sync ftp://127.0.0.1/crls
# A bad --ca-file is the operator's input (65), found before any connection: the port is closed.
expect_exit 65 "a --ca-file that does not exist" -- terminal crl sync "http://127.0.0.1:$port" --ca-file "$work/none.pem"
expect_contains "$err" "no such file" "a missing --ca-file: the message says why"
expect_one_line "$err" "a missing --ca-file: one line"
echo "not a certificate" >"$work/junk.pem"
expect_exit 65 "a --ca-file that does not load" -- terminal crl sync "http://127.0.0.1:$port" --ca-file "$work/junk.pem"
expect_contains "$err" "no PEM certificate" "an unloadable --ca-file: the message says why"
expect_one_line "$err" "an unloadable --ca-file: one line"

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
# --- HTTPS with a private CA (throwaway, made here). The server's certificate must chain to
# --ca-file (else the system CAs) and name the host asked for; one that does not is 75 (the
# source cannot be trusted yet: nothing was fetched, so nothing was refused), the lists stay.
tls=$work/tls
mkdir -p "$tls"
key_options=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${key_options[@]}" -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 2 -subj "/CN=Sync test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null || fail "openssl: the CA"
server_cert() {  # server_cert NAME COMMON_NAME SUBJECT_ALT_NAME: NAME.pem and NAME.key, issued by ca.pem
    openssl req "${key_options[@]}" -keyout "$tls/$1.key" -subj "/CN=$2" -out "$tls/$1.csr" 2>/dev/null &&
        openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 -out "$tls/$1.pem" \
            -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3") 2>/dev/null || fail "openssl: $1"
}
server_cert localhost 127.0.0.1 IP:127.0.0.1
server_cert elsewhere example.invalid DNS:example.invalid
server_cert common_name_only 127.0.0.1 DNS:example.invalid  # the host only in the subject CN
publish
before=$(held)
cp -r "$work/terminal" "$work/terminal-http"
start_server --tls "$tls/localhost.pem" "$tls/localhost.key" static "$work/pub"
https_url=$url
unreachable "https without --ca-file (the system CAs do not know this CA)" "certificate does not verify (--ca-file?)" -- \
    terminal crl sync "$https_url" --timeout 2
expect_one_line "$err" "https without --ca-file: one line"
also_start_server --tls "$tls/elsewhere.pem" "$tls/elsewhere.key" static "$work/pub"
unreachable "https to a certificate for another name" "certificate does not verify with $tls/ca.pem" -- \
    terminal crl sync "$url" --ca-file "$tls/ca.pem" --timeout 2
expect_one_line "$err" "another name: one line"
also_start_server --tls "$tls/common_name_only.pem" "$tls/common_name_only.key" static "$work/pub"
unreachable "https to a certificate naming the host only in its CN (RFC 6125: SANs decide)" \
    "certificate does not verify with $tls/ca.pem" -- terminal crl sync "$url" --ca-file "$tls/ca.pem" --timeout 2
expect_exit 0 "https with --ca-file" -- terminal crl sync "$https_url" --ca-file "$tls/ca.pem" --json
[ "$(jq -r '.lists[0].applied' <<<"$out")" = delta ] && pass "the delta came over https" || fail "applied: $out"
also_start_server static "$work/pub"
expect_exit 0 "the same publish over http, for comparison" -- \
    env FMC_TERMINAL_HOME="$work/terminal-http" "$FMC_BIN_DIR/fmc-terminal" crl sync "$url"
[ "$(held)" = "$(held "$work/terminal-http")" ] && pass "https and http leave the same lists" ||
    fail "https and http differ: $(held) / $(held "$work/terminal-http")"

# http:// redirected to https:// is followed (at most 3 redirects, http(s) only), and the
# certificate is checked on the https hop all the same.
publish
before=$(held)
also_start_server redirect "$https_url"
unreachable "http redirected to https, no --ca-file" "certificate does not verify (--ca-file?)" -- \
    terminal crl sync "$url" --timeout 2
expect_exit 0 "http redirected to https, with --ca-file" -- terminal crl sync "$url" --ca-file "$tls/ca.pem" --json
[ "$(jq -r '.lists[0].applied' <<<"$out")" = delta ] && pass "the delta came through the redirect" || fail "applied: $out"

# https redirected to plain http is a downgrade: refused (65), nothing fetched over http.
publish
before=$(held)
also_start_server static "$work/pub"
also_start_server --tls "$tls/localhost.pem" "$tls/localhost.key" redirect "$url"
refused "https redirected to http" "https to http downgrade" -- terminal crl sync "$url" --ca-file "$tls/ca.pem" --timeout 2
finish
