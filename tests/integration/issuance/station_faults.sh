#!/bin/bash
# Faults at the issuance station (issue 8, item 4) on the real stack: pcscd + vpcd + fmc-vcard,
# SoftHSM2, the registry on disk. fmc-issue is killed (SIGKILL) after every issuance step with
# the keys on a PKCS#11 token, and at the durable writes of `card revoke` (every one), `card
# suspend` and `crl publish` (a sample), strace delivering the SIGKILL on entering the write;
# the HSM fails six ways; another process holds the registry's write lock during six commands;
# the station's folder sits on a small tmpfs, filled to several levels of free space. After
# each fault: a one-line error with its exit code, then the registry sound, the audit chain
# intact, every committed record kept, no card holding a credential the registry does not
# know, and the same command working again. Needs the pcscd fixture, root (mount), strace and
# SoftHSM2; prints how many faults it tried. About 90 s.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

module=${FMC_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
for tool in yubico-piv-tool openssl python3 softhsm2-util strace fallocate mountpoint; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
[ -f "$module" ] || { echo "FAIL: $module missing (apt-get install softhsm2)" >&2; exit 1; }
fmc_issue="$FMC_BIN_DIR/fmc-issue"
reader="Virtual PCD 00 00"
work=$(mktemp -d)
full="$work/full"  # the small tmpfs of the disk-full faults
trap 'for p in $helpers; do kill "$p" 2>/dev/null; done; cleanup_vcards
      mountpoint -q "$full" && umount "$full"; rm -rf "$vcard_dir" "$work"' EXIT
show_logs_on_failure() {
    [ "$failures" -eq 0 ] && return
    for log in "$vcard_dir"/*.log; do echo "--- $log ---" >&2; tail -n 12 "$log" >&2; done
}
started=$SECONDS
declare -A tried=()  # fault kind -> how many were tried
section_started=$SECONDS
section_done() { echo "section: $1 took $((SECONDS - section_started)) s"; section_started=$SECONDS; }
count_fault() { tried[$1]=$((${tried[$1]:-0} + 1)); }

# Mounted first, so that a machine where the disk-full faults cannot run fails at once.
mkdir "$full"
mount -t tmpfs -o size=4m,mode=0755 tmpfs "$full" ||
    { echo "FAIL: cannot mount a tmpfs on $full for the disk-full faults (the test needs root and mount)" >&2; exit 1; }

# --- The station with its keys on a SoftHSM2 token ------------------------------------------
mkdir "$work/tokens" "$work/no-tokens" "$work/other-tokens"
softhsm_conf() { printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$1"; }
softhsm_conf "$work/tokens" >"$work/softhsm2.conf"
softhsm_conf "$work/no-tokens" >"$work/no-tokens.conf"
softhsm_conf "$work/other-tokens" >"$work/other-tokens.conf"
export SOFTHSM2_CONF="$work/softhsm2.conf"
pin=13572468
softhsm2-util --init-token --free --label fmc-faults --so-pin 87654321 --pin "$pin" >/dev/null &&
    SOFTHSM2_CONF="$work/other-tokens.conf" softhsm2-util --init-token --free --label another-token \
        --so-pin 87654321 --pin "$pin" >/dev/null || { echo "FAIL: softhsm2-util could not create the tokens" >&2; exit 1; }

export FMC_HOME="$work/station" FMC_OPERATOR="station faults" FMC_KEY_PASSPHRASE="station faults passphrase"
export FMC_PKCS11_PIN="$pin" FMC_PKCS11_MODULE="$module"
unset FMC_FAULT_KILL_AFTER
db="$FMC_HOME/registry.sqlite"
expect_exit 0 "init with the keys on the token" -- issue init --authority "Station Faults Authority" \
    --key-store pkcs11:token=fmc-faults
expect_exit 0 "merchant add" -- issue merchant add --json --name "Lindiwe Dube" --nationality ZAF \
    --document Z1000001 --entitlement trade.licensing
merchant=$(printf '%s' "$out" | json "d['id']")
serials=()

# --- 1. Killed after every issuance step, the keys on the token ----------------------------
kill_at_every_step 35963
tried[issuance killed after a step (PKCS#11)]=$kill_points

section_done "kill after each issuance step"

# --- 2. Killed at every durable write of the registry-only commands -------------------------
sql() { "$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$db" "$1"; }
audit_length() { sql "SELECT count(*) FROM audit_log"; }
card_status() { sql "SELECT status FROM card WHERE serial = '$1'"; }
crl_count() { sql "SELECT count(*) FROM published_crl"; }
durable_calls=pwrite64,write,fsync,fdatasync,ftruncate,rename,renameat,renameat2,link,linkat,unlink,unlinkat
# kill_points COMMAND...: runs COMMAND whole under strace and prints where it may be killed, one
# "syscall n" a line (its nth call of that syscall), in order: the first durable write of each
# phase (the same syscall on the same file in a row), and the last of a run of pwrite64 calls
# too (SQLite writes one WAL frame or checkpointed page per call: the last WAL frame is the
# commit). Files only: not pipes, not the -shm file (shared memory, rebuilt by SQLite), nor
# SoftHSM2's token files (SoftHSM2 rewrites token.object in place at every login: a kill there
# ruins the token, see docs/threat-model.md).
kill_points() {
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -y -o "$work/trace" -e trace="$durable_calls" "$@" >"$work/probe.out" 2>&1 ||
        fail "the probe run of $* failed: $(cat "$work/probe.out")"
    awk -v tokens="$work/tokens" '
        function flush() { if (pending != "") print pending; pending = "" }
        { sub(/^[0-9]+ +/, "") }
        match($0, /^[a-z0-9_]+\(/) {
            name = substr($0, 1, RLENGTH - 1); n = ++seen[name]; rest = substr($0, RLENGTH + 1); file = ""
            if (match(rest, /^[0-9]+<[^>]*>/)) { file = substr(rest, 1, RLENGTH - 1); sub(/^[0-9]+</, "", file) }
            else if (match(rest, /^"[^"]*"/)) file = substr(rest, 2, RLENGTH - 2)
            # Files only: not pipes (the sanitizers probe memory by writing into one), not the
            # token files, not the -shm file.
            if (file !~ /^\// || index(file, tokens) == 1 || file ~ /-shm$/) next
            if (name " " file == previous) { if (name == "pwrite64") pending = name " " n; next }
            flush(); print name, n; previous = name " " file
        }
        END { flush() }' "$work/trace"
}

# kill_every_write OP: OP_next sets cmd=(fmc-issue arguments) for a fresh attempt, OP_done says
# whether the attempt's change is in the registry, OP_again is the exit code of running a
# completed command again (65: refused as done already; 0: it simply runs again), OP_extra
# (optional) checks more after a kill. The first attempt runs whole to find the kill points;
# then one attempt per point, killed there: the change is in whole (the audit log grew by the
# probe's entries) or not at all, the station is sound, and the same command run again
# completes it or refuses in one line. With op_keep set, a target whose change did not happen
# stays the target of the next point (cards to revoke are scarce); the last one runs whole.
kill_every_write() {  # OP [SYSCALLS [STRIDE]]: only those syscalls (a regex), every STRIDEth point
    local op=$1 only=${2:-[a-z0-9]+} stride=${3:-1} points point before grown entries committed=0 again pending_retry=""
    "${op}_next"
    before=$(audit_length)
    mapfile -t points < <(kill_points "$fmc_issue" "${cmd[@]}" | grep -E "^($only) " | awk -v s="$stride" 'NR % s == 1 || s == 1')
    entries=$(($(audit_length) - before))
    [ "${#points[@]}" -ge 3 ] && [ "$entries" -ge 1 ] && pass "$op: ${#points[@]} kill points, $entries audit entries" ||
        fail "$op: the probe found ${#points[@]} kill points and $entries audit entries"
    for point in "${points[@]}"; do
        [ -n "$pending_retry" ] || "${op}_next"
        pending_retry=""
        before=$(audit_length)
        expect_exit 137 "$op killed at $point" -- bash -c '"$@"; exit $?' - env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null \
            -e trace="${point% *}" -e inject="${point% *}:signal=SIGKILL:when=${point#* }" "$fmc_issue" "${cmd[@]}"
        count_fault "$op killed at a durable write"
        grown=$(($(audit_length) - before))
        if [ "$grown" -eq 0 ] && ! "${op}_done"; then
            pass "$op killed at $point: nothing committed"
            again=0
        elif [ "$grown" -eq "$entries" ] && "${op}_done"; then
            pass "$op killed at $point: committed whole"
            committed=$((committed + 1))
            again_variable=${op}_again
            again=${!again_variable}
        else
            fail "$op killed at $point: half done (audit +$grown of $entries entries; change in: $("${op}_done" && echo yes || echo no))"
            again=0
        fi
        check_station_sound "$op killed at $point"
        declare -F "${op}_extra" >/dev/null && "${op}_extra" "$op killed at $point"
        if [ "$again" -eq 0 ] && [ -n "${op_keep:-}" ] && [ "$point" != "${points[-1]}" ]; then
            pending_retry=yes  # the next point tries the same change again
            continue
        fi
        expect_exit "$again" "$op killed at $point: run again" -- issue "${cmd[@]}"
        [ "$again" -eq 0 ] || expect_one_line "$err" "$op killed at $point: the refusal is one line"
    done
    pass "$op: $committed of ${#points[@]} kills came after the commit"
}

active_cards=($(issue card list --json | json "' '.join(c['serial'] for c in d if c['status'] == 'active')"))
[ "${#active_cards[@]}" -ge 8 ] && pass "${#active_cards[@]} active cards" ||
    fail "only ${#active_cards[@]} active cards after the kill loop"
# Three set aside: one to suspend and reinstate, one to revoke while the HSM is gone, one to
# revoke while the registry is locked. The rest are revoked at the kill points.
pendulum=${active_cards[0]} revocable=${active_cards[1]} locked_card=${active_cards[2]}
active_cards=("${active_cards[@]:3}")

# Revocation: one card per change that happened, so the card stays the target until then.
revoke_next() {
    [ "${#active_cards[@]}" -gt 0 ] || { fail "revoke: ran out of active cards"; return; }
    target=${active_cards[-1]}
    unset 'active_cards[-1]'
    cmd=(card revoke "$target" --reason stolen)
}
revoke_done() { [ "$(card_status "$target")" = revoked ]; }
revoke_again=65  # already revoked
op_keep=yes kill_every_write revoke

# Suspension and reinstatement take turns on one card.
suspend_next() {
    [ "$(card_status "$pendulum")" = active ] || issue card reinstate "$pendulum" >/dev/null
    target=$pendulum
    cmd=(card suspend "$target")
}
suspend_done() { [ "$(card_status "$target")" = suspended ]; }
suspend_again=65  # already suspended
kill_every_write suspend "[a-z0-9]+" 4  # the same transaction path as revoke: every fourth point
issue card reinstate "$pendulum" >/dev/null

# A CRL: the number is recorded before the file is written, so a kill may use a number up; the
# file at the target is the whole old list or the whole new one, never a torn one.
issue trust export --out "$work/trust.pem" >/dev/null
awk -v dir="$work" '/BEGIN CERTIFICATE/ { n++ } { print > (dir "/ca" n ".pem") }' "$work/trust.pem"
mkdir "$work/pub"
crls_before=0
crl_out_next() { crls_before=$(crl_count); cmd=(crl publish --out "$work/pub/list.crl"); }
crl_out_done() { [ "$(crl_count)" -gt "$crls_before" ]; }
crl_out_again=0
crl_out_extra() {
    [ ! -e "$work/pub/list.crl" ] || openssl crl -inform DER -in "$work/pub/list.crl" -CAfile "$work/ca2.pem" -noout 2>/dev/null &&
        pass "$1: the CRL file is absent or a whole signed list" || fail "$1: the CRL file is torn or unsigned"
}
kill_every_write crl_out "write|fsync|rename|fdatasync"
# The published folder: index.cms, when there, is signed and names files that are there, whole.
crl_dir_next() { crls_before=$(crl_count); cmd=(crl publish --dir "$work/pub/dir"); }
crl_dir_done() { crl_out_done; }
crl_dir_again=0
crl_dir_extra() {
    local index problems
    index=$(ls "$work"/pub/dir/*/index.cms 2>/dev/null | head -n 1)
    [ -n "$index" ] || { pass "$1: no index published yet"; return; }
    problems=$(openssl cms -verify -noverify -inform DER -in "$index" 2>/dev/null | "$py" -c '
import hashlib, json, os, sys
folder = sys.argv[1]
index = json.load(sys.stdin)
for key in ("full", "delta", "arl"):
    entry = index.get(key)
    if not entry: continue
    path = os.path.join(folder, entry["file"])
    if not os.path.exists(path): print("missing", entry["file"]); continue
    data = open(path, "rb").read()
    if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"].lower():
        print("differs", entry["file"])' "$(dirname "$index")" 2>&1)
    [ -z "$problems" ] && pass "$1: index.cms verifies and names whole files" || fail "$1: published folder: $problems"
}
kill_every_write crl_dir "rename|fdatasync" 2  # every second one
for leftover in "$work"/pub/.??* "$work"/pub/dir/*/.??*; do
    [ -e "$leftover" ] && echo "note: a kill left the temporary file $(basename "$leftover") behind"
done

section_done "kill at durable writes"

# --- 3. The HSM unavailable -----------------------------------------------------------------
# Each fault must stop `card issue` before the card changes and `crl publish` before a number
# is recorded; revocation needs no key and keeps working. Then the HSM is back and the same
# card issues.
start_vcard 35963 hsm
card_state=$(md5sum <"$vcard_dir/hsm.state")
hsm_fault() {  # NAME CODE ENV... : card issue and crl publish under ENV
    local name=$1 code=$2
    shift 2
    unchanged "$code" "HSM $name: card issue" -- env "$@" "$fmc_issue" card issue --merchant "$merchant" --reader "$reader"
    unchanged "$code" "HSM $name: crl publish" -- env "$@" "$fmc_issue" crl publish --out "$work/hsm.crl"
    [ ! -e "$work/hsm.crl" ] && pass "HSM $name: no CRL written" || fail "HSM $name: a CRL was written"
    [ "$(md5sum <"$vcard_dir/hsm.state")" = "$card_state" ] && pass "HSM $name: the card is untouched" ||
        fail "HSM $name: the card changed"
    expect_exit 0 "HSM $name: audit verify" -- issue audit verify
    count_fault "HSM unavailable"
}
hsm_fault "module missing" 2 FMC_PKCS11_MODULE="$work/no-such-pkcs11.so"
hsm_fault "token absent (another token only)" 2 SOFTHSM2_CONF="$work/other-tokens.conf"
hsm_fault "no token at all" 2 SOFTHSM2_CONF="$work/no-tokens.conf"
hsm_fault "wrong PIN" 77 FMC_PKCS11_PIN=00000000
mv "$work/tokens" "$work/tokens.away"
hsm_fault "token storage removed after init" 2 FMC_OPERATOR="$FMC_OPERATOR"
expect_exit 0 "HSM gone: revocation needs no key" -- issue card revoke "$revocable" --reason lost
mv "$work/tokens.away" "$work/tokens"
# The token's object files damaged (truncated copies), then restored.
cp -a "$work/tokens" "$work/tokens.saved"
for object in "$work"/tokens/*/*.object; do : >"$object"; done
hsm_fault "token objects emptied" 2 FMC_OPERATOR="$FMC_OPERATOR"
rm -rf "$work/tokens" && mv "$work/tokens.saved" "$work/tokens"
grep -Eiq '^fmc-vcard: [0-9a-f]{2}(47|db|24|2c|ff)[0-9a-f]{4}( |$)' "$vcard_dir/hsm.log" &&
    fail "a changing command reached the card while the HSM was unavailable" || pass "no changing command reached the card"
issue_card "HSM back: the same card"
check_card_known "HSM back" active
cleanup_vcards

section_done "HSM unavailable"

# --- 4. The registry locked by another process ----------------------------------------------
# Every command that writes waits the 5 s busy timeout, then says busy (75) in one line and
# leaves everything as it was; all run at once against one lock holder.
start_vcard 35963 locked
card_state=$(md5sum <"$vcard_dir/locked.state")
before=$(fingerprint)
crls_before=$(crl_count)
published_before=$(ls -R "$work/pub")
locked_names=(merchant-add card-revoke card-suspend crl-publish-out crl-publish-dir card-issue)
locked_command() {  # NAME: sets cmd
    case $1 in
    merchant-add) cmd=(merchant add --name Locked --nationality KEN --document L0000001 --entitlement trade.licensing) ;;
    card-revoke) cmd=(card revoke "$locked_card" --reason lost) ;;
    card-suspend) cmd=(card suspend "$pendulum") ;;
    crl-publish-out) cmd=(crl publish --out "$work/pub/locked.crl") ;;
    crl-publish-dir) cmd=(crl publish --dir "$work/pub/dir") ;;
    card-issue) cmd=(card issue --merchant "$merchant" --reader "$reader") ;;
    esac
}
hold "$(registry_lock_script 30)"
waiting=()
for name in "${locked_names[@]}"; do
    locked_command "$name"
    (
        begun=$(date +%s%N)
        "$fmc_issue" "${cmd[@]}" >/dev/null 2>"$work/locked-$name.err"
        echo "$? $((($(date +%s%N) - begun) / 1000000))" >"$work/locked-$name.rc"
    ) &
    waiting+=($!)
