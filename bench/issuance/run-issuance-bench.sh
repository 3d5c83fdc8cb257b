#!/bin/bash
# Issuance time per card on the virtual card (issue 7, item 4): N runs of `fmc-issue card
# issue` on "Virtual PCD 00 00" (the card revoked and wiped between runs, not timed) against
# N runs of the comparable PIV personalization with yubico-piv-tool on a blank card of the
# same kind: generate a P-256 key in 9E, a certificate for it signed by a CA key (openssl,
# the key in a scrypt-encrypted PKCS#8 file like the station's),
# import it, write the CHUID, change the PUK and the PIN, set a new management key, verify
# the PIN. Ours does more (a per-card AES-256 management key and PUK derived from the station
# secret, the printed-information object, everything read back and a challenge signed, the
# registry and audit log written); both counts of APDUs come from the card's own log.
#
#   bash bench/issuance/run-issuance-bench.sh    # FMC_BIN_DIR (default build/bin), N (default 5)
#
# FMC_ISSUE_JSON=FILE writes the figures as JSON. Takes the shared reader lock (set
# FMC_PCSC_LOCKED=1 when the caller holds it). Not a ctest test: timings are figures to read.
set -u
if [ -z "${FMC_PCSC_LOCKED:-}" ]; then
    exec env FMC_PCSC_LOCKED=1 flock /tmp/fmc-pcsc.lock bash "$0" "$@"
fi

. "$(dirname "$0")/../lib.sh"
runs=${N:-5}
reader="Virtual PCD 00 00"
pin=24681357

die() { echo "run-issuance-bench: $*" >&2; exit 1; }
for program in fmc-issue fmc-terminal fmc-vcard; do
    [ -x "$bin/$program" ] || die "$bin/$program not found: build it or set FMC_BIN_DIR"
done
for tool in yubico-piv-tool openssl python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

work=$(mktemp -d)
vcard_pid=""
stop_card() {  # stops our card and waits until pcscd shows the reader empty
    [ -n "$vcard_pid" ] || return 0
    kill "$vcard_pid" 2>/dev/null; wait "$vcard_pid" 2>/dev/null
    vcard_pid=""
    wait_empty
}
wait_empty() { wait_reader_empty || die "reader '$reader' still holds a card after 5 s"; }
start_card() {  # start_card STATE-NAME: a card (blank if the state file is new) in the reader
    wait_empty
    launch_virtual_card "$work/$1.state"
}
trap 'stop_card; rm -rf "$work"' EXIT
export FMC_HOME="$work/station" FMC_OPERATOR=bench FMC_KEY_PASSPHRASE=bench-passphrase
quietly() { "$@" >>"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; die "failed: $*"; }; }
apdus() { grep -c ' -> ' "$work/vcard.log"; }
now_ns() { date +%s%N; }
: >"$work/vcard.log"

quietly bash "$repo/tests/fixtures/start_pcscd.sh" "$work/pcscd-started"
quietly "$bin/fmc-issue" init --authority "Bench PSB"
quietly "$bin/fmc-issue" merchant add --name "Amina Bello" --nationality NGA --document B1 --language fr \
    --entitlement library

# --- ours: issue, then (not timed) revoke and wipe, on the same card ------------------------
start_card ours
: >"$work/ours.tsv"
for i in $(seq "$runs"); do
    before=$(apdus); start=$(now_ns)
    echo "$pin" | "$bin/fmc-issue" card issue --merchant 1 --reader "$reader" --pin-stdin --json >"$work/issue.json" 2>"$work/issue.err" ||
        { cat "$work/issue.json" "$work/issue.err" >&2; die "card issue $i failed"; }
    end=$(now_ns); after=$(apdus)
    printf '%s\t%s\n' "$(( (end - start) / 1000 ))" "$((after - before))" >>"$work/ours.tsv"
    serial=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$work/issue.json")
    quietly "$bin/fmc-issue" card revoke "$serial" --reason superseded
    quietly "$bin/fmc-issue" card wipe --reader "$reader"
done
stop_card

# --- yubico-piv-tool: the same personalization steps on a blank card each run ---------------
# A CA and a request made once (the request's own key is replaced by -force_pubkey).
quietly openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -subj '/CN=Bench peer CA/' -days 2 -out "$work/ca.pem"
# The CA key encrypted like the station's (scrypt N = 2^14, r = 8), so both sides unlock one.
quietly openssl pkcs8 -topk8 -scrypt -in "$work/ca.key" -out "$work/ca-encrypted.key" -passout pass:bench-passphrase
quietly openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/throwaway.key" \
    -subj '/CN=Bench card/' -out "$work/request.pem"
new_mgm=0102030405060708090A0B0C0D0E0F101112131415161718
piv() { yubico-piv-tool -r "$reader" "$@"; }
: >"$work/peer.tsv"
for i in $(seq "$runs"); do
    start_card "peer-$i"
    before=$(apdus); start=$(now_ns)
    {
        piv -a generate -s 9e -A ECCP256 -o "$work/pub.pem" &&
        openssl x509 -req -in "$work/request.pem" -CA "$work/ca.pem" -CAkey "$work/ca-encrypted.key" \
            -passin pass:bench-passphrase -set_serial "$i" \
            -days 2 -force_pubkey "$work/pub.pem" -out "$work/cert.pem" &&
        # As few processes as the tool allows: it runs several actions in the order given, but
        # takes one -P per process (the PUK, the old PIN and the new PIN differ).
        piv -a import-certificate -s 9e -i "$work/cert.pem" -a set-chuid -a set-mgm-key -n "$new_mgm" &&
        piv -a change-puk -P 12345678 -N 87654321 &&
        piv -a change-pin -P 123456 -N "$pin" &&
        piv -a verify-pin -P "$pin"
    } >"$work/peer.out" 2>&1 || { cat "$work/peer.out" >&2; die "yubico-piv-tool personalization $i failed"; }
    end=$(now_ns); after=$(apdus)
    printf '%s\t%s\n' "$(( (end - start) / 1000 ))" "$((after - before))" >>"$work/peer.tsv"
    stop_card
done

python3 - "$work/ours.tsv" "$work/peer.tsv" "$runs" "${FMC_ISSUE_JSON:-}" <<'PY'
import json, statistics, sys
def rows(path): return [[int(x) for x in line.split("\t")] for line in open(path) if line.strip()]
ours, peer, n = rows(sys.argv[1]), rows(sys.argv[2]), int(sys.argv[3])
def side(r): return {"median_ms": statistics.median(x[0] for x in r) / 1000, "min_ms": min(x[0] for x in r) / 1000,
                     "max_ms": max(x[0] for x in r) / 1000, "apdus": statistics.median(x[1] for x in r)}
summary = {"runs": n, "ours": side(ours), "yubico_piv_tool": side(peer)}
for name, figures in (("fmc-issue card issue", summary["ours"]), ("yubico-piv-tool + openssl", summary["yubico_piv_tool"])):
    print(f"{name:28} median {figures['median_ms']:8.1f} ms  (min {figures['min_ms']:.1f}, max {figures['max_ms']:.1f})  "
          f"{figures['apdus']:g} APDUs")
if sys.argv[4]: json.dump(summary, open(sys.argv[4], "w"), indent=2)
PY
