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
	local t=$1 name t0=$SECONDS
	name=$(basename "$t")
	if [ "${VALGRIND:-0}" = 1 ]; then
		(cd tests && LOAXA_TEST_VALGRIND=1 valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite "../$t") >"$tmp/$name.out" 2>&1
	else
		(cd tests && "../$t") >"$tmp/$name.out" 2>&1
	fi
	echo $? >"$tmp/$name.rc"
	echo $((SECONDS - t0)) >"$tmp/$name.secs"
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
			echo "FAIL $name (exit $rc) $(cat "$tmp/$name.secs")s"
		else
			echo "ok   $name ($n_ok) $(cat "$tmp/$name.secs")s"
		fi
	done
}

# The ASan+UBSan pass runs the unit tests and the scripts that reach our
# code beyond them. These scripts run in the normal pass only: they run no
# code of ours, or every line of ours they reach is reached under ASan by a
# unit test or another script as well (measured with gcov: each script's
# lines against the unit tests' and the other scripts'; redo it when a
# script changes what it drives). SAN_ALL=1 runs them all. NAME reason:
SAN_SKIP="
install.sh make install/uninstall: files, modes, man pages; the loaxad --check it runs is run in amp_daemon.sh and i18n.sh
systemd.sh systemd-analyze on the unit file; runs none of our code
fleet_systemd.sh systemd-analyze on the unit file; runs none of our code
layering.sh nm and the linker on the core's objects; runs none of our code
i18n_po.sh xgettext and msgfmt on the sources and po/vi.po; runs none of our code
fuzz.sh its libFuzzer harnesses are built with ASan+UBSan; they run in the normal pass
fleet_bridge.sh the bridging is mosquitto's; of our code it reaches one line (an error return in mqttlink.c) that fleet.sh and fleet_push.sh do not
killflush.sh kill -9 at each journal write, then a restart: reaches nothing of ours that recovery.sh, heldrec.sh and daemon.sh do not, but one loaxactl error message
rotation.sh campaign rotation: no line of ours that the unit tests and the scripts run under ASan (daemon.sh, web.sh) do not reach
diet.sh which libraries loaxad maps, hashing once: no line of ours that the scripts run under ASan (daemon.sh) do not reach
y2040.sh the clock in 2040: no line of ours that the unit tests and the scripts run under ASan (daemon.sh) do not reach
completion.sh bash completion; the loaxactl commands it calls run in i18n.sh and library.sh (all but one error exit)
"

# san_skip NAME: the reason NAME is skipped in this pass, if it is.
san_skip() {
	case $BUILD in */san | */san/) ;; *) return 1 ;; esac
	[ "${SAN_ALL:-0}" = 1 ] && return 1
	printf '%s\n' "$SAN_SKIP" | sed -n "s/^$1 //p" | grep .
}

# One integration script: its output in $tmp/it.NAME.out, exit status in
# .rc, seconds in .secs.
it_one() {
	local s=$1 name t0=$SECONDS
	name=$(basename "$s")
	timeout 240 bash "$s" >"$tmp/it.$name.out" 2>&1
	echo $? >"$tmp/it.$name.rc"
	echo $((SECONDS - t0)) >"$tmp/it.$name.secs"
}

it_report() {
	local name=$1 out rc n_ok n_bad secs
	out=$(cat "$tmp/it.$name.out")
	rc=$(cat "$tmp/it.$name.rc")
	secs=$(cat "$tmp/it.$name.secs")
	n_ok=$(printf '%s\n' "$out" | grep -c '^ok ')
	n_bad=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
	pass=$((pass + n_ok)) fail=$((fail + n_bad))
	if [ "$rc" -ne 0 ] || [ "$n_bad" -ne 0 ]; then
		printf '%s\n' "$out"
		failed_names+=("$name")
		echo "FAIL $name (exit $rc) ${secs}s"
	else
		echo "ok   $name ($n_ok) ${secs}s"
	fi
}

# Scripts run two at a time (IT_JOBS): most of their time is the daemon's
# real waits (spool settling, playback, broker round trips), not CPU. The
# longest start first so the two lanes end together. ALONE scripts use both
# cores themselves and run with nothing beside them.
IT_FIRST="push.sh fleet_push.sh web.sh daemon.sh killflush.sh heldrec.sh amp_daemon.sh hostile.sh i18n_daemon.sh fleet_bridge.sh"
IT_ALONE="fuzz.sh"

# reap_until N: report scripts as they end until at most N still run
# (run_it's running and lane).
reap_until() {
	local done_name
	while [ "$running" -gt "$1" ]; do
		wait -n -p done_name
		running=$((running - 1))
		it_report "${lane[$done_name]}"
	done
}

run_it() {
	local s name why lim running=0 order=()
	local -a lane=()
	# The audio fixtures once for all the scripts (tests/it/lib.bash).
	if [ -z "${LOAXA_AUDIO_FIXTURES:-}" ] && tests/data/make-audio.sh "$tmp/audio" >/dev/null; then
		export LOAXA_AUDIO_FIXTURES=$tmp/audio
	fi
	# A name on the list that is not a script is a mistake, not a skip.
	for s in $(printf '%s\n' "$SAN_SKIP" | cut -d' ' -f1) $IT_FIRST $IT_ALONE; do
		[ -f "tests/it/$s" ] || { echo "FAIL tests/run.sh names $s, which is not in tests/it"; fail=$((fail + 1)); failed_names+=(run.sh); }
	done
	for s in $IT_FIRST; do order+=("tests/it/$s"); done
	for s in tests/it/*.sh; do
		case " $IT_FIRST $IT_ALONE " in *" $(basename "$s") "*) continue ;; esac
		order+=("$s")
	done
	for s in $IT_ALONE; do order+=("tests/it/$s"); done
	for s in "${order[@]}"; do
		[ -f "$s" ] || continue
		name=$(basename "$s")
		if why=$(san_skip "$name"); then
			echo "skipped under ASan: $name ($why)"
			continue
		fi
		case " $IT_ALONE " in *" $name "*) lim=1 ;; *) lim=${IT_JOBS:-2} ;; esac
		[ "$lim" = 1 ] && reap_until 0
		it_one "$s" &
		lane[$!]=$name
		running=$((running + 1))
		reap_until $((lim - 1))
	done
	reap_until 0
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