done
wait "${waiting[@]}"
release
for name in "${locked_names[@]}"; do
    read -r code waited <"$work/locked-$name.rc"
    err=$(cat "$work/locked-$name.err")
    [ "$code" = 75 ] && pass "registry locked: $name exits 75" || fail "registry locked: $name exit $code, expected 75: $err"
    expect_one_line "$err" "registry locked: $name: the error is one line"
    [ "$waited" -ge 4000 ] && pass "registry locked: $name waited the busy timeout (${waited} ms)" ||
        fail "registry locked: $name gave up after ${waited} ms"
    count_fault "registry locked"
done
[ "$(fingerprint)" = "$before" ] && [ "$(crl_count)" = "$crls_before" ] && pass "registry locked: the registry is unchanged" ||
    fail "registry locked: the registry changed"
[ "$(ls -R "$work/pub")" = "$published_before" ] && pass "registry locked: no CRL file written" ||
    fail "registry locked: CRL files changed"
[ "$(md5sum <"$vcard_dir/locked.state")" = "$card_state" ] && pass "registry locked: the card is untouched" ||
    fail "registry locked: the card changed"
check_station_sound "registry locked"
for name in "${locked_names[@]}"; do
    [ "$name" = card-issue ] && continue
    locked_command "$name"
    expect_exit 0 "lock released: $name" -- issue "${cmd[@]}"
