#!/bin/bash
# End-to-end: loaxad with an amplifier on a Modbus TCP relay board (the
# simulator tests/it/relay_sim.py, started here and stopped by its PID),
# playing real bulletins. Checks the coil history as the board saw it
# (order, warm-up, back-to-back zones without a power cycle, hold), the
# journal's outcomes (aired; partial when the fault input rises mid-
# broadcast; late when the board comes back within the catch-up window;
# failed past it), amp-fault / amp-ok, loaxactl status, loaxad --check,
# and the status server read by mbpoll.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

PY=/usr/bin/python3
if ! $PY -c 'import pymodbus' 2>/dev/null || ! command -v mbpoll >/dev/null; then
	echo "ok 1 - # SKIP python3-pymodbus or mbpoll not installed"
	exit 0
fi

it_setup amp
SIM_PID=
cleanup_all() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	it_cleanup
}
trap cleanup_all EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_sim [PORT]: the relay board on 127.0.0.1 (a free port unless given).
start_sim() {
	rm -f "$T/sim.ready"
	$PY tests/it/relay_sim.py --tcp "${1:-0}" --log "$T/sim.log" --control "$T/sim.ctl" \
		--ready "$T/sim.ready" 2>>"$T/sim.err" &
	SIM_PID=$!
	local i
	for i in $(seq 200); do
		[ -s "$T/sim.ready" ] && { SIM_PORT=$(cat "$T/sim.ready"); return 0; }
		sleep 0.05
	done
	bail "relay simulator did not start"
}
stop_sim() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; SIM_PID=; }
sim_control() { echo "$1" >"$T/sim.ctl.tmp" && mv "$T/sim.ctl.tmp" "$T/sim.ctl"; }
# Coil writes logged after line $1 of the board's log, as "coil=value" words.
coils_since() { tail -n +"$(($1 + 1))" "$T/sim.log" | awk '$3 == "coil" { printf "%s%d=%d", n++ ? " " : "", $4, $5 } END { print "" }'; }
sim_lines() { wc -l <"$T/sim.log"; }
# Monotonic ms of the first coil write after line $1 matching "coil value".
coil_time() { tail -n +"$(($1 + 1))" "$T/sim.log" | awk -v c="$2" -v v="$3" '$3 == "coil" && $4 == c && $5 == v { print int($1); exit }'; }
coil_time_last() { tail -n +"$(($1 + 1))" "$T/sim.log" | awk -v c="$2" -v v="$3" '$3 == "coil" && $4 == c && $5 == v { t = int($1) } END { print t }'; }
jgrep() { grep -h "$@" "$T"/st/journal/*.log; }

sim_control '{}'
start_sim
STATUS_PORT=$(free_port)
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
cat >>"$CONF" <<EOF
amplifier = {
  enabled = true; transport = "tcp"; host = "127.0.0.1"; port = $SIM_PORT; slave = 1;
  timeout_ms = 300; power_coil = 0;
  zones = ( { zone = 1; coil = 1; }, { zone = 2; coil = 2; } );
  warmup_ms = 700; hold_s = 1; fault_input = 5;
  status = { enabled = true; address = "127.0.0.1"; port = $STATUS_PORT; };
};
EOF
for b in tin-c:v08k-mono.mp3 tin-b:v44k-stereo.mp3; do
	ctl bulletin add "$AUD/${b#*:}" --id "${b%%:*}" --title "Bản tin ${b%%:*}" --campaign loa >/dev/null ||
		bail "bulletin add ${b%%:*}"
done
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
campaigns = ( { id = "loa"; title = "Loa truyền thanh"; bulletins = ["tin-c", "tin-b"]; target = 3; } );
slots = (
  { id = "mot"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-c"]; campaign = "loa"; zones = [1]; },
  { id = "hai"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-c"]; campaign = "loa"; zones = [2]; },
  { id = "loi"; dates = ["2030-01-15"]; times = ["06:35"]; bulletins = ["tin-b"]; campaign = "loa"; zones = [1, 2]; repeat = 3; },
  { id = "tre"; dates = ["2030-01-15"]; times = ["06:40"]; bulletins = ["tin-c"]; campaign = "loa"; },
  { id = "het"; dates = ["2030-01-15"]; times = ["06:43"]; bulletins = ["tin-c"]; campaign = "loa"; }
);
EOF

# --check: the board answers (reads only)
out=$("$BUILD/loaxad" -c "$CONF" --check 2>&1); rc=$?
[ $rc = 0 ] && grep -q "amplifier tcp 127.0.0.1:$SIM_PORT slave 1 answers: power off" <<<"$out" &&
	ok "--check: the amplifier answers" || nok "--check with the board up: $rc $out"

# ---- back to back, warm-up and hold, as the board saw it ----
mark=$(sim_lines)
set_clock "2030-01-15 06:29:58"
start_daemon
wait_journal 'end occ=hai@2030-01-15T06:30 outcome=' 15 || bail "06:30 broadcasts did not end"
jgrep -q 'end occ=mot@2030-01-15T06:30 outcome=aired' && jgrep -q 'end occ=hai@2030-01-15T06:30 outcome=aired' &&
	ok "two back-to-back broadcasts aired" || nok "06:30 outcomes: $(jgrep ' end occ=')"
for i in $(seq 80); do coils_since "$mark" | grep -q '0=1 .* 0=0$' && break; sleep 0.05; done
h=$(coils_since "$mark")
[ "$h" = "1=0 2=0 0=0 0=1 1=1 2=0 1=0 2=1 1=0 2=0 0=0" ] &&
	ok "coil order: safe state, power, zone 1, zone 2 directly, zones off, power off" || nok "coil history: $h"
ton=$(coil_time "$mark" 0 1); tz=$(coil_time "$mark" 1 1)
warm=$((tz - ton))
[ "$warm" -ge 700 ] && [ "$warm" -lt 1700 ] && ok "warm-up: zones on ${warm} ms after the power (700 configured)" ||
	nok "warm-up was $warm ms"
tzoff=$(coil_time_last "$mark" 2 0); toff=$(coil_time_last "$mark" 0 0)
hold=$((toff - tzoff))
[ "$hold" -ge 1000 ] && [ "$hold" -lt 2000 ] && ok "hold: power off ${hold} ms after the zones (1 s configured)" ||
	nok "hold was $hold ms"
n=$(tail -n +"$((mark + 1))" "$T/sim.log" | grep -c ' coil 0 1$')
[ "$n" = 1 ] && ok "the power came on once for both broadcasts" || nok "power switched on $n times"
s1=$(jgrep ' start occ=mot@' | cut -d' ' -f1)
case $s1 in 2030-01-15T06:30:0[0-2]+07:00) ok "first broadcast started after the warm-up, on time ($s1)" ;;
*) nok "first start at $s1" ;; esac
jgrep -q 'start occ=mot@.* zones=1 ' && jgrep -q 'start occ=hai@.* zones=2 ' && ok "journal names each broadcast's zones" ||
	nok "zones in the journal"
out=$(ctl status)
grep -q "amplifier: tcp 127.0.0.1:$SIM_PORT slave 1, off" <<<"$out" && grep -q '^amp fault: none$' <<<"$out" &&
	ok "status: amplifier off, no fault" || nok "status: $out"

# status server, read by mbpoll (registers from 1: [1] = register 0)
out=$(mbpoll -m tcp -p "$STATUS_PORT" -t 3 -r 1 -c 14 -1 -o 2 127.0.0.1 2>&1)
val() { sed -n "s/^\[$1\]: *\t*\(-\{0,1\}[0-9]*\).*/\1/p" <<<"$out" | tr -d '\t '; }
[ "$(val 1)" = 1 ] && [ "$(val 2)" = 1 ] && [ "$(val 3)" = 1 ] && [ "$(val 8)" = 1 ] && [ "$(val 11)" = 1 ] &&
	[ "$(val 12)" = 2030 ] && [ "$(val 13)" = 1 ] && [ "$(val 14)" = 1 ] &&
	ok "status server: map version, idle, amplifier off, serial 1, last outcome aired, month, 1 campaign" ||
	nok "status registers: $out"
out=$(mbpoll -m tcp -p "$STATUS_PORT" -t 4 -r 101 -c 8 -1 -o 2 127.0.0.1 2>&1)
[ "$(val 101)" = 2 ] && [ "$(val 102)" = 0 ] && [ "$(val 106)" = 3 ] && [ "$(val 107)" = 0 ] &&
	ok "status server: campaign loa aired 2 of target 3 this month" || nok "campaign registers: $out"
out=$(mbpoll -m tcp -p "$STATUS_PORT" -t 4 -r 1 -1 -o 2 127.0.0.1 7 2>&1)
grep -q 'Illegal function' <<<"$out" && ok "status server: a write is refused (illegal function)" || nok "write: $out"
head -c 300 /dev/urandom | socat -t 1 - "TCP:127.0.0.1:$STATUS_PORT" >/dev/null 2>&1
printf '\x00\x01\x00\x07\x00\x06\x01\x04\x00\x00\x00\x01' | socat -t 1 - "TCP:127.0.0.1:$STATUS_PORT" >/dev/null 2>&1
alive && ctl status >/dev/null && ok "garbage on the status port: the daemon carries on" || nok "daemon after garbage"

# ---- the fault input rises mid-broadcast: partial, with the reason ----
# (tin-b three times, 6.4 s, paced at its own byte rate: 44.1 kHz stereo)
use_paced_device "$T/st" 176400
stop_daemon
set_clock "2030-01-15 06:34:59"
mark=$(sim_lines)
start_daemon
wait_journal 'start occ=loi@2030-01-15T06:35' 10 || bail "06:35 did not start"
sleep 0.3
sim_control '{"inputs": {"5": 1}}'
wait_journal 'end occ=loi@2030-01-15T06:35 outcome=' 10 || bail "06:35 did not end"
jgrep -q 'end occ=loi@2030-01-15T06:35 outcome=partial .*detail="amplifier: fault input 5 raised, the amplifier reports a fault (during playback)"' &&
	ok "fault input raised mid-broadcast: partial, reason names the fault input" ||
	nok "06:35: $(jgrep 'end occ=loi@')"
p=$(jgrep 'end occ=loi@' | sed 's/.* played=\([0-9.]*\) expected=\([0-9.]*\).*/\1 \2/')
awk -v p="${p% *}" -v e="${p#* }" 'BEGIN { exit !(p > 0 && p < e) }' && ok "seconds played recorded ($p)" ||
	nok "played/expected: $p"
jgrep -q 'amp-fault peer="tcp 127.0.0.1:'"$SIM_PORT"' slave 1" reason="amplifier: fault input 5 raised' &&
	ok "amp-fault journalled with the reason" || nok "no amp-fault: $(jgrep amp-fault)"
for i in $(seq 40); do [ "$(coils_since "$mark" | awk '{ print $NF }')" = "0=0" ] && break; sleep 0.05; done
[ "$(coils_since "$mark" | awk '{ print $(NF-2), $(NF-1), $NF }')" = "1=0 2=0 0=0" ] &&
	ok "after the fault every coil is off" || nok "coils after the fault: $(coils_since "$mark")"
out=$(ctl status)
grep -q '^amp fault: amplifier: fault input 5 raised' <<<"$out" && ok "status shows the standing fault" ||
	nok "status: $out"

# cleared: the next broadcast airs, and amp-ok is journalled
sim_control '{}'
ctl play tin-c >/dev/null || nok "play tin-c"
wait_journal 'end occ=manual@.* outcome=' 10 || bail "the on-demand play did not end"
jgrep -q 'end occ=manual@.* outcome=aired' && ok "fault cleared: the next broadcast airs" ||
	nok "after clearing: $(jgrep 'end occ=manual@')"
jgrep -q ' amp-ok peer=' && ok "amp-ok journalled when the fault cleared" || nok "no amp-ok"
ctl status | grep -q '^amp fault: none (last: amplifier: fault input 5 raised' &&
	ok "status keeps the last fault" || nok "status last fault: $(ctl status | grep 'amp fault')"
use_file_device "$T/st"
stop_daemon

# ---- board down at the due time, back within the catch-up window: plays late ----
port=$SIM_PORT
stop_sim
set_clock "2030-01-15 06:39:59"
start_daemon
wait_journal 'amp-fault .*Connection refused' 10 && ok "board down: amp-fault, connection refused" ||
	nok "no amp-fault for the refused connection"
sleep 1.2
jgrep -q 'occ=tre@2030-01-15T06:40' && nok "06:40 went ahead with the board down: $(jgrep 'occ=tre@')" ||
	ok "board down: the broadcast waits, nothing is recorded yet"
ctl status | grep -q 'state: *starting: the amplifier is being switched on' && ok "status: starting, waiting for the amplifier" ||
	nok "status while waiting: $(ctl status | grep state)"
start_sim "$port"
wait_journal 'end occ=tre@2030-01-15T06:40 outcome=' 20 || bail "06:40 did not end"
jgrep -q 'end occ=tre@2030-01-15T06:40 outcome=aired' && ok "board back within the window: the broadcast airs late" ||
	nok "06:40: $(jgrep 'occ=tre@')"
st=$(jgrep ' start occ=tre@' | cut -d' ' -f1)
case $st in 2030-01-15T06:40:0[1-9]+07:00 | 2030-01-15T06:40:[1-5][0-9]+07:00) ok "started late ($st)" ;;
*) nok "started at $st" ;; esac
stop_daemon

