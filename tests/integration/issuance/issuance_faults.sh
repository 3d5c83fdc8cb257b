#!/bin/bash
# The issuance station's crash-safety promise (issuance/card_issuance.hpp), tested on the real
# stack with a file key store: fmc-issue killed after every step, the card pulled mid-issue,
# and bad input that must leave the registry untouched. Needs the pcscd fixture; holds the
# pcsc_readers lock. On failure the card APDU logs are printed.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

for tool in yubico-piv-tool openssl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
fmc_issue="$FMC_BIN_DIR/fmc-issue"
reader="Virtual PCD 00 00"
work=$(mktemp -d)
trap 'for p in $helpers; do kill "$p" 2>/dev/null; done; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_logs_on_failure() {
    [ "$failures" -eq 0 ] && return
    for log in "$vcard_dir"/*.log; do echo "--- $log ---" >&2; tail -n 12 "$log" >&2; done
}

export FMC_HOME="$work/station" FMC_OPERATOR="faults test" FMC_KEY_PASSPHRASE="faults passphrase"
db="$FMC_HOME/registry.sqlite"

expect_exit 0 "init (file key store)" -- issue init --authority "Faults Test Authority"
expect_exit 0 "merchant add" -- issue merchant add --json --name "Amina Okafor" --nationality NGA \
    --document A1000001 --entitlement trade.licensing
merchant=$(printf '%s' "$out" | json "d['id']")

serials=()  # every serial the station handed out, to prove none is used twice

# --- 1. Killed (SIGKILL) right after each step, before the registry records it -------------
kill_at_every_step 35963

# --- 2. The card pulled from the reader in the middle of an issuance -------------------------
# fmc-vcard numbers the command APDUs from its start: first the reader survey of start_vcard
# (S of them, counted below from a blank card's log), then the issuance's: S+1 to S+5 select and
# authenticate (card-checked), S+6 generate, S+7 CHUID, S+8 to S+10 certificate (chained),
# S+11 personal data, S+12 and S+13 PUK, S+14 PIN, S+15 management key, S+16 to S+24 read
# back. The Nth APDU is never answered. m = N - S: 0 is the survey's last.
start_vcard 35963 survey-count
survey=$(vcard_log survey-count | grep -c '^fmc-vcard: [0-9A-F]\{8\}')
cleanup_vcards
for m in 0 6 9 13 15 20; do
    n=$((survey + m))
    allocated=$(last_allocated)
    start_vcard 35963 "pulled-$n" --remove-after "$n"
    expect_exit 6 "card pulled at APDU $n (survey + $m): card issue fails" -- \
        issue card issue --merchant "$merchant" --reader "PCD 00 00"
    expect_one_line "$err" "pulled at $n: the error is one line"
    expect_exit 0 "pulled at $n: recover" -- issue recover --json
    [ "$out" = "[]" ] && pass "pulled at $n: rolled back at once, nothing left to recover" ||
        fail "pulled at $n: recover found: $out"
    pulled=$(last_allocated)
    if [ "$m" -lt 6 ]; then
        [ "$pulled" = "$allocated" ] && pass "pulled at $n: no serial allocated before the card was admitted" ||
            fail "pulled at $n: serial $pulled allocated for a card never admitted"
    else
        serials+=("$pulled")
        check_in_crl "pulled at $n" "$pulled"
        # From certificate-signed on, the card is recorded and must show as revoked.
        if [ "$m" -gt 6 ]; then
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

check_serials_unique

# --- 3. Bad input changes nothing ------------------------------------------------------------
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

# Another writer holds the registry: the station waits its 5 s busy timeout, then says busy.
before=$(fingerprint)
hold "$(registry_lock_script 15)"
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
