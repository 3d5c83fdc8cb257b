#!/bin/bash
# "pcscd not running" (3), "no reader" (4), "no card" (5) and a real survey (0), for both
# programs. Needs the pcscd fixture; holds the pcsc_readers lock.
. "$(dirname "$0")/lib.sh"

for program in fmc-terminal fmc-issue; do
    bin="$FMC_BIN_DIR/$program"
    # pcsc-lite's client takes its socket path from PCSCLITE_CSOCK_NAME: a missing socket
    # looks exactly like pcscd not running, while the real pcscd keeps serving everyone else.
    expect_exit 3 "$program readers, pcscd unreachable" -- env PCSCLITE_CSOCK_NAME=/nonexistent/pcscd.comm "$bin" readers
    expect_one_line "$err" "$program: pcscd message is one line"
    expect_contains "$err" "pcscd is not running" "$program says pcscd is not running"

    expect_exit 4 "$program readers --reader nosuch" -- "$bin" readers --reader nosuch
    expect_one_line "$err" "$program: no-reader message is one line"
    expect_contains "$err" "Virtual PCD 00 00" "$program lists the readers it saw"

    expect_exit 5 "$program readers --require-card, empty reader" -- "$bin" readers --reader 'PCD 00 01' --require-card
    expect_one_line "$err" "$program: no-card message is one line"
    expect_exit 5 "$program readers --wait 0.3, empty reader" -- "$bin" readers --reader 'pcd 00 01' --wait 0.3
    expect_exit 0 "$program readers (no card required)" -- "$bin" readers --reader 'PCD 00 01'
    expect_contains "$out" "card:       none" "$program shows the empty reader"
done

start_vcard 35963 contact
start_vcard 35964 contactless --contactless --uid 04A1B2C3D4E5F6
for program in fmc-terminal fmc-issue; do
    bin="$FMC_BIN_DIR/$program"
    expect_exit 0 "$program readers with two cards" -- "$bin" readers --require-card
    expect_contains "$out" "Virtual PCD 00 00" "$program lists reader 00 00"
    expect_contains "$out" "present, contactless" "$program shows the contactless card"
    expect_contains "$out" "UID:        04 A1 B2 C3 D4 E5 F6" "$program shows the UID"
    expect_contains "$out" "PIV:        yes" "$program shows PIV present"
    expect_exit 0 "$program readers --json" -- "$bin" readers --json --reader 'pcd 00 01'
    # nlohmann::json's dump(2) layout: one "key": value per line.
    expect_contains "$out" '"name": "Virtual PCD 00 01"' "$program --json names the reader"
    expect_contains "$out" '"interface": "contactless"' "$program --json says contactless"
    expect_contains "$out" '"uid": "04A1B2C3D4E5F6"' "$program --json has the UID"
    expect_contains "$out" '"piv_present": true' "$program --json has PIV present"
    expect_contains "$out" '"problems": []' "$program --json reports no problems"
done
finish
