#!/bin/bash
# Run the test suite: cmocka unit binaries (build/tests/test_*) and the
# integration scripts (tests/it/*.sh, TAP-style "ok"/"not ok" lines).
# Prints a closing "N passed, N failed" line; exits non-zero on any failure.
# Usage: tests/run.sh unit|it|all   (BUILD=build, VALGRIND=1 for memcheck)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
what=${1:-all}
pass=0 fail=0 failed_names=()
export LOAXA_BUILD=$PWD/$BUILD
export CMOCKA_MESSAGE_OUTPUT=stdout
tmp=$(mktemp -d /tmp/loaxa-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# One unit binary: its output in $tmp/NAME.out, its exit status in $tmp/NAME.rc.
unit_one() {
	local t=$1 name
	name=$(basename "$t")
	if [ "${VALGRIND:-0}" = 1 ]; then
		(cd tests && valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite "../$t") >"$tmp/$name.out" 2>&1
	else
		(cd tests && "../$t") >"$tmp/$name.out" 2>&1
	fi
	echo $? >"$tmp/$name.rc"
}

run_unit() {
	local t out n_ok n_bad rc name running=0
	# Two at a time (the machine's cores); the slow ones are slow under valgrind.
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		unit_one "$t" &
		running=$((running + 1))
		if [ $running -ge "${JOBS:-2}" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		out=$(cat "$tmp/$name.out")
		rc=$(cat "$tmp/$name.rc")
		n_ok=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		n_bad=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		n_ok=${n_ok:-0} n_bad=${n_bad:-0}
		if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
		pass=$((pass + n_ok)) fail=$((fail + n_bad))
		if [ "$rc" -ne 0 ]; then
			printf '%s\n' "$out"
			failed_names+=("$name")
			echo "FAIL $name (exit $rc)"
		else
			echo "ok   $name ($n_ok)"
		fi
	done
}

run_it() {
	local s out rc n_ok n_bad t0 secs
	for s in tests/it/*.sh; do
		[ -f "$s" ] || continue
		t0=$SECONDS
		out=$(timeout 240 bash "$s" 2>&1)
		rc=$?
		secs=$((SECONDS - t0))
		n_ok=$(printf '%s\n' "$out" | grep -c '^ok ')
		n_bad=$(printf '%s\n' "$out" | grep -c '^not ok ')
		if [ $rc -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
		pass=$((pass + n_ok)) fail=$((fail + n_bad))
		if [ $rc -ne 0 ] || [ "$n_bad" -ne 0 ]; then
			printf '%s\n' "$out"
			failed_names+=("$(basename "$s")")
			echo "FAIL $(basename "$s") (exit $rc) ${secs}s"
		else
			echo "ok   $(basename "$s") ($n_ok) ${secs}s"
		fi
	done
}

case $what in
unit) run_unit ;;
it) run_it ;;
all) run_unit; run_it ;;
*) echo "usage: $0 unit|it|all" >&2; exit 2 ;;
esac
[ ${#failed_names[@]} -eq 0 ] || echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
