#!/bin/bash
# `fmc-terminal watch --service library --json` on the real stack: one decision per card
# presentation, a card pulled mid-read, a factory card, a contactless tap, pcscd restarting,
# and every decision in the tap log. Needs the pcscd fixture and holds the readers lock (it
# restarts pcscd through tests/fixtures/start_pcscd.sh and leaves it running).
. "$(dirname "$0")/../cli/lib.sh"

fixtures=$(cd "$(dirname "$0")/../../fixtures" && pwd)
work=$(mktemp -d)
export FMC_HOME=$work/station FMC_TERMINAL_HOME=$work/terminal FMC_OPERATOR=alice FMC_KEY_PASSPHRASE=watch-test-pass
issue="$FMC_BIN_DIR/fmc-issue"
terminal="$FMC_BIN_DIR/fmc-terminal"
contact="Virtual PCD 00 00"
watch_pid=""
watch_out=$work/watch.out
watch_err=$work/watch.err

stop_watch() { [ -z "$watch_pid" ] || { kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null; watch_pid=""; }; }
show_logs_on_failure() {
    [ "$failures" -eq 0 ] && return
    echo "--- watch stdout ---" >&2; cat "$watch_out" >&2
    echo "--- watch stderr ---" >&2; cat "$watch_err" >&2
    echo "--- fmc-vcard logs ---" >&2; cat "$vcard_dir"/*.log >&2
}
trap '[ -n "${FMC_WATCH_KEEP:-}" ] && cp "$watch_out" "$watch_err" "$vcard_dir"/*.log "$FMC_WATCH_KEEP"; show_logs_on_failure; stop_watch; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT

lines() { grep -c . "$watch_out" 2>/dev/null || true; }
# wait_lines N: up to 5 s for the watch output to reach N lines (a tap takes well under 1 s).
wait_lines() {
    local i
    for i in $(seq 50); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.1; done
    return 1
}
# field N KEY: the value of KEY in the Nth JSON line.
field() { sed -n "${1}p" "$watch_out" | python3 -c "import sys,json; print(json.load(sys.stdin).get('$2'))" 2>/dev/null; }
# expect_line N DECISION REASON WHAT: the Nth line appears and says DECISION/REASON.
expect_line() {
    if ! wait_lines "$1"; then fail "$4: no line $1 after 5 s"; return; fi
    local got="$(field "$1" decision)/$(field "$1" reason)"
    [ "$got" = "$2/$3" ] && pass "$4 ($got)" || fail "$4: line $1 says $got, expected $2/$3: $(sed -n "${1}p" "$watch_out")"
}
# expect_no_more N WHAT: still N lines after 1.5 s (three of watch's 0.5 s wait slices).
expect_no_more() {
    sleep 1.5
    [ "$(lines)" -eq "$1" ] && pass "$2" || fail "$2: $(lines) lines, expected $1"
}

# 1. A station with one merchant entitled to the library (contact and contactless) and a card
# issued on the contact reader; a terminal trusting it, with the station's ARL and a CRL.
expect_exit 0 "fmc-issue init" -- "$issue" init --authority "Yiwu PSB"
expect_exit 0 "merchant add" -- "$issue" merchant add --name "Amina Bello" --nationality NGA --document A1 \
    --language fr --entitlement library
start_vcard 35963 merchant --quiet
expect_exit 0 "card issue" -- "$issue" card issue --merchant 1 --reader "$contact"
cleanup_vcards
expect_exit 0 "trust export" -- "$issue" trust export --out "$work/trust.pem"
expect_exit 0 "crl publish" -- "$issue" crl publish --out "$work/crl.der"
expect_exit 0 "terminal setup" -- "$terminal" setup --trust "$work/trust.pem"
expect_exit 0 "crl import ARL" -- "$terminal" crl import "$FMC_HOME/arl.der"
expect_exit 0 "crl import CRL" -- "$terminal" crl import "$work/crl.der"

# No --reader: watch serves both readers, contact and contactless.
"$terminal" watch --service library --json >"$watch_out" 2>"$watch_err" &
watch_pid=$!

# 2. The issued card: one line; while it stays, no second; out and in again, a second.
start_vcard 35963 merchant --quiet
expect_line 1 granted ok "inserted card: granted"
[ "$(field 1 interface)" = contact ] && pass "interface contact" || fail "line 1 interface: $(field 1 interface)"
expect_no_more 1 "the card stays in: no second line"
cleanup_vcards
expect_no_more 1 "the card leaves: no line"
start_vcard 35963 merchant --quiet
expect_line 2 granted ok "inserted again: a second line, granted"
cleanup_vcards

# 3. Pulled mid-read: a tap is about 6 APDUs (select, CHUID, certificate in chained parts,
# general authenticate); --remove-after 3 pulls the card during the 3rd, inside the tap.
# fmc-vcard exits after pulling; cleanup_vcards then just waits for the reader to empty.
[ "$(field 2 apdu_exchanges)" -gt 3 ] 2>/dev/null && pass "a tap takes $(field 2 apdu_exchanges) APDUs" ||
    fail "a tap takes $(field 2 apdu_exchanges) APDUs, expected more than 3"
# Not --quiet: its log (the other merchant card runs are quiet) shows where the pull landed.
start_vcard 35963 merchant --remove-after 3
expect_line 3 denied card-removed "card pulled mid-read: card-removed"
expect_contains "$(vcard_log merchant)" "removing the card during command 3" "fmc-vcard pulled the card at the 3rd APDU"
cleanup_vcards
start_vcard 35963 merchant --quiet
expect_line 4 granted ok "same card inserted normally after the pull: granted (watch survived)"
cleanup_vcards

# 4. A factory card (fresh state: PIV applet, no CHUID, no certificate).
start_vcard 35963 factory --quiet
expect_line 5 denied not-a-merchant-card "factory card: not-a-merchant-card"
cleanup_vcards
# The merchant card tapped on the contactless reader (same state file, the contact process is
# stopped): the library accepts contactless.
start_vcard 35964 merchant --quiet --contactless
expect_line 6 granted ok "contactless tap: granted"
[ "$(field 6 interface)" = contactless ] && pass "interface contactless" || fail "line 6 interface: $(field 6 interface)"
cleanup_vcards

# 5. pcscd restarts. Cards are stopped first (vpcd connects to the card processes, which would
# lose their link anyway). pcscd is killed here and started again through start_pcscd.sh, which
# closes the flock descriptor; its state file is ours and removed, so the fixture's cleanup
# decision is unchanged (it stops pcscd only if it had started the first one).
err_before=$(wc -l <"$watch_err")
# pcscd's pid file ends in a NUL byte.
pcscd_pid=$(tr -d '\0' </run/pcscd/pcscd.pid 2>/dev/null || pidof pcscd)
kill "$pcscd_pid"
for i in $(seq 100); do kill -0 "$pcscd_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pcscd_pid" 2>/dev/null && fail "pcscd (pid $pcscd_pid) did not stop in 10 s"
for i in $(seq 30); do [ "$(wc -l <"$watch_err")" -gt "$err_before" ] && break; sleep 0.1; done
expect_contains "$(tail -n +$((err_before + 1)) "$watch_err")" "reconnecting" "pcscd gone: a notice on stderr"
kill -0 "$watch_pid" 2>/dev/null && pass "watch still running without pcscd" || fail "watch exited when pcscd stopped"
sleep 1  # a few reconnection attempts against no pcscd
bash "$fixtures/start_pcscd.sh" "$work/pcscd-state" >/dev/null || fail "pcscd did not start again"
rm -f "$work/pcscd-state"
start_vcard 35963 merchant --quiet
expect_line 7 granted ok "after pcscd restarted, a card inserted: granted"
cleanup_vcards

# 6. A reader unplugged and plugged again cannot be simulated: vpcd's readers exist as long as
# pcscd runs. The pcscd restart above covers the same reconnect path (readers vanish, return).

# SIGTERM: watch stops promptly (its waits are 0.5 s slices) and exits 0.
kill -TERM "$watch_pid"
for i in $(seq 30); do kill -0 "$watch_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$watch_pid" 2>/dev/null; then
    fail "watch still running 3 s after SIGTERM"
else
    wait "$watch_pid"; rc=$?
    [ "$rc" -eq 0 ] && pass "SIGTERM: watch exits 0 within 3 s" || fail "SIGTERM: watch exit $rc, expected 0"
fi
watch_pid=""
expect_no_more 7 "exactly 7 decisions printed"
bad=$(python3 -c 'import sys,json; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$watch_out" 2>&1) &&
    pass "every stdout line is one JSON object" || fail "stdout is not JSON lines: $bad"

# 7. Every decision is in the tap log, in order, with the same decision and reason.
expect_exit 0 "log export" -- "$terminal" log export
[ "$(printf '%s\n' "$out" | grep -c .)" -eq "$(lines)" ] && pass "tap log has $(lines) taps, one per line printed" ||
    fail "tap log has $(printf '%s\n' "$out" | grep -c .) taps, watch printed $(lines): $out"
logged=$(printf '%s\n' "$out" | python3 -c 'import sys,json; print(" ".join(json.loads(l)["reason"] for l in sys.stdin if l.strip()))')
printed=$(python3 -c 'import sys,json; print(" ".join(json.loads(l)["reason"] for l in open(sys.argv[1]) if l.strip()))' "$watch_out")
[ "$logged" = "$printed" ] && pass "tap log reasons match: $logged" || fail "tap log reasons '$logged', printed '$printed'"

finish
