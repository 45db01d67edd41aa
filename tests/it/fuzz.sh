#!/bin/bash
# The fuzz pass of the suite (issue 12): each libFuzzer harness in fuzz/
# (built with clang, ASan+UBSan) for FUZZ_PASS_SECONDS (default 3) from
# its seed corpus, so that a parser change that crashes, leaks or trips a
# sanitizer on known or nearby inputs fails CI. The long runs are
# `make fuzz` (docs/BENCHMARKS.md).
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
	echo "ok 1 - # SKIP clang is not installed (apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
case $BUILD in
*/san) echo "ok 1 - # SKIP the fuzz pass runs with the normal build's suite (the harnesses are ASan+UBSan already)"; exit 0 ;;
esac

out=$(make -s -j2 fuzz-build 2>&1) && ok "the fuzz harnesses build (clang, libFuzzer, ASan+UBSan)" ||
	bail "make fuzz-build: $out"
work=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-it-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Two harnesses at a time (the machine's cores; each is one process busy
# for its seconds), reported in order.
names=()
running=0
for f in fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	name=${name#fuzz_}
	names+=("$name")
	{
		tests/fuzz-run.sh "build/fuzz/fuzz_$name" "fuzz/corpus/$name" "$work/$name" "${FUZZ_PASS_SECONDS:-3}" >"$work/$name.line"
		echo $? >"$work/$name.rc"
	} &
	running=$((running + 1))
	if [ $running -ge "${JOBS:-2}" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for name in "${names[@]}"; do
	line=$(cat "$work/$name.line")
	if [ "$(cat "$work/$name.rc")" = 0 ]; then
		ok "$line"
	else
		nok "fuzz $name found a problem"
		printf '%s\n' "$line" | sed 's/^/# /'
	fi
done
[ "$FAILED" -eq 0 ]
