#!/bin/sh
# One libFuzzer run: tests/fuzz-run.sh BINARY SEEDS CORPUS SECONDS [RUNS]
# (make fuzz, tests/it/fuzz.sh): for SECONDS, or with RUNS for that many
# executions (and then SECONDS, unless 0, is a cap on the time as well).
# New inputs go to CORPUS (created), never
# to the seeds in the tree. Prints one line:
#   fuzz NAME: N executions in S s (E/s), corpus C inputs, no crash/leak/sanitizer report
# or the report itself, and exits 1, on any finding.
set -u
bin=$1 seeds=$2 corpus=$3 secs=$4 runs=${5:-}
name=$(basename "$bin" | sed 's/^fuzz_//')
mkdir -p "$corpus"
log=$(mktemp "${TMPDIR:-/tmp}/loaxa-fuzz-$name.XXXXXX")
art=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-fuzz-art.XXXXXX")
limit="-max_total_time=$secs"
[ -n "$runs" ] && limit="$limit -runs=$runs"
# libconfig's own leak on a syntax error (fuzz/lsan.supp) would make
# libFuzzer run a whole leak check after nearly every input of the
# harnesses that reach it (400 executions/s instead of thousands): those
# are checked for leaks once, at exit, over the whole run, instead.
case $name in bundle | schedule) limit="$limit -detect_leaks=0" ;; esac
start=$(date +%s.%N)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(dirname "$0")/../fuzz/lsan.supp:print_suppressions=0 \
	"$bin" $limit -timeout=10 -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
	-artifact_prefix="$art/" "$corpus" "$seeds" >"$log" 2>&1
rc=$?
end=$(date +%s.%N)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
n=$(ls "$corpus" | wc -l)
if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
	echo "fuzz $name: FAILED (exit $rc) after ${execs:-?} executions; the input is in $art:"
	grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==|#[0-9]+ 0x' "$log" | head -40
	ls "$art"
	rm -f "$log"
	exit 1
fi
awk -v n="$name" -v e="${execs:-0}" -v s="$start" -v t="$end" -v c="$n" 'BEGIN {
	d = t - s; printf "fuzz %s: %d executions in %.1f s (%d/s), corpus %d inputs, no crash/leak/sanitizer report\n",
		n, e, d, (d > 0 ? e / d : 0), c }'
rm -rf "$log" "$art"
