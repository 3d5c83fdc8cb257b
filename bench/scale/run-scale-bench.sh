#!/bin/bash
# Revocation at city scale (issue 7, item 3): a station whose registry holds CARDS synthetic
# cards (default 1,000,000) of which PERCENT (default 1) are revoked, made with
# fmc-bench-registry. Measures: the fill, the full CRL's size and `crl publish --dir` time,
# `fmc-terminal crl import` of the full CRL (time, peak memory), a day of 300 more revocations
# and the delta CRL the next publish writes (size, ratio to the full one), `crl sync` over
# loopback HTTP (python3 -m http.server on 127.0.0.1) applying the delta against a fresh
# terminal fetching the full CRL, and the terminal's peak memory (max RSS, /usr/bin/time -v)
# in sync and in `check` of a real card of the same station on the virtual card.
#
#   bash bench/scale/run-scale-bench.sh      # FMC_BIN_DIR (default build/bin), CARDS, PERCENT, DAY
#
# FMC_SCALE_JSON=FILE writes the figures as JSON. Steps whose command does not exist yet
# (`crl publish --dir`, `crl sync`) are skipped and named in "skipped". The reader lock
# (/tmp/fmc-pcsc.lock) is taken only for the card part (FMC_PCSC_LOCKED=1: the caller holds it).
set -u
. "$(dirname "$0")/../lib.sh"
cards=${CARDS:-1000000}
percent=${PERCENT:-1}
day=${DAY:-300}
reader="Virtual PCD 00 00"
pin=24681357

die() { echo "run-scale-bench: $*" >&2; exit 1; }
for program in fmc-issue fmc-terminal fmc-vcard fmc-bench-registry; do
    [ -x "$bin/$program" ] || die "$bin/$program not found: build it or set FMC_BIN_DIR"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (apt-get install time)"

