#!/bin/bash
# fmc-issue end to end with the file key store, on the real stack (pcscd + vpcd + fmc-vcard):
# station, merchants, issuance, the issued card read by real middleware (OpenSC,
# yubico-piv-tool, openssl), refusals, lifecycle and CRL, renew/replace/wipe, audit log.
. "$(dirname "$0")/../cli/lib.sh"

issue="$FMC_BIN_DIR/fmc-issue"
contact="Virtual PCD 00 00"
module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
for tool in opensc-tool pkcs15-tool pkcs11-tool yubico-piv-tool openssl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
[ -f "$module" ] || { echo "FAIL: $module missing (apt-get install opensc-pkcs11)" >&2; exit 1; }

work=$(mktemp -d)
trap 'cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
export FMC_HOME="$work/station" FMC_OPERATOR="Officer Wang" FMC_KEY_PASSPHRASE="flow test passphrase"

# jget JSON PYTHON-EXPRESSION: evaluates the expression on the parsed JSON `j`.
jget() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
expect_eq() { [ "$1" = "$2" ] && pass "$3" || fail "$3: '$1', expected '$2'"; }
# fingerprint < PEM: a certificate's SHA-256 fingerprint (compares certificates, not their text).
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null; }
cards_json() { "$issue" card list --json 2>/dev/null; }

# --- 1. Station ---------------------------------------------------------------------------
expect_exit 0 "init" -- "$issue" init --authority "Yiwu Public Security Bureau"
expect_contains "$out" "Station ready" "init reports the station"
# A station problem the operator fixes (StationError): exit 2, one line.
expect_exit 2 "a second init is refused" -- "$issue" init --authority "Yiwu Public Security Bureau"
expect_contains "$err" "already holds a station" "the refusal says why"
expect_exit 0 "trust export" -- "$issue" trust export --out "$work/trust.pem"
# Split the bundle: the root is the self-signed certificate.
awk '/BEGIN CERTIFICATE/{n++} {print > ("'"$work"'/bundle-" n ".pem")}' "$work/trust.pem"
for f in "$work"/bundle-*.pem; do
    if [ "$(openssl x509 -in "$f" -noout -subject | cut -d= -f2-)" = "$(openssl x509 -in "$f" -noout -issuer | cut -d= -f2-)" ]
    then cp "$f" "$work/root.pem"; else cp "$f" "$work/issuing.pem"; fi
done
[ -s "$work/root.pem" ] && [ -s "$work/issuing.pem" ] && pass "the trust bundle holds a root and an issuing CA" ||
    fail "the trust bundle is not a root plus an issuing CA: $(cat "$work/trust.pem")"
for command in "init" "trust export" "root-key export" "root-key import" "merchant add" "merchant list" \
    "merchant show" "merchant update" "card issue" "card list" "card show" "card revoke" "card suspend" \
    "card reinstate" "card replace" "card renew" "card wipe" "recover" "crl publish" "audit verify" \
    "audit show" "backup" "readers" "trust" "root-key" "merchant" "card" "crl" "audit"; do
    # shellcheck disable=SC2086 # the command words split on purpose
    "$issue" $command --help >/dev/null 2>&1 && pass "$command --help" || fail "fmc-issue $command --help does not exit 0"
done

# --- 2. Merchants ---------------------------------------------------------------------------
expect_exit 0 "merchant add --json" -- "$issue" merchant add --name "Adebayo Okafor" --nationality NGA \
    --document A01234567 --phone "+86 138 0000 0000" --language en --entitlement trade.licensing tax.invoice --json
m1=$(jget "$out" "j['id']")
[ -n "$m1" ] && pass "merchant add prints an id ($m1)" || fail "no id in: $out"
expect_exit 0 "a second merchant" -- "$issue" merchant add --name "Olga Ivanova" --nationality RUS \
    --document 751234567 --entitlement mediation --json
m2=$(jget "$out" "j['id']")
expect_exit 0 "merchant list --json" -- "$issue" merchant list --json
expect_eq "$(jget "$out" "sorted(m['id'] for m in j) == sorted([$m1, ${m2:-0}])")" True "both merchants are listed"
expect_exit 0 "merchant update --add-entitlement" -- "$issue" merchant update "$m1" --add-entitlement transport --operator "Officer Li"
expect_exit 0 "merchant update --remove-entitlement" -- "$issue" merchant update "$m1" --remove-entitlement tax.invoice
expect_exit 0 "merchant show --json" -- "$issue" merchant show "$m1" --json
expect_eq "$(jget "$out" "j['entitlements']")" "['trade.licensing', 'transport']" "the entitlements were updated"
# Changes need an operator for the audit log.
expect_exit 2 "merchant add without an operator is refused" -- env -u FMC_OPERATOR "$issue" merchant add \
    --name "No One" --nationality FRA --document X1 --entitlement library
