#!/bin/bash
# Held records survive a crash (issue 11): the journal on a real full
# filesystem (a small tmpfs, filled); records it cannot take are held in
# the state folder's journal-held too, so that after kill -9 a restart
# does not play what they record as handled, writes each of them exactly
# once when there is room, calls a broadcast whose held end says how it
# ended not interrupted, and one whose held start has no end interrupted.
# Needs root (mount); skipped otherwise.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup heldrec
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
J=$T/st/journal
mkdir -p "$J"
if ! mount -t tmpfs -o size=128k,mode=0750 loaxa-it-held "$J" 2>/dev/null; then
	echo "ok 1 # skip: cannot mount a tmpfs (not root)"
	exit 0
fi
# Unmount before lib.bash removes $T.
fd_cleanup() { [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; DPID=; [ -n "$READER_PID" ] && kill "$READER_PID" 2>/dev/null; READER_PID=; wait 2>/dev/null; umount "$J" 2>/dev/null; it_cleanup; }
trap fd_cleanup EXIT

STATUS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$CONF" <<EOF
amplifier = { enabled = false; status = { enabled = true; address = "127.0.0.1"; port = $STATUS_PORT; }; };
EOF
reg19() { mbpoll -m tcp -p "$STATUS_PORT" -t 4 -r 20 -c 1 -1 -o 2 127.0.0.1 2>&1 | sed -n 's/^\[20\]: *\t*\([0-9]*\).*/\1/p' | tr -d '\t '; }
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "dem"; dates = ["2030-02-01"]; times = ["00:00"]; bulletins = ["tin-a"]; },
          { id = "khuya"; dates = ["2030-03-01"]; times = ["00:00"]; bulletins = ["tin-a"]; },
          { id = "ba"; dates = ["2030-03-31"]; times = ["23:59"]; bulletins = ["tin-a"]; } );
EOF

# kill -9 while records are held: they are kept in the state folder's
# journal-held (not on the full journal's file system), a restart does
# not replay what they record, and they reach the journal exactly once.
HELD=$T/st/journal-held
set_clock "2030-02-28 23:59:57"
start_daemon
dd if=/dev/zero of="$J/filler" bs=4k 2>/dev/null
: >"$T/out.raw"
wait_journal_failing() { for _ in $(seq 100); do ctl status --fields | grep -qx 'journal=failing' && return 0; sleep 0.05; done; return 1; }
wait_journal_failing || nok "the journal did not fail in March"
for _ in $(seq 100); do grep -q ' failed occ=khuya@' "$HELD" 2>/dev/null && break; sleep 0.05; done
out=$(ctl play tin-a --emergency 2>&1) || nok "emergency: $out"
for _ in $(seq 100); do grep -q ' end occ=manual@' "$HELD" 2>/dev/null && break; sleep 0.05; done
grep -q ' failed occ=khuya@2030-03-01T00:00 ' "$HELD" && grep -q ' start occ=manual@.* level=emergency ' "$HELD" &&
	grep -q ' end occ=manual@.* outcome=aired ' "$HELD" && [ ! -s "$J/2030-03.log" ] &&
	ok "held records are kept in $(basename "$HELD") (the failed khuya, the emergency's start and end), not in the full journal" ||
	nok "held file: $(cut -c1-100 "$HELD" 2>&1)"
emerg=$(grep -o ' start occ=manual@[^ ]*' "$HELD" | head -1 | sed 's/.*occ=//')
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
: >"$T/out.raw"
start_daemon
sleep 0.5
[ ! -s "$T/out.raw" ] && ctl status --fields | grep -qx 'state=idle' &&
	ok "kill -9, restart with the journal still full: the held failed khuya is not played again" ||
	nok "after restart: $(wc -c <"$T/out.raw") bytes played"
grep -q ' failed occ=khuya@' "$HELD" && ctl status --fields | grep -qx 'journal=failing' &&
	ok "still failing: the held records are still kept" || nok "held after restart: $(cut -c1-80 "$HELD" 2>&1)"
