#!/bin/bash
# Time is safe past 2038 (issue 11): with the wall clock in 2040 the daemon
# waiting for clock synchronisation sleeps (no CPU spin), and once
# synchronised it plays a 2040 occurrence on time.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup y2040
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
sed -i 's/require_sync = false;/require_sync = true; sync_file = "synced";/' "$CONF"
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "sang"; dates = ["2040-03-01"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF
set_clock "2040-03-01 06:29:50"
start_daemon
cpu() { awk '{print $14 + $15}' "/proc/$DPID/stat"; }
c0=$(cpu)
sleep 1.5
c1=$(cpu)
[ $((c1 - c0)) -le 5 ] && ok "2040, clock not synchronised: the daemon sleeps ($((c1 - c0)) ticks of CPU in 1.5 s)" ||
	nok "CPU spin: $((c1 - c0)) ticks in 1.5 s"
ctl status --fields | grep -qx 'state=waiting-clock' && ok "status: waiting-clock" || nok "state"
touch "$T/st/synced"
kill -USR2 "$DPID"
wait_journal 'clock-synced' 5 && ok "synchronised in 2040: journalled" || nok "no clock-synced"
ctl status --fields | grep -q '^time=2040-03-01T06:' && ok "status time is in 2040" || nok "time: $(ctl status --fields | grep ^time=)"
c0=$(cpu)
sleep 1
c1=$(cpu)
[ $((c1 - c0)) -le 5 ] && ok "2040, synchronised and idle: no CPU spin ($((c1 - c0)) ticks in 1 s)" || nok "spin: $((c1 - c0))"
advance_clock "2040-03-01 06:29:58" # no idle wait for 06:30
wait_journal 'end occ=sang@2040-03-01T06:30 outcome=aired' 15 && ok "the 2040-03-01 06:30 occurrence aired" || nok "did not air"
line=$(grep ' start occ=sang@2040-03-01T06:30 ' "$T"/st/journal/*.log)
case ${line%% *} in 2040-03-01T06:30:0[0-1]+07:00) ok "on time (${line%% *})" ;; *) nok "start: ${line:-none}" ;; esac
stop_daemon
"$BUILD/loaxactl" -c "$CONF" log verify >/dev/null && ok "the 2040 journal verifies" || nok "log verify"
it_done
