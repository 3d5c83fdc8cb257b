#!/bin/bash
# Real middleware against the virtual card in "Virtual PCD 00 00": OpenSC (opensc-tool,
# pkcs15-tool, pkcs11-tool) and yubico-piv-tool, as users will run them. Needs the pcscd
# fixture; holds the pcsc_readers lock. On failure the card's APDU log is printed.
. "$(dirname "$0")/../cli/lib.sh"

reader="Virtual PCD 00 00"
module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
for tool in opensc-tool pkcs15-tool pkcs11-tool yubico-piv-tool openssl; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (opensc, yubico-piv-tool, openssl)" >&2; exit 1; }
done
[ -f "$module" ] || { echo "FAIL: $module missing (apt-get install opensc-pkcs11)" >&2; exit 1; }

work=$(mktemp -d)
trap 'cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_log_on_failure() { [ "$failures" -eq 0 ] || { echo "--- fmc-vcard APDU log ---" >&2; vcard_log piv >&2; }; }

start_vcard 35963 piv

# OpenSC names the card.
expect_exit 0 "opensc-tool -n" -- opensc-tool -r "$reader" -n
expect_contains "$out" "Personal Identity Verification" "opensc-tool -n names a PIV card ($out)"

# yubico-piv-tool: status, key generation in 9E (default management key), PIN.
expect_exit 0 "yubico-piv-tool -a status" -- yubico-piv-tool -r "$reader" -a status
expect_exit 0 "yubico-piv-tool -a generate -s 9e -A ECCP256" -- \
    yubico-piv-tool -r "$reader" -a generate -s 9e -A ECCP256 -o "$work/pub.pem"
expect_contains "$(cat "$work/pub.pem" 2>/dev/null)" "BEGIN PUBLIC KEY" "generate wrote the public key"
openssl pkey -pubin -in "$work/pub.pem" -noout -text 2>/dev/null | grep -q "prime256v1\|P-256" &&
    pass "the public key is P-256" || fail "the public key is not a P-256 key"
expect_exit 0 "yubico-piv-tool -a verify-pin" -- yubico-piv-tool -r "$reader" -a verify-pin -P 123456

# A certificate for the 9E public key from a throwaway test CA. (yubico-piv-tool 2.2.0's own
# selfsign-certificate fails on OpenSSL 3 before sending anything to the card:
# Yubico/yubico-piv-tool#388.)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -subj '/CN=FMC throwaway test CA/' -days 2 -out "$work/ca.pem" 2>/dev/null &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/throwaway.key" \
    -subj '/CN=FMC test/' -out "$work/request.pem" 2>/dev/null &&
openssl x509 -req -in "$work/request.pem" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 1 \
    -days 2 -force_pubkey "$work/pub.pem" -out "$work/cert.pem" 2>/dev/null &&
    pass "test CA issued a certificate for the 9E key" || fail "openssl could not issue the test certificate"
expect_exit 0 "yubico-piv-tool import-certificate -s 9e" -- \
    yubico-piv-tool -r "$reader" -a import-certificate -s 9e -i "$work/cert.pem"
expect_exit 0 "yubico-piv-tool read-certificate -s 9e" -- yubico-piv-tool -r "$reader" -a read-certificate -s 9e
expect_contains "$out" "BEGIN CERTIFICATE" "the 9E certificate reads back"

# OpenSC's PKCS#15 emulation lists it.
expect_exit 0 "pkcs15-tool --list-certificates" -- pkcs15-tool -r "$reader" --list-certificates
expect_contains "$out" "Certificate for Card Authentication" "pkcs15-tool lists the 9E certificate"
expect_contains "$out" "ID             : 04" "pkcs15-tool gives it OpenSC's id 04 (slot 9E)"

printf 'Foreign Merchant Card middleware test\n' > "$work/data"
openssl dgst -sha256 -binary "$work/data" > "$work/digest"

# OpenSC signs with key 04 (= 9E) without any PIN: the key has no auth id (SP 800-73: the card
# authentication key needs no PIN). stdin is closed, so a PIN prompt would fail the step.
expect_exit 0 "pkcs15-crypt --sign --key 04 (no PIN)" -- \
    pkcs15-crypt -r "$reader" --sign --key 04 --sha-256 --signature-format openssl \
        -i "$work/digest" -o "$work/signature-pkcs15.der" </dev/null
expect_exit 0 "openssl verifies the pkcs15-crypt signature" -- \
    openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/signature-pkcs15.der" "$work/data"

# PKCS#11: the 9E private key is visible without login and carries no ALWAYS_AUTHENTICATE ...
expect_exit 0 "pkcs11-tool -L" -- pkcs11-tool --module "$module" -L
slot=$(printf '%s\n' "$out" | sed -n "s/^Slot [0-9]* (\(0x[0-9a-f]*\)): $reader.*/\1/p" | head -n1)
[ -n "$slot" ] && pass "pkcs11-tool shows a slot for $reader ($slot)" || fail "no PKCS#11 slot for $reader: $out"
expect_exit 0 "pkcs11-tool -O (no login)" -- pkcs11-tool --module "$module" --slot "${slot:-0}" -O --type privkey
expect_contains "$out" "CARD AUTH key" "the 9E private key (id 04) is listed without login"
case "$out" in *"always authenticate"*) fail "the 9E key asks for the PIN at every use" ;; *) pass "the 9E key has no always-authenticate" ;; esac
# ... but pkcs11-tool 0.23 itself logs in before every --sign when the token says "login
# required" (pkcs11-tool.c: `if (info.flags & CKF_LOGIN_REQUIRED) opt_login++`) and stops on
# an empty PIN, so the PKCS#11 signature is made after a login; the key itself needs none.
expect_exit 0 "pkcs11-tool --sign --id 04 -m ECDSA" -- \
    pkcs11-tool --module "$module" --slot "${slot:-0}" --login --pin 123456 --sign --id 04 -m ECDSA \
        --signature-format openssl -i "$work/digest" -o "$work/signature.der"
expect_exit 0 "openssl verifies the pkcs11-tool signature" -- \
    openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/signature.der" "$work/data"

show_log_on_failure
finish
