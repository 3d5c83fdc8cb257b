#!/bin/bash
# fmc-issue with the issuing CA key and the station secret on a real SoftHSM2 token (in a temp
# folder of its own), cards issued onto fmc-vcard in "Virtual PCD 00 00", and the root key
# taken into offline custody and brought back. Needs the pcscd fixture.
. "$(dirname "$0")/../cli/lib.sh"

reader="Virtual PCD 00 00"
module=${FMC_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
for tool in softhsm2-util pkcs11-tool openssl jq; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (softhsm2, opensc, openssl, jq)" >&2; exit 1; }
done
[ -f "$module" ] || { echo "FAIL: $module missing (apt-get install softhsm2)" >&2; exit 1; }

work=$(mktemp -d)
trap 'cleanup_vcards; rm -rf "$vcard_dir" "$work"' EXIT
show_log_on_failure() {
    [ "$failures" -eq 0 ] && return
    for name in card1 card2 card3; do
        [ -f "$vcard_dir/$name.log" ] && { echo "--- fmc-vcard APDU log $name ---" >&2; tail -n 40 "$vcard_dir/$name.log" >&2; }
    done
}

# The token lives in $work/tokens; a second config names an empty folder: "the token is gone".
mkdir "$work/tokens" "$work/no-tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" >"$work/softhsm2.conf"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/no-tokens" >"$work/empty.conf"
export SOFTHSM2_CONF="$work/softhsm2.conf"
pin=24681357
softhsm2-util --init-token --free --label fmc-station --so-pin 87654321 --pin "$pin" >/dev/null ||
    { echo "FAIL: softhsm2-util could not create the token" >&2; exit 1; }

export FMC_HOME="$work/station" FMC_OPERATOR="t3 operator" FMC_KEY_PASSPHRASE="root key passphrase for t3"
export FMC_PKCS11_PIN="$pin" FMC_PKCS11_MODULE="$module"
unset FMC_FAULT_KILL_AFTER
fmc_issue="$FMC_BIN_DIR/fmc-issue"
issue() { "$fmc_issue" "$@"; }
p11() { pkcs11-tool --module "$module" --token-label fmc-station "$@" 2>&1; }
# The registry as the failure checks compare it: the audit log's length and the card list.
registry_state() { echo "audit $(issue audit show --json | jq length)"; issue card list --json; }
enroll() {
    issue merchant add --name "$1" --nationality FRA --document "$2" --entitlement trade.licensing --json | jq -r .id
}

# --- 1. init on the token -------------------------------------------------------------------
expect_exit 0 "init --key-store pkcs11:token=fmc-station" -- \
    issue init --authority "Yiwu Public Security Bureau" --key-store pkcs11:token=fmc-station
config=$(cat "$FMC_HOME/station.json" 2>/dev/null)
[ "$(jq -r .issuing_key <<<"$config")" = "pkcs11:token=fmc-station;object=fmc-issuing-ca" ] &&
    pass "station.json: issuing key on the token" || fail "station.json issuing_key: $config"
[ "$(jq -r .station_secret <<<"$config")" = "pkcs11:token=fmc-station;object=fmc-station-secret" ] &&
    pass "station.json: station secret on the token" || fail "station.json station_secret: $config"
[ "$(jq -r .root_key <<<"$config")" = "keys/root-ca.key" ] && pass "station.json: root key is a file" ||
    fail "station.json root_key: $config"

objects=$(p11 --login --pin "$pin" --list-objects)
# pkcs11-tool prints "<Type> Object; ..." then "  label: ..." for each object.
type_of() { awk -v l="$2" '/Object;/ { t = $0 } $1 == "label:" && $2 == l { print t }' <<<"$1"; }
expect_contains "$(type_of "$objects" fmc-issuing-ca)" "Private Key Object; EC" "the token holds the EC private key fmc-issuing-ca"
[ -n "$(type_of "$objects" fmc-station-secret)" ] && pass "the token holds fmc-station-secret ($(type_of "$objects" fmc-station-secret))" ||
    fail "fmc-station-secret not on the token: $objects"
public_objects=$(p11 --list-objects)
case "$public_objects" in *fmc-station-secret*) fail "the secret is listed without login: $public_objects" ;;
*) pass "without login the secret is not listed" ;; esac
[ "$(ls "$FMC_HOME/keys")" = "root-ca.key" ] && pass "keys/ holds only the encrypted root key" ||
    fail "keys/ holds: $(ls "$FMC_HOME/keys")"
openssl pkey -in "$FMC_HOME/keys/root-ca.key" -passin env:FMC_KEY_PASSPHRASE -noout 2>/dev/null &&
    pass "the root key file opens with FMC_KEY_PASSPHRASE" || fail "the root key file does not open with the passphrase"

