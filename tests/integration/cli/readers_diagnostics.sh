#!/bin/bash
# `readers` as a diagnostic tool, on the real stack: what each card is, whether it is one of
# ours and from an issuer trusted here, and the hint for each common failure (pcscd down, a
# reader held by pn533_usb, PIV disabled over NFC, a blank PIV card, a blank NFC tag, a
# copied tag). Needs the pcscd fixture; holds the pcsc_readers lock.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'show_logs_on_failure; cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_logs_on_failure() {
    [ "$failures" -eq 0 ] || for log in "$vcard_dir"/*.log; do echo "--- $log" >&2; tail -n 20 "$log" >&2; done
}
contact="Virtual PCD 00 00" contactless="Virtual PCD 00 01"
issue() { "$FMC_BIN_DIR/fmc-issue" "$@"; }
terminal() { "$FMC_BIN_DIR/fmc-terminal" "$@"; }
# expect_jq JSON FILTER DESCRIPTION: the jq filter is true on JSON.
expect_jq() {
    if [ "$(jq -r "$2" <<<"$1" 2>/dev/null)" = true ]; then pass "$3"; else fail "$3: '$2' is not true in: $1"; fi
}
# A shell with no terminal folder and no station: trust is unknown.
unset FMC_TERMINAL_HOME FMC_HOME
export FMC_OPERATOR=tester FMC_KEY_PASSPHRASE=diagnostics-test-passphrase

# --- pcscd down: the one-line error ends with what to do; exit code 3 as before.
for program in fmc-terminal fmc-issue; do
    expect_exit 3 "$program readers, pcscd unreachable" -- \
        env PCSCLITE_CSOCK_NAME=/nonexistent/pcscd.comm "$FMC_BIN_DIR/$program" readers
    expect_one_line "$err" "$program: pcscd message with its hint is one line"
    expect_contains "$err" "pcscd is not running; hint: start pcscd: \`sudo systemctl start pcscd.socket\`" \
        "$program says how to start pcscd"
done

# --- A USB reader pcscd cannot see, on a fake sysfs: an ACR122U held by pn533_usb.
sysfs=$work/sys
mkdir -p "$sysfs/bus/usb/devices/1-2/1-2:1.0" "$sysfs/bus/usb/drivers/pn533_usb"
printf '072f\n' >"$sysfs/bus/usb/devices/1-2/idVendor"
printf '2200\n' >"$sysfs/bus/usb/devices/1-2/idProduct"
printf 'ACR122U PICC Interface\n' >"$sysfs/bus/usb/devices/1-2/product"
ln -s ../../../drivers/pn533_usb "$sysfs/bus/usb/devices/1-2/1-2:1.0/driver"
expect_exit 0 "readers with an ACR122U held by pn533_usb" -- env FMC_SYSFS_ROOT="$sysfs" "$FMC_BIN_DIR/fmc-terminal" readers --json
expect_jq "$out" '.hints | any(.id == "reader-held-by-pn533" and (.text | contains("blacklist pn533_usb, pn533 and nfc")))' \
    "the pn533 hint comes after the list"
expect_exit 0 "readers (text) with an ACR122U held by pn533_usb" -- env FMC_SYSFS_ROOT="$sysfs" "$FMC_BIN_DIR/fmc-issue" readers
expect_contains "$out" "hint: ACS ACR122U PICC Interface (USB 072f:2200) is held by the kernel driver pn533_usb" \
    "fmc-issue prints the pn533 hint"
expect_exit 4 "no reader by that name, ACR122U held by pn533_usb" -- \
    env FMC_SYSFS_ROOT="$sysfs" "$FMC_BIN_DIR/fmc-terminal" readers --reader ACR122
expect_one_line "$err" "no-reader message with its hint is one line"
expect_contains "$err" "; hint: ACS ACR122U PICC Interface (USB 072f:2200) is held by the kernel driver pn533_usb" \
    "the no-reader error ends with the pn533 hint"

# --- A blank PIV card (contact) and the same card contactless with PIV disabled over NFC.
start_vcard 35963 blank
start_vcard 35964 nfc-off --contactless --fault sw=6A82
expect_exit 0 "fmc-terminal readers --json, blank card and PIV off over NFC" -- terminal readers --json
blank=$(jq '.readers[] | select(.name == "Virtual PCD 00 00")' <<<"$out")
nfc_off=$(jq '.readers[] | select(.name == "Virtual PCD 00 01")' <<<"$out")
expect_jq "$blank" '.piv_present == true and .fmc == null and .interface == "contact"' "blank card: PIV yes, not ours"
expect_jq "$blank" '.not_ours_reason | test("9E")' "blank card: no 9E certificate"
expect_jq "$blank" '[.hints[].id] == ["piv-card-not-ours"]' "blank card: hint to issue it"
expect_jq "$nfc_off" '.piv_present == false and .piv_select_sw == "6A82" and .card_kind == "ISO 14443-4"' \
    "contactless card: SELECT PIV answered 6A82"
expect_jq "$nfc_off" '.hints | any(.id == "piv-disabled-over-nfc")' "contactless card: hint PIV over NFC"
expect_jq "$out" '.trust_anchors | test("no terminal folder")' "no terminal folder: trust anchors none"
expect_exit 0 "fmc-terminal readers (text)" -- terminal readers
expect_contains "$out" "hint:       PIV does not answer over NFC: on a YubiKey enable it with \`ykman config nfc --enable PIV\`" \
    "the text names the ykman command"
cleanup_vcards
start_vcard 35963 no-piv --fault sw=6A82
expect_exit 0 "fmc-issue readers --json, a contact card without PIV" -- issue readers --json --reader "$contact"
expect_jq "$out" '.readers[0].piv_present == false and ([.readers[0].hints[].id] == ["contact-card-without-piv"])' \
    "contact card without PIV: hint"
cleanup_vcards

# --- An issued card: ours, trusted by its station and by a terminal with its trust bundle,
# unknown without trust anchors, not trusted by another station.
export FMC_HOME=$work/station
issue init --authority "Yiwu PSB" >/dev/null || { fail "fmc-issue init"; exit 1; }
issue merchant add --name "Amina Bello" --nationality NGA --document A1 --entitlement library >/dev/null ||
    { fail "fmc-issue merchant add"; exit 1; }
start_vcard 35963 amina
issued=$(issue card issue --merchant 1 --reader "$contact" --json 2>"$work/issue.err") ||
    { fail "card issue: $(cat "$work/issue.err")"; exit 1; }
serial=$(jq -r .serial <<<"$issued") uuid=$(jq -r .card_uuid <<<"$issued")
issuer_key_id=$(openssl x509 -in "$FMC_HOME/certs/issuing-ca.pem" -noout -ext subjectKeyIdentifier |
    tail -n 1 | tr -d ' :' | tr a-f A-F)

expect_exit 0 "fmc-issue readers --json, issued card" -- issue readers --json --reader "$contact"
card=$(jq '.readers[0]' <<<"$out")
expect_jq "$card" ".fmc.kind == \"card\" and .fmc.serial == \"$serial\" and .fmc.card_uuid == \"$uuid\"" \
    "issued card: ours, with its serial and UUID"
expect_jq "$card" ".fmc.issuer_key_id == \"$issuer_key_id\" and (.fmc.expires | test(\"^20[0-9-]+T\"))" \
    "issued card: issuer key id and expiry"
expect_jq "$card" '.fmc.issuer_trusted == "yes" and .hints == []' "the station trusts its own card"
expect_exit 0 "fmc-terminal readers, no terminal folder" -- terminal readers --reader "$contact"
expect_contains "$out" "  ours:       yes, a Foreign Merchant Card, serial $serial" "text: ours with the serial"
expect_contains "$out" "issued by a CA trusted here: unknown (no trust anchors loaded)" "text: trust unknown"

issue trust export --out "$work/trust.pem" >/dev/null
terminal setup --home "$work/terminal" --trust "$work/trust.pem" >/dev/null || fail "terminal setup"
expect_exit 0 "fmc-terminal readers --home" -- terminal readers --json --home "$work/terminal" --reader "$contact"
expect_jq "$out" '.readers[0].fmc.issuer_trusted == "yes"' "the terminal with the trust bundle trusts the card"

FMC_HOME=$work/other issue init --authority "Other PSB" >/dev/null || fail "second station init"
expect_exit 0 "fmc-issue readers, another station" -- issue readers --home "$work/other" --reader "$contact"
expect_contains "$out" "issued by a CA trusted here: no" "another station does not trust the card"
expect_contains "$out" "hint:       issued by a CA not trusted here" "another station: untrusted-issuer hint"
cleanup_vcards

# --- NFC tags (fmc-vcard --ntag216): a blank tag; an issued one and its copy when fmc-issue
# has the tag command.
start_vcard 35964 blank-tag --ntag216 --uid 04A1B2C3D4E5F6
expect_exit 0 "readers --json, blank NTAG216" -- terminal readers --json --reader "$contactless"
tag=$(jq '.readers[0]' <<<"$out")
expect_jq "$tag" '.card_kind == "storage card" and (.known_card | test("NTAG21x")) and .uid == "04A1B2C3D4E5F6"' \
    "blank tag: a storage card, NTAG21x, its UID"
expect_jq "$tag" '.ndef_message == false and .fmc == null and .piv_present == null' "blank tag: no NDEF, not ours"
expect_jq "$tag" '[.hints[].id] == ["blank-tag"]' "blank tag: hint to write a credential"
expect_jq "$tag" '.problems == []' "blank tag: no problems"
if issue tag --help >/dev/null 2>&1; then
    expect_exit 0 "fmc-issue tag issue" -- issue tag issue --merchant 1 --reader "$contactless"
    expect_exit 0 "readers --json, issued tag" -- issue readers --json --reader "$contactless"
    expect_jq "$out" '.readers[0].fmc.kind == "tag" and .readers[0].fmc.uid_matches == true and .readers[0].fmc.issuer_trusted == "yes"' \
        "issued tag: ours, bound to this UID, trusted by its station"
    cleanup_vcards
    cp "$vcard_dir/blank-tag.state" "$vcard_dir/copy.state"
    start_vcard 35964 copy --ntag216 --uid 04111111111111
    expect_exit 0 "readers --json, copied tag" -- issue readers --json --reader "$contactless"
    expect_jq "$out" '.readers[0].fmc.uid_matches == false and (.readers[0].hints | any(.id == "copied-tag"))' \
        "copied tag: UID mismatch, hint copied-tag"
else
    echo "note: fmc-issue has no 'tag' command in this build: issued and copied tags not checked"
fi
finish