work=$(mktemp -d)
vcard_pid="" http_pid=""
cleanup() {
    [ -n "$vcard_pid" ] && kill "$vcard_pid" 2>/dev/null && wait "$vcard_pid" 2>/dev/null
    [ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null && wait "$http_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export FMC_HOME="$work/station" FMC_OPERATOR=bench FMC_KEY_PASSPHRASE=bench-passphrase
quietly() { "$@" >>"$work/setup.log" 2>&1 || { tail -n 20 "$work/setup.log" >&2; die "failed: $*"; }; }
figures="$work/figures.tsv"  # name <TAB> value, turned into JSON at the end
: >"$figures"
put() { printf '%s\t%s\n' "$1" "$2" >>"$figures"; }
skipped=()

# measure NAME COMMAND...: runs COMMAND under /usr/bin/time -v; records NAME.seconds (wall)
# and NAME.max_rss_kb; stdout goes to $work/NAME.out. Exit status is COMMAND's.
measure() {
    local name=$1 start end rc
    shift
    start=$(date +%s%N)
    /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    end=$(date +%s%N)
    put "$name.seconds" "$(python3 -c "print(($end - $start) / 1e9)")"
    put "$name.max_rss_kb" "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$name.time")"
    return $rc
}
must() { "$@" || { cat "$work/$2.err" >&2; die "failed: ${*:2}"; }; }

# --- the station and its registry ------------------------------------------------------------
quietly "$bin/fmc-issue" init --authority "Scale PSB"
quietly "$bin/fmc-issue" trust export --out "$work/trust.pem"
must measure fill "$bin/fmc-bench-registry" --station "$FMC_HOME" --cards "$cards" --revoked-percent "$percent"
put cards "$cards"
put revoked "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["revoked"])' "$work/fill.out")"
put registry_bytes "$(du -cb "$FMC_HOME"/registry.sqlite* | tail -n1 | cut -f1)"

# --- the full CRL: publish, size, import into a terminal ----------------------------------------
has_dir=0
"$bin/fmc-issue" crl publish --help 2>&1 | grep -q -- '--dir' && has_dir=1
has_sync=0
"$bin/fmc-terminal" crl sync --help >/dev/null 2>&1 && has_sync=1
newest() { ls -1 "$1" 2>/dev/null | sed -n "s/^$2-\([0-9]*\)\.crl$/\1 &/p" | sort -n | tail -n1 | cut -d' ' -f2; }
if [ $has_dir -eq 1 ]; then
    must measure publish_full "$bin/fmc-issue" crl publish --dir "$work/published"
    ca_dir=$(dirname "$(find "$work/published" -name index.cms | head -n1)")
    [ -d "$ca_dir" ] || die "crl publish --dir wrote no index.cms"
    cp "$ca_dir/$(newest "$ca_dir" full)" "$work/full.crl"
else
    skipped+=("crl publish --dir (not in this build): the full CRL comes from crl publish --out, no delta")
    must measure publish_full "$bin/fmc-issue" crl publish --out "$work/full.crl"
fi
put full_crl_bytes "$(stat -c %s "$work/full.crl")"
put full_crl_entries "$(openssl crl -inform DER -in "$work/full.crl" -noout -text | grep -c 'Serial Number:')"
# terminal NAME COMMAND...: COMMAND with the terminal folder NAME (an env command, so that
# /usr/bin/time can run it too).
terminal() { env FMC_TERMINAL_HOME="$work/terminal-$1" "${@:2}"; }
th() { printf 'FMC_TERMINAL_HOME=%s' "$work/terminal-$1"; }
for t in import synced fresh; do
    quietly terminal "$t" "$bin/fmc-terminal" setup --trust "$work/trust.pem"
    quietly terminal "$t" "$bin/fmc-terminal" crl import "$FMC_HOME/arl.der"
done
must measure import_full env "$(th import)" "$bin/fmc-terminal" crl import "$work/full.crl"
# The peer: OpenSSL parsing and verifying the same file (as `openssl crl` does it).
openssl x509 -in "$FMC_HOME/certs/issuing-ca.pem" -out "$work/issuing.pem"
must measure openssl_crl openssl crl -inform DER -in "$work/full.crl" -noout -CAfile "$work/issuing.pem"

# --- sync over loopback HTTP: the full list, then a day's delta -------------------------------
if [ $has_dir -eq 1 ] && [ $has_sync -eq 1 ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server --bind 127.0.0.1 --directory "$work/published" "$port" >"$work/http.log" 2>&1 &
    http_pid=$!
    for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break; sleep 0.1; done
    url="http://127.0.0.1:$port"
    if ! measure sync_full env "$(th synced)" "$bin/fmc-terminal" crl sync "$url" --json; then
        # A terminal asking for the folder in upper-case hex while publish writes lower case
        # (the layout in the design): name it, bridge it with a link, and measure the rest.
        grep -q 'HTTP 404' "$work/sync_full.out" "$work/sync_full.err" || { cat "$work/sync_full.err" >&2; die "crl sync failed"; }
        upper=$(basename "$ca_dir" | tr a-f A-F)
        ln -s "$(basename "$ca_dir")" "$work/published/$upper"
        skipped+=("crl sync asked for $upper/index.cms (upper case) where publish wrote lower case: measured through a symlink")
        sed -i '/^sync_full\./d' "$figures"
        must measure sync_full env "$(th synced)" "$bin/fmc-terminal" crl sync "$url" --json
    fi
    cp "$work/sync_full.out" "$work/sync_full.json"
    # A day: DAY more revocations through the registry, then the next publish.
    must measure revoke_day "$bin/fmc-bench-registry" --station "$FMC_HOME" --revoke "$day"
    must measure publish_delta "$bin/fmc-issue" crl publish --dir "$work/published"
    delta=$(newest "$ca_dir" delta)
    if [ -n "$delta" ]; then
        put delta_crl_bytes "$(stat -c %s "$ca_dir/$delta")"
        put delta_crl_entries "$(openssl crl -inform DER -in "$ca_dir/$delta" -noout -text | grep -c 'Serial Number:')"
        put full2_crl_bytes "$(stat -c %s "$ca_dir/$(newest "$ca_dir" full)")"
    else
        skipped+=("the second crl publish --dir wrote no delta CRL")
    fi
    must measure sync_delta env "$(th synced)" "$bin/fmc-terminal" crl sync "$url" --json
    must measure sync_fresh env "$(th fresh)" "$bin/fmc-terminal" crl sync "$url" --json
    must measure sync_uptodate env "$(th synced)" "$bin/fmc-terminal" crl sync "$url" --json
    for name in sync_full sync_delta sync_fresh sync_uptodate; do
        python3 - "$work/$name.out" "$name" >>"$figures" <<'PY' || true
import json, sys
text = open(sys.argv[1]).read()
data = json.loads(text.strip().splitlines()[-1])
lists = data.get("lists", [])
crls = [entry for entry in lists if entry.get("kind") == "crl"] or lists
print(f"{sys.argv[2]}.applied\t{','.join(str(entry.get('applied')) for entry in crls)}")
print(f"{sys.argv[2]}.crl_number\t{','.join(str(entry.get('crl_number')) for entry in crls)}")
print(f"{sys.argv[2]}.bytes_downloaded\t{sum(int(entry.get('bytes_downloaded') or 0) for entry in lists)}")
PY
    done
    check_terminal=synced
else
    [ $has_sync -eq 1 ] || skipped+=("fmc-terminal crl sync (not in this build): no sync figures")
    check_terminal=import
fi

# The bulk fill and the revocations kept the audit chain intact.
put audit_verify "$("$bin/fmc-issue" audit verify 2>&1 | head -n1)"

# --- a tap on a card of this station, with the terminal holding the scale CRL ----------------
if [ -z "${FMC_PCSC_LOCKED:-}" ]; then
    exec 9>/tmp/fmc-pcsc.lock
    flock 9
fi
quietly bash "$repo/tests/fixtures/start_pcscd.sh" "$work/pcscd-started"
wait_reader_empty
launch_virtual_card "$work/card.state"
must measure merchant "$bin/fmc-issue" merchant add --name "Amina Bello" --nationality NGA --document B1 --language fr \
    --entitlement library --json
merchant=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/merchant.out")
echo "$pin" | must measure issue "$bin/fmc-issue" card issue --merchant "$merchant" --reader "$reader" --pin-stdin --json
terminal "$check_terminal" "$bin/fmc-terminal" check --service library --reader "$reader" >/dev/null 2>&1  # warm-up
must measure check env "$(th "$check_terminal")" "$bin/fmc-terminal" check --service library --reader "$reader" --json
put check.elapsed_ms "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_ms"])' "$work/check.out")"
put check.decision "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["decision"])' "$work/check.out")"
kill "$vcard_pid" 2>/dev/null; wait "$vcard_pid" 2>/dev/null; vcard_pid=""
[ -z "${FMC_PCSC_LOCKED:-}" ] && flock -u 9

python3 - "$figures" "${FMC_SCALE_JSON:-}" "${skipped[@]+"${skipped[@]}"}" <<'PY'
import json, sys
figures = {}
for line in open(sys.argv[1]):
    if "\t" not in line: continue
    key, value = line.rstrip("\n").split("\t", 1)
    try: value = int(value)
    except ValueError:
        try: value = float(value)
        except ValueError: pass
    figures[key] = value
figures["skipped"] = sys.argv[3:]
for key, value in figures.items(): print(f"{key:32} {value}")
if sys.argv[2]: json.dump(figures, open(sys.argv[2], "w"), indent=2)
PY
