#!/bin/bash
# The amplifier given by host name (issue 11): the name is looked up by the
# helper process, never in the event loop; the broadcast then switches the
# relay module at the resolved address and airs. A name that does not
# resolve is retried and the broadcast fails, naming why, without a stall.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
PY=/usr/bin/python3
$PY -c 'import pymodbus' 2>/dev/null || { echo "ok 1 # skip: python3-pymodbus is not installed"; exit 0; }

it_setup amphost
SIM_PID=
cleanup_all() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	it_cleanup
}
trap cleanup_all EXIT
rm -f "$T/sim.ready"
echo '{}' >"$T/sim.ctl"
$PY tests/it/relay_sim.py --tcp 0 --log "$T/sim.log" --control "$T/sim.ctl" --ready "$T/sim.ready" 2>>"$T/sim.err" &
SIM_PID=$!
for _ in $(seq 200); do [ -s "$T/sim.ready" ] && break; sleep 0.05; done
SIM_PORT=$(cat "$T/sim.ready" 2>/dev/null) || bail "relay simulator did not start"

make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
cat >>"$CONF" <<EOF
amplifier = {
  enabled = true; transport = "tcp"; host = "localhost"; port = $SIM_PORT; slave = 1;
  timeout_ms = 300; power_coil = 0; zones = ( { zone = 1; coil = 1; } ); warmup_ms = 100; hold_s = 1;
};
EOF
ctl bulletin add "$AUD/v08k-mono.mp3" --id tin-c --title "C" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "mot"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-c"]; zones = [1]; } );
EOF
set_clock "2030-01-15 06:29:58"
start_daemon
wait_journal 'end occ=mot@2030-01-15T06:30 outcome=aired' 15 && ok "amplifier by host name: the broadcast aired" ||
	nok "not aired: $(grep -h 'mot@' "$T"/st/journal/*.log | cut -c1-200)"
grep -q 'amplifier host localhost is 127.0.0.1' "$T/daemon.log" && ok "the helper looked localhost up (127.0.0.1)" ||
	nok "no lookup line: $(grep -i 'amplifier' "$T/daemon.log" | tail -3)"
grep -q ' coil 1 1' "$T/sim.log" && ok "the relay module at the resolved address switched zone 1" || nok "no coil write"
stop_daemon

# A name that does not resolve: the daemon answers at once, the broadcast
# fails with the reason.
sed -i 's/host = "localhost"/host = "no-such-host.invalid"/; s/catchup_minutes = 2/catchup_minutes = 0/' "$CONF"
set_clock "2030-01-15 06:39:58"
sed -i 's/times = \["06:30"\]/times = ["06:30", "06:40"]/' "$T/st/schedule.conf"
sed -i 's/^serial = 1;/serial = 2;/' "$T/st/schedule.conf"
start_daemon
t0=$(date +%s%N)
ctl status >/dev/null
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 1000 ] && ok "unresolvable host: status answers ($(((t1 - t0) / 1000000)) ms)" || nok "status took $(((t1 - t0) / 1000000)) ms"
wait_journal 'failed occ=mot@2030-01-15T06:40 .*not resolved yet' 20 && ok "the broadcast fails, saying the host name is not resolved" ||
	nok "06:40: $(grep -h 'mot@2030-01-15T06:40' "$T"/st/journal/*.log | cut -c1-250)"
grep -q 'amplifier host no-such-host.invalid: ' "$T/daemon.log" && ok "the failed lookup is logged" || nok "no lookup failure logged"
stop_daemon
it_done