done
issue_card "lock released: card issue"
check_card_known "lock released" active
cleanup_vcards
check_serials_unique

section_done "registry locked"

# --- 5. The disk full ------------------------------------------------------------------------
# A second station (key files) whose folder, CRL outputs included, is on the 4 MB tmpfs. A
# filler file leaves a given number of pages free; the command fails where the space runs out.
export FMC_HOME="$full/station"
db="$FMC_HOME/registry.sqlite"
expect_exit 0 "init on the small tmpfs" -- issue init --authority "Disk Full Authority"
expect_exit 0 "merchant add on the tmpfs" -- issue merchant add --json --name "Tomasz Nowak" --nationality POL \
    --document P1000001 --entitlement trade.licensing
merchant=$(printf '%s' "$out" | json "d['id']")
mkdir "$full/pub"
page=4096
pages_free() { df -B"$page" --output=avail "$full" | tail -n 1 | tr -d ' '; }
leave_free() {
    rm -f "$full/filler"
    local avail
    avail=$(pages_free)
    fallocate -l $(((avail - $1) * page)) "$full/filler" && [ "$(pages_free)" = "$1" ] ||
        fail "could not leave $1 pages free ($avail were free)"
}
make_room() { rm -f "$full/filler"; }
records() { issue merchant list --json; issue card list --json; }
# records_kept BEFORE: every merchant and card of BEFORE is still there, unchanged.
records_kept() {
    "$py" -c '
import json, sys
def parse(text):
    lines = text.splitlines()
    return [json.dumps(x, sort_keys=True) for part in lines for x in json.loads(part)]
before, now = parse(sys.argv[1]), set(parse(sys.argv[2]))
missing = [x for x in before if x not in now]
print("\n".join(missing))' "$1" "$(records)"
}
declare -A disk_messages=()
# disk_failed WHAT CODE ERR RECORDS_BEFORE: the checks after a failure for want of space.
disk_failed() {
    local what=$1 code=$2 message=$3 kept leftovers
    [ "$code" = 74 ] && pass "$what: exit 74 (disk)" || fail "$what: exit $code, expected 74: $message"
    expect_one_line "$message" "$what: the error is one line"
    case $message in
    *"disk is full"* | *"disk I/O error"* | *"No space left"*) pass "$what: the error names the disk" ;;
    *) fail "$what: the error does not say the disk is full: $message" ;;
    esac
    disk_messages[$(sed -E 's/\.tmp[0-9]+/.tmpPID/; s/CRL [0-9]+/CRL N/' <<<"${message#fmc-issue: }")]=1
    check_station_sound "$what"
    kept=$(records_kept "$4")
    [ -z "$kept" ] && pass "$what: every committed record is still there" || fail "$what: records lost or changed: $kept"
    leftovers=$(find "$full" -name '.*.tmp*' 2>/dev/null)
    [ -z "$leftovers" ] && pass "$what: no temporary file left behind" ||
        { fail "$what: temporary files left behind: $leftovers"; rm -f $leftovers; }
}

