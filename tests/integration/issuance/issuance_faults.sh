#!/bin/bash
# The issuance station's crash-safety promise (issuance/card_issuance.hpp), tested on the real
# stack with a file key store: fmc-issue killed after every step, the card pulled mid-issue,
# and bad input that must leave the registry untouched. Needs the pcscd fixture; holds the
# pcsc_readers lock. On failure the card APDU logs are printed.
. "$(dirname "$0")/../cli/lib.sh"

for tool in yubico-piv-tool openssl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
fmc_issue="$FMC_BIN_DIR/fmc-issue"
reader="Virtual PCD 00 00"
work=$(mktemp -d)
helpers=""  # background lock holders, stopped on exit
trap 'for p in $helpers; do kill "$p" 2>/dev/null; done; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_logs_on_failure() {
    [ "$failures" -eq 0 ] && return
    for log in "$vcard_dir"/*.log; do echo "--- $log ---" >&2; tail -n 12 "$log" >&2; done
}

export FMC_HOME="$work/station" FMC_OPERATOR="faults test" FMC_KEY_PASSPHRASE="faults passphrase"
db="$FMC_HOME/registry.sqlite"
issue() { "$fmc_issue" "$@"; }
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }

expect_exit 0 "init (file key store)" -- issue init --authority "Faults Test Authority"
expect_exit 0 "merchant add" -- issue merchant add --json --name "Amina Okafor" --nationality NGA \
    --document A1000001 --entitlement trade.licensing
merchant=$(printf '%s' "$out" | json "d['id']")

serials=()  # every serial the station handed out, to prove none is used twice

# The promises every interruption must keep: the registry is sound, the audit chain intact,
# and the card holds no certificate the registry does not know.
check_station_sound() {
    local what=$1
    [ "$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$db")" = ok ] &&
        pass "$what: registry integrity_check ok" || fail "$what: registry integrity_check failed"
    expect_exit 0 "$what: audit verify" -- issue audit verify
}
check_card_known() {  # WHAT [WANTED_STATUS]
    local what=$1 wanted=${2:-} card_serial status
    if yubico-piv-tool -r "$reader" -a read-certificate -s 9e >"$work/9e.pem" 2>/dev/null && [ -s "$work/9e.pem" ]; then
        card_serial=$(openssl x509 -in "$work/9e.pem" -noout -serial | sed 's/^serial=//')
        expect_exit 0 "$what: the card's 9E certificate $card_serial is in the registry" -- issue card show --json "$card_serial"
        status=$(printf '%s' "$out" | json "d['status']" 2>/dev/null)
        [ -z "$wanted" ] || [ "$status" = "$wanted" ] && pass "$what: card $card_serial is ${status:-?}" ||
            fail "$what: card $card_serial is '$status', expected $wanted"
    else
        pass "$what: the card holds no 9E certificate"
    fi
}
check_in_crl() {  # WHAT SERIAL
    expect_exit 0 "$1: crl publish" -- issue crl publish --out "$work/crl.der"
    openssl crl -inform DER -in "$work/crl.der" -noout -text 2>/dev/null | grep -qi "Serial Number: *0*$2\$" &&
        pass "$1: the CRL lists $2" || fail "$1: the CRL does not list $2"
}
# issue_card WHAT: a normal issuance on the card in the reader; sets $serial and $issued (JSON).
issue_card() {
    expect_exit 0 "$1: card issue" -- issue card issue --json --merchant "$merchant" --reader "PCD 00 00"
    issued=$out
    serial=$(printf '%s' "$issued" | json "d['serial']" 2>/dev/null)
    [ -n "$serial" ] || return
    serials+=("$serial")
    expect_exit 0 "$1: card show $serial" -- issue card show --json "$serial"
    expect_contains "$out" '"status":"active"' "$1: card $serial is active"
}

# --- 1. Killed (SIGKILL) right after each step, before the registry records it -------------
# A fresh blank card per step, so that one broken promise does not hide the next. The repair
# is found by `recover`, except after key-generated and certificate-signed, where the next
# `card issue` finds it (both paths must roll back).
# The steps come from the header, so that a new step is tested the day it is added.
header="$(dirname "$0")/../../../issuance/card_issuance.hpp"
steps=($(sed -n '/kIssuanceSteps\[\] = {/,/};/p' "$header" | grep -o '^ *"[a-z-]*"' | tr -d ' "')
       certificate-signed-unrecorded)
[ "${#steps[@]}" -ge 12 ] && pass "${#steps[@]} kill points" || fail "kIssuanceSteps not found in $header: ${steps[*]}"
last_allocated() { issue audit show --json | json "([e['subject'] for e in d if e['action']=='serial.allocate'] or [''])[-1]"; }
for step in "${steps[@]}"; do
    start_vcard 35963 "kill-$step"
    # Through a child shell, whose "Killed" notice lands in $err instead of the test log.
    expect_exit 137 "killed after $step" -- bash -c '"$@"; exit $?' - env FMC_FAULT_KILL_AFTER="$step" \
        "$fmc_issue" card issue --merchant "$merchant" --reader "PCD 00 00"
    allocated=$(last_allocated)  # the killed issuance's serial, committed before any signing
    case $step in
    activated)
        # The registry committed `active` before the kill: nothing is left to repair.
        expect_exit 0 "$step: recover --json" -- issue recover --json
        [ "$out" = "[]" ] && pass "$step: nothing interrupted" || fail "$step: recover rolled back: $out"
        killed=$(issue card list --json | json "d[-1]['serial']")
        serials+=("$killed")
        [ "$killed" = "$allocated" ] || fail "$step: the active card $killed is not the killed issuance's $allocated"
        expect_exit 0 "$step: card show $killed" -- issue card show --json "$killed"
        expect_contains "$out" '"status":"active"' "$step: the killed issuance's card is active"
        check_station_sound "$step"
        check_card_known "$step" active
        expect_exit 6 "$step: card issue on the active card is refused" -- \
            issue card issue --merchant "$merchant" --reader "PCD 00 00"
        # Revoked, the same card must take a new issuance.
        expect_exit 0 "$step: revoke $killed" -- issue card revoke "$killed" --reason superseded
        issue_card "$step: the revoked card again" ;;
    key-generated | certificate-signed)
        issue_card "$step: the next card issue"
        killed=$(printf '%s' "$issued" | json "d['recovered'][0]['serial'] if len(d['recovered'])==1 else ''" 2>/dev/null)
        [ -n "$killed" ] && [ "$killed" = "$allocated" ] && pass "$step: card issue rolled back serial $killed first" ||
            fail "$step: card issue did not report exactly one interrupted issuance: $issued"
        serials+=("$killed")
        check_in_crl "$step" "$killed"
        check_station_sound "$step" ;;
    *)
        expect_exit 0 "$step: recover --json" -- issue recover --json
        killed=$(printf '%s' "$out" | json "d[0]['serial'] if len(d)==1 else ''")
        [ -n "$killed" ] && [ "$killed" = "$allocated" ] && pass "$step: recover rolled back serial $killed" ||
            fail "$step: recover did not report exactly one interrupted issuance: $out"
        serials+=("$killed")
        expect_exit 0 "$step: a second recover" -- issue recover --json
        [ "$out" = "[]" ] && pass "$step: nothing left to recover" || fail "$step: recover again: $out"
        check_in_crl "$step" "$killed"
        check_station_sound "$step"
        check_card_known "$step" revoked
        issue_card "$step: the same card afterwards" ;;
    esac
    check_card_known "$step: after the retry" active
    cleanup_vcards
done

# --- 2. The card pulled from the reader in the middle of an issuance -------------------------
# fmc-vcard numbers the command APDUs of a blank card's issuance (see its log): 1-9 probe,
# select and authenticate (card-checked), 10 generate, 11 CHUID, 12-14 certificate (chained),
# 15 personal data, 16-17 PUK, 18 PIN, 19 management key, 20-28 read back. The Nth APDU is
# never answered.
for n in 4 10 13 17 19 24; do
    allocated=$(last_allocated)
    start_vcard 35963 "pulled-$n" --remove-after "$n"
    expect_exit 6 "card pulled at APDU $n: card issue fails" -- \
        issue card issue --merchant "$merchant" --reader "PCD 00 00"
    expect_one_line "$err" "pulled at $n: the error is one line"
    expect_exit 0 "pulled at $n: recover" -- issue recover --json
    [ "$out" = "[]" ] && pass "pulled at $n: rolled back at once, nothing left to recover" ||
        fail "pulled at $n: recover found: $out"
    pulled=$(last_allocated)
    if [ "$n" -lt 10 ]; then
        [ "$pulled" = "$allocated" ] && pass "pulled at $n: no serial allocated before the card was admitted" ||
            fail "pulled at $n: serial $pulled allocated for a card never admitted"
    else
        serials+=("$pulled")
        check_in_crl "pulled at $n" "$pulled"
        # From certificate-signed on, the card is recorded and must show as revoked.
        if [ "$n" -gt 10 ]; then
            expect_exit 0 "pulled at $n: card show $pulled" -- issue card show --json "$pulled"
            expect_contains "$out" '"status":"revoked"' "pulled at $n: card $pulled is revoked"
        fi
    fi
    check_station_sound "pulled at $n"
    cleanup_vcards
    start_vcard 35963 "pulled-$n"  # re-inserted: the same card, no longer pulled
    check_card_known "pulled at $n: re-inserted" revoked
    issue_card "pulled at $n: re-inserted"
    cleanup_vcards
done

# Never one serial twice, whatever happened.
printf '%s\n' "${serials[@]}" | grep -v '^$' >"$work/serials"
dupes=$(sort "$work/serials" | uniq -d)
[ -z "$dupes" ] && pass "$(wc -l <"$work/serials") serials, none reused" || fail "serials reused: $dupes"

# --- 3. Bad input changes nothing ------------------------------------------------------------
fingerprint() {
    printf '%s|%s|%s' "$(issue audit show --json | json "len(d)")" "$(issue merchant list --json)" \
        "$(issue card list --json)"
}
# unchanged CODE WHAT -- COMMAND...: fails with CODE in one line and leaves the registry as it was.
unchanged() {
    local what=$2 before
    before=$(fingerprint)
    expect_exit "$@"
    expect_one_line "$err" "$what: the error is one line"
    [ "$(fingerprint)" = "$before" ] && pass "$what: registry unchanged" || fail "$what: the registry changed"
}
add=(issue merchant add --entitlement trade.licensing)
unchanged 65 "unknown nationality" -- "${add[@]}" --name "Chen Wei" --nationality XYZ --document E9000001
unchanged 65 "empty name" -- "${add[@]}" --name "" --nationality CHN --document E9000001
unchanged 65 "duplicate travel document" -- "${add[@]}" --name "Chen Wei" --nationality CHN --document A1000001
unchanged 65 "unknown entitlement" -- issue merchant add --name "Chen Wei" --nationality CHN \
    --document E9000001 --entitlement no.such.service
# No card in the reader yet.
unchanged 5 "card issue, reader without a card" -- issue card issue --merchant "$merchant" --reader "PCD 00 00"
start_vcard 35963 bad-input
unchanged 65 "card issue for a nonexistent merchant" -- issue card issue --merchant 999 --reader "PCD 00 00"
unchanged 4 "card issue, no such reader" -- issue card issue --merchant "$merchant" --reader "No such reader"
unchanged 3 "card issue, pcscd unreachable" -- env PCSCLITE_CSOCK_NAME=/nonexistent/pcscd.comm \
    "$fmc_issue" card issue --merchant "$merchant" --reader "PCD 00 00"
unchanged 77 "card issue, wrong passphrase" -- env FMC_KEY_PASSPHRASE=wrong \
    "$fmc_issue" card issue --merchant "$merchant" --reader "PCD 00 00"
unchanged 77 "crl publish, wrong passphrase" -- env FMC_KEY_PASSPHRASE=wrong \
    "$fmc_issue" crl publish --out "$work/wrong.crl"
[ -e "$work/wrong.crl" ] && fail "crl publish with the wrong passphrase wrote a file" || pass "no CRL written"

# hold LOCKSCRIPT: a python3 lock holder in the background; returns once it holds the lock.
hold() {
    rm -f "$work/ready"
    python3 -c "$1" "$work/ready" &
    holder=$!
    helpers="$helpers $holder"
    for _ in $(seq 100); do [ -e "$work/ready" ] && return; sleep 0.05; done
    fail "the lock holder did not start"
}
release() { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }

# Another writer holds the registry: the station waits its 5 s busy timeout, then says busy.
before=$(fingerprint)
hold "import sqlite3,sys,time; c=sqlite3.connect('$db', isolation_level=None); c.execute('BEGIN EXCLUSIVE'); open(sys.argv[1],'w').close(); time.sleep(15)"
started=$(date +%s%N)
expect_exit 75 "merchant add, registry locked" -- "${add[@]}" --name "Chen Wei" --nationality CHN --document E9000001
waited=$(( ($(date +%s%N) - started) / 1000000 ))
release
expect_one_line "$err" "registry locked: the error is one line"
[ "$waited" -ge 4000 ] && [ "$waited" -le 9000 ] && pass "waited the busy timeout (${waited} ms)" ||
    fail "registry locked: gave up after ${waited} ms, expected about 5000"
[ "$(fingerprint)" = "$before" ] && pass "registry locked: registry unchanged" || fail "registry locked: the registry changed"

# Another fmc-issue holds the station lock: a second card issue is refused at once.
hold "import fcntl,sys,time; f=open('$FMC_HOME/issuance.lock','w'); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[1],'w').close(); time.sleep(15)"
unchanged 75 "card issue, station lock held" -- issue card issue --merchant "$merchant" --reader "PCD 00 00"
release
# The same blank card, the lock gone, issues fine: nothing above touched it.
issue_card "bad input: afterwards"

show_logs_on_failure
finish
