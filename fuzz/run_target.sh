#!/usr/bin/env bash
# run_target.sh TARGET_BINARY SEED_DIR SECONDS [libFuzzer flags...]
# One fuzz run from the repository's seeds, as the ctest test fuzz_<target> and scripts/fuzz.sh
# run it; FMC_FUZZ_SECONDS, when set, replaces SECONDS (the long run of scripts/fuzz.sh). New inputs go to a scratch corpus (FMC_FUZZ_CORPUS, else a temporary folder) so the
# seeds in the repository stay as they are; a crashing, leaking or hanging input is written to
# FMC_FUZZ_ARTIFACTS (default ./fuzz-artifacts) and the run fails with its file name.
# Prints one summary line: "<target>: N executions in S s, cov C, ft F, corpus K, 0 crashes".
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: run_target.sh TARGET_BINARY SEED_DIR SECONDS [flags...]" >&2; exit 64; }
binary=$1 seeds=$2 seconds=${FMC_FUZZ_SECONDS:-$3}
shift 3
name=$(basename "$binary")
[ -x "$binary" ] || { echo "run_target: $binary is not built (cmake -DFMC_FUZZ=ON with clang)" >&2; exit 66; }
[ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ] || { echo "run_target: no seeds in $seeds" >&2; exit 66; }

artifacts=${FMC_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
mkdir -p "$artifacts"
if [ -n "${FMC_FUZZ_CORPUS:-}" ]; then
    corpus=$FMC_FUZZ_CORPUS/$name
    mkdir -p "$corpus"
else
    corpus=$(mktemp -d)
fi
log=$(mktemp)
trap 'rm -f "$log"; [ -n "${FMC_FUZZ_CORPUS:-}" ] || rm -rf "$corpus"' EXIT

# -timeout: one input running 10 s is a hang and a finding; -rss_limit_mb: 2 GB per input
# (the machines have 24 GB, the tests run two at a time).
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "$@" "$corpus" "$seeds" >"$log" 2>&1
status=$?

executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
cov=$(printf '%s' "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(printf '%s' "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corpus_size=$(printf '%s' "$done_line" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
# A run that hardly executed anything (the target exits at once, a seed folder it cannot read)
# proves nothing: under 100 executions is a failure too.
if [ "$status" -eq 0 ] && [ "${executions:-0}" -lt 100 ]; then
    tail -n 20 "$log" >&2
    echo "$name: FAILED: only ${executions:-0} executions in $seconds s" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    # The sanitizer report and the input's file name, for the developer and the CI log.
    tail -n 60 "$log" >&2
    echo "$name: FAILED after ${executions:-?} executions: $(grep -o "Test unit written to .*" "$log" | tail -n 1)" >&2
    exit 1
fi
echo "$name: ${executions:-0} executions in $seconds s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corpus_size:-?}, 0 crashes"
