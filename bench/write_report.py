#!/usr/bin/env python3
"""Writes BENCHMARKS.md from the results bench/run collected (JSON and TSV files in one
folder). Anything a part did not produce is reported as not measured, with the reason."""
import json
import os
import sys

results, report = sys.argv[1], sys.argv[2]


def load(name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def tsv(name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


machine = load("machine.json") or {}
status = {row[0]: row[1:] for row in tsv("status.tsv")}
verifier, tap, issuance, scale = load("verifier.json"), load("tap.json"), load("issuance.json"), load("scale.json")
callgrind = {(row[0], int(row[1])): int(row[2]) for row in tsv("callgrind.tsv")}
load_end = open(os.path.join(results, "load_end.txt")).read().split() if os.path.exists(os.path.join(results, "load_end.txt")) else ["?"]

out = []
w = out.append


def ms(us):
    return f"{us / 1000:.1f} ms" if us >= 1000 else f"{us:.0f} us"


def ratio(peer, ours):
    return f"{peer / ours:.1f}x" if ours and peer else "-"


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def gi(n):
    return f"{n / 1e6:.2f} M" if n < 1e9 else f"{n / 1e9:.2f} G"


def annotate_top(path, limit=14):
    """The largest inclusive entries of a callgrind_annotate listing: our functions, main and
    OpenSSL's ECDSA verification, arguments cut off."""
    if not os.path.exists(path):
        return []
    import re
    rows, seen = [], set()
    for line in open(path):
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+%)\)\s+\S*?:(.+?) \[", line)
        if not m:
            continue
        name = m.group(3)
        depth, cut = 0, len(name)
        for i, ch in enumerate(name):  # cut at the argument list (the first "(" outside templates)
            if ch == "<": depth += 1
            elif ch == ">": depth -= 1
            elif ch == "(" and depth == 0 and not name.startswith("(", i + 1) and "anonymous" not in name[i:i + 12]:
                cut = i
                break
        name = name[:cut]
        if not (name.startswith("fmc::") or name in ("main", "ECDSA_verify", "X509_verify", "EC_POINT_mul")):
            continue
        if name in seen or "_Function_handler" in name or name.startswith("fmc::cli::") or name.endswith("runTerminalCli"):
            continue
        seen.add(name)
        rows.append((int(m.group(1).replace(",", "")), m.group(2), name))
        if len(rows) == limit:
            break
    return rows


def part_note(name):
    state = status.get(name)
    if state is None:
        return "not run"
    if state[0] == "skipped":
        return "skipped (FMC_BENCH_PARTS)"
    if state[0] != "0":
        return f"FAILED (exit {state[0]}; see build-bench/bench-results/{name}.log)"
    return f"ran in {state[1]} s"


w("# Benchmarks")
w("")
w(f"Written by `bench/run` on {machine.get('date', '?')}. Every figure is beside the peer it is compared to, "
  "both measured in this same run on this machine; ratios are peer / ours (above 1: ours is faster or smaller).")
w("")
w("## Machine")
w(f"- {machine.get('nproc', '?')} cores (`nproc`), CPU `{machine.get('cpu', '?')}` at {machine.get('mhz', '?')} MHz, "
  f"RAM {machine.get('ram_gb', '?')} GB")
w(f"- load average (1/5/15 min) {' / '.join(machine.get('load_start', ['?']))} at the start, "
  f"{' / '.join(load_end)} at the end: the machine is shared with other builds, so wall times are noisy; "
  "the callgrind instruction counts are the stable figures")
w(f"- {machine.get('os', '?')}, kernel {machine.get('kernel', '?')}; {machine.get('compiler', '?')}, Release (-O3) build "
  f"in `build-bench`; {machine.get('openssl', '?')}; OpenSC {machine.get('opensc', '?')}; pcsc-lite {machine.get('pcsc_lite', '?')}; "
  f"yubico-piv-tool {machine.get('yubico_piv_tool', '?')}; {machine.get('valgrind', '?')}; SQLite {machine.get('sqlite', '?')}; "
  f"Google Benchmark {machine.get('benchmark', '?')}")
w("")
w("## How to rerun")
w("```")
w("bench/run        # installs missing Debian packages, builds build-bench (Release), runs everything, rewrites BENCHMARKS.md")
w("```")
w("About 7 minutes on this machine (up to 15 when it is busy). Raw results and logs: `build-bench/bench-results/`. One part: "
  "`FMC_BENCH_PARTS=\"verifier callgrind\" bench/run` (the others are then marked skipped). Parts on the real "
  "card stack take the shared reader lock `/tmp/fmc-pcsc.lock` and need \"Virtual PCD 00 00\" free.")
w("")

# --- the summary -------------------------------------------------------------------------------------
rows = []
if verifier:
    per = verifier["per_check_us"]
    for n in (0, 10000, 100000, 1000000):
        o, p = per.get(f"ours/crl:{n}"), per.get(f"openssl/crl:{n}")
        if o and p:
            rows.append((f"verify one card, CRL of {n:,} entries", ms(o), f"OpenSSL `X509_verify_cert` + CRL check: {ms(p)}", ratio(p, o)))
    io, ip = verifier.get("import_ours"), verifier.get("import_openssl")
    if io and ip:
        rows.append((f"import a {io['entries']:,}-entry CRL ({io['der_bytes'] / 1e6:.0f} MB), time", f"{io['seconds']:.2f} s",
                     f"OpenSSL `d2i_X509_CRL` + `X509_CRL_verify` + first lookup: {ip['seconds']:.2f} s", ratio(ip["seconds"], io["seconds"])))
        rows.append(("... memory added by the import", mb(io["rss_peak_kb"] - io["rss_before_kb"]),
                     f"OpenSSL: {mb(ip['rss_peak_kb'] - ip['rss_before_kb'])}",
                     ratio(ip["rss_peak_kb"] - ip["rss_before_kb"], io["rss_peak_kb"] - io["rss_before_kb"])))
for n in (0, 10000, 100000, 1000000):
    if ("ours", n) in callgrind and ("openssl", n) in callgrind:
        o, p = callgrind[("ours", n)], callgrind[("openssl", n)]
        rows.append((f"instructions per check, CRL of {n:,} entries (callgrind)", gi(o), f"OpenSSL: {gi(p)}", ratio(p, o)))
if tap:
    o, p = tap["ours"], tap["opensc"]
    rows.append(("a tap over pcscd, whole process, median wall", f"{o['wall_median_ms']:.1f} ms",
                 f"OpenSC `pkcs15-tool` read + `pkcs11-tool` sign: {p['wall_median_ms']:.1f} ms", ratio(p["wall_median_ms"], o["wall_median_ms"])))
    rows.append(("... APDU exchanges", f"{o['apdus_max']}", f"OpenSC: {p['apdus_max']}", ratio(p["apdus_max"], o["apdus_max"])))
    cg = tap.get("callgrind_ir") or {}
    if cg:
        peer = cg["pkcs15"] + cg["pkcs11"]
        top = dict((name, count) for count, share, name in annotate_top(os.path.join(results, "tap-callgrind-ours.txt")))
        check, setup = top.get("fmc::terminal::runCheckCommand"), top.get("fmc::terminal::ServicePoint::ServicePoint")
        note = (f" (ours: {gi(setup)} of it start-up, verifying the trust anchors and lists; the tap itself {gi(check - setup)}; "
                "OpenSC verifies nothing)") if check and setup else ""
        rows.append(("... instructions of the client processes (callgrind)", gi(cg["ours"]), f"OpenSC: {gi(peer)}{note}", ratio(peer, cg["ours"])))
if issuance:
    o, p = issuance["ours"], issuance["yubico_piv_tool"]
    rows.append(("issue one card (virtual card), median", f"{o['median_ms']:.0f} ms",
                 f"yubico-piv-tool + openssl personalization: {p['median_ms']:.0f} ms", ratio(p["median_ms"], o["median_ms"])))
if scale:
    if "import_full.seconds" in scale and "openssl_crl.seconds" in scale:
        rows.append((f"`fmc-terminal crl import` of the scale CRL ({scale['full_crl_entries']:,} entries), process",
                     f"{scale['import_full.seconds'] * 1000:.0f} ms",
                     f"`openssl crl -CAfile` (parse + verify): {scale['openssl_crl.seconds'] * 1000:.0f} ms",
                     ratio(scale["openssl_crl.seconds"], scale["import_full.seconds"])))
    if "delta_crl_bytes" in scale:
        rows.append((f"a day's delta CRL ({scale['delta_crl_entries']:,} entries) vs the full CRL", f"{scale['delta_crl_bytes']:,} bytes",
                     f"full CRL: {scale['full2_crl_bytes']:,} bytes", ratio(scale["full2_crl_bytes"], scale["delta_crl_bytes"])))
    if scale.get("sync_delta.bytes_downloaded") and scale.get("sync_fresh.bytes_downloaded"):
        rows.append(("`crl sync` the next day, bytes downloaded: delta vs full (what a poor link carries)",
                     f"{scale['sync_delta.bytes_downloaded']:,} bytes", f"full: {scale['sync_fresh.bytes_downloaded']:,} bytes",
                     ratio(scale["sync_fresh.bytes_downloaded"], scale["sync_delta.bytes_downloaded"])))
    if "sync_delta.seconds" in scale and "sync_fresh.seconds" in scale:
        rows.append(("`crl sync` over loopback HTTP, whole process: delta vs full", f"{scale['sync_delta.seconds'] * 1000:.0f} ms",
                     f"full: {scale['sync_fresh.seconds'] * 1000:.0f} ms", ratio(scale["sync_fresh.seconds"], scale["sync_delta.seconds"])))

w("## Summary")
w("")
w("| figure | ours | peer | peer / ours |")
w("|---|---:|---|---:|")
for row in rows:
    w("| " + " | ".join(row) + " |")
if not rows:
    w("| (no part produced figures) | | | |")
w("")

# --- 1. verification ----------------------------------------------------------------------------------
w(f"## 1. Verifying a card offline, 0 to 1M revoked entries ({part_note('verifier')})")
w("")
w("`build-bench/bin/fmc-bench-verifier` (Google Benchmark, `bench/verifier_benchmark.cpp`). **ours**: one "
  "`CardVerifier::verify` (parse the card certificate, path root -> issuing CA -> card, the CA against the root's ARL, "
  "the card against an N-entry CRL held by `RevocationState`, the ECDSA signature over a 32-byte challenge): the "
  "verdict time of a tap. **OpenSSL**: the same decision with `d2i_X509`, `X509_verify_cert` with the CRL and ARL in "
  "the store and `X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL`, then the challenge signature; one call runs "
  "before timing (OpenSSL sorts the entries on the first lookup).")
w("")
if verifier:
    per = verifier["per_check_us"]
    cpu = verifier.get("per_check_cpu_us", {})
    w("| CRL entries | ours per check | OpenSSL per check | OpenSSL / ours | ours CPU | OpenSSL CPU | CPU ratio | ours instructions | OpenSSL instructions | ratio |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (0, 10000, 100000, 1000000):
        o, p = per.get(f"ours/crl:{n}"), per.get(f"openssl/crl:{n}")
        oc, pc = cpu.get(f"ours/crl:{n}"), cpu.get(f"openssl/crl:{n}")
        co, cp = callgrind.get(("ours", n)), callgrind.get(("openssl", n))
        w(f"| {n:,} | {ms(o) if o else '-'} | {ms(p) if p else '-'} | {ratio(p, o)} | {ms(oc) if oc else '-'} | "
          f"{ms(pc) if pc else '-'} | {ratio(pc, oc)} | {gi(co) if co else '-'} | {gi(cp) if cp else '-'} | {ratio(cp, co)} |")
    w("")
    w("Per check: wall time (Google Benchmark real time) and the CPU time of the benchmark thread; on a loaded "
      "machine the wall time includes waiting for a core, the CPU time much less so.")
    w("")
    flat = [per[f"ours/crl:{n}"] for n in (0, 10000, 100000, 1000000) if f"ours/crl:{n}" in per]
    if flat:
        w(f"Ours is flat from 0 to 1M entries: {ms(min(flat))} to {ms(max(flat))} a check (a binary search in a sorted "
          "array of serials); OpenSSL verifies the whole CRL's signature again on every call, so it grows with the list.")
    io, ip = verifier.get("import_ours"), verifier.get("import_openssl")
    if io and ip:
        w("")
        w(f"Import of the {io['entries']:,}-entry CRL ({io['der_bytes']:,} bytes), fastest of three, each in a fresh process, "
          "memory = peak resident set minus the resident set with the DER already read:")
        w("")
        w("| | time | memory added | peak resident |")
        w("|---|---:|---:|---:|")
        w(f"| ours: `RevocationState::importCrl` (verify, index) | {io['seconds']:.3f} s | {mb(io['rss_peak_kb'] - io['rss_before_kb'])} | {mb(io['rss_peak_kb'])} |")
        w(f"| OpenSSL: `d2i_X509_CRL` + `X509_CRL_verify` + first lookup | {ip['seconds']:.3f} s | {mb(ip['rss_peak_kb'] - ip['rss_before_kb'])} | {mb(ip['rss_peak_kb'])} |")
        w(f"| OpenSSL / ours | {ratio(ip['seconds'], io['seconds'])} | {ratio(ip['rss_peak_kb'] - ip['rss_before_kb'], io['rss_peak_kb'] - io['rss_before_kb'])} | |")
w("")
w(f"Instruction counts ({part_note('callgrind')}): `valgrind --tool=callgrind --toggle-collect=fmc_bench_measured_checks "
  "fmc-bench-verifier --callgrind ours|openssl N 3`: the set-up (PKI, CRL import) and one warm-up check are not "
  "counted; the figure is the count of the three checks divided by three.")
w("")

# --- 2. tap --------------------------------------------------------------------------------------------
w(f"## 2. A tap over pcscd and the virtual card vs OpenSC ({part_note('tap')})")
w("")
w("`bench/tap/run-tap-bench.sh`: a station issues a card onto `fmc-vcard` in \"Virtual PCD 00 00\" (pcscd + vpcd), a "
  "terminal imports its ARL and CRL. **ours**: `fmc-terminal check --service library --json`, one process per tap "
  "(start-up, trust, lists, the tap, the log). **OpenSC**: the same card work, `pkcs15-tool --read-certificate 04` then "
  "`pkcs11-tool --sign --id 04 -m ECDSA --login` (it always logs in before signing on a PIV token, so a VERIFY PIN is "
  "included). APDUs counted from the card's own log. One warm-up run each is not counted.")
w("")
if tap:
    o, p = tap["ours"], tap["opensc"]
    w(f"| {tap['runs']} runs each | wall median | wall p95 | in-process median | APDU exchanges |")
    w("|---|---:|---:|---:|---:|")
    w(f"| `fmc-terminal check` | {o['wall_median_ms']:.1f} ms | {o['wall_p95_ms']:.1f} ms | {o['inprocess_median_ms']} ms | {o['apdus_max']} |")
    w(f"| OpenSC, both tools | {p['wall_median_ms']:.1f} ms | {p['wall_p95_ms']:.1f} ms | - | {p['apdus_max']} |")
    for key, label in (("opensc_pkcs15_tool", "- `pkcs15-tool --read-certificate 04`"), ("opensc_pkcs11_tool", "- `pkcs11-tool --login --sign`")):
        q = tap[key]
        w(f"| {label} | {q['wall_median_ms']:.1f} ms | {q['wall_p95_ms']:.1f} ms | - | {q['apdus_max']} |")
    w(f"| OpenSC / ours | {ratio(p['wall_median_ms'], o['wall_median_ms'])} | {ratio(p['wall_p95_ms'], o['wall_p95_ms'])} | | {ratio(p['apdus_max'], o['apdus_max'])} |")
    cg = tap.get("callgrind_ir") or {}
    if cg:
        w("")
        w(f"Instructions of a whole tap process under callgrind, **client process only** (pcscd, the vpcd driver and the "
          f"card run outside valgrind and are not counted): `fmc-terminal check` {cg['ours']:,}; OpenSC "
          f"`pkcs15-tool` {cg['pkcs15']:,} + `pkcs11-tool` {cg['pkcs11']:,} = {cg['pkcs15'] + cg['pkcs11']:,} "
          f"({ratio(cg['pkcs15'] + cg['pkcs11'], cg['ours'])}). Both include process start-up and library "
          "initialisation (OpenSSL's for ours; OpenSC's card detection for theirs).")
        top = annotate_top(os.path.join(results, "tap-callgrind-ours.txt"))
        if top:
            w("")
            w("Where `fmc-terminal check` spends them (callgrind_annotate, inclusive, the largest entries):")
            w("")
            w("| instructions | share | function |")
            w("|---:|---:|---|")
            for count, share, name in top:
                w(f"| {count:,} | {share} | `{name}` |")
            counts = {name: count for count, share, name in top}
            check, setup = counts.get("fmc::terminal::runCheckCommand"), counts.get("fmc::terminal::ServicePoint::ServicePoint")
            if check and setup:
                w("")
                w(f"So the tap itself, after the service point is set up (`runCheckCommand` minus `ServicePoint`), is "
                  f"{gi(check - setup)} instructions; the set-up (verifying the trust anchors' certificates and the "
                  f"lists' signatures) is {gi(setup)}, paid once by `fmc-terminal watch`.")
w("")

# --- 3. issuance ---------------------------------------------------------------------------------------
w(f"## 3. Issuing a card vs yubico-piv-tool ({part_note('issuance')})")
w("")
w("`bench/issuance/run-issuance-bench.sh` on the virtual card in \"Virtual PCD 00 00\". **ours**: `fmc-issue card issue "
  "--pin-stdin` (station key unlocked from its passphrase file, key generated on the card in 9E, certificate signed, CHUID, "
  "certificate, printed information, PUK, PIN, per-card AES-256 management key, everything read back with the PIN "
  "verified and a challenge signed, registry and audit log written); between runs the card is revoked and wiped (not "
  "timed). **peer**: the comparable PIV personalization a script would do with yubico-piv-tool on a blank card: "
  "`generate -s 9e -A ECCP256`, `openssl x509 -req` signing a certificate for that key with a CA key, "
  "`import-certificate` + `set-chuid` + `set-mgm-key` (one process), `change-puk`, `change-pin`, `verify-pin` "
  "(the tool takes one `-P` per process). Both unlock a passphrase-protected CA key with scrypt (N = 2^14, "
  "r = 8: the peer's `openssl pkcs8 -scrypt` file); ours also unlocks the station secret the same way and does "
  "more card work (the printed information, the read-back) and the registry; the figure is the time an operator "
  "waits per card.")
w("")
if issuance:
    o, p = issuance["ours"], issuance["yubico_piv_tool"]
    w(f"| {issuance['runs']} cards each | median | min | max | APDUs |")
    w("|---|---:|---:|---:|---:|")
    w(f"| `fmc-issue card issue` | {o['median_ms']:.0f} ms | {o['min_ms']:.0f} ms | {o['max_ms']:.0f} ms | {o['apdus']:g} |")
    w(f"| yubico-piv-tool + openssl | {p['median_ms']:.0f} ms | {p['min_ms']:.0f} ms | {p['max_ms']:.0f} ms | {p['apdus']:g} |")
    w(f"| peer / ours | {ratio(p['median_ms'], o['median_ms'])} | | | |")
w("")

# --- 4. scale ------------------------------------------------------------------------------------------
w(f"## 4. Revocation at city scale ({part_note('scale')})")
w("")
w("`bench/scale/run-scale-bench.sh`: `fmc-issue init`, then `fmc-bench-registry --cards 1000000 --revoked-percent 1` "
  "fills its registry (`db/synthetic_registry.cpp`: one merchant per card, the project's schema, one transaction, one "
  "audit entry continuing the hash chain; synthetic cards carry a placeholder instead of a certificate). Then "
  "`crl publish --dir`, a terminal's `crl import` of the full CRL, a day of 300 more revocations "
  "(`SqliteRegistry::revokeCard`, as `fmc-issue card revoke` does), the next publish with its delta CRL, and "
  "`fmc-terminal crl sync` from `python3 -m http.server` on 127.0.0.1. Memory is the process's maximum resident set "
  "(`/usr/bin/time -v`). Every `fmc-terminal` figure here is a whole process: most of its time is start-up "
  "(the trust anchors' signatures verified, the lists loaded: see the callgrind table of section 2), which "
  "`fmc-terminal watch` and `crl sync --every` pay once.")
w("")
if scale:
    def sec(key):
        return f"{scale[key]:.2f} s" if key in scale else "-"

    def rss(key):
        return mb(scale[key]) if scale.get(key) else "-"
    w("| figure | value | peer / note |")
    w("|---|---:|---|")
    w(f"| registry | {scale.get('cards', 0):,} cards, {scale.get('revoked', 0):,} revoked | fill {sec('fill.seconds')}, file {scale.get('registry_bytes', 0) / 1e6:.0f} MB |")
    if "audit_verify" in scale:
        w(f"| `fmc-issue audit verify` after the fill and the revocations | {scale['audit_verify']} | |")
    w(f"| full CRL | {scale.get('full_crl_bytes', 0):,} bytes, {scale.get('full_crl_entries', 0):,} entries | `crl publish` {sec('publish_full.seconds')} |")
    w(f"| `fmc-terminal crl import` of it (whole process) | {sec('import_full.seconds')}, max RSS {rss('import_full.max_rss_kb')} | "
      f"`openssl crl -noout -CAfile` (parse + verify): {sec('openssl_crl.seconds')}, max RSS {rss('openssl_crl.max_rss_kb')} |")
    if "delta_crl_bytes" in scale:
        w(f"| delta CRL after {scale.get('delta_crl_entries', 0):,} revocations in a day | {scale['delta_crl_bytes']:,} bytes | "
          f"full CRL then: {scale['full2_crl_bytes']:,} bytes; delta / full = {scale['delta_crl_bytes'] / scale['full2_crl_bytes']:.1%} |")
    for key, label in (("sync_full", "`crl sync` first time (full)"), ("sync_delta", "`crl sync` the next day (delta)"),
                       ("sync_fresh", "`crl sync` of a fresh terminal the next day (full)"), ("sync_uptodate", "`crl sync` when up to date")):
        if f"{key}.seconds" in scale:
            w(f"| {label} | {sec(key + '.seconds')}, max RSS {rss(key + '.max_rss_kb')} | applied {scale.get(key + '.applied', '?')}, "
              f"{scale.get(key + '.bytes_downloaded', '?')} bytes downloaded |")
    if "check.seconds" in scale:
        w(f"| `fmc-terminal check` with these lists (whole process) | {sec('check.seconds')}, max RSS {rss('check.max_rss_kb')} | "
          f"decision {scale.get('check.decision', '?')}, tap {scale.get('check.elapsed_ms', '?')} ms in-process |")
    for note in scale.get("skipped", []):
        w(f"| note | | {note} |")
else:
    w("No figures: the part did not complete.")
w("")
w("## Notes")
w("- Wall times on a shared 2-core machine move by tens of percent between runs (the load average is above); ratios "
  "measured in the same run move less, instruction counts hardly at all.")
w("- Debian's libbenchmark prints \"Library was built as DEBUG\": that is the library's own build, not ours.")
w("")
with open(report, "w") as f:
    f.write("\n".join(out))
