#!/bin/bash
# The NFC tag profile (issue 9) on the real stack: `fmc-vcard --ntag216` tags in pcscd's vpcd
# readers, credentials written by `fmc-issue tag issue`, decisions by `fmc-terminal check`.
# What it shows: issuance (progress, registry record, refusals, a crash and a pulled tag rolled
# back), offline verification at low assurance, each service's policy (library and parks accept
# low assurance, the others refuse it), not-entitled, a copy on another UID refused, a copy on
# a UID-faking tag accepted (why it is low assurance), a tampered copy, revocation, foreign NDEF
# content, and the tap log. The copies are made as an attacker would: scriptor (pcsc-tools)
# reading and writing pages with the storage-card pseudo-APDUs.
# Needs the pcscd fixture; the fmc-vcard APDU logs are printed on failure.
. "$(dirname "$0")/../cli/lib.sh"

for tool in scriptor jq openssl; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'show_logs_on_failure; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_logs_on_failure() {
    [ "$failures" -eq 0 ] || for log in "$vcard_dir"/*.log; do echo "--- $log" >&2; tail -n 15 "$log" >&2; done
}

export FMC_OPERATOR=tester FMC_KEY_PASSPHRASE=ntag-test-passphrase FMC_TERMINAL_HOME=$work/terminal
export FMC_HOME=$work/station
reader0="Virtual PCD 00 00" reader1="Virtual PCD 00 01"
issue() { "$FMC_BIN_DIR/fmc-issue" "$@"; }
terminal() { "$FMC_BIN_DIR/fmc-terminal" "$@"; }

# tag NAME PORT UID [fmc-vcard options]: an NTAG216 in the reader of PORT (the one there before
# leaves first).
tag() {
    local name=$1 port=$2 uid=$3
    shift 3
    stop_tag "$port"
    start_vcard "$port" "$name" --ntag216 --uid "$uid" "$@"
    printf -v "tag_pid_$port" '%s' "${vcard_pids##* }"
}
tag_pid_35963="" tag_pid_35964=""
stop_tag() {
    local var="tag_pid_$1" reader=$reader0
    [ "$1" = 35964 ] && reader=$reader1
    if [ -n "${!var}" ] && kill "${!var}" 2>/dev/null; then
        wait "${!var}" 2>/dev/null
        vcard_pids=${vcard_pids/ ${!var}/}
        wait_reader_empty "$reader"
    fi
    printf -v "$var" '%s' ""
}

# apdus READER APDU...: sends the APDUs with scriptor; prints each answer (data and SW) as one
# line of upper-case hex without spaces.
apdus() {
    local reader=$1
    shift
    printf '%s\n' "$@" | scriptor -r "$reader" 2>/dev/null | awk '
        /^< / { answer = substr($0, 3); open = 1 }
        /^[^<>]/ && open { answer = answer " " $0 }
        open && index(answer, " : ") { answer = substr(answer, 1, index(answer, " : ") - 1)
                                       gsub(/ /, "", answer); print toupper(answer); open = 0 }'
}
# spaced HEX: "0102" -> "01 02" (scriptor reads bytes separated by spaces).
spaced() { sed 's/../& /g; s/ $//' <<<"$1"; }
# copy_pages FROM TO FIRST COUNT: what a cloner does: read the pages from one tag, write them
# to the other, one FF D6 per page.
copy_pages() {
    local from=$1 to=$2 first=$3 count=$4 reads=() writes=() page data
    for ((page = first; page < first + count; page += 4)); do reads+=("$(printf 'FF B0 00 %02X 10' "$page")"); done
    data=$(apdus "$from" "${reads[@]}" | sed 's/9000$//' | tr -d '\n')
    for ((page = 0; page < count; page++)); do
        writes+=("$(printf 'FF D6 00 %02X 04 %s' $((first + page)) "$(spaced "${data:$((page * 8)):8}")")")
    done
    local written
    written=$(apdus "$to" "${writes[@]}" | grep -c '^9000$')
    [ "$written" -eq "$count" ] || fail "copy_pages: $((count - written)) of $count page writes failed"
}

# check EXIT REASON READER SERVICE [jq condition]: one decision at the terminal.
check() {
    local want_exit=$1 reason=$2 reader=$3 service=$4 extra=${5:-true}
    expect_exit "$want_exit" "$service $reason" -- terminal check --service "$service" --reader "$reader" --json
    decision=$out
    local want=denied
    [ "$want_exit" -eq 0 ] && want=granted
    if [ "$(jq -r ".decision == \"$want\" and .reason == \"$reason\" and ($extra)" <<<"$decision" 2>/dev/null)" = true ]
    then pass "$service: $want/$reason"; else fail "$service: expected $want/$reason and $extra, got: $decision"; fi
}

# issue_tag MERCHANT READER VAR [options]: issues the tag in READER; VAR = its serial.
issue_tag() {
    local merchant=$1 reader=$2 var=$3
    shift 3
    expect_exit 0 "tag issue for merchant $merchant" -- issue tag issue --merchant "$merchant" --reader "$reader" --json "$@"
    printf -v "$var" '%s' "$(jq -r .serial <<<"$out")"
    issued=$out progress=$err
}

# --- Station, merchants, a blank tag -------------------------------------------------------
issue init --authority "Yiwu PSB" >/dev/null || { fail "fmc-issue init"; exit 1; }
issue merchant add --name "Amina Bello" --nationality NGA --document A1 --language fr \
    --entitlement library parks transport health.clinic >/dev/null
issue merchant add --name "Oleg Petrov" --nationality RUS --document R2 --entitlement library >/dev/null
issue trust export --out "$work/trust.pem" >/dev/null
expect_exit 0 "terminal setup" -- terminal setup --trust "$work/trust.pem"
expect_exit 0 "import the ARL" -- terminal crl import "$FMC_HOME/arl.der"
publish() { issue crl publish --out "$work/crl.der" >/dev/null && terminal crl import "$work/crl.der" >/dev/null ||
    fail "CRL publish and import"; }
publish

uid_a=04A1B2C3D4E5F6 uid_b=04112233445566 uid_c=04C0FFEE000001
tag amina 35964 "$uid_a"
check 1 not-a-merchant-card "$reader1" library '.assurance == null'
expect_contains "$(jq -r .detail <<<"$decision")" "the tag holds no" "a blank tag: no credential"

# --- Issue: progress, the record, the credential on the tag, refusals -----------------------
issue_tag 1 "$reader1" serial_a
[ "$(jq -r '.assurance + " " + .tag_uid' <<<"$issued")" = "low $uid_a" ] && pass "issued at low assurance, bound to $uid_a" ||
    fail "tag issue JSON: $issued"
[ "$(jq -r '.ndef_bytes < .tag_capacity and .credential_bytes <= 800' <<<"$issued")" = true ] &&
    pass "the credential fits the tag ($(jq -r '"\(.ndef_bytes) of \(.tag_capacity) bytes"' <<<"$issued"))" ||
    fail "credential size: $issued"
[ "$(grep -c 'done (' <<<"$progress")" -eq 5 ] && pass "5 steps reported on stderr" || fail "progress: $progress"
expect_exit 0 "card show" -- issue card show "$serial_a" --json
[ "$(jq -r '.form_factor + " " + .tag_uid + " " + .status' <<<"$out")" = "ntag $uid_a active" ] &&
    pass "the registry keeps the credential as an active ntag card" || fail "card show: $out"
# The NDEF message is readable by anyone: one application/cwt record.
first=$(apdus "$reader1" 'FF B0 00 04 10' 'FF B0 00 08 10' | sed 's/9000$//' | tr -d '\n')
case "$first" in 03FF????D20F??6170706C69636174696F6E2F637774*) pass "the tag holds an NDEF application/cwt record" ;;
    *) fail "the tag's first pages: $first" ;; esac

expect_exit 65 "card renew on a tag" -- issue card renew "$serial_a"
expect_contains "$err" "NFC tag credential" "renew refused: tags are issued again, not renewed"
expect_exit 6 "the same tag again" -- issue tag issue --merchant 1 --reader "$reader1"
expect_contains "$err" "already carries live credential $serial_a" "refused: a live credential is on it"
expect_one_line "$err" "the refusal is one line"
start_vcard 35963 pivcard
expect_exit 6 "a PIV card is not a tag" -- issue tag issue --merchant 1 --reader "$reader0"
expect_contains "$err" "not an NTAG21x tag" "refused: not an NTAG21x"
cleanup_vcards
tag amina 35964 "$uid_a"

# --- Verification and policy --------------------------------------------------------------
check 0 ok "$reader1" library ".assurance == \"low\" and .serial == \"$serial_a\" and .interface == \"contactless\""
check 0 ok "$reader1" parks '.assurance == "low"'
check 1 assurance-too-low "$reader1" transport.bus '.detail | test("requires high assurance")'
check 1 assurance-too-low "$reader1" health.clinic '.assurance == "low"'
expect_exit 0 "text decision" -- terminal check --service library --reader "$reader1"
expect_contains "$out" "low-assurance (NFC tag)" "the text decision says low assurance"

tag oleg 35963 "$uid_b"
issue_tag 2 "$reader0" serial_b
check 0 ok "$reader0" library ".serial == \"$serial_b\""
check 1 not-entitled "$reader0" parks '.assurance == "low"'

# --- Copies: on another UID (refused), on a tag that fakes the UID (accepted: low assurance) --
tag copy 35963 "$uid_c"
copy_pages "$reader1" "$reader0" 4 96
check 1 card-auth-failed "$reader0" library '.detail | test("a copy")'
expect_exit 0 "readers on the copy" -- terminal readers --reader "$reader0" --json
[ "$(jq -r '[.readers[0].hints[].id] | index("copied-tag") != null' <<<"$out")" = true ] &&
    pass "readers: copied-tag hint" || fail "readers on the copy: $out"

tag clone 35963 "$uid_a"
copy_pages "$reader1" "$reader0" 4 96
check 0 ok "$reader0" library ".serial == \"$serial_a\" and .assurance == \"low\""
pass "a clone on a UID-faking tag passes: why a tag is low assurance"
# One byte of the signed payload changed on the clone: "library" becomes "Library".
reads=()
for ((page = 4; page < 100; page += 4)); do reads+=("$(printf 'FF B0 00 %02X 10' "$page")"); done
memory=$(apdus "$reader0" "${reads[@]}" | sed 's/9000$//' | tr -d '\n')
at=$(awk -v m="$memory" 'BEGIN { i = index(m, "6C696272617279"); while (i > 0 && i % 2 == 0) { j = index(substr(m, i + 1), "6C696272617279"); i = j ? i + j : 0 } print (i - 1) / 2 }')
page=$((4 + at / 4)) offset=$((at % 4))
old=${memory:$(((page - 4) * 8)):8}
new=${old:0:$((offset * 2))}4C${old:$((offset * 2 + 2))}
[ "$(apdus "$reader0" "$(printf 'FF D6 00 %02X 04 ' "$page")$(spaced "$new")")" = 9000 ] || fail "writing the altered page"
check 1 bad-signature "$reader0" library
stop_tag 35963

# --- Revocation reaches the tag like a card ------------------------------------------------
expect_exit 0 "revoke the tag's credential" -- issue card revoke "$serial_a" --reason lost
publish
check 1 revoked "$reader1" library ".serial == \"$serial_a\""

# --- Foreign NDEF content: refused unless --overwrite ---------------------------------------
tag foreign 35963 04F0F0F0F0F0F0
# An NDEF URI record (https://example.org) as any phone app writes it.
[ "$(apdus "$reader0" 'FF D6 00 04 04 03 11 D1 01' 'FF D6 00 05 04 0D 55 04 65' 'FF D6 00 06 04 78 61 6D 70' \
    'FF D6 00 07 04 6C 65 2E 6F' 'FF D6 00 08 04 72 67 FE 00' | sort -u)" = 9000 ] || fail "writing the URI record"
check 1 not-a-merchant-card "$reader0" library
expect_exit 6 "a tag with other content" -- issue tag issue --merchant 2 --reader "$reader0"
expect_contains "$err" "other NDEF content" "refused: foreign content"
issue_tag 2 "$reader0" serial_f --overwrite
check 0 ok "$reader0" library ".serial == \"$serial_f\""

# --- A crash after the write, and a tag pulled mid-write: rolled back, issued again ---------
tag crash 35963 04D0D0D0D0D0D0
FMC_FAULT_KILL_AFTER=credential-written issue tag issue --merchant 2 --reader "$reader0" --json >/dev/null 2>&1
[ $? -eq 137 ] && pass "killed after writing the tag" || fail "the fault was not injected"
expect_exit 0 "recover" -- issue recover --json
killed=$(jq -r '.[0].serial' <<<"$out")
# The kill came after the write and before its step was recorded: the last recorded step is
# the signing, and the credential on the tag is the one whose serial is now revoked.
[ "$(jq -r '.[0].last_step' <<<"$out")" = credential-signed ] && pass "recover rolled back the written credential" ||
    fail "recover: $out"
expect_exit 0 "card show (rolled back)" -- issue card show "$killed" --json
[ "$(jq -r .status <<<"$out")" = revoked ] && pass "the interrupted credential is revoked" || fail "status: $out"
publish
check 1 revoked "$reader0" library ".serial == \"$killed\""
issue_tag 2 "$reader0" serial_d
check 0 ok "$reader0" library ".serial == \"$serial_d\""

tag pulled 35963 04E0E0E0E0E0E0 --remove-after 30
expect_exit 6 "the tag pulled mid-write" -- issue tag issue --merchant 2 --reader "$reader0"
expect_one_line "$err" "one line"
wait "$tag_pid_35963" 2>/dev/null  # it left the reader and ended
vcard_pids=${vcard_pids/ $tag_pid_35963/}
tag_pid_35963=""
wait_reader_empty "$reader0"
tag pulled 35963 04E0E0E0E0E0E0
issue_tag 2 "$reader0" serial_e
check 0 ok "$reader0" library ".serial == \"$serial_e\""
expect_exit 0 "audit verify" -- issue audit verify
expect_exit 0 "no live credential twice" -- issue card list --json
[ "$(jq '[.[] | select(.status == "active") | .tag_uid] | length == (unique | length)' <<<"$out")" = true ] &&
    pass "one active credential per tag" || fail "card list: $out"

# --- The tap log: decisions with their assurance, no names ----------------------------------
expect_exit 0 "log export" -- terminal log export
[ "$(jq -s '[.[] | select(.serial == "'"$serial_a"'" and .decision == "granted")] | length > 0 and all(.assurance == "low")' <<<"$out")" = true ] &&
    pass "tag decisions are logged at low assurance" || fail "log: $out"
case "$out" in *Amina*|*Oleg*) fail "the tap log holds a name" ;; *) pass "no names in the tap log" ;; esac

finish