expect_one_line "$err" "the missing-operator error is one line"
expect_contains "$err" "operator" "the error names the operator"
expect_exit 0 "merchant list" -- "$issue" merchant list --json
expect_eq "$(jget "$out" "len(j)")" 2 "nothing was added without an operator"

# --- 3. Issuance ------------------------------------------------------------------------------
start_vcard 35963 alpha
expect_exit 0 "card issue --json" -- "$issue" card issue --merchant "$m1" --reader "PCD 00 00" --json
s1=$(jget "$out" "j['serial']") uuid1=$(jget "$out" "j['card_uuid']") pin1=$(jget "$out" "j['pin']")
[ -n "$s1" ] && [ -n "$uuid1" ] && [ -n "$pin1" ] && pass "issue prints serial $s1, card UUID $uuid1 and the PIN" ||
    fail "issue --json lacks serial/card_uuid/pin: $out"
expect_contains "$err" "[11/11]" "the steps are shown on stderr beside --json"
expect_exit 0 "the generated PIN works" -- yubico-piv-tool -r "$contact" -a verify-pin -P "$pin1"

# --- 4. Card list -----------------------------------------------------------------------------
list_json=$(cards_json)
expect_eq "$(jget "$list_json" "[(c['serial'], c['merchant'], c['status']) for c in j]")" \
    "[('$s1', $m1, 'active')]" "card list --json has the active card"

# --- 5. Real middleware reads the card -------------------------------------------------------
"$issue" card show "$s1" --pem | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' > "$work/cert.pem"
registry_fp=$(fingerprint < "$work/cert.pem")
[ -n "$registry_fp" ] && pass "card show --pem gives the certificate" || fail "card show --pem gives no certificate"
expect_exit 0 "pkcs15-tool --read-certificate 04" -- pkcs15-tool -r "$contact" --read-certificate 04
expect_eq "$(printf '%s\n' "$out" | fingerprint)" "$registry_fp" "OpenSC reads the registry's certificate"
expect_exit 0 "yubico-piv-tool read-certificate 9e" -- yubico-piv-tool -r "$contact" -a read-certificate -s 9e
expect_eq "$(printf '%s\n' "$out" | fingerprint)" "$registry_fp" "yubico-piv-tool reads the registry's certificate"
# OpenSC names a PIV card by its CHUID GUID; our own reader survey decodes the CHUID too.
expect_exit 0 "pkcs15-tool --dump" -- pkcs15-tool -r "$contact" --dump
expect_eq "$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*Serial number[[:space:]]*: *//p' | head -n1)" \
    "$(printf '%s' "$uuid1" | tr -d '-')" "OpenSC's serial number is the card UUID"
expect_exit 0 "fmc-terminal readers --json" -- "$FMC_BIN_DIR/fmc-terminal" readers --reader "$contact" --json
expect_eq "$(jget "$out" "j['readers'][0]['card_uuid']")" "$uuid1" "the CHUID GUID is the card UUID"
# The card certificate carries the private critical card-attributes extension. openssl does not
# know it, and RFC 5280 section 4.2 says software must reject a certificate with an unknown
# critical extension: that is the intent, generic software shall not take the card for an
# ordinary client certificate. So the chain verifies only with -ignore_critical ...
expect_exit 0 "openssl verify -ignore_critical against the trust bundle" -- \
    openssl verify -ignore_critical -CAfile "$work/root.pem" -untrusted "$work/issuing.pem" "$work/cert.pem"
# ... and fails without it, for that reason only.
expect_exit 2 "openssl verify without -ignore_critical fails" -- \
    openssl verify -CAfile "$work/root.pem" -untrusted "$work/issuing.pem" "$work/cert.pem"
expect_contains "$out$err" "unhandled critical extension" "openssl rejects the unknown critical extension"
# The card's 9E key signs (pkcs11-tool logs in first, see piv_middleware.sh); the certificate's
# public key verifies the signature.
printf 'issuance flow test\n' > "$work/data"
openssl dgst -sha256 -binary "$work/data" > "$work/digest"
openssl x509 -in "$work/cert.pem" -noout -pubkey > "$work/card-pub.pem"
slot=$(pkcs11-tool --module "$module" -L 2>/dev/null | sed -n "s/^Slot [0-9]* (\(0x[0-9a-f]*\)): $contact.*/\1/p" | head -n1)
expect_exit 0 "pkcs11-tool signs with the 9E key" -- pkcs11-tool --module "$module" --slot "${slot:-0}" \
    --login --pin "$pin1" --sign --id 04 -m ECDSA --signature-format openssl -i "$work/digest" -o "$work/sig.der"