# disk_full_sweep OP LEVELS...: OP (OP_next and OP_done as in section 2) tried with each number
# of free pages in turn until it succeeds; after each failure, with room again, the checks
# above, the change not in the registry (a CRL may use its number up, and must say so), and
# the same command working.
disk_full_sweep() {
    local op=$1 level code message before
    shift
    for level in "$@"; do
        "${op}_next"
        before=$(records)
        leave_free "$level"
        "$fmc_issue" "${cmd[@]}" >/dev/null 2>"$work/disk.err"
        code=$?
        make_room
        message=$(cat "$work/disk.err")
        if [ "$code" -eq 0 ]; then
            pass "$op works with $level pages free"
            return
        fi
        count_fault "disk full"
        disk_failed "$op, $level pages free" "$code" "$message" "$before"
        if "${op}_done"; then
            case $message in *"number is used up"*) pass "$op, $level pages free: the recorded number is used up, as it says" ;;
            *) fail "$op, $level pages free: failed, yet its change is in the registry" ;; esac
        else
            pass "$op, $level pages free: nothing committed"
        fi
        expect_exit 0 "$op, $level pages free: with room again" -- issue "${cmd[@]}"
    done
    fail "$op did not succeed with up to $level pages free"
}
enrolled=0
merchant_next() {
    enrolled=$((enrolled + 1))
    document=$(printf 'K%07d' "$enrolled")
    cmd=(merchant add --name "Killed Enrolment" --nationality KEN --document "$document" --entitlement trade.licensing)
}
merchant_done() { [ "$(sql "SELECT count(*) FROM merchant WHERE travel_document = '$document'")" = 1 ]; }
merchant_again=65  # the travel document is taken

