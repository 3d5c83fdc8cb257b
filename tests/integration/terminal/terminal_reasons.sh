#!/bin/bash
# Every decision reason of `fmc-terminal check`, each from a real scenario: cards issued by
# fmc-issue on fmc-vcard, forged cards made with yubico-piv-tool (factory management key), a
# second station with its own root, CRLs published and imported. Each card is presented on
# the contact reader and, where the reason can occur there, contactless, and the JSON
# decision and exit code (0 granted, 1 denied, 2 no card) are asserted.
# Needs the pcscd fixture; the fmc-vcard APDU logs are printed on failure.
. "$(dirname "$0")/../cli/lib.sh"

for tool in yubico-piv-tool openssl jq python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'show_logs_on_failure; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_logs_on_failure() {
    [ "$failures" -eq 0 ] || for log in "$vcard_dir"/*.log; do echo "--- $log" >&2; tail -n 20 "$log" >&2; done
}

export FMC_OPERATOR=tester FMC_KEY_PASSPHRASE=reasons-test-passphrase FMC_TERMINAL_HOME=$work/terminal
contact="Virtual PCD 00 00" contactless="Virtual PCD 00 01"
issue() { "$FMC_BIN_DIR/fmc-issue" "$@"; }
terminal() { "$FMC_BIN_DIR/fmc-terminal" "$@"; }
piv() { yubico-piv-tool -r "$contact" "$@"; }
iso_time() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

# present NAME [fmc-vcard options]: the card NAME in both readers at once. The contactless
# one runs on a copy of the state file (two processes must never share one); a tap writes
# nothing, so both are the same card.
present() {
    local name=$1
    shift
    cleanup_vcards
    cl_pid=""
    start_vcard 35963 "$name" "$@"
    contactless_copy "$name" "$@"
}
# contactless_copy NAME [fmc-vcard options]: (re)starts the contactless copy of the card NAME
# after yubico-piv-tool changed it in the contact reader. That fmc-vcard is idle and saves
# atomically, so its state file can be copied; only the contactless one is restarted.
cl_pid=""
contactless_copy() {
    local name=$1
    shift
    if [ -n "$cl_pid" ] && kill "$cl_pid" 2>/dev/null; then
        wait "$cl_pid" 2>/dev/null
        vcard_pids=${vcard_pids/ $cl_pid/}
        wait_reader_empty "$contactless"
    fi
    cp "$vcard_dir/$name.state" "$vcard_dir/$name-cl.state"
    start_vcard 35964 "$name-cl" --contactless "$@"
    cl_pid=${vcard_pids##* }
}

# check EXIT REASON READER SERVICE [CARD [options]]: one decision at the terminal; CARD (a
# "serial uuid" pair from issue_card, or "" for a card that cannot be read) adds serial, UUID
# and the APDU count (SELECT, CHUID, certificate with GET RESPONSEs, signature: 4 to 6).
# The decisions at the default terminal are kept in $decided for the tap-log check.
decided=""
check() {
    local want_exit=$1 reason=$2 reader=$3 service=$4 card=${5:-} interface=contact
    shift $(($# < 5 ? $# : 5))
    [ "$reader" = "$contactless" ] && interface=contactless
    local what="$service $interface $reason${*:+ ($*)}"
    expect_exit "$want_exit" "$what" -- terminal check --service "$service" --reader "$reader" --json "$@"
    decision=$out
    case " $* " in *" --home "*) ;; *) decided+="$(jq -r '.reason + " " + (.serial // "")' <<<"$decision")"$'\n' ;; esac
    local want_decision=denied
    [ "$want_exit" -eq 0 ] && want_decision=granted
    local expected=".decision == \"$want_decision\" and .reason == \"$reason\" and .interface == \"$interface\""
    [ -n "$card" ] && expected="$expected and .serial == \"${card% *}\" and .card_uuid == \"${card#* }\""
    [ -n "$card" ] && expected="$expected and .apdu_exchanges >= 4 and .apdu_exchanges <= 6"
    if [ "$(jq -r "$expected" <<<"$decision" 2>/dev/null)" = true ]; then pass "$what: decision as expected"
    else fail "$what: expected $want_decision/$reason card '$card', got: $decision"; fi
}

# issue_card MERCHANT NAME VAR: issues the card NAME in the contact reader; VAR = "serial uuid".
# (Not in $(...): the vcard must be started by this shell, which stops it.)
issue_card() {
    cleanup_vcards
    cl_pid=""
    start_vcard 35963 "$2"
    local issued
    issued=$(issue card issue --merchant "$1" --reader "$contact" --json 2>"$work/issue.err" |
        jq -r '.serial + " " + .card_uuid')
    [ -n "$issued" ] && pass "card issue $2 ($issued)" || { fail "card issue $2: $(cat "$work/issue.err")"; exit 1; }
    printf -v "$3" '%s' "$issued"
}

# --- Station A: two merchants, their cards, the terminal set up with its trust, ARL and CRL 1.
export FMC_HOME=$work/station-a
issue init --authority "Yiwu PSB" >/dev/null || { fail "fmc-issue init"; exit 1; }
issue merchant add --name "Amina Bello" --nationality NGA --document A1 --language fr \
    --entitlement trade.licensing library transport >/dev/null
issue merchant add --name "Oleg Petrov" --nationality RUS --document R2 --entitlement library >/dev/null
issue_card 1 amina amina
# The genuine card's CHUID and certificate, for the forgeries below.
piv -a read-object --id 0x5fc102 --format binary -o "$work/amina-chuid.bin" >/dev/null 2>&1 &&
piv -a read-certificate -s 9e -o "$work/amina.pem" >/dev/null 2>&1 ||
    fail "yubico-piv-tool could not read the genuine card's CHUID and certificate"
issue_card 2 oleg oleg
present amina
issue trust export --out "$work/trust.pem" >/dev/null
issue crl publish --out "$work/crl1.der" >/dev/null
expect_exit 0 "terminal setup" -- terminal setup --trust "$work/trust.pem"
expect_exit 0 "import the ARL" -- terminal crl import "$FMC_HOME/arl.der"
expect_exit 0 "import CRL 1" -- terminal crl import "$work/crl1.der"

# --- Policy on a genuine card: library is offered on both interfaces, trade.licensing only
# contact, transport.bus only contactless; health.clinic (both) is not among Amina's rights.
check 0 ok "$contact" library "$amina"
expires=$(jq -r .expires <<<"$decision")
check 0 ok "$contactless" library "$amina"
check 0 ok "$contact" trade.licensing "$amina"
check 0 ok "$contactless" transport.bus "$amina"
check 1 not-entitled "$contact" health.clinic "$amina"
check 1 not-entitled "$contactless" health.clinic "$amina"
check 1 interface-not-allowed "$contactless" trade.licensing "$amina"
check 1 interface-not-allowed "$contact" transport.bus "$amina"

# --- Time: the card is valid for 365 days from 1 h before issuance, as are the CAs (root 20 y,
# issuing CA 10 y) from 1 h before init. A day after the card's expiry only the card has
# expired; 2 h before now nothing was valid yet (the card's notBefore is within seconds of the
# CAs', so no instant has the CAs valid and the card not yet). A CRL 25 h old is beyond
# library's 24 h (and past its nextUpdate).
after_expiry=$(iso_time "$expires + 1 day")
two_hours_ago=$(iso_time "-2 hours")
day_after=$(iso_time "+25 hours")
for reader in "$contact" "$contactless"; do
    check 1 expired "$reader" library "$amina" --at "$after_expiry"
    check 1 not-yet-valid "$reader" library "$amina" --at "$two_hours_ago"
    check 1 crl-stale "$reader" library "$amina" --at "$day_after"
done
# trade.licensing also allows 24 h: stale too, on its own interface.
check 1 crl-stale "$contact" trade.licensing "$amina" --at "$day_after"

# --- crl-missing: a terminal that holds only the ARL (no CRL of the issuing CA), and one that
# holds no list at all. Terminals fail closed.
terminal setup --home "$work/arl-only" --trust "$work/trust.pem" >/dev/null
terminal crl import --home "$work/arl-only" "$FMC_HOME/arl.der" >/dev/null
terminal setup --home "$work/no-lists" --trust "$work/trust.pem" >/dev/null
for reader in "$contact" "$contactless"; do
    check 1 crl-missing "$reader" library "$amina" --home "$work/arl-only"
    check 1 crl-missing "$reader" library "$amina" --home "$work/no-lists"
done

# --- card-removed: the card leaves the reader when the terminal's GENERAL AUTHENTICATE (the
# last APDU of a tap, 0087...) arrives. fmc-vcard counts commands from its start, start_vcard's
# reader survey sends a few (one more contactless: the UID), so N is the place of the first
# 0087 in the APDU log since this presentation's insertion, which holds the survey and taps.
sign_position() {
    vcard_log "$1" | sed -n '/card inserted/h; /card inserted/!H; ${x;p}' | grep -o 'fmc-vcard: [0-9A-F]\{8\} .*' |
        grep -n '^fmc-vcard: 0087' | head -n1 | cut -d: -f1
}
n_contact=$(sign_position amina) n_contactless=$(sign_position amina-cl)
[ -n "$n_contact" ] && [ -n "$n_contactless" ] && pass "taps signed at APDU $n_contact / $n_contactless" ||
    fail "no GENERAL AUTHENTICATE in the APDU logs"
cleanup_vcards
start_vcard 35963 amina --remove-after "${n_contact:-10}"
contactless_copy amina --remove-after "${n_contactless:-11}"
for reader in "$contact" "$contactless"; do
    check 1 card-removed "$reader" library
done
cleanup_vcards
expect_exit 2 "check with no card in the reader" -- terminal check --service library --reader "$contact" --json

# --- card-auth-failed (2): Amina's card, its own key and certificate, but Oleg's CHUID. The
# station replaced the card's management key, so the CHUID cannot be rewritten through the
# card: the copy's state file (the card's memory) gets Oleg's CHUID object instead.
cp "$vcard_dir/amina.state" "$vcard_dir/swapped.state"
sed -i "/^object 5FC102 /d" "$vcard_dir/swapped.state"
grep "^object 5FC102 " "$vcard_dir/oleg.state" >>"$vcard_dir/swapped.state"
present swapped
for reader in "$contact" "$contactless"; do check 1 card-auth-failed "$reader" library "$amina"; done

# --- Forgeries on one fresh card. Factory-fresh it has no CHUID: not-a-merchant-card.
present forged
for reader in "$contact" "$contactless"; do check 1 not-a-merchant-card "$reader" library; done
# unreadable: Amina's CHUID and certificate but no 9E key. The card answers the signature
# request with 6A82 (no such key), which is not a PIV card behaving as issued: the terminal
# cannot tell the holder anything but "unreadable".
piv -a write-object --id 0x5fc102 --format binary -i "$work/amina-chuid.bin" >/dev/null 2>&1 &&
piv -a import-certificate -s 9e -i "$work/amina.pem" >/dev/null 2>&1 || fail "yubico-piv-tool could not write the forged card"
contactless_copy forged
for reader in "$contact" "$contactless"; do check 1 unreadable "$reader" library; done
# card-auth-failed (1), a clone: the same certificate and CHUID with a key of its own.
piv -a generate -s 9e -A ECCP256 -o "$work/clone-pub.pem" >/dev/null 2>&1 || fail "yubico-piv-tool generate"
contactless_copy forged
for reader in "$contact" "$contactless"; do check 1 card-auth-failed "$reader" library "$amina"; done
# bad-signature: the genuine certificate with the last byte of its ECDSA signature flipped.
openssl x509 -in "$work/amina.pem" -outform DER -out "$work/flipped.der"
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[-1] ^= 1; open(sys.argv[1], "wb").write(d)' \
    "$work/flipped.der"
openssl x509 -inform DER -in "$work/flipped.der" -out "$work/flipped.pem"
piv -a import-certificate -s 9e -i "$work/flipped.pem" >/dev/null 2>&1 || fail "yubico-piv-tool import (flipped)"
contactless_copy forged
for reader in "$contact" "$contactless"; do check 1 bad-signature "$reader" library "$amina"; done

# --- untrusted: a card of a second station, with its own root, at station A's terminal. Same
# authority name, so the CA names match and only the keys tell the stations apart.
export FMC_HOME=$work/station-b
issue init --authority "Yiwu PSB" >/dev/null
issue merchant add --name "Li Wei" --nationality CHN --document C3 --entitlement library >/dev/null
issue_card 1 stranger stranger
# Station B's CRL 3: numbered above station A's CRL 2 held when it is offered below.
for n in 1 2 3; do issue crl publish --out "$work/crl-b.der" >/dev/null; done
contactless_copy stranger
for reader in "$contact" "$contactless"; do check 1 untrusted "$reader" library "$stranger"; done

# --- revoked and suspended: station A revokes Oleg's card, suspends Amina's; CRL 2.
export FMC_HOME=$work/station-a
issue card revoke "${oleg% *}" --reason stolen >/dev/null
issue card suspend "${amina% *}" >/dev/null
issue crl publish --out "$work/crl2.der" >/dev/null
expect_exit 0 "import CRL 2" -- terminal crl import "$work/crl2.der"
present oleg
for reader in "$contact" "$contactless"; do check 1 revoked "$reader" library "$oleg"; done
# A list signed by another key (station B's CRL 3: same issuer name, a newer number) is
# refused, and the terminal keeps CRL 2: Oleg stays revoked.
expect_exit 65 "station B's CRL refused" -- terminal crl import "$work/crl-b.der"
expect_contains "$err" "no trusted CA signed" "refused for its signer, not its number"
check 1 revoked "$contact" library "$oleg"
present amina
for reader in "$contact" "$contactless"; do check 1 suspended "$reader" library "$amina"; done
# Reinstated (CRL 3): granted again. CRL 2 after 3 is older, refused, and 3 stays.
issue card reinstate "${amina% *}" >/dev/null
issue crl publish --out "$work/crl3.der" >/dev/null
expect_exit 0 "import CRL 3" -- terminal crl import "$work/crl3.der"
for reader in "$contact" "$contactless"; do check 0 ok "$reader" library "$amina"; done
expect_exit 65 "CRL 2 after CRL 3 refused" -- terminal crl import "$work/crl2.der"
expect_contains "$err" "not newer" "refused as older"
check 0 ok "$contact" library "$amina"
expect_exit 65 "CRL 1 after CRL 3 refused" -- terminal crl import "$work/crl1.der"

# --- The tap log: one line per decision at this terminal, and no names in it.
expect_exit 0 "log export" -- terminal log export
logged=$(jq -r '.reason + " " + .serial' <<<"$out")
[ "$logged" = "${decided%$'\n'}" ] && pass "the tap log holds one line per decision, in order ($(wc -l <<<"$logged"))" ||
    fail "the tap log does not match the decisions: $(diff <(echo "$logged") <(echo "${decided%$'\n'}") | head -n 5)"
for name in "Amina Bello" "Oleg Petrov" "Li Wei"; do
    [ "$(grep -c "$name" "$FMC_TERMINAL_HOME/taps.sqlite")" -eq 0 ] && [ "$(grep -c "$name" <<<"$out")" -eq 0 ] &&
        pass "no '$name' in taps.sqlite or the export" || fail "'$name' appears in the tap log"
done
finish
