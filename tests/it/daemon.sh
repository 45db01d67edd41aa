#!/bin/bash
# Integration test of loaxad with real parts: real MP3/MP2 files, real ALSA
# (its `file` plugin, no sound card needed), the real control socket, real
# signals and kill -9. The daemon's wall clock is shifted into a fixed
# virtual morning (LOAXA_TEST_CLOCK_OFFSET_FILE, re-read on SIGUSR2), so no
# test waits for a real minute to pass.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup daemon
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf

# Bulletins, added the way staff add them. tin-long (17 s of 44.1 kHz
# stereo) is for the broadcasts the tests interrupt on the paced device.
for i in $(seq 8); do echo "$AUD/v44k-stereo.mp3"; done | xargs cat >"$AUD/long.mp3"
for b in tin-long:long.mp3 tin-a:v22k-mono.mp3 tin-b:v44k-stereo.mp3 tin-c:v08k-mono.mp3 tin-mp2:v32k-stereo.mp2 \
	tin-missing:v48k-stereo.mp3 tin-tampered:v22k-mono.mp3 tin-corrupt:v08k-mono.mp3; do
	ctl bulletin add "$AUD/${b#*:}" --id "${b%%:*}" --title "Bản tin ${b%%:*}" >/dev/null ||
		bail "bulletin add ${b%%:*}"
done
# Break three of them after they were accepted: gone, changed, undecodable
# (with a catalog hash that matches, so only the decoder can tell).
rm "$T/st/library/tin-missing.mp3"
printf 'x' | dd of="$T/st/library/tin-tampered.mp3" bs=1 seek=2000 conv=notrunc 2>/dev/null
cp "$AUD/random.mp3" "$T/st/library/tin-corrupt.mp3"
sum=$(sha256sum "$T/st/library/tin-corrupt.mp3" | cut -d' ' -f1)
sed -i "/id = \"tin-corrupt\"/,/sha256/ s/sha256 = \"[0-9a-f]*\"/sha256 = \"$sum\"/" "$T/st/library/catalog.conf"

cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["tin-long", "tin-a"]; target = 2; } );
slots = (
  { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; campaign = "sxh"; zones = [1, 2]; },
  { id = "loi"; dates = ["2030-01-15"]; times = ["06:32"];
    bulletins = ["tin-missing", "tin-tampered", "tin-corrupt", "tin-c"]; },
  { id = "mp2"; dates = ["2030-01-15"]; times = ["06:34"]; bulletins = ["tin-mp2"]; repeat = 2; },
  { id = "dai"; dates = ["2030-01-15"]; times = ["06:36", "06:40", "06:44"]; campaign = "sxh"; },
  { id = "gio1"; dates = ["2030-01-15"]; times = ["07:00"]; bulletins = ["tin-c"]; },
  { id = "gio2"; dates = ["2030-01-15"]; times = ["07:10"]; bulletins = ["tin-c"]; },
  { id = "gio3"; dates = ["2030-01-15"]; times = ["07:29"]; bulletins = ["tin-c"]; }
);
EOF

set_clock "2030-01-15 06:29:58"
start_daemon
wait_journal 'end occ=sang@2030-01-15T06:30 outcome=aired' 10 &&
	ok "plays the 06:30 occurrence when the (virtual) clock reaches it" ||
	nok "06:30 occurrence did not air"