small_levels=(0 12 13 14 16 24 64)
disk_full_sweep merchant "${small_levels[@]}"

# card issue: more room at each level until it succeeds, so that the space runs out at
# ever later steps. After each failure: recover, the card holds nothing unknown, the same card issues.
# Each issued card is then revoked at a level of its own (a revocation fault), so that the
# same card can be issued again.
start_vcard 35963 disk
declare -A reached=()
revoke_levels=(0 8 10 12 13 14 16 20 24 32 64)
revoke_issued() {  # the card just issued, revoked at the next revocation level
    local level=${revoke_levels[0]:-64} code before
    revoke_levels=("${revoke_levels[@]:1}")
    before=$(records)
    leave_free "$level"
    "$fmc_issue" card revoke "$serial" --reason superseded >/dev/null 2>"$work/disk.err"
    code=$?
    make_room
    [ "$code" -eq 0 ] && { revoke_levels=(); return; }
    count_fault "disk full"
    disk_failed "card revoke, $level pages free" "$code" "$(cat "$work/disk.err")" "$before"
    [ "$(card_status "$serial")" = active ] && pass "card revoke, $level pages free: the card is still active" ||
        fail "card revoke, $level pages free: failed, yet the card is $(card_status "$serial")"
    expect_exit 0 "card revoke, $level pages free: with room again" -- issue card revoke "$serial" --reason superseded
}
issue_at() {  # PAGES: a card issue with PAGES free; succeeds when the card was issued
    local level=$1 code message before step issuances
    before=$(records)
    issuances=$(sql "SELECT count(*) FROM issuance")
    leave_free "$level"
    "$fmc_issue" card issue --json --merchant "$merchant" --reader "$reader" >"$work/disk.out" 2>"$work/disk.err"
    code=$?
    make_room
    if [ "$code" -eq 0 ]; then
        serial=$(json "d['serial']" <"$work/disk.out")
        serials+=("$serial")
        pass "card issue works with $level pages free"
        revoke_issued
        return 0
    fi
    message=$(tail -n 1 "$work/disk.err")  # progress lines come first (--json sends them to stderr)
    count_fault "disk full"
    step="no issuance begun"
    [ "$(sql "SELECT count(*) FROM issuance")" = "$issuances" ] ||
        step=$(sql "SELECT coalesce((SELECT step FROM issuance_step WHERE issuance_id = (SELECT max(id) FROM issuance)
                    AND state = 'done' ORDER BY rowid DESC LIMIT 1), 'begun')")
    reached[$step]=1
    expect_exit 0 "card issue, $level pages free (last recorded: $step): recover" -- issue recover --json
    disk_failed "card issue, $level pages free" "$code" "$message" "$before"
    serials+=("$(last_allocated)")
    check_card_known "card issue, $level pages free" revoked
    issue_card "card issue, $level pages free: with room again"
    revoke_issued
    return 1
}
low=0
high=""
for level in 0 24 48 72 84 96 128 256 512; do
    if issue_at "$level"; then high=$level; break; fi
    low=$level
