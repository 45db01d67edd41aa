#!/bin/bash
# Nothing that can wait runs in the loop (issue 11): with the library lock
# held by someone else (as `loaxactl bulletin add` holds it) and a signed
# bundle waiting in the spool for that lock, the daemon answers status at
# once and the broadcast that comes due starts on time; the bundle is
# installed once the lock is free.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

command -v minisign >/dev/null || { echo "not ok 1 - minisign is not installed"; exit 1; }
it_setup stall
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
SP=$T/st/spool
minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || bail "minisign -G"
cat >>"$CONF" <<EOF
trust = { keys = ["$(sed -n 2p "$T/dept.pub")"]; bundle_wait_s = 3; };
EOF
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF
mkdir -p "$T/b"
cp "$AUD/v44k-stereo.mp3" "$T/b/tin-b.mp3"
sum=$(sha256sum "$T/b/tin-b.mp3" | cut -d' ' -f1)
cat >"$T/b/moi.conf" <<EOF
serial = 2;
district = "999";
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00"]; bulletins = ["tin-b"]; } );
files = ( { bulletin = "tin-b"; file = "tin-b.mp3"; sha256 = "$sum"; size = $(stat -c %s "$T/b/tin-b.mp3"); title = "B"; } );
EOF
minisign -S -s "$T/dept.key" -m "$T/b/moi.conf" -t "moi" >/dev/null || bail "minisign -S"

set_clock "2030-01-15 06:29:57"
start_daemon
# Someone holds the library lock for 6 s; the bundle arrives meanwhile.
flock "$T/st/library/.lock" sleep 6 &
LOCKER=$!
sleep 0.2
cp "$T/b/tin-b.mp3" "$T/b/moi.conf" "$T/b/moi.conf.minisig" "$SP/"
# Ask for status 10 times a second for 4 s: the longest wait for an answer.
worst=$(/usr/bin/python3 tests/it/status_probe.py "$T/st/loaxad.sock" 4 0.1)
awk -v w="$worst" 'BEGIN{exit !(w != "" && w < 0.5)}' && ok "library locked, bundle waiting for it: status answers within ${worst} s" ||
	nok "status waited ${worst:-?} s"
grep -q 'tin-a.mp3: unchanged since it last hashed right' "$T/daemon.log" &&
	ok "the due bulletin's SHA-256 came from the helper, not hashed in the loop" || nok "bulletin hashed in the loop"
line=$(grep ' start occ=sang@2030-01-15T06:30 ' "$T"/st/journal/*.log)
case ${line%% *} in 2030-01-15T06:30:0[0-1]+07:00) ok "the due broadcast started on time (${line%% *})" ;; *) nok "start: ${line:-none}" ;; esac
grep -q 'schedule-installed serial=2' "$T"/st/journal/*.log && nok "installed while the lock was held" ||
	ok "the bundle is not installed while someone else holds the library lock"
grep -q 'bundle moi: the library is locked by another program.*trying again in 2 s' "$T/daemon.log" &&
	ok "the lock is taken without waiting: the bundle is tried again every 2 s" || nok "no retry line"
wait "$LOCKER"
wait_journal 'schedule-installed serial=2 ' 10 && ok "installed once the lock is free" || nok "not installed after the lock"
grep -q '^tin-b ' <(ctl bulletin list) && ok "its bulletin is in the library" || nok "tin-b missing"
[ "$(ctl status --fields | sed -n 's/^schedule.serial=//p')" = 2 ] && ok "the daemon switched to serial 2" || nok "serial"
for _ in $(seq 40); do [ -s "$T/st/journal/schedules/2.conf" ] && break; sleep 0.05; done
cmp -s "$T/st/journal/schedules/2.conf" "$T/st/schedule.conf" && [ -s "$T/st/journal/schedules/2.conf.minisig" ] &&
	ok "the helper archived serial 2 and its signature beside the journal" || nok "archive: $(ls "$T/st/journal/schedules" 2>&1)"
ps -o comm= --ppid "$DPID" | grep -q loaxad-helper && ok "the work is done by a helper process (loaxad-helper)" ||
	nok "no helper process: $(ps -o pid,comm --ppid "$DPID")"
stop_daemon
it_done
