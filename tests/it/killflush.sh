#!/bin/bash
# kill -9 at any instant of the journal's I/O while a broadcast comes due,
# plays and ends, and a request is journalled (issue 11): with records
# other than a `start` flushed by the flusher thread, a crash at each of
# those instants (inside or just after every write, ftruncate, fsync and
# fdatasync on the journal, whichever thread makes it: the shim of
# tests/it/crashshim.c), then a normal start within the catch-up window,
# leaves a journal that verifies and the broadcast aired at most once
# (never a second `start`) and accounted for.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup killflush
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
J=$T/st/journal
cc -shared -fPIC -O1 -o "$T/shim.so" tests/it/crashshim.c -ldl || bail "cannot build the shim"
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF2'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF2

# run_killed K: start loaxad killed at the K-th I/O point on the journal,
# the broadcast due a moment later, a stop request once it ended. 0 if it
# was killed, 1 if it lived through it all (then it is stopped).
run_killed() {
	set_clock "2030-01-15 06:29:59"
	LD_PRELOAD=$T/shim.so LOAXA_SHIM_MATCH=$J/ LOAXA_SHIM_KILL_AT=$1 \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$BUILD/loaxad" -c "$CONF" -f -v >>"$T/daemon.log" 2>&1 &
	DPID=$!
	local i stopped=0
	for i in $(seq 80); do
		if ! kill -0 "$DPID" 2>/dev/null; then
			{ wait "$DPID"; } 2>/dev/null; DPID=; return 0
		fi
		if [ $stopped = 0 ] && grep -qs ' end occ=sang@' "$J"/*.log; then
			"$BUILD/loaxactl" -c "$CONF" stop >/dev/null 2>&1
			stopped=1
		fi
		sleep 0.05
	done
	kill -TERM "$DPID" 2>/dev/null; { wait "$DPID"; } 2>/dev/null; DPID=
	[ $stopped = 1 ] || echo "# point $1: lived, but the broadcast did not end"
	return 1
}

k=1 fails=0
while [ $k -le 120 ]; do
	rm -rf "$J" "$T/st/journal-held"
	run_killed $k 2>/dev/null || break
	# A normal start 30 s after the due time: within the catch-up window.
	set_clock "2030-01-15 06:30:30"
	start_daemon
	for _ in $(seq 60); do
		grep -qsE ' (end|interrupted|failed|missed) occ=sang@' "$J"/*.log && break
		sleep 0.05
	done
	stop_daemon
	why=""
	ctl log verify >/dev/null 2>&1 || why="log verify fails"
	starts=$(cat "$J"/*.log 2>/dev/null | grep -c ' start occ=sang@')
	[ "$starts" -le 1 ] || why="$why; $starts starts"
	outcomes=$(cat "$J"/*.log 2>/dev/null | grep -cE ' (end|interrupted|failed|missed) occ=sang@')
	[ "$outcomes" = 1 ] || why="$why; $outcomes outcomes"
	if [ -n "$why" ]; then
		fails=$((fails + 1))
		echo "# kill at point $k: $why"
		grep -h 'sang@\| torn ' "$J"/*.log | cut -c1-110 | sed 's/^/#   /'
	fi
	k=$((k + 1))
done
points=$((k - 1))
[ $points -ge 10 ] && ok "$points kill points in start-up, the broadcast and a request" ||
	nok "only $points kill points: the shim did not see the journal"
[ $fails = 0 ] && ok "killed at each of the $points points, then started in the catch-up window: the journal verifies, the broadcast has one start at most and one outcome" ||
	nok "$fails of $points kill points broke an invariant"
it_done
