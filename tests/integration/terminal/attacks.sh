#!/bin/bash
# The attack suite of issue 8 (item 3) on the real stack: pcscd + vpcd + fmc-vcard cards issued
# by fmc-issue, each attack shown to `fmc-terminal` (every call under `timeout`: a hang is a
# failure), each denied with its reason and exit code and, for taps, one line in the tap log.
#
# Where each attack of the issue is covered (TR = terminal_reasons.sh, TW = terminal_watch.sh,
# CS = crl_sync.sh, CR = tests/integration/card_removal_test.cpp, A n = part n of this script):
# | attack                              | where   | how, and the outcome checked                          |
# |-------------------------------------|---------|-------------------------------------------------------|
# | cloned card (cert + CHUID, own key) | TR      | "a clone" -> card-auth-failed                         |
# | replayed signature                  | A 1     | copy without the key replays a recorded GENERAL       |
# |                                     |         | AUTHENTICATE answer -> card-auth-failed               |
# | certificate from an unknown CA      | TR      | second station's card -> untrusted                    |
# | certificate signature altered       | TR      | -> bad-signature                                      |
# | issuing CA revoked by the root      | A 2     | ARL listing the issuing CA -> revoked                 |
# |                                     |         | (issuer-revocation); a forged ARL -> 65               |
# | expired / not-yet-valid card        | TR      | --at after expiry / before issuance                   |
# | revoked / suspended card            | TR      | CRL 2 -> revoked / suspended                          |
# | forged CRL: another key, same names | TR, CS  | import / sync -> 65, the held list kept               |
# | forged CRL: entry altered, number   | A 3     | crl import -> 65 with the reason, lists unchanged,    |
# |   bumped, signature, trailing bytes,|         | the cards judged by the old list                      |
# |   garbage, empty                    |         |                                                       |
# | truncated CRL                       | A 3, CS | 7 bytes cut, half cut -> 65; sync: truncated -> 65    |
# | older CRL                           | TR, CS  | CRL 2 / 1 after CRL 3 -> 65; sync: older index -> 65  |
# | stale / missing CRL                 | TR      | 25 h later -> crl-stale; no CRL -> crl-missing        |
# | tampered personal-data object       | A 4     | tap: granted (a tap never reads it); kiosk PIN view:  |
# |   (5FC109: name altered, deleted)   |         | 422 tampered, the altered name never shown            |
# | card silent at the kiosk's PIN read | A 4     | --fault mute -> 500 unreadable after 5 s, page alive  |
# | CHUID UUID not the certificate's    | TR      | "card-auth-failed (2)": another card's CHUID          |
# | card answering garbage (non-TLV)    | A 5     | --fault garbage, each APDU of a tap -> unreadable     |
# | TLV length claiming 16 MB           | A 5     | --fault oversize-length, each APDU -> unreadable      |
# | response larger than asked (64 KB)  | A 5     | --fault oversize-response, each APDU -> unreadable    |
# | endless 61xx GET RESPONSE chain     | A 5     | --fault endless-61xx, each APDU -> unreadable         |
# | wrong status words                  | A 5     | --fault sw=9000|6F00|6700|6D00, each APDU (9000 to    |
# |                                     |         | GENERAL AUTHENTICATE too) -> unreadable               |
# | card removed at every APDU          | A 6, TR,| --remove-after at each APDU of a tap -> card-removed  |
# |                                     | TW, CR  | (TR: at the signature; TW, CR: mid-read)              |
# | pcscd killed mid-tap                | A 7, TW | SIGKILL while the cards hold an APDU: check exits 2   |
# |                                     |         | in time, watch reconnects; both grant after restart   |
# |                                     |         | (TW: pcscd stopped while idle)                        |
# | card that stops answering mid-tap   | A 5     | --fault mute at APDU 3 -> unreadable after the tap's  |
# |                                     |         | 5 s deadline ("did not answer")                       |
# Needs the pcscd fixture (holds the readers lock); restarts pcscd through
# tests/fixtures/start_pcscd.sh and leaves it running.
. "$(dirname "$0")/../cli/lib.sh"
fixtures=$(cd "$(dirname "$0")/../../fixtures" && pwd)