# --- 2. a card signed by the token's key ----------------------------------------------------
merchant1=$(enroll "Amira Haddad" P1000001)
start_vcard 35963 card1
expect_exit 0 "card issue (key on the token)" -- issue card issue --merchant "$merchant1" --reader "$reader" --json
serial1=$(jq -r .serial <<<"$out" 2>/dev/null)
uuid1=$(jq -r .card_uuid <<<"$out" 2>/dev/null)
[[ "$serial1" =~ ^[0-9a-fA-F]+$ && "$uuid1" =~ ^[0-9a-f-]{36}$ ]] && pass "json names serial $serial1 and card UUID $uuid1" ||
    fail "no serial/card_uuid in: $out"
cleanup_vcards

expect_exit 0 "trust export" -- issue trust export --out "$work/trust.pem"
awk -v dir="$work" '/BEGIN CERTIFICATE/ { n++ } { print > (dir "/ca" n ".pem") }' "$work/trust.pem"
mv "$work/ca1.pem" "$work/root.pem" && mv "$work/ca2.pem" "$work/issuing.pem" || fail "the trust bundle does not hold two certificates"
issue card show "$serial1" --pem >"$work/card1.pem"
expect_exit 0 "openssl verify: card certificate against the trust export" -- \
    openssl verify -ignore_critical -CAfile "$work/root.pem" -untrusted "$work/issuing.pem" "$work/card1.pem"
expect_contains "$(openssl x509 -in "$work/card1.pem" -noout -text 2>&1)" "Signature Algorithm: ecdsa-with-SHA256" \
    "the card certificate is signed with ecdsa-with-SHA256"
[ -n "$serial1" ] && [ "$(openssl x509 -in "$work/card1.pem" -noout -serial 2>&1 | cut -d= -f2 | tr a-f A-F)" = "$(tr a-f A-F <<<"$serial1")" ] &&
    pass "the certificate's serial is the registry's" || fail "certificate serial is not '$serial1'"
# The issuing CA certificate certifies the token's key, not some other one.
p11 --read-object --type pubkey --label fmc-issuing-ca -o "$work/token-pub.der" >/dev/null
token_pub=$(openssl pkey -pubin -inform DER -in "$work/token-pub.der" 2>&1)
ca_pub=$(openssl x509 -in "$work/issuing.pem" -noout -pubkey 2>&1)
[ -n "$ca_pub" ] && [ "$token_pub" = "$ca_pub" ] && pass "the issuing CA's public key is the token's P-256 key" ||
    fail "issuing CA key differs from the token's: token '$token_pub' CA '$ca_pub'"
expect_contains "$(openssl x509 -in "$work/issuing.pem" -noout -text)" "prime256v1" "the issuing CA key is P-256"

# --- 3. a CRL signed on the token -----------------------------------------------------------
expect_exit 0 "crl publish" -- issue crl publish --out "$work/crl1.der"
expect_exit 0 "openssl crl verifies the CRL with the issuing CA" -- \
    openssl crl -inform DER -in "$work/crl1.der" -CAfile "$work/issuing.pem" -noout
expect_contains "$err" "verify OK" "openssl says verify OK"

# --- 4. wrong token PIN: nothing changes ----------------------------------------------------
merchant2=$(enroll "Dmitri Volkov" P1000002)
before=$(registry_state)
start_vcard 35963 card2
card2_state=$(cat "$vcard_dir/card2.state" 2>/dev/null | md5sum)
expect_exit 77 "card issue with a wrong token PIN" -- env FMC_PKCS11_PIN=0000 "$fmc_issue" card issue --merchant "$merchant2" --reader "$reader"
expect_one_line "$err" "card issue: one-line message ($err)"
expect_exit 77 "crl publish with a wrong token PIN" -- env FMC_PKCS11_PIN=0000 "$fmc_issue" crl publish --out "$work/crl-bad.der"
expect_one_line "$err" "crl publish: one-line message ($err)"
[ ! -e "$work/crl-bad.der" ] && pass "no CRL file written with a wrong PIN" || fail "a CRL file was written with a wrong PIN"
[ "$(registry_state)" = "$before" ] && pass "registry unchanged after the wrong PINs" ||
    fail "registry changed: before '$before' after '$(registry_state)'"
[ "$(cat "$vcard_dir/card2.state" 2>/dev/null | md5sum)" = "$card2_state" ] && pass "card state unchanged after the wrong PIN" ||
    fail "the card's state file changed after the wrong PIN"
# Nor did any changing command reach it: GENERATE (INS 47), PUT DATA (DB), CHANGE REFERENCE
# (24), RESET RETRY COUNTER (2C), SET MANAGEMENT KEY (FF). Log lines: "fmc-vcard: CLAINSP1P2 ...".
grep -Eiq '^fmc-vcard: [0-9a-f]{2}(47|db|24|2c|ff)[0-9a-f]{4}( |$)' "$vcard_dir/card2.log" &&
    fail "a changing command reached the card with a wrong PIN" || pass "no changing command reached the card"