expect_exit 0 "the certificate's key verifies the card's signature" -- \
    openssl dgst -sha256 -verify "$work/card-pub.pem" -signature "$work/sig.der" "$work/data"

# --- 6. Refusals ------------------------------------------------------------------------------
expect_exit 6 "issuing onto an active card is refused" -- "$issue" card issue --merchant "$m2" --reader "PCD 00 00"
expect_contains "$err" "already issued" "the refusal says the card is issued"
expect_eq "$(cards_json)" "$list_json" "the registry is unchanged"
cleanup_vcards
start_vcard 35964 delta --contactless
expect_exit 6 "issuing on a contactless reader is refused" -- "$issue" card issue --merchant "$m2" --reader "PCD 00 01"
expect_contains "$err" "contactless" "the refusal mentions contactless"
expect_eq "$(cards_json)" "$list_json" "the registry is unchanged"
# PIV allows no management over contactless: put the same card on the contact reader to see
# that it still has the factory management key (set-chuid authenticates with it).
cleanup_vcards
start_vcard 35963 delta
expect_exit 0 "the contactless card still has the factory management key" -- \
    yubico-piv-tool -r "$contact" -a set-chuid

# Text mode with --pin-stdin on a fresh card; a malformed PIN is refused before any change.
cleanup_vcards
start_vcard 35963 bravo
audit_count=$("$issue" audit verify --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
expect_exit 65 "a malformed PIN is refused" -- bash -c "echo 12ab | '$issue' card issue --merchant $m2 --reader 'PCD 00 00' --pin-stdin"
expect_eq "$(cards_json)" "$list_json" "the registry is unchanged"
expect_eq "$("$issue" audit verify --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')" \
    "$audit_count" "nothing was recorded"
expect_exit 0 "the card still has the factory PIN" -- yubico-piv-tool -r "$contact" -a verify-pin -P 123456
expect_exit 0 "card issue --pin-stdin (text)" -- bash -c "echo 24681357 | '$issue' card issue --merchant $m2 --reader 'PCD 00 00' --pin-stdin"
for step in " 1/11] checking the card" "generating the P-256 key pair" "signing the card certificate" \
    "writing the CHUID" "setting the holder's PIN" "replacing the management key" "[11/11] activating"; do
    expect_contains "$out" "$step" "text mode shows '$step'"
done
case "$out" in *"Holder PIN, shown once"*) fail "a PIN from stdin is shown" ;; *) pass "a PIN from stdin is not shown" ;; esac
s2=$(printf '%s\n' "$out" | sed -n 's/^Card issued: serial \([0-9A-F]*\),.*/\1/p')
expect_exit 0 "the PIN from stdin works" -- yubico-piv-tool -r "$contact" -a verify-pin -P 24681357

# --- 7. Lifecycle and CRL ------------------------------------------------------------------------
expect_exit 0 "suspend" -- "$issue" card suspend "$s2" --json
expect_eq "$(jget "$out" "j['status']")" suspended "the card is suspended"
expect_exit 0 "crl publish (one suspended)" -- "$issue" crl publish --out "$work/crl1.der" --hours 6 --json
crl1=$(jget "$out" "j['crl_number']")
expect_eq "$(crl_entry "$work/crl1.der" "$s2")" "Certificate Hold" "the suspended card is on hold in the CRL"
expect_exit 0 "reinstate" -- "$issue" card reinstate "$s2" --json
expect_eq "$(jget "$out" "j['status']")" active "the card is active again"
expect_exit 65 "revoke with an unknown reason is refused" -- "$issue" card revoke "$s2" --reason misplaced
expect_exit 0 "revoke --reason lost" -- "$issue" card revoke "$s2" --reason lost --json
expect_eq "$(jget "$out" "(j['status'], j['revocation_reason'])")" "('revoked', 'lost')" "the card is revoked (lost)"
expect_exit 65 "reinstating a revoked card is refused" -- "$issue" card reinstate "$s2"
expect_exit 0 "crl publish (one revoked)" -- "$issue" crl publish --out "$work/crl2.der" --hours 6 --json
crl2=$(jget "$out" "j['crl_number']")
[ -n "$crl1" ] && [ -n "$crl2" ] && [ "$crl2" -gt "$crl1" ] && pass "the CRL number grows ($crl1, $crl2)" ||
    fail "CRL numbers '$crl1' then '$crl2'"
