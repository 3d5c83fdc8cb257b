#!/bin/bash
# A full tap over the real stack (issue 5, item 7): pcscd + the vpcd reader + our virtual
# card, issued by a real station. Times N runs of `fmc-terminal check --service library`
# against N runs of OpenSC doing the same card work (read the 9E certificate, sign a
# challenge with the 9E key), and counts the APDUs of each from the card's own log.
#
#   bash bench/tap/run-tap-bench.sh            # FMC_BIN_DIR (default build/bin), N (default 50)
#
# FMC_TAP_JSON=FILE also writes the figures as JSON (bench/run reads it for BENCHMARKS.md);
# FMC_TAP_CALLGRIND=1 adds one run of each side under `valgrind --tool=callgrind` and the
# instructions counted (client processes only: pcscd and the card are not counted);
# FMC_TAP_CALLGRIND_DIR=DIR keeps the callgrind profiles there.
#
# Not a ctest test: a timing on a shared machine is a figure to read. It takes the shared
# reader lock itself (/tmp/fmc-pcsc.lock, as every real-stack run must); set
# FMC_PCSC_LOCKED=1 if the caller already holds it, or the two would wait on each other.
set -u
if [ -z "${FMC_PCSC_LOCKED:-}" ]; then
    exec env FMC_PCSC_LOCKED=1 flock /tmp/fmc-pcsc.lock bash "$0" "$@"
fi

. "$(dirname "$0")/../lib.sh"
runs=${N:-50}
reader="Virtual PCD 00 00"
module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
pin=24681357

die() { echo "run-tap-bench: $*" >&2; exit 1; }
for program in fmc-issue fmc-terminal fmc-vcard; do
    [ -x "$bin/$program" ] || die "$bin/$program not found: build it or set FMC_BIN_DIR"
done
for tool in pkcs15-tool pkcs11-tool python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[ -f "$module" ] || die "$module missing (apt-get install opensc-pkcs11)"