expect_exit 0 "the same card issues with the right PIN" -- issue card issue --merchant "$merchant2" --reader "$reader" --json
serial2=$(jq -r .serial <<<"$out" 2>/dev/null)
cleanup_vcards

# --- 5. the token is missing ----------------------------------------------------------------
before=$(registry_state)
expect_exit 2 "crl publish without the token" -- env SOFTHSM2_CONF="$work/empty.conf" "$fmc_issue" crl publish --out "$work/crl-none.der"
expect_one_line "$err" "token missing: one-line message ($err)"
[ ! -e "$work/crl-none.der" ] && pass "no CRL file written without the token" || fail "a CRL file was written without the token"
[ "$(registry_state)" = "$before" ] && pass "registry unchanged without the token" || fail "registry changed without the token"

# --- 6. root key custody --------------------------------------------------------------------
expect_exit 0 "root-key export --remove" -- issue root-key export --out "$work/root-offline.key" --remove
[ ! -e "$FMC_HOME/keys/root-ca.key" ] && pass "keys/root-ca.key is gone" || fail "keys/root-ca.key is still there"
[ "$(jq -r .root_key "$FMC_HOME/station.json")" = "" ] && pass "station.json root_key is empty" ||
    fail "station.json root_key: $(jq -c . "$FMC_HOME/station.json")"
expect_exit 0 "the exported root key opens with openssl and the passphrase" -- \
    openssl pkey -in "$work/root-offline.key" -passin env:FMC_KEY_PASSPHRASE -noout
expect_exit 2 "a second export fails (the key is away)" -- issue root-key export --out "$work/root-again.key"
expect_one_line "$err" "second export: one-line message ($err)"
[ ! -e "$work/root-again.key" ] && pass "the second export wrote nothing" || fail "the second export wrote a file"

# Cards and CRLs need only the issuing key on the token.
merchant3=$(enroll "Kwame Mensah" P1000003)
start_vcard 35963 card3
expect_exit 0 "card issue while the root key is away" -- issue card issue --merchant "$merchant3" --reader "$reader" --json
serial3=$(jq -r .serial <<<"$out" 2>/dev/null)
cleanup_vcards
issue card show "$serial3" --pem >"$work/card3.pem"
expect_exit 0 "openssl verify: the card issued without the root key" -- \
    openssl verify -ignore_critical -CAfile "$work/root.pem" -untrusted "$work/issuing.pem" "$work/card3.pem"
expect_exit 0 "crl publish while the root key is away" -- issue crl publish --out "$work/crl2.der"
expect_exit 0 "openssl crl verifies the second CRL" -- openssl crl -inform DER -in "$work/crl2.der" -CAfile "$work/issuing.pem" -noout

# Importing a key that is not this root's is refused; the right one comes back.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -aes-256-cbc -pass env:FMC_KEY_PASSPHRASE \
    -out "$work/other.key" 2>/dev/null || fail "openssl could not make the other key"
expect_exit 2 "root-key import of a different key is refused" -- issue root-key import "$work/other.key"
expect_contains "$err" "not this station's root key" "the refusal says why"
[ ! -e "$FMC_HOME/keys/root-ca.key" ] && [ "$(jq -r .root_key "$FMC_HOME/station.json")" = "" ] &&
    pass "the refused import left no root key" || fail "the refused import changed the station"
expect_exit 0 "root-key import brings it back" -- issue root-key import "$work/root-offline.key"
cmp -s "$work/root-offline.key" "$FMC_HOME/keys/root-ca.key" && pass "keys/root-ca.key is the exported file" ||
    fail "keys/root-ca.key is missing or differs from the exported file"
[ "$(jq -r .root_key "$FMC_HOME/station.json")" = "keys/root-ca.key" ] && pass "station.json names the root key again" ||
    fail "station.json root_key: $(jq -c . "$FMC_HOME/station.json")"
expect_exit 2 "importing it twice is refused" -- issue root-key import "$work/root-offline.key"

# --- 7. the audit log -----------------------------------------------------------------------
expect_exit 0 "audit verify" -- issue audit verify
expect_exit 0 "audit show" -- issue audit show --json
for action in station.init issuance.begin card.add card.activate issuance.finish root-key.export-and-remove root-key.import; do
    [ "$(jq --arg a "$action" '[.[] | select(.action == $a and .operator == "t3 operator")] | length' <<<"$out")" -gt 0 ] &&
        pass "audit: $action by the operator" || fail "audit: no $action by 't3 operator'"
done
activated=$(jq '[.[] | select(.action == "card.activate")] | length' <<<"$out")
[ "$activated" = 3 ] && pass "audit: three cards activated ($serial1 $serial2 $serial3)" || fail "audit: $activated cards activated, expected 3"

show_log_on_failure
finish
