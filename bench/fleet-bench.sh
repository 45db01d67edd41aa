#!/bin/bash
# The fleet link at district scale (issue 13, docs/FLEET.md):
#  - LOAXA_BENCH_STATIONS (default 2000) simulated stations, each the real
#    station-side code on its own journal (LOAXA_BENCH_LINES, default 120:
#    a month), all connecting at once to one local mosquitto; a real
#    loaxa-collector. Time until every line is stored and verified, the
#    collector's CPU time and peak RSS, bytes sent per record; then every
#    mirror compared with its journal (cmp).
#  - idle wake-ups of one real loaxad connected to the broker, with a
#    short keepalive (LOAXA_BENCH_KEEPALIVE, default 10 s) over
#    LOAXA_BENCH_IDLE_SECONDS (default 40), from /proc context switches.
# File descriptors: three per station in the bench process (libmosquitto
# keeps a socket pair beside each connection), one per station in the
# broker; the script raises `ulimit -n` and sets max_connections -1.
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
. tests/it/fleet_lib.bash
it_setup fleet-bench
trap fleet_cleanup EXIT
unset LOAXA_TEST_CLOCK_OFFSET_FILE
N=${LOAXA_BENCH_STATIONS:-2000}
L=${LOAXA_BENCH_LINES:-120}
KA=${LOAXA_BENCH_KEEPALIVE:-10}
IDLE=${LOAXA_BENCH_IDLE_SECONDS:-40}
ulimit -n $((3 * N + 1024)) 2>/dev/null || { echo "fleet-bench: cannot raise ulimit -n to $((3 * N + 1024)) (hard limit $(ulimit -Hn))"; exit 1; }
[ -x "$BUILD/bench/bench_fleet" ] || { echo "fleet-bench: build $BUILD/bench/bench_fleet first (make bench)"; exit 1; }

PORT=$(free_port)
printf 'user %s\nallow_anonymous true\npersistence false\nmax_connections -1\nmax_queued_messages 100000\nlistener %s 127.0.0.1\n' \
	"$(id -un)" "$PORT" >"$T/broker.conf"
start_broker broker "$T/broker.conf" "$PORT"
"$BUILD/bench/bench_fleet" make "$T/st" "$N" "$L" || bail "bench_fleet make"
echo "collector = { broker = \"mqtt://127.0.0.1:$PORT\"; district = \"271\"; mirror = \"$T/mirror\"; };" >"$T/coll.conf"
/usr/bin/time -f "%U %S %M" -o "$T/coll.time" "$BUILD/loaxa-collector" -c "$T/coll.conf" 2>"$T/coll.log" &
CPID=$!
FLEET_PIDS+=($CPID)
for i in $(seq 100); do grep -q connected "$T/coll.log" && break; sleep 0.05; done
COLL=$(pgrep -P "$CPID")   # the collector itself, under time(1)
FLEET_PIDS+=($COLL)
echo "broker: mosquitto $($MOSQUITTO -h | sed -n 's/^mosquitto version //p'), max_connections -1; ulimit -n $(ulimit -n)"
"$BUILD/bench/bench_fleet" run "$T/st" "$N" "$L" "$PORT" 2>"$T/bench.log" || echo "bench_fleet run: not every station finished"
kill -TERM "$COLL" 2>/dev/null
wait "$CPID" 2>/dev/null
read -r cu cs crss <"$T/coll.time"
echo "collector CPU time            ${cu} s user + ${cs} s system; peak RSS $((crss / 1024)) MiB"
same=0
for i in $(seq 0 $((N - 1))); do
	s=$(printf 'st-%04d' "$i")
	cmp -s "$T/st/$s/journal/2030-01.log" "$T/mirror/$s/journal/2030-01.log" && same=$((same + 1))
done
echo "mirrors byte-identical        $same of $N"

# One real station daemon, connected and idle, on a broker of its own that
# logs every packet (to count keepalives and connections).
IPORT=$(free_port)
printf 'user %s\nallow_anonymous true\npersistence false\nlog_type all\nlistener %s 127.0.0.1\n' \
	"$(id -un)" "$IPORT" >"$T/idleb.conf"
start_broker idleb "$T/idleb.conf" "$IPORT"
make_fleet_station idle st-idle 271 "mqtt://127.0.0.1:$IPORT"
sed -i "s/keepalive = 30;/keepalive = $KA;/" "$T/idle/loaxa.conf"
start_station idle
for i in $(seq 100); do grep -q "fleet: connected" "$T/idle.log" && break; sleep 0.05; done
sleep 2
ctx() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$ST_PID_idle/status"; }
c0=$(ctx)
p0=$(grep -c "PINGREQ from loaxa-271-st-idle" "$T/idleb.log")
sleep "$IDLE"
c1=$(ctx)
p1=$(grep -c "PINGREQ from loaxa-271-st-idle" "$T/idleb.log")
conns=$(grep -c "New client connected .* as loaxa-271-st-idle" "$T/idleb.log")
echo "idle connected loaxad, keepalive ${KA} s, ${IDLE} s: $((p1 - p0)) PINGREQ (the broker's log)," \
	"$((c1 - c0)) context switches (/proc), $conns connection(s)"