done
[ -n "$high" ] || fail "card issue never succeeded on the tmpfs"
pass "card issue ran out of space after: ${!reached[*]}"

# Suspension and reinstatement take the same transaction path as enrolment and revocation.
issue_card "disk full: a card to keep"
crl_out_next() { crls_before=$(crl_count); cmd=(crl publish --out "$full/pub/list.crl"); }
disk_full_sweep crl_out "${small_levels[@]}"
crl_dir_next() { crls_before=$(crl_count); cmd=(crl publish --dir "$full/pub/dir"); }
disk_full_sweep crl_dir "${small_levels[@]}"
check_card_known "disk full: at the end" active
cleanup_vcards
check_serials_unique
echo "disk-full errors seen:"
for message in "${!disk_messages[@]}"; do echo "  $message"; done

section_done "disk full"

# --- Summary -----------------------------------------------------------------------------------
total=0
for kind in "${!tried[@]}"; do
    echo "  ${tried[$kind]} x $kind"
    total=$((total + tried[$kind]))
done
show_logs_on_failure
if [ "$failures" -eq 0 ]; then
    echo "faults tried: $total, all handled ($((SECONDS - started)) s)"
else
    echo "faults tried: $total, $failures check(s) failed ($((SECONDS - started)) s)"
fi
finish
