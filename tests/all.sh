#!/bin/bash
# The whole test suite (make test): every unit and integration test on the
# normal build, again on the ASan+UBSan build, and the unit tests under
# valgrind memcheck. Ends with one "N passed, N failed" line for them all.
set -u
cd "$(dirname "$0")/.."
total_p=0 total_f=0 bad=()
log=$(mktemp /tmp/loaxa-all.XXXXXX)
trap 'rm -f "$log"' EXIT
phase() {
	local name=$1 line p f
	shift
	echo "== $name"
	env "$@" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	p=${line%% passed*} f=${line#*passed, } f=${f%% failed*}
	total_p=$((total_p + ${p:-0})) total_f=$((total_f + ${f:-1}))
	[ -n "$line" ] && [ "${f:-1}" = 0 ] || bad+=("$name")
}
phase "normal build" BUILD=build tests/run.sh all
phase "ASan+UBSan build" BUILD=build/san ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh all
phase "valgrind (unit tests)" BUILD=build VALGRIND=1 tests/run.sh unit
[ ${#bad[@]} -eq 0 ] || echo "failing phases: ${bad[*]}"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
