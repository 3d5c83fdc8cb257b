# Shared by issuance_faults.sh and station_faults.sh: the promises every fault at the issuance
# station must keep, and the kill-after-every-step loop. Source it after tests/integration/cli/lib.sh.
# The caller sets: fmc_issue (the binary), FMC_HOME, db (the registry file), work (a scratch
# folder), reader (the full reader name), merchant (a merchant id) and serials=() (every serial
# the station handed out, to prove none is used twice).

# The interpreter itself, resolved once: a version manager's python3 shim costs 0.3 s a call.
py=$(python3 -c 'import sys; print(sys.executable)')
issue() { "$fmc_issue" "$@"; }
json() { "$py" -c "import sys,json; d=json.load(sys.stdin); print($1)"; }

# registry_integrity: SQLite's own check of the registry file ("ok" when sound).
registry_integrity() {
    "$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$db" 2>&1
}

# The promises every interruption must keep: the registry is sound, the audit chain intact,
# and the card holds no certificate the registry does not know.
check_station_sound() {
    local what=$1
    [ "$(registry_integrity)" = ok ] &&
        pass "$what: registry integrity_check ok" || fail "$what: registry integrity_check failed"
    expect_exit 0 "$what: audit verify" -- issue audit verify
}
check_card_known() {  # WHAT [WANTED_STATUS]
    local what=$1 wanted=${2:-} card_serial status
    if yubico-piv-tool -r "$reader" -a read-certificate -s 9e >"$work/9e.pem" 2>"$work/9e.err" && [ -s "$work/9e.pem" ]; then
        card_serial=$(openssl x509 -in "$work/9e.pem" -noout -serial | sed 's/^serial=//')
        expect_exit 0 "$what: the card's 9E certificate $card_serial is in the registry" -- issue card show --json "$card_serial"
        status=$(printf '%s' "$out" | json "d['status']" 2>/dev/null)
        [ -z "$wanted" ] || [ "$status" = "$wanted" ] && pass "$what: card $card_serial is ${status:-?}" ||
            fail "$what: card $card_serial is '$status', expected $wanted"
    elif [ "$wanted" = active ]; then
        fail "$what: no 9E certificate read from the card: $(cat "$work/9e.err")"
    elif grep -qiE "not found|no data|6a82|failed reading|failed fetching" "$work/9e.err"; then
        pass "$what: the card holds no 9E certificate"
    else
        fail "$what: the card could not be read: $(cat "$work/9e.err")"
    fi
}
check_in_crl() {  # WHAT SERIAL
    expect_exit 0 "$1: crl publish" -- issue crl publish --out "$work/crl.der"
    openssl crl -inform DER -in "$work/crl.der" -noout -text 2>/dev/null | grep -qi "Serial Number: *0*$2\$" &&
        pass "$1: the CRL lists $2" || fail "$1: the CRL does not list $2"
}
# issue_card WHAT: a normal issuance on the card in the reader; sets $serial and $issued (JSON).
issue_card() {
    expect_exit 0 "$1: card issue" -- issue card issue --json --merchant "$merchant" --reader "$reader"
    issued=$out
    serial=$(printf '%s' "$issued" | json "d['serial']" 2>/dev/null)
    [ -n "$serial" ] || return
    serials+=("$serial")
    expect_exit 0 "$1: card show $serial" -- issue card show --json "$serial"
    expect_contains "$out" '"status":"active"' "$1: card $serial is active"
}
last_allocated() { issue audit show --json | json "([e['subject'] for e in d if e['action']=='serial.allocate'] or [''])[-1]"; }

# check_serials_unique: never one serial twice, whatever happened.
check_serials_unique() {
    printf '%s\n' "${serials[@]}" | grep -v '^$' >"$work/serials"
    local dupes
    dupes=$(sort "$work/serials" | uniq -d)
    [ -z "$dupes" ] && pass "$(wc -l <"$work/serials") serials, none reused" || fail "serials reused: $dupes"
}

# The steps of an issuance come from the header, so that a new step is tested the day it is
# added; certificate-signed-unrecorded is the extra crash point between signing and recording.
issuance_steps() {
    local header
    header="$(dirname "${BASH_SOURCE[0]}")/../../../issuance/card_issuance.hpp"
    sed -n '/kIssuanceSteps\[\] = {/,/};/p' "$header" | grep -o '^ *"[a-z-]*"' | tr -d ' "'
    echo certificate-signed-unrecorded
}

# kill_at_every_step PORT: fmc-issue killed (SIGKILL) right after each step, before the registry
# records it, on a fresh blank card per step so that one broken promise does not hide the next.
# The repair is found by `recover`, except after key-generated and certificate-signed, where the
# next `card issue` finds it (both paths must roll back). Sets kill_points to the number tried.
kill_at_every_step() {
    local port=$1 steps step allocated killed
    steps=($(issuance_steps))
    kill_points=${#steps[@]}
    [ "${#steps[@]}" -ge 12 ] && pass "${#steps[@]} kill points" || fail "kIssuanceSteps not found: ${steps[*]}"
    for step in "${steps[@]}"; do
        start_vcard "$port" "kill-$step"
        # Through a child shell, whose "Killed" notice lands in $err instead of the test log.
        expect_exit 137 "killed after $step" -- bash -c '"$@"; exit $?' - env FMC_FAULT_KILL_AFTER="$step" \
            "$fmc_issue" card issue --merchant "$merchant" --reader "$reader"
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
                issue card issue --merchant "$merchant" --reader "$reader"
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
}

# fingerprint: what a refused command must leave as it was (audit length, merchants, cards).
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

# hold LOCKSCRIPT: a python3 lock holder in the background (its pid in $holder, also added to
# $helpers for the caller's exit trap); returns once it holds the lock. The script gets the file
# to create once it holds the lock as sys.argv[1].
helpers=""
hold() {
    rm -f "$work/ready"
    "$py" -c "$1" "$work/ready" &
    holder=$!
    helpers="$helpers $holder"
    for _ in $(seq 100); do [ -e "$work/ready" ] && return; sleep 0.05; done
    fail "the lock holder did not start"
}
release() { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
# A python3 script holding the registry's write lock (BEGIN EXCLUSIVE) for SECONDS.
registry_lock_script() {  # SECONDS
    echo "import sqlite3,sys,time; c=sqlite3.connect('$db', isolation_level=None); c.execute('BEGIN EXCLUSIVE'); open(sys.argv[1],'w').close(); time.sleep($1)"
}
