#!/bin/bash
# Recovery is idempotent (issue 11): a power cut at any instant of the
# daemon's start-up recovery (inside or just after every write, ftruncate,
# fsync and fdatasync on the journal: an LD_PRELOAD shim sends SIGKILL
# there), then a normal start, leaves every byte set aside in a .torn file
# accounted for by exactly one `torn` record, every complete line kept,
# one `interrupted` for the broadcast cut, and a chain that verifies. Also
# runs the kills one after another on the same journal.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup recovery
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
J=$T/st/journal
cc -shared -fPIC -O1 -o "$T/shim.so" tests/it/crashshim.c -ldl || bail "cannot build the shim"
ctl bulletin add "$AUD/v44k-stereo.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF
set_clock "2030-01-15 07:00:00"
use_paced_device "$T/st" 20000
start_daemon
ctl play tin-a >/dev/null || bail "play"
wait_journal ' start occ=manual@' 5 || bail "no start"
sleep 0.3
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
# A power cut in the middle of the next line.
printf '2030-01-15T07:00:09+07:00 end occ=manual@2030-01-15T07:00:0' >>"$J/2030-01.log"
cp -a "$J" "$T/pristine"
use_file_device "$T/st"

# run_once [KILL_AT]: start loaxad (with the shim when KILL_AT is given);
# 0 if it was killed, 1 if it came up (then it is stopped).
run_once() {
	if [ -n "${1:-}" ]; then
		LD_PRELOAD=$T/shim.so LOAXA_SHIM_MATCH=$J/ LOAXA_SHIM_KILL_AT=$1 \
			ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
			"$BUILD/loaxad" -c "$CONF" -f >>"$T/daemon.log" 2>&1 &
	else
		"$BUILD/loaxad" -c "$CONF" -f >>"$T/daemon.log" 2>&1 &
	fi
	DPID=$!
	local i
	for i in $(seq 200); do
		if ! kill -0 "$DPID" 2>/dev/null; then
			{ wait "$DPID"; } 2>/dev/null; DPID=; return 0
		fi
		"$BUILD/loaxactl" -c "$CONF" status >/dev/null 2>&1 && break
		sleep 0.02
	done
	kill -TERM "$DPID"; wait "$DPID" 2>/dev/null; DPID=
	return 1
}

# check: the invariants after a clean start; prints what is wrong.
check() {
	/usr/bin/python3 - "$J" "$T/pristine/2030-01.log" <<'EOF'
import os, re, sys
j, pristine = sys.argv[1], sys.argv[2]
bad = []
logs = sorted(f for f in os.listdir(j) if re.fullmatch(r"\d{4}-\d\d\.log", f))
lines = []
for f in logs:
    lines += open(os.path.join(j, f), "rb").read().split(b"\n")[:-1]
ranges = {}
for l in lines:
    p = l.split(b" ")
    if len(p) > 1 and p[1] == b"torn":
        kv = dict(x.split(b"=", 1) for x in p[2:] if b"=" in x)
        if b"at" not in kv or b"saved" not in kv:
            bad.append("a torn record without saved= and at=")
            continue
        name = os.path.basename(kv[b"saved"].decode())
        ranges.setdefault(name, []).append((int(kv[b"at"]), int(kv[b"bytes"])))
for f in os.listdir(j):
    if f.endswith(".torn"):
        size = os.path.getsize(os.path.join(j, f))
        pos = 0
        for at, n in sorted(ranges.get(f, [])):
            if at != pos:
                bad.append("%s: torn records leave [%d,%d) %s" % (f, pos, at, "unaccounted" if at > pos else "twice"))
            pos = at + n
        if pos != size:
            bad.append("%s: %d bytes, torn records account for %d" % (f, size, pos))
for f in ranges:
    if not os.path.exists(os.path.join(j, f)):
        bad.append("torn records name %s, which is missing" % f)
orig = open(pristine, "rb").read()
orig = orig[: orig.rfind(b"\n") + 1]
now = open(os.path.join(j, "2030-01.log"), "rb").read()
if not now.startswith(orig):
    bad.append("complete lines of before the crash were lost or changed")
n = sum(1 for l in lines if b" interrupted occ=manual@" in l)
if n != 1:
    bad.append("%d interrupted records" % n)
print("; ".join(bad))
EOF
}

verify() { "$BUILD/loaxactl" -c "$CONF" log verify >/dev/null 2>&1; }

k=1 fails=0 points=0
while [ $k -le 200 ]; do
	rm -rf "$J"; cp -a "$T/pristine" "$J"
	run_once $k 2>/dev/null || break
	run_once >/dev/null || true
	why=$(check) || why="the checker failed"
	verify || why="$why; log verify fails"
	if [ -n "$why" ]; then
		fails=$((fails + 1))
		echo "# kill at point $k: $why"
	fi
	k=$((k + 1))
done
points=$((k - 1))
[ $points -ge 8 ] && ok "recovery has $points kill points (inside/after each write, ftruncate, fsync)" ||
	nok "only $points kill points: the shim did not see the journal"
[ $fails = 0 ] && ok "killed at each of the $points points, then started: every torn byte has exactly one torn record, no line lost, one interrupted, chain verifies" ||
	nok "$fails of $points kill points broke an invariant"

# One power cut after another, each at a later instant, then a clean start.
rm -rf "$J"; cp -a "$T/pristine" "$J"
for k in $(seq 1 2 $points); do run_once $k >/dev/null 2>&1 || true; done
run_once >/dev/null || true
why=$(check) || why="the checker failed"
verify || why="$why; log verify fails"
[ -z "$why" ] && ok "$(( (points + 1) / 2 )) power cuts in a row during recovery, then a clean start: all accounted for" || nok "chained: $why"
grep -h ' torn ' "$J"/*.log | sed 's/ prev=.*//; s/^/# /' | head -5
it_done