for tool in openssl jq python3 curl timeout; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
kiosk_pid=""
stop_kiosk() { [ -z "$kiosk_pid" ] || { kill "$kiosk_pid" 2>/dev/null; wait "$kiosk_pid" 2>/dev/null; kiosk_pid=""; }; }
show_logs_on_failure() {
    [ "$failures" -eq 0 ] || for log in "$vcard_dir"/*.log "$work"/*.err; do
        [ -s "$log" ] && { echo "--- $log" >&2; tail -n 8 "$log" >&2; }
    done
}
watch_pid=""
trap 'show_logs_on_failure; stop_kiosk; [ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null; cleanup_vcards
      rm -rf "$vcard_dir" "$work"' EXIT

export FMC_OPERATOR=tester FMC_KEY_PASSPHRASE=attacks-test-passphrase FMC_HOME=$work/station
export FMC_TERMINAL_HOME=$work/terminal
contact="Virtual PCD 00 00" contactless="Virtual PCD 00 01"
issue() { "$FMC_BIN_DIR/fmc-issue" "$@"; }
terminal() { timeout -k 2 "$bound" "$FMC_BIN_DIR/fmc-terminal" "$@"; }
# No terminal call may take longer (a tap is well under a second; an unreadable card adds up to
# 1 s of waiting for its removal; ASan + UBSan are slower). 124/137: timeout had to end it.
bound=15
cases=0  # attacks presented (each card on each reader, each list imported, each PIN view)
section() { echo "--- $* (at ${SECONDS} s)"; }

# --- Checks at the terminal, two at a time (one per reader) ----------------------------------
# launch TAG READER [check options]: `fmc-terminal check --service library --json` in the
# background, under timeout; settle collects it.
declare -A launched elsewhere
# reason and serial ("-" for none) of a JSON decision: the form compared with the tap log.
tap_line='.reason + " " + ((.serial // "") | if . == "" then "-" else . end)'
launch() {
    local tag=$1 reader=$2
    shift 2
    (
        started=$(date +%s%N)
        timeout -k 2 "$bound" "$FMC_BIN_DIR/fmc-terminal" check --service library --reader "$reader" --json "$@" \
            >"$work/$tag.out" 2>"$work/$tag.err"
        echo "$? $((($(date +%s%N) - started) / 1000000))" >"$work/$tag.rc"
    ) &
    launched[$tag]=$!
    case " $* " in *" --home "*) elsewhere[$tag]=1 ;; *) elsewhere[$tag]="" ;; esac
}
# settle TAG EXIT REASON WHAT [DETAIL]: waits for TAG; its exit code, reason, detail (a
# substring) and time are checked, and the decision is remembered for the tap-log check.
decided=""
settle() {
    local tag=$1 want=$2 reason=$3 what=$4 detail=${5:-} rc ms
    wait "${launched[$tag]}"
    read -r rc ms <"$work/$tag.rc"
    decision=$(cat "$work/$tag.out")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$what: no answer within $bound s (the terminal hung)"
        return
    fi
    if [ -z "${elsewhere[$tag]}" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; }; then
        decided+="$(jq -r "$tap_line" <<<"$decision")"$'\n'
    fi
    local got
    got=$(jq -r '.reason + "|" + .detail' <<<"$decision" 2>/dev/null)
    if [ "$rc" -eq "$want" ] && [ "${got%%|*}" = "$reason" ] && [[ "${got#*|}" == *"$detail"* ]]; then
        local why=${got#*|}
        pass "$what: exit $rc, $reason in $ms ms${why:+ (${why:0:110})}"
    else
        fail "$what: exit $rc ($want expected), got '$got' ('$reason' with '$detail' expected); stderr: $(cat "$work/$tag.err")"
    fi
}
check() {  # check EXIT REASON READER WHAT [DETAIL [check options]]
    local want=$1 reason=$2 reader=$3 what=$4 detail=${5:-}
    shift $(($# < 5 ? $# : 5))
    launch one "$reader" "$@"
    settle one "$want" "$reason" "$what" "$detail"
}

# present NAME [fmc-vcard options]: the card NAME in the contact reader, its copy (same state,
# another file) contactless, both with the same options.
present() {
    local name=$1
    shift
    cleanup_vcards
    cp "$vcard_dir/$name.state" "$vcard_dir/$name-cl.state"
    start_vcard 35963 "$name" --quiet "$@"
    start_vcard 35964 "$name-cl" --quiet --contactless "$@"
}

# --- Station, two merchants, their cards, a terminal with the ARL and CRL 1 -------------------
issue init --authority "Yiwu PSB" >/dev/null || { fail "fmc-issue init"; exit 1; }
issue merchant add --name "Amina Bello" --nationality NGA --document A1 --language fr --entitlement library >/dev/null
issue merchant add --name "Oleg Petrov" --nationality RUS --document R2 --entitlement library >/dev/null
pin=24681357
issue_card() {  # issue_card MERCHANT NAME VAR: VAR = the card's serial
    cleanup_vcards
    start_vcard 35963 "$2" --quiet
    local serial
    serial=$(issue card issue --merchant "$1" --reader "$contact" --pin-stdin --json <<<"$pin" 2>"$work/issue.err" |
        jq -r .serial)
    [ -n "$serial" ] && pass "card issue $2 ($serial)" || { fail "card issue $2: $(cat "$work/issue.err")"; exit 1; }
    printf -v "$3" '%s' "$serial"
}
issue_card 1 amina amina
issue_card 2 oleg oleg
cleanup_vcards
issue trust export --out "$work/trust.pem" >/dev/null
issue crl publish --out "$work/crl1.der" >/dev/null
expect_exit 0 "terminal setup" -- terminal setup --trust "$work/trust.pem"
expect_exit 0 "import the ARL" -- terminal crl import "$FMC_HOME/arl.der"
expect_exit 0 "import CRL 1" -- terminal crl import "$work/crl1.der"

# --- The genuine card, tapped once on each reader while a skimmer records the signatures. The
# APDU logs give the commands the reader survey of start_vcard sends before the tap (fmc-vcard
# counts commands from its start, for --fault @N and --remove-after) and the tap's own.
cleanup_vcards
cp "$vcard_dir/amina.state" "$vcard_dir/amina-cl.state"
start_vcard 35963 amina --fault "record-auth=$work/recorded.hex"
start_vcard 35964 amina-cl --contactless
apdus() { vcard_log "$1" | grep -c '^fmc-vcard: [0-9A-F]\{8\}'; }
survey_contact=$(apdus amina) survey_contactless=$(apdus amina-cl)
launch c "$contact"
launch cl "$contactless"
settle c 0 ok "genuine card, contact"
taps=$(jq -r .apdu_exchanges <<<"$decision")
settle cl 0 ok "genuine card, contactless"
[ "$(jq -r .apdu_exchanges <<<"$decision")" = "$taps" ] && [ "$((survey_contact + taps))" -eq "$(apdus amina)" ] &&
    pass "a tap is $taps APDUs after a survey of $survey_contact (contact) / $survey_contactless (contactless)" ||
    fail "APDU counts: tap $taps / $(jq -r .apdu_exchanges <<<"$decision"), survey $survey_contact, log $(apdus amina)"
[ -s "$work/recorded.hex" ] && pass "the skimmer recorded the genuine card's answer to GENERAL AUTHENTICATE" ||
    fail "nothing recorded by record-auth"

section "part 1"
# === 1. Replayed signature: a copy holding the certificate and CHUID but not the key answers
# GENERAL AUTHENTICATE with the genuine card's recorded answer (to an earlier challenge).
cp "$vcard_dir/amina.state" "$vcard_dir/replay.state"
sed -i '/^key 9E/d' "$vcard_dir/replay.state"
grep -q '^key 9E' "$vcard_dir/replay.state" && fail "the replaying copy still holds the 9E key"
present replay --fault "replay-auth=$work/recorded.hex"
launch c "$contact"
launch cl "$contactless"
settle c 1 card-auth-failed "replayed signature, contact" "challenge signature does not verify"
settle cl 1 card-auth-failed "replayed signature, contactless" "challenge signature does not verify"
cases=$((cases + 2))
cleanup_vcards

section "part 2"
# === 2. The issuing CA revoked by the root: an ARL listing it, signed with the root key (the
# station has no command for that yet, so openssl's `ca` signs it, as a root operator would).
# A terminal of its own: this one keeps the ARL that lists nobody.
arl_dir=$work/arl-ca
mkdir -p "$arl_dir"
ca_serial=$(openssl x509 -in "$FMC_HOME/certs/issuing-ca.pem" -noout -serial | cut -d= -f2)
ca_subject=$(openssl x509 -in "$FMC_HOME/certs/issuing-ca.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
held_arl=$(openssl crl -inform DER -in "$FMC_HOME/arl.der" -noout -crlnumber | sed 's/^crlNumber=\(0x\)\{0,1\}//')
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n' "$(date -u -d '+5 years' +%y%m%d%H%M%SZ)" \
    "$(date -u -d '-1 minute' +%y%m%d%H%M%SZ)" "$ca_serial" "$ca_subject" >"$arl_dir/index.txt"
printf '%02X\n' $((16#$held_arl + 1)) >"$arl_dir/crlnumber"
cat >"$arl_dir/openssl.cnf" <<CONF
[ca]
default_ca = root
[root]
database = $arl_dir/index.txt
crlnumber = $arl_dir/crlnumber
default_md = sha384
default_crl_days = 30
crl_extensions = arl_extensions
[arl_extensions]
authorityKeyIdentifier = keyid:always
CONF
openssl ca -config "$arl_dir/openssl.cnf" -gencrl -cert "$FMC_HOME/certs/root-ca.pem" \
    -keyfile "$FMC_HOME/keys/root-ca.key" -passin env:FMC_KEY_PASSPHRASE -out "$arl_dir/arl.pem" 2>"$work/openssl.err" &&
    openssl crl -in "$arl_dir/arl.pem" -outform DER -out "$work/arl-revoking.der" ||
    fail "openssl could not sign the ARL: $(cat "$work/openssl.err")"
arl_home=$work/arl-terminal
terminal setup --home "$arl_home" --trust "$work/trust.pem" >/dev/null
terminal crl import --home "$arl_home" "$FMC_HOME/arl.der" >/dev/null
terminal crl import --home "$arl_home" "$work/crl1.der" >/dev/null
# A forged copy first (one byte of the signature changed): refused, the held ARL stays.
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[-3] ^= 1; open(sys.argv[2], "wb").write(d)' \
    "$work/arl-revoking.der" "$work/arl-forged.der"
expect_exit 65 "an ARL with a forged signature is refused" -- terminal crl import --home "$arl_home" "$work/arl-forged.der"
expect_contains "$err" "no trusted CA signed" "forged ARL: refused for its signature"
expect_one_line "$err" "forged ARL: one line on stderr"
cases=$((cases + 1))
present amina
check 0 ok "$contact" "before the revoking ARL: granted" "" --home "$arl_home"
expect_exit 0 "import the ARL listing the issuing CA" -- terminal crl import --home "$arl_home" "$work/arl-revoking.der"
launch c "$contact" --home "$arl_home"
launch cl "$contactless" --home "$arl_home"
settle c 1 revoked "issuing CA revoked, contact" "issuer-revocation: listed on ARL"
settle cl 1 revoked "issuing CA revoked, contactless" "issuer-revocation: listed on ARL"
cases=$((cases + 2))
expect_exit 0 "log export (ARL terminal)" -- terminal log export --home "$arl_home"
[ "$(jq -r .reason <<<"$out" | sort | tr '\n' ' ')" = "ok revoked revoked " ] &&
    pass "the ARL terminal's tap log holds its three decisions" || fail "ARL terminal's tap log: $out"

section "part 3"
# === 3. Forged and truncated CRLs at `crl import`: Oleg's card is suspended on CRL 2, which
# the terminal holds; every altered list is refused (65, one line) and the lists held stay
# byte for byte, so the cards are judged by CRL 2 all along.
issue card suspend "$oleg" >/dev/null
issue crl publish --out "$work/crl2.der" >/dev/null
expect_exit 0 "import CRL 2 (Oleg suspended)" -- terminal crl import "$work/crl2.der"
issue crl publish --out "$work/crl3.der" >/dev/null  # genuine, newer: the material for forgeries
held() { (cd "$FMC_TERMINAL_HOME/crls" && sha256sum -- * | sort); }
before=$(held)
forge() {  # forge NAME PYTHON: $work/NAME.der from CRL 3's bytes d (a bytearray) changed by PYTHON
    python3 -c "import sys
d = bytearray(open(sys.argv[1], 'rb').read())
serial = bytes.fromhex(sys.argv[3])
$2
open(sys.argv[2], 'wb').write(d)" "$work/crl3.der" "$work/$1.der" "$oleg"
}
# Oleg's serial changed in his entry: the list no longer names him.
forge entry-altered 'i = d.index(serial); d[i + len(serial) - 1] ^= 0x5A'
# The CRL number (extension 2.5.29.20: 06 03 55 1D 14 04 L 02 L N) pushed far up.
forge number-bumped 'i = d.index(bytes.fromhex("0603551d14")); d[i + 5 + 4] ^= 0x40'
forge signature-altered 'd[-2] ^= 0x01'
forge trailing-bytes 'd += b"\x00" * 16'
forge truncated-7 'del d[-7:]'
forge truncated-half 'del d[len(d) // 2:]'
forge garbage 'import random; random.seed(8); d[:] = bytes(random.randrange(256) for _ in range(1024))'
forge empty 'd[:] = b""'
declare -A why=([entry-altered]="no trusted CA signed" [number-bumped]="no trusted CA signed"
    [signature-altered]="no trusted CA signed" [trailing-bytes]="trailing bytes" [truncated-7]="does not parse"
    [truncated-half]="does not parse" [garbage]="does not parse" [empty]="empty")
for name in entry-altered number-bumped signature-altered trailing-bytes truncated-7 truncated-half garbage empty; do
    expect_exit 65 "CRL $name refused" -- terminal crl import "$work/$name.der"
    expect_contains "$err" "${why[$name]}" "CRL $name: refused as '${why[$name]}'"
    expect_one_line "$err" "CRL $name: one line on stderr"
    [ "$(held)" = "$before" ] && pass "CRL $name: the lists held are unchanged" || fail "CRL $name: the lists held changed"
    cases=$((cases + 1))
done
present oleg
launch c "$contact"
launch cl "$contactless"
settle c 1 suspended "after the forgeries Oleg is still suspended (CRL 2), contact" "listed on CRL 2"
settle cl 1 suspended "after the forgeries Oleg is still suspended (CRL 2), contactless" "listed on CRL 2"
# The genuine CRL 3 still imports: the refusals left the terminal sound.
expect_exit 0 "the genuine CRL 3 imports after the forgeries" -- terminal crl import "$work/crl3.der"
check 1 suspended "$contact" "Oleg on CRL 3" "listed on CRL 3"
cleanup_vcards

section "part 4"
# === 4. The personal-data object (Printed Information, 5FC109, written by the station behind the
# PIN) altered in the card's memory: the name becomes another's, re-encoded as valid TLV; and
# the object deleted. A tap never reads it (no PIN at a tap) and the certificate is genuine:
# granted. The kiosk, which shows it after the PIN, checks its SHA-256 against the verified
# certificate: 422 "tampered", and the altered name is never shown.
cp "$vcard_dir/amina.state" "$vcard_dir/tampered.state"
python3 - "$vcard_dir/tampered.state" <<'TAMPER' || fail "could not alter the personal-data object"
import sys
lines = open(sys.argv[1]).read().split("\n")
for i, line in enumerate(lines):
    if line.startswith("object 5FC109 "):
        value = bytes.fromhex(line.split()[2])
        assert value[3] == 0x81, "81 (name) expected after 80 01 01"
        name_end = 5 + value[4]
        forged = b"Mallory Bello"
        value = value[:3] + bytes([0x81, len(forged)]) + forged + value[name_end:]
        lines[i] = "object 5FC109 " + value.hex().upper()
        break
else:
    sys.exit("no 5FC109 object")
open(sys.argv[1], "w").write("\n".join(lines))
TAMPER
cp "$vcard_dir/amina.state" "$vcard_dir/no-personal-data.state"
sed -i '/^object 5FC109 /d' "$vcard_dir/no-personal-data.state"
present tampered
launch c "$contact"
launch cl "$contactless"
settle c 0 ok "altered personal data, tap contact: granted (not read at a tap)"
settle cl 0 ok "altered personal data, tap contactless: granted (not read at a tap)"
cases=$((cases + 2))
cleanup_vcards
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
kiosk_url=http://127.0.0.1:$port
timeout -k 2 300 "$FMC_BIN_DIR/fmc-terminal" kiosk --listen "127.0.0.1:$port" --reader "PCD 00 00" 2>"$work/kiosk.err" &
kiosk_pid=$!
for _ in $(seq 50); do curl -sf "$kiosk_url/api/state" >/dev/null && break; sleep 0.1; done
# kiosk_pin NAME [fmc-vcard options]: the card NAME in the contact reader, once the kiosk
# shows it, the PIN typed.
kiosk_pin() {
    cleanup_vcards
    local before
    before=$(curl -sf "$kiosk_url/api/state" | jq -r .event)
    start_vcard 35963 "$@"
    for _ in $(seq 100); do
        state=$(curl -sf "$kiosk_url/api/state")
        [ "$(jq -r "(.event > $before) and .present" <<<"$state")" = true ] && break
        sleep 0.1
    done
    status=$(timeout 20 curl -s -o "$work/pin.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data "{\"pin\": \"$pin\"}" "$kiosk_url/api/pin")
    answer=$(cat "$work/pin.json")
}
kiosk_pin amina
[ "$status" = 200 ] && [ "$(jq -r .name <<<"$answer")" = "Amina Bello" ] &&
    pass "kiosk: the genuine card's personal data is shown after the PIN" || fail "kiosk, genuine card: $status $answer"
for name in tampered no-personal-data; do
    kiosk_pin "$name"
    cases=$((cases + 1))
    [ "$status" = 422 ] && [ "$(jq -r .error <<<"$answer")" = tampered ] &&
        pass "kiosk: $name personal data refused (422 tampered)" || fail "kiosk, $name: $status $answer"
    [ "$(jq -r .card.status <<<"$state")" = valid ] && pass "kiosk: the $name card itself is valid" ||
        fail "kiosk: the $name card's status: $state"
    case "$answer" in *Mallory*) fail "kiosk showed the altered name" ;; esac
done
# A card that answers the kiosk's tap, then goes silent when the PIN is sent (its first APDU
# after the tap): the PIN request ends at the card deadline and the page keeps answering.
cp "$vcard_dir/amina.state" "$vcard_dir/silent.state"
started=$(date +%s%N)
kiosk_pin silent --fault "mute@$((survey_contact + taps + 1))"
ms=$((($(date +%s%N) - started) / 1000000))
cases=$((cases + 1))
[ "$status" = 500 ] && [ "$(jq -r .error <<<"$answer")" = unreadable ] &&
    pass "kiosk: a card silent at the PIN read: 500 unreadable (PIN request and card arrival $ms ms)" ||
    fail "kiosk, silent card: $status $answer"
vcard_log silent | grep -q "fault mute" && pass "kiosk: the silent card's fault fired" || fail "kiosk: the mute fault did not fire"
timeout 5 curl -sf "$kiosk_url/api/state" >/dev/null && pass "kiosk: the page still answers after a silent card" ||
    fail "kiosk: the page stopped answering after a silent card"
grep -q "did not answer within 5 s" "$work/kiosk.err" && pass "kiosk: the silent card is logged" ||
    fail "kiosk: no log line for the silent card: $(cat "$work/kiosk.err")"
kill -0 "$kiosk_pid" 2>/dev/null && pass "the kiosk is still running" || fail "the kiosk died"
stop_kiosk
cleanup_vcards

section "part 5"
# === 5. A misbehaving card: the genuine card, but one fault at one APDU of the tap (each of
# the $taps: SELECT, CHUID, certificate, its GET RESPONSEs, GENERAL AUTHENTICATE), then two
# faulty at every APDU (the reader survey included). Nothing the card says can pass as a
# merchant card, and nothing it says may crash or hang the terminal: denied, unreadable. Two
# cases at a time, one per reader; the kinds rotate, so each meets both readers.
fault_kinds=(garbage oversize-length oversize-response endless-61xx sw=9000 sw=6F00 sw=6700 sw=6D00)
fault_cases=()
for k in $(seq "$taps"); do
    for j in "${!fault_kinds[@]}"; do fault_cases+=("${fault_kinds[(j + k) % ${#fault_kinds[@]}]}@$k"); done
done
fault_cases+=(garbage sw=6F00)
# at_tap SPEC SURVEY: KIND@K (K-th APDU of the tap) as fmc-vcard counts it, after the survey.
at_tap() { [[ "$1" == *@* ]] && echo "${1%@*}@$(($2 + ${1##*@}))" || echo "$1"; }
run_fault_pair() {  # run_fault_pair SPEC_CONTACT [SPEC_CONTACTLESS]
    cleanup_vcards
    cp "$vcard_dir/amina.state" "$vcard_dir/faulty-cl.state"
    cp "$vcard_dir/amina.state" "$vcard_dir/faulty.state"
    rm -f "$vcard_dir"/faulty*.log
    start_vcard 35963 faulty --fault "$(at_tap "$1" "$survey_contact")"
    launch c "$contact"
    if [ -n "${2:-}" ]; then
        start_vcard 35964 faulty-cl --contactless --fault "$(at_tap "$2" "$survey_contactless")"
        launch cl "$contactless"
    fi
    settle c 1 unreadable "$(fault_case "$1"), contact"
    fired faulty "$(at_tap "$1" "$survey_contact")"
    [ -z "${2:-}" ] || { settle cl 1 unreadable "$(fault_case "$2"), contactless"; fired faulty-cl "$(at_tap "$2" "$survey_contactless")"; }
    cases=$((cases + 1))
    [ -z "${2:-}" ] || cases=$((cases + 1))
}
fault_case() { [[ "$1" == *@* ]] && echo "fault ${1%@*} at APDU ${1##*@} of the tap" || echo "fault $1 at every APDU"; }
fired() {  # fired CARD SPEC: the card's log shows the fault at the APDU meant
    if [[ "$2" == *@* ]]; then
        local note="fault $2 at command ${2##*@}"
        vcard_log "$1" | grep -qF "$note" && pass "  $1: $note" || fail "  $1: no '$note' in its log: $(vcard_log "$1" | tail -n 4)"
    else  # the survey stops at its first bad answer, so only "more than the survey's" counts
        local times
        times=$(vcard_log "$1" | grep -c "fault $2 at command")
        [ "$times" -ge 2 ] && pass "  $1: fault $2 fired $times times (survey and tap)" ||
            fail "  $1: fault $2 fired $times times: $(vcard_log "$1" | tail -n 4)"
    fi
}
for ((i = 0; i < ${#fault_cases[@]}; i += 2)); do
    run_fault_pair "${fault_cases[i]}" "${fault_cases[i + 1]:-}"
done
# A card that stops answering in the middle of the tap (the certificate's GET DATA): SCardTransmit
# waits without limit, the tap's own deadline (5 s) decides it.
cleanup_vcards
cp "$vcard_dir/amina.state" "$vcard_dir/mute.state"
cp "$vcard_dir/amina.state" "$vcard_dir/mute-cl.state"
start_vcard 35963 mute --fault "mute@$((survey_contact + 3))"
start_vcard 35964 mute-cl --contactless --fault "mute@$((survey_contactless + 3))"
launch c "$contact"
launch cl "$contactless"
settle c 1 unreadable "card stops answering at APDU 3 of the tap, contact" "did not answer within 5 s"
settle cl 1 unreadable "card stops answering at APDU 3 of the tap, contactless" "did not answer within 5 s"
cases=$((cases + 2))
cleanup_vcards

section "part 6"
# === 6. The card pulled at every APDU of a tap, on both readers at once: card-removed.
for k in $(seq "$taps"); do
    cleanup_vcards
    cp "$vcard_dir/amina.state" "$vcard_dir/pulled.state"
    cp "$vcard_dir/amina.state" "$vcard_dir/pulled-cl.state"
    start_vcard 35963 pulled --quiet --remove-after $((survey_contact + k))
    start_vcard 35964 pulled-cl --quiet --contactless --remove-after $((survey_contactless + k))
    launch c "$contact"
    launch cl "$contactless"
    settle c 1 card-removed "card pulled at APDU $k of the tap, contact"
    settle cl 1 card-removed "card pulled at APDU $k of the tap, contactless"
    cases=$((cases + 2))
done
cleanup_vcards

section "part 7"
# === 7. pcscd killed (SIGKILL) mid-tap, while each card holds the tap's 3rd APDU (the
# certificate's GET DATA) unanswered (--fault mute): on the contact reader a `check`, which ends
# in time with exit 2 and one line (it cannot decide; no tap is logged); on the contactless one
# a `watch`, which says it reconnects and keeps running. pcscd comes back through
# start_pcscd.sh, the cards come back (fmc-vcard reconnects): the watch grants the card it sees
# again, a new check grants the other; SIGTERM ends the watch with 0.
cp "$vcard_dir/amina.state" "$vcard_dir/killed.state"
cp "$vcard_dir/amina.state" "$vcard_dir/killed-cl.state"
start_vcard 35963 killed --fault "mute@$((survey_contact + 3))" --connect-timeout 30
start_vcard 35964 killed-cl --contactless --fault "mute@$((survey_contactless + 3))" --connect-timeout 30
launch kill "$contact"
timeout -k 2 120 "$FMC_BIN_DIR/fmc-terminal" watch --service library --reader "$contactless" --json \
    >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
muted() { vcard_log killed | grep -q "fault mute" && vcard_log killed-cl | grep -q "fault mute"; }
for _ in $(seq 100); do muted && break; sleep 0.05; done
muted && pass "both cards hold the tap's 3rd APDU unanswered" || fail "the mute faults did not fire"
sleep 0.3
pcscd_pid=$(pidof pcscd)
kill -KILL $pcscd_pid
wait "${launched[kill]}"
read -r rc ms <"$work/kill.rc"
cases=$((cases + 1))
[ "$rc" -eq 2 ] && pass "pcscd killed mid-tap: check exits 2 after $ms ms" ||
    fail "pcscd killed mid-tap: exit $rc after $ms ms (2 expected); $(cat "$work/kill.out" "$work/kill.err")"
expect_one_line "$(cat "$work/kill.err")" "pcscd killed mid-tap: one line on stderr"
for _ in $(seq 30); do grep -q reconnecting "$work/watch.err" && break; sleep 0.1; done
expect_contains "$(cat "$work/watch.err")" "reconnecting" "pcscd killed mid-tap: watch says it reconnects"
kill -0 "$watch_pid" 2>/dev/null && pass "watch still running without pcscd" || fail "watch ended when pcscd was killed"
# Until it is reaped: pcscd refuses to start while the old pid answers kill -0 (a zombie does).
for _ in $(seq 100); do kill -0 $pcscd_pid 2>/dev/null || break; sleep 0.1; done
bash "$fixtures/start_pcscd.sh" "$work/pcscd-state" >/dev/null || fail "pcscd did not start again"
rm -f "$work/pcscd-state"
"$FMC_BIN_DIR/fmc-terminal" readers --reader "$contact" --wait 15 >/dev/null ||
    fail "the card did not come back after pcscd restarted: $(vcard_log killed | tail -n 3)"
check 0 ok "$contact" "after pcscd restarted, the contact card: granted by check"
for _ in $(seq 100); do [ -s "$work/watch.out" ] && break; sleep 0.1; done
kill -TERM "$watch_pid"
wait "$watch_pid"
rc=$?
[ "$rc" -eq 0 ] && pass "watch exits 0 on SIGTERM" || fail "watch exit $rc after SIGTERM"
cases=$((cases + 1))
[ "$(jq -r '.decision + " " + .reason' "$work/watch.out" 2>/dev/null | tr '\n' ' ')" = "granted ok " ] &&
    pass "after pcscd restarted, the contactless card: granted by watch, one line" ||
    fail "watch printed: $(cat "$work/watch.out"); stderr: $(tail -n 3 "$work/watch.err")"
decided+="$(jq -r "$tap_line" "$work/watch.out" 2>/dev/null)"$'\n'
cleanup_vcards

# === The tap log: one line per decision at the default terminal (the pairs ran concurrently,
# so as a multiset), and no names in it.
expect_exit 0 "log export" -- terminal log export
logged=$(jq -r "$tap_line" <<<"$out" | sort)
[ "$logged" = "$(printf '%s' "$decided" | sort)" ] &&
    pass "the tap log holds the $(grep -c . <<<"$logged") decisions made here" ||
    fail "tap log differs from the decisions: $(diff <(echo "$logged") <(printf '%s' "$decided" | sort) | head -n 6)"
for name in "Amina Bello" "Oleg Petrov" "Mallory"; do
    grep -q "$name" "$FMC_TERMINAL_HOME/taps.sqlite" && fail "'$name' in the tap log" || pass "no '$name' in the tap log"
done
echo "attack cases: $cases; run time ${SECONDS} s"

finish
