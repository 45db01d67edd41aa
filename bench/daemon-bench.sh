#!/bin/bash
# loaxad at rest and on time:
#  - wake-ups of an idle daemon over LOAXA_BENCH_IDLE_SECONDS (default 60)
#    with nothing due, from /proc/PID/status context switches (target 0);
#  - how late the due-time timer fires, median and max over 20 runs
#    (target <= 5 ms), read from the daemon's own debug line. The daemon's
#    clock is shifted (test hook) so each run waits ~1 s, not a minute.
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
it_setup bench
make_station "$T/st" null
CONF=$T/st/loaxa.conf
"$BUILD/loaxactl" -c "$CONF" bulletin add "$AUD/v08k-mono.mp3" --id tin --title "Bản tin" >/dev/null ||
	bail "bulletin add"
times=$(for m in $(seq 0 2 58); do printf '"06:%02d", ' "$m"; done)
cat >"$T/st/schedule.conf" <<EOF2
serial = 1;
slots = ( { id = "s"; times = [ ${times%, } ]; bulletins = ["tin"]; } );
EOF2

idle=${LOAXA_BENCH_IDLE_SECONDS:-60}
set_clock "2030-01-15 05:00:00"
start_daemon
sleep 1
ctx() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$DPID/status"; }
c0=$(ctx)
sleep "$idle"
c1=$(ctx)
echo "idle wake-ups over ${idle} s with nothing due: $((c1 - c0)) (target 0)"

for i in $(seq 0 19); do
	m=$(printf '%02d' $((i * 2)))
	# the offset is whole seconds: move to 1 s before the slot, then wait
	target=$(TZ=Asia/Ho_Chi_Minh date -d "2030-01-15 06:$m:00" +%s)
	now=$(date +%s.%N)
	echo $((target - ${now%.*} - 1)) >"$LOAXA_TEST_CLOCK_OFFSET_FILE"
	kill -USR2 "$DPID"
	wait_journal "end occ=s@2030-01-15T06:$m " 5 >/dev/null || echo "run $i: no broadcast"
done
stop_daemon
grep -o 'due timer fired [0-9.-]* ms' "$T/daemon.log" | awk '{ print $4 }' | sort -n >"$T/late"
n=$(wc -l <"$T/late")
if [ "$n" -gt 0 ]; then
	med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { print }' "$T/late")
	max=$(tail -1 "$T/late")
	echo "due timer lateness over $n runs: median $med ms, max $max ms (target <= 5 ms)"
fi