expect_exit 0 "openssl reads the CRL" -- openssl crl -inform DER -in "$work/crl2.der" -noout -text
case "$(crl_entry "$work/crl2.der" "$s2")" in absent | "Certificate Hold") fail "the CRL does not list $s2 as revoked" ;;
    *) pass "the CRL lists the revoked serial ($(crl_entry "$work/crl2.der" "$s2"))" ;; esac
expect_exit 0 "the CRL verifies against the issuing CA" -- \
    openssl crl -inform DER -in "$work/crl2.der" -CAfile "$work/issuing.pem" -noout
expect_contains "$out$err" "verify OK" "openssl says verify OK"

# --- 8. Replace and renew ----------------------------------------------------------------------
# Card alpha (serial s1) is lost: replace it onto the blank card charlie.
cleanup_vcards
start_vcard 35963 charlie
expect_exit 0 "card replace onto a blank card" -- "$issue" card replace "$s1" --reader "PCD 00 00" --json
s3=$(jget "$out" "j['serial']")
list_json=$(cards_json)
status_of() {  # status_of SERIAL: (status, revocation reason, merchant) from card list
    jget "$(cards_json)" "{c['serial']: (c['status'], c.get('revocation_reason'), c['merchant']) for c in j}.get('$1')"
}
expect_eq "$(status_of "$s1")" "('revoked', 'lost', $m1)" "the replaced card is revoked (lost)"
expect_eq "$(status_of "$s3")" "('active', None, $m1)" "the new card is active for the same merchant"
expect_exit 6 "wiping an active card is refused" -- "$issue" card wipe --reader "PCD 00 00"
expect_contains "$err" "revoke it before wiping it" "the refusal says why"
expect_eq "$(cards_json)" "$list_json" "the registry is unchanged"
# Renew charlie's certificate on the same card.
expect_exit 0 "card renew" -- "$issue" card renew "$s3" --reader "PCD 00 00" --json
s3b=$(jget "$out" "j['serial']")
[ -n "$s3b" ] && [ "$s3b" != "$s3" ] && pass "renew gives a new serial ($s3b)" || fail "renew gives no new serial: $out"
expect_eq "$(status_of "$s3")" "('revoked', 'superseded', $m1)" "the old certificate is revoked (superseded)"
expect_eq "$(status_of "$s3b")" "('active', None, $m1)" "the new certificate is active"

# --- 9. Wipe ------------------------------------------------------------------------------------
# Card alpha is revoked (lost): it is wiped and reused for another merchant.
cleanup_vcards
start_vcard 35963 alpha
expect_exit 0 "wiping the revoked card" -- "$issue" card wipe --reader "PCD 00 00"
expect_exit 0 "the wiped card has the factory PIN" -- yubico-piv-tool -r "$contact" -a verify-pin -P 123456
expect_exit 0 "the wiped card is issued to another merchant" -- \
    "$issue" card issue --merchant "$m2" --reader "PCD 00 00" --json
expect_eq "$(jget "$out" "j['merchant']")" "$m2" "issued to merchant $m2"

# --- 10. Audit log and backup ------------------------------------------------------------------
expect_exit 0 "audit verify" -- "$issue" audit verify
expect_exit 0 "audit show --json" -- "$issue" audit show --json
expect_eq "$(jget "$out" "sorted(set(e['operator'] for e in j))")" "['Officer Li', 'Officer Wang']" \
    "the audit log names the operators"
expect_exit 0 "backup" -- "$issue" backup --out "$work/backup.sqlite"
expect_eq "$(python3 -c "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" \
    "$work/backup.sqlite")" ok "the backup passes SQLite's integrity check"
# Someone with the file edits, then deletes, a row in a copy of the station (dropping the
# append-only triggers first, as an attacker would): the hash chain shows where.
tamper() {  # tamper COPY SQL
    cp -r "$FMC_HOME" "$work/$1"
    python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.executescript(sys.argv[2]); d.commit()" \
        "$work/$1/registry.sqlite" "$2"
}
tamper edited "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details='{\"tampered\":1}' WHERE sequence=3;"
expect_exit 1 "audit verify finds an edited entry" -- "$issue" audit verify --home "$work/edited"
expect_contains "$out" "BROKEN at entry 3" "it names entry 3"
tamper deleted "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE sequence=3;"
expect_exit 1 "audit verify finds a deleted entry" -- "$issue" audit verify --home "$work/deleted"
case "$out" in *"BROKEN at entry 3"* | *"BROKEN at entry 4"*) pass "it names the gap ($out)" ;;
    *) fail "a deleted entry 3 is not named: $out" ;; esac

finish