# ---- board down past the catch-up window: failed with the reason ----
stop_sim
out=$("$BUILD/loaxad" -c "$CONF" --check 2>&1); rc=$?
[ $rc = 0 ] && grep -q 'warning: amplifier unreachable: .*Connection refused' <<<"$out" &&
	ok "--check: an unreachable amplifier is a warning, exit 0" || nok "--check board down: $rc $out"
set_clock "2030-01-15 06:44:55"
start_daemon
wait_journal 'failed occ=het@2030-01-15T06:43' 15 || bail "06:43 did not fail"
jgrep -q 'failed occ=het@2030-01-15T06:43 .*detail="amplifier: tcp 127.0.0.1:'"$port"' slave 1: cannot connect: Connection refused.*attempts within the catch-up window"' &&
	ok "board down past the window: failed, reason names the peer and the attempts" ||
	nok "06:43: $(jgrep 'occ=het@')"
jgrep -q 'start occ=het@' && nok "a broadcast started with the amplifier off" ||
	ok "nothing started with the amplifier off"
stop_daemon
[ "$DRC" = 0 ] && ok "clean exit with the board down (safe state bounded by the timeout)" || nok "exit $DRC"

n_start=$(jgrep -c ' start occ=')
n_end=$(jgrep -c ' end occ=')
[ "$n_start" = "$n_end" ] && ok "every start has exactly one end ($n_start)" || nok "starts $n_start, ends $n_end"
"$BUILD/loaxactl" -c "$CONF" log verify >/dev/null && ok "journal verifies" || nok "log verify"
it_done
