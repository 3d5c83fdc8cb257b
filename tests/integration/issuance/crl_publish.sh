#!/bin/bash
# `fmc-issue crl publish --dir` on the real stack (two cards issued onto fmc-vcard through pcscd,
# so that the lists carry real revocations and holds): the folder layout, complete and delta
# CRLs read by openssl (Delta CRL Indicator, removeFromCRL), the signed index read by
# `openssl cms`, pruning, refusals, and the folder served as it is by a static web server.
. "$(dirname "$0")/../cli/lib.sh"

issue="$FMC_BIN_DIR/fmc-issue"
for tool in openssl python3 sha256sum; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
server_pid=""
trap 'cleanup_vcards; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$vcard_dir" "$work"' EXIT
export FMC_HOME="$work/station" FMC_OPERATOR="Officer Chen" FMC_KEY_PASSPHRASE="crl publish test passphrase"
pub="$work/published"

jget() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
expect_eq() { [ "$1" = "$2" ] && pass "$3" || fail "$3: '$1', expected '$2'"; }
index_json() { openssl cms -verify -inform DER -in "$ca_dir/index.cms" -noverify 2>/dev/null; }

# --- a station with two issued cards ----------------------------------------------------------
expect_exit 0 "init --json" -- "$issue" init --authority "Keqiao Market Bureau" --json
ski=$(jget "$out" "j['issuer_id'].lower()")
ca_dir="$pub/$ski"
expect_exit 0 "merchant add" -- "$issue" merchant add --name "Amina Diallo" --nationality SEN --document S7654321 \
    --entitlement trade.licensing --json
m1=$(jget "$out" "j['id']")
serials=()
for name in alpha bravo; do
    start_vcard 35963 "$name"
    expect_exit 0 "card issue ($name)" -- "$issue" card issue --merchant "$m1" --reader "PCD 00 00" --json
    serials+=("$(jget "$out" "j['serial']")")
    cleanup_vcards
done
s1=${serials[0]} s2=${serials[1]}

# --- refusals: nothing is recorded ----------------------------------------------------------
expect_exit 64 "--out and --dir together are refused" -- "$issue" crl publish --out "$work/x.crl" --dir "$pub"
expect_exit 64 "neither --out nor --dir is refused" -- "$issue" crl publish
expect_exit 65 "--delta-window 0 is refused" -- "$issue" crl publish --dir "$pub" --delta-window 0
expect_one_line "$err" "the window error is one line"
expect_contains "$err" "--delta-window" "the error names --delta-window"
echo "not a folder" > "$work/file"
expect_exit 2 "a file where the folder should be is refused" -- "$issue" crl publish --dir "$work/file"
expect_one_line "$err" "the folder error is one line"
expect_contains "$err" "nothing was published or recorded" "the folder error says nothing was recorded"

# --- first publish: complete CRL only ---------------------------------------------------------
expect_exit 0 "suspend" -- "$issue" card suspend "$s1"
expect_exit 0 "crl publish --dir (first)" -- "$issue" crl publish --dir "$pub" --hours 12 --json
expect_eq "$(jget "$out" "(j['crl_number'], j['base_crl_number'], j['delta'], j['full']['file'], j['full']['entries'])")" \
    "(1, None, None, 'full-1.crl', 1)" "the first publish is complete CRL 1 without a delta (numbers start at 1 after refusals)"
expect_eq "$(jget "$out" "j['arl']['file']")" "arl-1.crl" "the root's ARL from init is published"
expect_eq "$(ls "$pub")" "$ski" "DIR holds one folder, the issuing CA's key id in lower-case hex"
expect_eq "$(ls "$ca_dir" | tr '\n' ' ')" "arl-1.crl full-1.crl index.cms " "the CA folder holds the complete CRL, ARL and index"
expect_eq "$(crl_entry "$ca_dir/full-1.crl" "$s1")" "Certificate Hold" "the suspended card is on hold"

# --- second publish: complete CRL 2 and delta 2 against 1 -------------------------------------
expect_exit 0 "reinstate" -- "$issue" card reinstate "$s1"
expect_exit 0 "revoke" -- "$issue" card revoke "$s2" --reason stolen
expect_exit 0 "crl publish --dir (second)" -- "$issue" crl publish --dir "$pub" --hours 12 --json
expect_eq "$(jget "$out" "(j['crl_number'], j['base_crl_number'], j['delta']['file'], j['delta']['entries'], j['full']['entries'])")" \
    "(2, 1, 'delta-2.crl', 2, 1)" "complete CRL 2 and delta CRL 2 against 1"