line=$(grep ' start occ=sang@2030-01-15T06:30 ' "$T"/st/journal/*.log)
started=${line%% *}
case $started in 2030-01-15T06:30:0[0-2]+07:00) ok "started on time ($started)" ;; *) nok "started at $started" ;; esac

mpg123 -q -s -e s16 "$AUD/v22k-mono.mp3" >"$T/ref.raw"
cmp -s "$T/ref.raw" "$T/out.raw" && ok "bytes sent to ALSA equal libmpg123's decode of the file" ||
	nok "captured audio differs from the decode ($(wc -c <"$T/out.raw") vs $(wc -c <"$T/ref.raw") bytes)"

out=$(ctl status)
grep -q 'state: *idle' <<<"$out" && grep -q 'next: .*loi@2030-01-15T06:32' <<<"$out" &&
	ok "status shows idle and the next occurrence" || nok "status: $out"

# Step the clock forward: the 06:32 slot plays late (catch-up) with its
# four bulletins one after another; three fail, the daemon carries on.
set_clock "2030-01-15 06:32:20"
wait_journal 'end occ=loi@2030-01-15T06:32#4 outcome=aired' 10 && ok "clock step forward: late occurrence played" ||
	nok "06:32 #4 did not air"
grep -qE ' clock-stepped delta=1[0-9]{2} ' "$T"/st/journal/*.log && ok "clock step journalled" || nok "no clock-stepped record"
grep -q 'failed occ=loi@2030-01-15T06:32#1 .*detail="file missing' "$T"/st/journal/*.log &&
	ok "missing file: failed, file missing" || nok "missing file outcome"
grep -q 'failed occ=loi@2030-01-15T06:32#2 .*detail="checksum' "$T"/st/journal/*.log &&
	ok "changed file: failed, checksum" || nok "tampered file outcome"
grep -q 'failed occ=loi@2030-01-15T06:32#3 .*detail="not an MP3' "$T"/st/journal/*.log &&
	ok "undecodable file: failed with the decoder's reason" || nok "corrupt file outcome"
alive && ok "daemon still running after failures" || nok "daemon died"

# Step back, then forward again: nothing plays twice.
set_clock "2030-01-15 06:27:00"
sleep 0.3
set_clock "2030-01-15 06:31:00"
sleep 0.5
n=$(grep -c ' start occ=sang@2030-01-15T06:30 ' "$T"/st/journal/*.log)
[ "$n" = 1 ] && ok "clock stepped back and forth: 06:30 played exactly once" || nok "06:30 started $n times"

# A broken schedule on SIGHUP is rejected; the old one keeps running.
cp "$T/st/schedule.conf" "$T/good.conf"
sed -i 's/serial = 1;/serial = 2;/; s/"06:34"/"25:00"/' "$T/st/schedule.conf"
kill -HUP "$DPID"
wait_journal 'schedule-rejected' 5 && ok "SIGHUP with an invalid schedule: rejected and journalled" ||
	nok "no schedule-rejected record"
grep -q 'schedule-rejected .*25:00' "$T"/st/journal/*.log && ok "rejection names the bad time" || nok "reason"
cp "$T/good.conf" "$T/st/schedule.conf"
set_clock "2030-01-15 06:34:01"
wait_journal 'end occ=mp2@2030-01-15T06:34 outcome=aired' 10 && ok "old schedule still plays (MP2, repeat 2)" ||
	nok "06:34 MP2 did not air"
mpg123 -q -s -e s16 "$AUD/v32k-stereo.mp2" >"$T/ref1.raw"
cat "$T/ref1.raw" "$T/ref1.raw" >"$T/ref2.raw"
cmp -s "$T/ref2.raw" "$T/out.raw" && ok "repeat 2: the decode twice, back to back" || nok "repeat capture differs"
grep -q 'end occ=mp2@2030-01-15T06:34 outcome=aired played=[0-9.]* expected=' "$T"/st/journal/*.log &&
	ok "end record carries seconds played" || nok "end record fields"

# Control socket: garbage and oversized requests do not harm the daemon.
r=$(head -c 2000 /dev/zero | tr '\0' 'x' | socat -t 2 - "UNIX-CONNECT:$T/st/loaxad.sock" 2>/dev/null)
grep -qx 'ok=no' <<<"$r" && grep -qx 'error=request too long' <<<"$r" && ok "oversized request refused" || nok "oversized: $r"
r=$(printf 'bogus\n' | socat -t 2 - "UNIX-CONNECT:$T/st/loaxad.sock" 2>/dev/null)
head -1 <<<"$r" | grep -qx 'loaxa=1' && grep -q '^error=unknown request' <<<"$r" && ok "unknown request refused" || nok "unknown: $r"
printf 'stat' | socat -t 1 - "UNIX-CONNECT:$T/st/loaxad.sock" >/dev/null 2>&1
ctl status >/dev/null && ok "daemon answers after malformed requests" || nok "status after garbage"
[ "$(stat -c %a "$T/st/loaxad.sock")" = 660 ] && ok "control socket mode 0660" || nok "socket mode"
out=$(ctl play no-such-bulletin 2>&1); rc=$?
[ $rc = 1 ] && grep -q "no bulletin 'no-such-bulletin'" <<<"$out" && ok "play of an unknown id: clear error" ||
	nok "play unknown: $rc $out"

stop_daemon
[ "$DRC" = 0 ] && ok "SIGTERM: clean exit" || nok "exit status $DRC"
grep -q 'station-stop' "$T"/st/journal/*.log && ok "station-stop journalled" || nok "no station-stop"

# Slow (paced) audio device: a FIFO read at a fixed rate, so broadcasts
# take real time and can be interrupted.
use_paced_device "$T/st" 100000
set_clock "2030-01-15 06:35:59"
start_daemon
wait_journal 'start occ=dai@2030-01-15T06:36' 10 || bail "06:36 did not start"
sleep 0.3
out=$(ctl status)
grep -q 'state: *playing' <<<"$out" && ok "status while playing" || nok "status playing: $out"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
ok "kill -9 during playback"
use_file_device "$T/st"
set_clock "2030-01-15 06:39:59"
start_daemon
wait_journal 'interrupted occ=dai@2030-01-15T06:36' 5 && ok "restart: the cut broadcast is recorded interrupted" ||
	nok "no interrupted record"
wait_journal 'end occ=dai@2030-01-15T06:40 outcome=aired' 10 && ok "restart: the next occurrence plays" ||
	nok "06:40 did not air"
a=$(grep -o 'start occ=dai@2030-01-15T06:36 [^ ]* bulletin=[^ ]*' "$T"/st/journal/*.log | sed 's/.*bulletin=//')
b=$(grep -o 'start occ=dai@2030-01-15T06:40 [^ ]* bulletin=[^ ]*' "$T"/st/journal/*.log | sed 's/.*bulletin=//')
[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] && ok "campaign rotation continues across the restart ($a then $b)" ||
	nok "rotation: '$a' then '$b'"
stop_daemon

# Emergency pre-emption and stop, on the paced device (faster, so that each
# write waits well under the control client's patience).
use_paced_device "$T/st" 100000
set_clock "2030-01-15 06:43:59"
start_daemon
wait_journal 'start occ=dai@2030-01-15T06:44' 10 || bail "06:44 did not start"
out=$(ctl play tin-c --emergency) && ok "play --emergency accepted" || nok "emergency: $out"
wait_journal 'end occ=dai@2030-01-15T06:44 outcome=partial .*preempted by emergency' 10 &&
	ok "emergency pre-empts: the broadcast is partial, reason preempted" || nok "no preempted record"
wait_journal 'end occ=manual@.* outcome=aired' 15 && ok "the emergency bulletin airs" || nok "emergency did not air"
ctl play tin-long >/dev/null
wait_journal 'start occ=manual@.*#2' 5 || bail "manual play did not start"
sleep 0.3
out=$(ctl stop) && grep -q stopped <<<"$out" && ok "stop command" || nok "stop: $out"
wait_journal 'outcome=partial .*stopped by the operator' 5 && ok "stopped broadcast is partial" ||
	nok "no stopped record"
stop_daemon

# Down from 06:45 to 07:30: what fell due meanwhile is missed, with the
# reason, except what is still inside the catch-up window (07:29).
use_file_device "$T/st"
set_clock "2030-01-15 07:30:30"
start_daemon
wait_journal 'end occ=gio3@2030-01-15T07:29 outcome=aired' 10 && ok "after downtime: inside the catch-up window plays late" ||
	nok "07:29 did not air"
grep -q 'missed occ=gio1@2030-01-15T07:00 .*detail="not started within the catch-up window (2 min): the station was not running' \
	"$T"/st/journal/*.log && grep -q 'missed occ=gio2@2030-01-15T07:10 ' "$T"/st/journal/*.log &&
	ok "after downtime: the gap's occurrences are recorded missed, with the reason" || nok "no missed records for the gap"

# A caller who may not use the socket is told so.
P=$(mktemp -d /tmp/loaxa-perm.XXXXXX)
chmod 755 "$P"
sed "s|control = \"loaxad.sock\"|control = \"$T/st/loaxad.sock\"|" "$CONF" >"$P/loaxa.conf"
chmod 644 "$P/loaxa.conf"
# A copy the other user can run, wherever the checkout is (/root is 0700).
install -m 0755 "$BUILD/loaxactl" "$P/loaxactl"
out=$(runuser -u nobody -- "$P/loaxactl" -c "$P/loaxa.conf" status 2>&1); rc=$?
rm -rf "$P"
[ $rc = 1 ] && grep -q 'permission denied' <<<"$out" && ok "no permission: clear message, exit 1" ||
	nok "permission: $rc $out"
stop_daemon

# The sound card goes away mid-broadcast (the paced device's reader dies):
# partial with the reason, the daemon carries on, and the next broadcast
# on a working device is journalled audio-back.
use_paced_device "$T/st" 100000
set_clock "2030-01-15 07:39:59"
start_daemon
ctl play tin-long >/dev/null
wait_journal 'start occ=manual@.* bulletin=tin-long' 5 || bail "manual play did not start"
sleep 0.3
kill "$READER_PID"
READER_PID=
wait_journal 'end occ=manual@.* outcome=partial .*audio device lost' 10 &&
	ok "device lost mid-broadcast: partial, with the reason" || nok "no partial for the lost device"
grep -q ' audio-lost device=paced ' "$T"/st/journal/*.log && ok "audio-lost journalled" || nok "no audio-lost"
alive && ok "daemon still running" || nok "daemon died with the device"
stop_daemon
use_file_device "$T/st"
start_daemon
ctl play tin-c >/dev/null
wait_journal ' audio-back device=loaxatest' 5 && ok "device back: audio-back journalled" || nok "no audio-back"
stop_daemon

# A board without a real-time clock: until the clock is synchronised
# nothing is played or journalled; then it starts.
sed -i 's/require_sync = false;/require_sync = true; sync_file = "synced";/' "$CONF"
n0=$(cat "$T"/st/journal/*.log | wc -l)
set_clock "2030-01-15 07:44:30"
start_daemon
out=$(ctl status)
grep -q 'waiting for the clock' <<<"$out" && ok "unsynchronised: status says it waits for the clock" ||
	nok "status: $out"
out=$(ctl play tin-c 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'not synchronised' <<<"$out" && ok "unsynchronised: play refused" || nok "play: $out"
[ "$(cat "$T"/st/journal/*.log | wc -l)" = "$n0" ] && ok "unsynchronised: nothing journalled" ||
	nok "journal written before the clock was synchronised"
touch "$T/st/synced"
kill -USR2 "$DPID"
wait_journal 'clock-synced' 5 && ok "synchronised: journalled, broadcasting starts" || nok "no clock-synced"
stop_daemon

out=$("$BUILD/loaxactl" -c "$CONF" log verify 2>&1) && ok "journal verifies after all this" || nok "log verify: $out"
n_start=$(grep -c ' start ' "$T"/st/journal/*.log)
n_done=$(grep -cE ' (end|interrupted) ' "$T"/st/journal/*.log)
[ "$n_start" = "$n_done" ] && ok "every start has exactly one end ($n_start)" || nok "$n_start starts, $n_done ends"

it_done
