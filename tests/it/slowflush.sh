#!/bin/bash
# A slow card does not stall the loop (issue 11): journal records other
# than a broadcast's `start` are flushed off the loop. An LD_PRELOAD shim
# (tests/it/slowsync.c) makes chosen flushes of the journal take seconds:
# while one runs, control requests are answered at once and a broadcast
# due meanwhile starts on time, its `start` flushed before it plays. A
# kill -9 during a slow flush, then a restart: the journal verifies,
# every record written is there once, nothing airs twice.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup slowflush
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
J=$T/st/journal
cc -shared -fPIC -O1 -o "$T/slow.so" tests/it/slowsync.c -ldl -lpthread || bail "cannot build the shim"
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF2'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF2
SLOW=$T/slow-count
echo 0 >"$SLOW"
export LOAXA_SHIM_SLOW_FILE=$SLOW LOAXA_SHIM_MATCH=$J/ LOAXA_SHIM_SLOW_MS=5000
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
set_clock "2030-01-15 06:29:45"
LD_PRELOAD=$T/slow.so start_daemon
# However long start-up took on a loaded machine: 3 s before the due time.
set_clock "2030-01-15 06:29:57"
sleep 0.3 # the clock-stepped record's flush is done

# The next flush of the journal takes 5 s: the one of the `request` record
# this stop writes (nothing plays, so the request is all it does). Its
# client and the status poller run while that flush is under way.
echo 1 >"$SLOW"
ctl stop >/dev/null 2>&1 &
STOPPER=$!
# Status 20 times a second for 2.5 s, the broadcast due in about 2 s.
worst=$(/usr/bin/python3 tests/it/status_probe.py "$T/st/loaxad.sock" 2.5 0.05)
grep -q '^begin .* thread$' "$SLOW.log" 2>/dev/null && ok "the slow flush of the request record ran on the flusher thread" ||
	nok "no slow flush off the loop: $(cat "$SLOW.log" 2>/dev/null)"
wait "$STOPPER"
awk -v w="$worst" 'BEGIN{exit !(w != "" && w < 0.25)}' && ok "a 5 s flush in progress: status answered within ${worst} s" ||
	nok "status waited ${worst:-?} s during the slow flush"
# The loop's own measure of its longest handler (debug log, as make bench reads it).
long=$(sed -n 's/.*loop: \(.*\) took \([0-9]*\) ms.*/\2 \1/p' "$T/daemon.log" | sort -n | tail -1)
[ -z "$long" ] || [ "${long%% *}" -lt 50 ] && ok "no loop turn took 50 ms or more (longest: ${long:-under 10 ms})" ||
	nok "a loop turn took ${long} ms"
wait_journal ' start occ=sang@2030-01-15T06:30 ' 5 || bail "the due broadcast did not start"
line=$(grep -h ' start occ=sang@2030-01-15T06:30 ' "$J"/*.log)
case ${line%% *} in 2030-01-15T06:30:0[0-1]+07:00) ok "the broadcast due during the slow flush started on time (${line%% *})" ;;
*) nok "start: ${line:-none}" ;; esac
end_slow=$(sed -n 's/^end \([0-9.]*\) .*/\1/p' "$SLOW.log" | head -1)
[ -z "$end_slow" ] && ok "it started while the slow flush was still running" ||
	nok "the slow flush had already ended ($end_slow) when the start was seen"
grep -q ' request request=stop ' "$J"/*.log && ok "the request record is in the journal" || nok "request record missing"
wait_journal ' end occ=sang@2030-01-15T06:30 outcome=aired ' 10 && ok "the broadcast ended aired" || nok "no end"

# kill -9 while a slow flush of a record is in progress, then restart.
for _ in $(seq 120); do grep -q '^end' "$SLOW.log" && break; sleep 0.05; done # the first slow flush ends
# The records written during it (start, end) get their flush once it ends:
# let that one run fast, or it, not the request's, would be the slow one.
sleep 0.3
echo 1 >"$SLOW"
ctl stop >/dev/null 2>&1 &
requests() { grep -ch ' request request=stop ' "$J"/*.log | paste -sd+ | bc; }
for _ in $(seq 100); do
	[ "$(grep -c '^begin' "$SLOW.log")" = 2 ] && [ "$(requests)" = 2 ] && break
	sleep 0.05
done
[ "$(grep -c '^begin' "$SLOW.log")" = 2 ] || nok "the second slow flush did not begin"
[ "$(grep -c '^end' "$SLOW.log")" = 1 ] && ok "killed during a slow flush" || nok "slow flushes: $(cat "$SLOW.log")"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
wait
unset LD_PRELOAD
start_daemon
sleep 0.5
stop_daemon
ctl log verify >/dev/null 2>&1 && ok "after kill -9 during the flush and a restart, the journal verifies" || nok "log verify: $(ctl log verify 2>&1 | tail -3)"
[ "$(grep -ch ' start occ=sang@' "$J"/*.log | paste -sd+ | bc)" = 1 ] && ! grep -q ' interrupted occ=sang@' "$J"/*.log &&
	ok "the broadcast aired once: one start, its end, nothing replayed" || nok "starts: $(grep -h ' start \| interrupted ' "$J"/*.log | cut -c1-120)"
[ "$(requests)" = 2 ] &&
	ok "both stop requests are in the journal once (the second was written, its flush cut by the kill)" ||
	nok "requests: $(grep -h ' request ' "$J"/*.log | cut -c1-100)"
it_done