work=$(mktemp -d)
vcard_pid=""
cleanup() {
    [ -n "$vcard_pid" ] && kill "$vcard_pid" 2>/dev/null && wait "$vcard_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export FMC_HOME="$work/station" FMC_TERMINAL_HOME="$work/terminal" FMC_OPERATOR=bench \
       FMC_KEY_PASSPHRASE=bench-passphrase
quietly() { "$@" >>"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; die "failed: $*"; }; }

# pcscd with the vpcd driver (started only if none runs; left running, it is shared).
quietly bash "$repo/tests/fixtures/start_pcscd.sh" "$work/pcscd-started"
wait_reader_empty  # the reader must be free of another card first

# The card logs every APDU on stderr: one "fmc-vcard: <command> -> <response>" line each.
launch_virtual_card "$work/card.state"
apdus() { grep -c ' -> ' "$work/vcard.log"; }

# A station, a merchant entitled to the library, the card issued with a known PIN.
quietly "$bin/fmc-issue" init --authority "Bench PSB"
quietly "$bin/fmc-issue" merchant add --name "Amina Bello" --nationality NGA --document B1 --language fr \
    --entitlement library
echo "$pin" | quietly "$bin/fmc-issue" card issue --merchant 1 --reader "$reader" --pin-stdin
quietly "$bin/fmc-issue" trust export --out "$work/trust.pem"
quietly "$bin/fmc-issue" crl publish --out "$work/crl.der"
quietly "$bin/fmc-terminal" setup --trust "$work/trust.pem"
quietly "$bin/fmc-terminal" crl import "$FMC_HOME/arl.der"
quietly "$bin/fmc-terminal" crl import "$work/crl.der"

now_ns() { date +%s%N; }

# --- ours: one process per tap, as a service point's script would run it -----------------
"$bin/fmc-terminal" check --service library --reader "$reader" --json >/dev/null 2>&1  # warm-up, not counted
: >"$work/ours.tsv"
for i in $(seq "$runs"); do
    before=$(apdus); start=$(now_ns)
    "$bin/fmc-terminal" check --service library --reader "$reader" --json >"$work/tap.json" 2>"$work/tap.err"
    rc=$?
    end=$(now_ns); after=$(apdus)
    [ $rc -eq 0 ] || { cat "$work/tap.json" "$work/tap.err" >&2; die "tap $i: exit $rc, expected 0 (granted)"; }
    # wall us and the APDUs the card logged; the JSON is read after the loop, so that no
    # interpreter starts up next to the taps being timed.
    printf '%s\t%s\t%s\n' "$(( (end - start) / 1000 ))" "$((after - before))" "$work/tap-$i.json" >>"$work/ours.tsv"
    mv "$work/tap.json" "$work/tap-$i.json"
done

# --- OpenSC: the same card work, read the 9E certificate (id 04) and sign with its key -----
head -c 32 /dev/urandom >"$work/challenge.bin"
# The PKCS#11 slot of our reader (the slot index depends on which readers hold cards).
slot=$(pkcs11-tool --module "$module" -L 2>/dev/null | sed -n "s/^Slot [0-9]* (\(0x[0-9a-f]*\)): $reader.*/\1/p" | head -n1)
[ -n "$slot" ] || die "no PKCS#11 slot for $reader"
read_cert() { pkcs15-tool --reader "$reader" --read-certificate 04 -o "$work/cert.pem"; }
# pkcs11-tool logs in before any --sign on a token that says "login required" (see
# tests/integration/middleware/piv_middleware.sh), so its figure includes a VERIFY PIN.
sign() {
    pkcs11-tool --module "$module" --slot "$slot" --sign --id 04 -m ECDSA --login --pin "$pin" \
        -i "$work/challenge.bin" -o "$work/signature.bin"
}
read_cert >/dev/null 2>&1; sign >/dev/null 2>&1  # warm-up, not counted
: >"$work/opensc.tsv"
for i in $(seq "$runs"); do
    before=$(apdus); start=$(now_ns)
    read_cert >"$work/opensc.out" 2>&1 || { cat "$work/opensc.out" >&2; die "pkcs15-tool run $i failed"; }
    middle=$(now_ns); between=$(apdus)
    sign >"$work/opensc.out" 2>&1 || { cat "$work/opensc.out" >&2; die "pkcs11-tool run $i failed"; }
    end=$(now_ns); after=$(apdus)
    printf '%s\t%s\t%s\t%s\t%s\n' "$(( (end - start) / 1000 ))" "$(( (middle - start) / 1000 ))" \
        "$(( (end - middle) / 1000 ))" "$((between - before))" "$((after - between))" >>"$work/opensc.tsv"
done

# --- instruction counts (optional): one process of each side under callgrind ---------------
# The counts are the client process alone (start-up, libraries, the work); pcscd and the
# card run outside valgrind. A tap's APDU round trips cost no client instructions.
callgrind_ir() {  # callgrind_ir NAME COMMAND...: prints the instructions the process executed
    local out="$work/callgrind.$1"
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$work/callgrind.stdout" 2>"$work/callgrind.stderr" ||
        { cat "$work/callgrind.stderr" >&2; die "under callgrind: $* failed"; }
    sed -n 's/^summary: *//p' "$out" | head -n1
}
: >"$work/callgrind.tsv"
if [ -n "${FMC_TAP_CALLGRIND:-}" ]; then
    command -v valgrind >/dev/null || die "valgrind is not installed"
    printf 'ours\t%s\n' "$(callgrind_ir ours "$bin/fmc-terminal" check --service library --reader "$reader" --json)" >>"$work/callgrind.tsv"
    printf 'pkcs15\t%s\n' "$(callgrind_ir pkcs15 pkcs15-tool --reader "$reader" --read-certificate 04 -o "$work/cert.pem")" >>"$work/callgrind.tsv"
    printf 'pkcs11\t%s\n' "$(callgrind_ir pkcs11 pkcs11-tool --module "$module" --slot "$slot" --sign --id 04 -m ECDSA \
        --login --pin "$pin" -i "$work/challenge.bin" -o "$work/signature.bin")" >>"$work/callgrind.tsv"
    # FMC_TAP_CALLGRIND_DIR keeps the profiles, for callgrind_annotate.
    [ -n "${FMC_TAP_CALLGRIND_DIR:-}" ] && cp "$work"/callgrind.ours "$work"/callgrind.pkcs1? "$FMC_TAP_CALLGRIND_DIR"/
fi

# --- the table -----------------------------------------------------------------------------
python3 - "$work/ours.tsv" "$work/opensc.tsv" "$runs" "$work/callgrind.tsv" "${FMC_TAP_JSON:-}" <<'EOF'
import statistics, sys
import json
def rows(path): return [[int(x) for x in line.split("\t")] for line in open(path) if line.strip()]
def tap(line):  # wall us, in-process ms, exchanges the terminal counted, APDUs the card logged
    wall, logged, file = line.rstrip("\n").split("\t")
    d = json.load(open(file))
    assert d["decision"] == "granted", d
    return [int(wall), d["elapsed_ms"], d["apdu_exchanges"], int(logged)]
def p95(values):  # nearest rank
    s = sorted(values); return s[max(0, -(-95 * len(s) // 100) - 1)]
def ms(us): return f"{us / 1000:.1f}"
def spread(values): return str(values[0]) if min(values) == max(values) else f"{min(values)}-{max(values)}"
ours, opensc, n = [tap(line) for line in open(sys.argv[1])], rows(sys.argv[2]), int(sys.argv[3])
wall = [r[0] for r in ours]
print(f"\nA full tap on the virtual card over pcscd, {n} runs each (one warm-up run not counted)\n")
print(f"| {'':38} | wall median ms | wall p95 ms | in-process median ms | APDU exchanges |")
print(f"|{'-' * 40}|---------------:|------------:|---------------------:|---------------:|")
print(f"| {'fmc-terminal check --service library':38} | {ms(statistics.median(wall)):>14} | {ms(p95(wall)):>11} | "
      f"{statistics.median(r[1] for r in ours):>20} | {spread([r[3] for r in ours]) + ' (self: ' + spread([r[2] for r in ours]) + ')':>14} |")
for label, w, a in (("OpenSC: read 9E certificate + sign", 0, None), ("  pkcs15-tool --read-certificate 04", 1, 3),
                    ("  pkcs11-tool --login --sign --id 04", 2, 4)):
    times = [r[w] for r in opensc]
    count = [r[3] + r[4] for r in opensc] if a is None else [r[a] for r in opensc]
    print(f"| {label:38} | {ms(statistics.median(times)):>14} | {ms(p95(times)):>11} | {'-':>20} | {spread(count):>14} |")
print("\nGoal (issue 5): <= 6 APDU exchanges and <= 50 ms per tap (in-process) on the virtual card.")
exchanges, inproc = max(r[3] for r in ours), statistics.median(r[1] for r in ours)
print(f"Exchanges: {'met' if exchanges <= 6 else 'NOT met'} (at most {exchanges}); "
      f"time: {'met' if inproc <= 50 else 'NOT met'} (median {inproc} ms, max {max(r[1] for r in ours)} ms).")
counts = {name: int(ir) for name, ir in (line.split("\t") for line in open(sys.argv[4]) if line.strip())}
if counts:
    print(f"\nInstructions (callgrind, client process only): ours {counts['ours']:,}; "
          f"OpenSC pkcs15-tool {counts['pkcs15']:,} + pkcs11-tool {counts['pkcs11']:,}")
if sys.argv[5]:
    def side(times, apdus):
        return {"wall_median_ms": statistics.median(times) / 1000, "wall_p95_ms": p95(times) / 1000,
                "apdus_min": min(apdus), "apdus_max": max(apdus)}
    summary = {"runs": n,
               "ours": dict(side(wall, [r[3] for r in ours]),
                            inprocess_median_ms=statistics.median(r[1] for r in ours),
                            inprocess_max_ms=max(r[1] for r in ours),
                            exchanges_self=max(r[2] for r in ours)),
               "opensc": side([r[0] for r in opensc], [r[3] + r[4] for r in opensc]),
               "opensc_pkcs15_tool": side([r[1] for r in opensc], [r[3] for r in opensc]),
               "opensc_pkcs11_tool": side([r[2] for r in opensc], [r[4] for r in opensc]),
               "callgrind_ir": counts}
    json.dump(summary, open(sys.argv[5], "w"), indent=2)
EOF