# Killed again; room again before the restart (within the catch-up window).
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
rm "$J/filler"
: >"$T/out.raw"
start_daemon
sleep 0.5
ctl status --fields | grep -qx 'journal=ok' && [ ! -e "$HELD" ] &&
	ok "restart with room: the held records are written first, the held file removed" || nok "journal/held: $(ls "$HELD" 2>&1)"
[ ! -s "$T/out.raw" ] && ok "the occurrence the held records handled is not played after the restart" ||
	nok "played after the restart: $(wc -c <"$T/out.raw") bytes"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
start_daemon
sleep 0.3
stop_daemon
c() { cat "$J"/*.log | grep -c -- "$1"; }
[ "$(c " failed occ=khuya@2030-03-01T00:00 ")" = 1 ] && [ "$(c " start occ=$emerg ")" = 1 ] &&
	[ "$(c " end occ=$emerg ")" = 1 ] && [ "$(c ' start occ=khuya@')" = 0 ] &&
	ok "each held record is in the journal exactly once (failed khuya, $emerg start and end); khuya never played" ||
	nok "counts: failed $(c ' failed occ=khuya@') start $(c " start occ=$emerg ") end $(c " end occ=$emerg ") khuya start $(c ' start occ=khuya@')"
ev=$(awk '{print $2}' "$J/2030-03.log" | tr '\n' ' ')
case $ev in
"open failed request start end station-start station-start "*) ok "in the order they happened: $ev" ;;
*) nok "March's records: $ev" ;;
esac
"$BUILD/loaxactl" -c "$CONF" log verify >/dev/null 2>&1 && ok "log verify: the chain holds" || nok "log verify"

# A broadcast whose start is on disk and whose end is held (it ends in
# April, whose file cannot be written), then an emergency played while
# the journal is full, killed during it: after the restart the first is
# not called interrupted (its held end says how it ended), the emergency
# is (its held start has no end), each once.
use_paced_device "$T/st" 20000
set_clock "2030-03-31 23:59:56"
start_daemon
wait_journal ' start occ=ba@2030-03-31T23:59 ' 5 || nok "ba did not start"
dd if=/dev/zero of="$J/filler" bs=4k 2>/dev/null
for _ in $(seq 200); do grep -q ' end occ=ba@' "$HELD" 2>/dev/null && break; sleep 0.05; done
grep -q ' end occ=ba@2030-03-31T23:59 ' "$HELD" && ok "ba's end (in April, journal full) is held" || nok "ba's end not held: $(cut -c1-80 "$HELD" 2>&1)"
ctl play tin-a --emergency >/dev/null 2>&1 || nok "emergency refused"
for _ in $(seq 100); do grep -q ' start occ=manual@.* level=emergency ' "$HELD" 2>/dev/null && break; sleep 0.05; done
em2=$(grep -o ' start occ=manual@[^ ]* ' "$HELD" | tail -1 | sed 's/.*occ=//; s/ $//')
sleep 0.5
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
start_daemon
rm "$J/filler"
for _ in $(seq 160); do ctl status --fields | grep -qx 'journal=ok' && break; sleep 0.05; done
stop_daemon
use_file_device "$T/st"
[ "$(c " end occ=ba@2030-03-31T23:59 ")" = 1 ] && [ "$(c " interrupted occ=ba@")" = 0 ] &&
	ok "ba: one end, from the held file, and not called interrupted" ||
	nok "ba: $(c " end occ=ba@") end, $(c " interrupted occ=ba@") interrupted"
[ -n "$em2" ] && [ "$(c " start occ=$em2 ")" = 1 ] && [ "$(c " interrupted occ=$em2 ")" = 1 ] && [ "$(c " end occ=$em2 ")" = 0 ] &&
	ok "the emergency cut by the kill: its held start, then interrupted, once each" ||
	nok "emergency ${em2:-?}: $(c " start occ=$em2 ") start, $(c " interrupted occ=$em2 ") interrupted, $(c " end occ=$em2 ") end"
"$BUILD/loaxactl" -c "$CONF" log verify >/dev/null 2>&1 && ok "log verify: the chain holds" || nok "log verify"
it_done
