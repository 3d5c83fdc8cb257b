# Shared by the CLI and middleware test scripts: assertions that say what failed, and a virtual
# card started in the background and always stopped on exit.
set -u
: "${FMC_BIN_DIR:?FMC_BIN_DIR must point at the bin directory of the build (run through ctest)}"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
finish() { [ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }; echo "all checks passed"; }

# expect_exit CODE DESCRIPTION -- COMMAND...: runs COMMAND, keeps stdout in $out and stderr in $err.
expect_exit() {
    local want=$1 what=$2
    shift 3
    local outfile errfile
    outfile=$(mktemp) errfile=$(mktemp)
    "$@" >"$outfile" 2>"$errfile"
    local got=$?
    out=$(cat "$outfile") err=$(cat "$errfile")
    rm -f "$outfile" "$errfile"
    if [ "$got" -eq "$want" ]; then pass "$what (exit $got)"; else
        fail "$what: exit $got, expected $want; stderr: $err"; fi
}

# expect_contains TEXT NEEDLE DESCRIPTION
expect_contains() {
    case "$1" in *"$2"*) pass "$3" ;; *) fail "$3: '$2' not in: $1" ;; esac
}

# expect_one_line TEXT DESCRIPTION: error messages are one line.
expect_one_line() {
    if [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; then pass "$2"; else fail "$2: not one line: $1"; fi
}

vcard_pids=""
vcard_readers=()
vcard_dir=$(mktemp -d)

# wait_reader_empty READER: pcscd notices a card leaving within about 0.4 s; wait (at most 5 s)
# until it does, so that the next card, or the next test, does not meet the old one.
wait_reader_empty() {
    local i
    for i in $(seq 50); do
        "$FMC_BIN_DIR/fmc-terminal" readers --reader "$1" --require-card >/dev/null 2>&1
        [ $? -eq 5 ] && return 0
        sleep 0.1
    done
    echo "reader '$1' still holds a card after 5 s" >&2
    return 1
}

cleanup_vcards() {
    for pid in $vcard_pids; do kill "$pid" 2>/dev/null; done
    for pid in $vcard_pids; do wait "$pid" 2>/dev/null; done
    for reader in "${vcard_readers[@]}"; do wait_reader_empty "$reader"; done
    vcard_pids=""
    vcard_readers=()
}
trap 'cleanup_vcards; rm -rf "$vcard_dir"' EXIT

# start_vcard PORT NAME [fmc-vcard options...]: a card with state $vcard_dir/NAME.state and log
# $vcard_dir/NAME.log; returns once pcscd shows it (through our own fmc-terminal --wait).
start_vcard() {
    local port=$1 name=$2 reader
    shift 2
    [ "$port" = 35964 ] && reader="Virtual PCD 00 01" || reader="Virtual PCD 00 00"
    wait_reader_empty "$reader" || exit 1
    vcard_readers+=("$reader")
    "$FMC_BIN_DIR/fmc-vcard" --state "$vcard_dir/$name.state" --port "$port" "$@" 2>>"$vcard_dir/$name.log" &
    vcard_pids="$vcard_pids $!"
    if ! "$FMC_BIN_DIR/fmc-terminal" readers --reader "$reader" --wait 10 >/dev/null; then
        echo "the virtual card did not appear in '$reader'; fmc-vcard log:" >&2
        cat "$vcard_dir/$name.log" >&2
        exit 1
    fi
}

# vcard_log NAME: the APDU log of a card (fmc-vcard writes it on stderr).
vcard_log() { cat "$vcard_dir/$1.log"; }

# crl_entry FILE SERIAL: the CRL's reason for SERIAL ("listed" without one, "absent").
crl_entry() {
    openssl crl -inform DER -in "$1" -noout -text 2>/dev/null | python3 -c '
import re, sys
want = int(sys.argv[1], 16)
for entry in sys.stdin.read().split("Serial Number:")[1:]:
    if int(entry.split()[0], 16) == want:
        reason = re.search(r"CRL Reason Code:\s*\n\s*(.+)", entry)
        print(reason.group(1).strip() if reason else "listed")
        break
else:
    print("absent")' "$2"
}
