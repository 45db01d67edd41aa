#!/bin/bash
# The journal refuses to lie (issue 11): the journal on a real full
# filesystem (a small tmpfs, filled). A normal broadcast whose `start`
# cannot be made durable does not play; an emergency does, and its records
# are written, in order, once there is room again; no occurrence airs twice
# across a restart. Needs root (mount); skipped otherwise.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup fulldisk
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
J=$T/st/journal
mkdir -p "$J"
if ! mount -t tmpfs -o size=128k,mode=0750 loaxa-it-full "$J" 2>/dev/null; then
	echo "ok 1 # skip: cannot mount a tmpfs (not root)"
	exit 0
fi
# Unmount before lib.bash removes $T.
fd_cleanup() { [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; DPID=; wait 2>/dev/null; umount "$J" 2>/dev/null; it_cleanup; }
trap fd_cleanup EXIT

STATUS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$CONF" <<EOF
amplifier = { enabled = false; status = { enabled = true; address = "127.0.0.1"; port = $STATUS_PORT; }; };
EOF
reg19() { mbpoll -m tcp -p "$STATUS_PORT" -t 4 -r 20 -c 1 -1 -o 2 127.0.0.1 2>&1 | sed -n 's/^\[20\]: *\t*\([0-9]*\).*/\1/p' | tr -d '\t '; }
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "dem"; dates = ["2030-02-01"]; times = ["00:00"]; bulletins = ["tin-a"]; } );
EOF
set_clock "2030-01-31 23:59:57"
start_daemon
# Fill the filesystem: January's file keeps its last page, but February's
# first record needs a new one.
dd if=/dev/zero of="$J/filler" bs=4k 2>/dev/null
: >"$T/out.raw"

for _ in $(seq 100); do ctl status --fields | grep -qx 'journal=failing' && break; sleep 0.05; done
r=$(ctl status --fields)
grep -qx 'journal=failing' <<<"$r" && grep -q '^journal.error=cannot record .*No space left on device' <<<"$r" &&
	ok "status: journal=failing, with the reason" || nok "status: $(grep journal <<<"$r")"
grep -qx 'state=idle' <<<"$r" && [ ! -s "$T/out.raw" ] &&
	ok "the due normal broadcast did not play: its start could not be recorded" ||
	nok "normal broadcast played with no durable start ($(wc -c <"$T/out.raw") bytes)"
grep -q 'JOURNAL FAILING' "$T/daemon.log" || grep -q 'journal: cannot record start' "$T/daemon.log" &&
	ok "the daemon says why in its log" || nok "log"
out=$(ctl status)
grep -q '^journal: *FAILING: ' <<<"$out" && ok "loaxactl status shows JOURNAL FAILING" || nok "status text: $out"
if command -v mbpoll >/dev/null; then
	[ "$(reg19)" = 1 ] && ok "Modbus status register 19 (journal failing) reads 1" || nok "register 19: $(reg19)"
fi

out=$(ctl play tin-a 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'cannot record its start' <<<"$out" && [ ! -s "$T/out.raw" ] &&
	ok "an on-demand normal play is refused, with why; nothing played" || nok "normal play: $rc $out"
out=$(ctl play tin-a --emergency 2>&1); rc=$?
[ $rc = 0 ] && ok "an emergency is accepted ($out)" || nok "emergency: $rc $out"
for _ in $(seq 100); do ctl status --fields | grep -qx 'state=idle' && break; sleep 0.05; done
mpg123 -q -s -e s16 "$AUD/v22k-mono.mp3" >"$T/ref.raw"
cmp -s "$T/ref.raw" "$T/out.raw" && ok "the emergency played, all of it, with the journal full" ||
	nok "emergency audio: $(wc -c <"$T/out.raw") bytes vs $(wc -c <"$T/ref.raw")"
grep -c . "$J"/2030-02.log 2>/dev/null | grep -qx 0 || [ ! -s "$J/2030-02.log" ] &&
	ok "nothing of February is on disk yet" || nok "February: $(cat "$J"/2030-02.log)"

# Room again: the held records are written within the retry period, in
# the order they happened.
rm "$J/filler"
for _ in $(seq 160); do ctl status --fields | grep -qx 'journal=ok' && break; sleep 0.05; done
ctl status --fields | grep -qx 'journal=ok' && ok "journal=ok again once there is room" || nok "journal still failing"
if command -v mbpoll >/dev/null; then
	[ "$(reg19)" = 0 ] && ok "Modbus register 19 back to 0" || nok "register 19 after: $(reg19)"
fi
ev=$(awk '{print $2}' "$J/2030-02.log" | tr '\n' ' ')
case $ev in
"open failed request failed request start end "*) ok "held records written in order: $ev" ;;
*) nok "February's records: $ev" ;;
esac
grep -q ' failed occ=dem@2030-02-01T00:00 .*detail="the journal cannot record its start' "$J/2030-02.log" &&
	ok "the normal broadcast is recorded failed, saying why" || nok "failed record: $(grep dem@ "$J/2030-02.log")"
grep -q ' start occ=manual@.* level=emergency ' "$J/2030-02.log" && grep -q ' end occ=manual@.* outcome=aired ' "$J/2030-02.log" &&
	ok "the emergency's start and end are in the journal" || nok "emergency records"
"$BUILD/loaxactl" -c "$CONF" log verify >/dev/null 2>&1 && ok "log verify: the chain holds" || nok "log verify"

# Restart inside the catch-up window: nothing airs again.
stop_daemon
: >"$T/out.raw"
start_daemon
sleep 0.5
r=$(ctl status --fields)
[ ! -s "$T/out.raw" ] && [ "$(cat "$J"/*.log | grep -c ' start occ=dem@')" = 0 ] &&
	ok "restart inside the catch-up window: the failed occurrence is not played again" ||
	nok "replayed after restart: $(grep ' start ' "$J"/*.log)"
dups=$(grep -ho ' start occ=[^ ]*' "$J"/*.log | sort | uniq -d)
[ -z "$dups" ] && ok "no occurrence has two starts" || nok "started twice: $dups"
stop_daemon
it_done