expect_eq "$(jget "$out" "j['dir']")" "$pub" "--json names the folder"
expect_exit 0 "openssl reads the delta CRL" -- openssl crl -inform DER -in "$ca_dir/delta-2.crl" -noout -text
expect_contains "$out" "Delta CRL Indicator" "openssl shows the Delta CRL Indicator"
expect_contains "$out" "X509v3 Delta CRL Indicator: critical" "the indicator is critical"
expect_eq "$(crl_entry "$ca_dir/delta-2.crl" "$s1")" "Remove From CRL" "the released hold is removeFromCRL in the delta"
expect_eq "$(crl_entry "$ca_dir/delta-2.crl" "$s2")" "Key Compromise" "the stolen card is in the delta"
expect_eq "$(crl_entry "$ca_dir/full-2.crl" "$s1")" "absent" "the reinstated card is off the complete CRL"
case "$(openssl crl -inform DER -in "$ca_dir/full-2.crl" -noout -text)" in
    *"Delta CRL Indicator"*) fail "the complete CRL carries a Delta CRL Indicator" ;; *) pass "the complete CRL is not a delta" ;; esac

# --- the signed index ---------------------------------------------------------------------
json=$(index_json)
[ -n "$json" ] && pass "openssl cms -verify prints the index JSON" || fail "openssl cms could not read index.cms"
expect_eq "$(jget "$json" "(j['format'], j['issuer_key_id'], j['full']['file'], j['delta']['file'], j['delta']['base_crl_number'], j['arl']['file'])")" \
    "('fmc-crl-index/1', '$ski', 'full-2.crl', 'delta-2.crl', 1, 'arl-1.crl')" "the index names full 2, delta 2 (base 1) and the ARL"
for kind in full delta arl; do
    file=$(jget "$json" "j['$kind']['file']")
    expect_eq "$(jget "$json" "(j['$kind']['size'], j['$kind']['sha256'])")" \
        "($(stat -c %s "$ca_dir/$file"), '$(sha256sum "$ca_dir/$file" | cut -d' ' -f1)')" "the index has $file's size and SHA-256"
done

# --- text output, more publishes, pruning --------------------------------------------------
expect_exit 0 "crl publish --dir (text)" -- "$issue" crl publish --dir "$pub"
for line in "complete CRL 3" "delta CRL 3 (base 1)" "root ARL 1" "index.cms" "next update"; do
    expect_contains "$out" "$line" "the text output shows '$line'"
done
expect_exit 0 "crl publish --dir (4)" -- "$issue" crl publish --dir "$pub" --json
expect_exit 0 "crl publish --dir (5)" -- "$issue" crl publish --dir "$pub" --delta-window 1 --json
expect_eq "$(jget "$out" "(j['base_crl_number'], j['removed'])")" "(1, ['delta-2.crl', 'full-2.crl'])" \
    "the base is the earliest list in the window; files of older indexes are removed"
expect_eq "$(ls "$ca_dir" | tr '\n' ' ')" \
    "arl-1.crl delta-3.crl delta-4.crl delta-5.crl full-3.crl full-4.crl full-5.crl index.cms " \
    "the files of the last three indexes stay"
expect_exit 0 "crl publish --out still works" -- "$issue" crl publish --out "$work/single.crl" --json
expect_eq "$(jget "$out" "j['crl_number']")" 6 "--out takes the next number of the same sequence"

# --- one audit entry per publish, naming the folder ------------------------------------------
expect_exit 0 "audit verify" -- "$issue" audit verify
expect_exit 0 "audit show --json" -- "$issue" audit show --json
expect_eq "$(jget "$out" "[e['details'].get('destination') for e in j if e['action'] == 'crl.publish' and e['subject'] == '${ski^^}']")" \
    "['$pub', '$pub', '$pub', '$pub', '$pub', '$work/single.crl']" "each publish has one crl.publish entry naming where it went"

# --- served as it is by a static web server ---------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$pub" >"$work/http.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break; sleep 0.1; done
fetch() { python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())' "$1"; }
for file in index.cms full-5.crl delta-5.crl arl-1.crl; do
    fetch "http://127.0.0.1:$port/$ski/$file" > "$work/fetched" && cmp -s "$work/fetched" "$ca_dir/$file" &&
        pass "the web server serves $ski/$file byte for byte" || fail "http://127.0.0.1:$port/$ski/$file differs or failed"
done
fetch "http://127.0.0.1:$port/$ski/index.cms" > "$work/fetched-index"
expect_eq "$(openssl cms -verify -inform DER -in "$work/fetched-index" -noverify 2>/dev/null)" "$(index_json)" \
    "the served index reads the same"

finish
