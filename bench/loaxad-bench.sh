#!/bin/bash
# Playback as a station runs it (issue 18): a real loaxad plays one
# broadcast of a 60 s 128 kbps stereo MP3 to ALSA `null`, asked for with
# `loaxactl play`. Printed beside their goals:
#  - instructions of that broadcast (callgrind: a daemon run with the play
#    minus the same run without it) over `mpg123 -q -s` of the same file;
#  - the daemon's peak RSS (VmHWM) once the broadcast is over, and where
#    its resident pages are while it plays (bench/smaps.awk); the same for
#    a Vietnamese station (LANG=vi_VN.UTF-8: its catalogue loaded);
#  - and the peers a commune could run instead, where installed: cron +
#    mpg123 (mpg123's peak RSS per broadcast, cron's resident size), MPD
#    with a null output. A peer that is not installed is said so.
# Idle wake-ups: bench/daemon-bench.sh.
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
T=$(mktemp -d /tmp/loaxa-bench-loaxad.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
for t in valgrind mpg123 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "loaxad-bench: $t is not installed"; exit 1; }
done
tests/data/make-audio.sh --bench "$T/aud" >/dev/null || exit 1
FILE=$T/aud/bench-60s.mp3
make_station "$T/st" null
"$BUILD/loaxactl" -c "$T/st/loaxa.conf" bulletin add "$FILE" --id tin --title "Bản tin" >/dev/null ||
	{ echo "loaxad-bench: bulletin add failed"; exit 1; }
cat >"$T/st/schedule.conf" <<'EOF2'
serial = 1;
slots = ( { id = "later"; dates = ["2099-01-15"]; times = ["06:30"]; bulletins = ["tin"]; } );
EOF2
export LOAXA_TEST_CLOCK_OFFSET_FILE=

# wait_for FILE REGEX SECONDS
wait_for() {
	local i
	for i in $(seq $(($3 * 20))); do
		grep -rqE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "loaxad-bench: timed out waiting for /$2/ in $1" >&2
	return 1
}

stop() {
	kill -TERM "$1" && wait "$1"
}

collected() {
	sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$1" | tail -1
}


# A copy's files are new (ctime), and loaxad trusts the helper's hash of a
# file only once it is a second old (docs/DESIGN.md); a station's bulletins
# are older than that, so wait, or the broadcast would hash the file again.
# For the same reason the broadcast is asked for once the helper's hashes
# are in (its debug line: the daemons run with -v).
settle() {
	sleep 1.1
}

callgrind_run() {
	local name=$1 play=$2
	rm -rf "$T/$name" && cp -a "$T/st" "$T/$name"
	settle
	valgrind --tool=callgrind --callgrind-out-file="$T/$name.cg" --log-file="$T/$name.vg" \
		"$BUILD/loaxad" -c "$T/$name/loaxa.conf" -f -v >"$T/$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait_for "$T/$name.log" "station it-station ready" 120 || return 1
	wait_for "$T/$name.log" "library files hashed off the loop" 120 || return 1
	if [ "$play" = 1 ]; then
		"$BUILD/loaxactl" -c "$T/$name/loaxa.conf" play tin >/dev/null || return 1
		wait_for "$T/$name/journal" " end occ=.*outcome=aired" 300 || return 1
	fi
	kill -TERM "$pid" && wait "$pid"
	collected "$T/$name.vg"
}

with=$(callgrind_run cg-play 1) && without=$(callgrind_run cg-idle 0) ||
	{ echo "loaxad-bench: callgrind runs failed"; tail -5 "$T"/cg-*.log; exit 1; }
valgrind --tool=callgrind --callgrind-out-file="$T/mpg123.cg" --log-file="$T/mpg123.vg" \
	mpg123 -q -s "$FILE" >/dev/null
ref=$(collected "$T/mpg123.vg")
player=
if [ -x "$BUILD/bench/bench_player" ]; then
	valgrind --tool=callgrind --callgrind-out-file="$T/player.cg" --log-file="$T/player.vg" \
		"$BUILD/bench/bench_player" "$FILE" null >/dev/null
	player=$(collected "$T/player.vg")
fi

# peak RSS, natively
rm -rf "$T/rss" && cp -a "$T/st" "$T/rss"
settle
"$BUILD/loaxad" -c "$T/rss/loaxa.conf" -f -v >"$T/rss.log" 2>&1 &
dpid=$!
PIDS+=("$dpid")
wait_for "$T/rss.log" "station it-station ready" 30 || exit 1
wait_for "$T/rss.log" "library files hashed off the loop" 30 || exit 1
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
idle_hwm=$(hwm "$dpid")
"$BUILD/loaxactl" -c "$T/rss/loaxa.conf" play tin >/dev/null
# where the memory is while playing (the broadcast lasts 60 s)
sleep 2
cp "/proc/$dpid/smaps" "$T/play.smaps"
wait_for "$T/rss/journal" " end occ=.*outcome=aired" 120 || exit 1
grep -q "unchanged since it last hashed right" "$T/rss.log" ||
	echo "  (the broadcast hashed its file in the loop: $(grep -o 'hashed in the loop.*' "$T/rss.log" | head -1))"
play_hwm=$(hwm "$dpid")
after_rss=$(rss "$dpid")
stop "$dpid"

# The same for a Vietnamese station (LANG=vi_VN.UTF-8): the catalogue and
# what loading it maps.
rm -rf "$T/rss-vi" && cp -a "$T/st" "$T/rss-vi"
settle
env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=vi_VN.UTF-8 \
	"$BUILD/loaxad" -c "$T/rss-vi/loaxa.conf" -f -v >"$T/rss-vi.log" 2>&1 &
dpid=$!
PIDS+=("$dpid")
wait_for "$T/rss-vi.log" "library files hashed off the loop" 30 || exit 1 # debug lines stay English
"$BUILD/loaxactl" -c "$T/rss-vi/loaxa.conf" play tin >/dev/null
sleep 2
cp "/proc/$dpid/smaps" "$T/play-vi.smaps"
wait_for "$T/rss-vi/journal" " end occ=.*outcome=aired" 120 || exit 1
vi_hwm=$(hwm "$dpid")
vi_said=$(grep -c "bản tin" "$T/rss-vi.log")
stop "$dpid"

awk -v w="$with" -v wo="$without" -v r="$ref" -v p="$player" -v ih="$idle_hwm" -v ph="$play_hwm" \
	-v ar="$after_rss" -v vh="$vi_hwm" -v vs="$vi_said" 'BEGIN {
	d = w - wo; ratio = d / r
	printf "loaxad, one broadcast of bench-60s.mp3 (60 s 128 kbps stereo) to ALSA null via loaxactl play:\n"
	printf "  instructions: run with the play %d - run without %d = %d; mpg123 -q -s %d\n", w, wo, d, r
	printf "  ratio to mpg123: %.3f (goal <= 1.10) %s\n", ratio, ratio <= 1.10 ? "ok" : "MISSED"
	if (p != "")
		printf "  (the player alone, bench_player: %d, ratio %.3f)\n", p, p / r
	printf "  peak RSS (VmHWM) after the broadcast: %d KiB = %.2f MiB (goal <= 4 MiB) %s; before it %.2f MiB, resident after %.2f MiB\n",
		ph, ph / 1024, ph <= 4096 ? "ok" : "MISSED", ih / 1024, ar / 1024
	printf "  peak RSS (VmHWM) with the Vietnamese catalogue (LANG=vi_VN.UTF-8): %d KiB = %.2f MiB (goal <= 4 MiB) %s; %+d KiB over English%s\n",
		vh, vh / 1024, vh <= 4096 ? "ok" : "MISSED", vh - ph, (vs > 0) ? "" : " (BUT IT SPOKE NO VIETNAMESE)"
}'
echo "  while playing (/proc/PID/smaps, 2 s into the broadcast):"
awk -f bench/smaps.awk "$T/play.smaps"
echo "  the same in Vietnamese:"
awk -f bench/smaps.awk "$T/play-vi.smaps"

# ---- peers ----
echo "peers, the same file to ALSA null (peak RSS per broadcast; resident daemons):"
printf '  %-34s %6.2f MiB (always resident: it is the scheduler)\n' "loaxad" "$(awk -v k="$play_hwm" 'BEGIN { print k / 1024 }')"
if /usr/bin/time -f %M -o "$T/mpg.time" mpg123 -q -o alsa -a null "$FILE" >/dev/null 2>&1; then
	mk=$(cat "$T/mpg.time")
	if command -v cron >/dev/null; then
		# cron in the foreground, only long enough to read its size
		cron -f >/dev/null 2>&1 &
		cpid=$!
		PIDS+=("$cpid")
		sleep 1
		ck=$(awk '/^VmRSS/ { print $2 }' "/proc/$cpid/status" 2>/dev/null)
		kill "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
		if [ -n "$ck" ]; then
			printf '  %-34s %6.2f MiB per broadcast + cron %.2f MiB resident = %.2f MiB\n' "cron + mpg123 -o alsa -a null" \
				"$(awk -v k="$mk" 'BEGIN { print k / 1024 }')" "$(awk -v k="$ck" 'BEGIN { print k / 1024 }')" \
				"$(awk -v a="$mk" -v b="$ck" 'BEGIN { print (a + b) / 1024 }')"
		else
			printf '  %-34s %6.2f MiB per broadcast; cron did not start here (%s)\n' "cron + mpg123" \
				"$(awk -v k="$mk" 'BEGIN { print k / 1024 }')" "already running?"
		fi
	else
		printf '  %-34s %6.2f MiB per broadcast; cron not installed (apt-get install cron), not measured\n' \
			"cron + mpg123" "$(awk -v k="$mk" 'BEGIN { print k / 1024 }')"
	fi
else
	echo "  cron + mpg123: mpg123 cannot play to ALSA null here, not measured"
fi

if command -v mpd >/dev/null; then
	port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$T/mpd/music" && cp "$FILE" "$T/mpd/music/"
	cat >"$T/mpd/mpd.conf" <<EOF2
music_directory "$T/mpd/music"
db_file "$T/mpd/db"
state_file "$T/mpd/state"
bind_to_address "127.0.0.1"
port "$port"
audio_output {
	type "null"
	name "null"
	sync "no"
}
EOF2
	mpd --no-daemon --stderr "$T/mpd/mpd.conf" >"$T/mpd.log" 2>&1 &
	mpid=$!
	PIDS+=("$mpid")
	if /usr/bin/python3 - "$port" <<'EOF2'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit(1)
f = s.makefile("rw")
f.readline()
def cmd(c):
    f.write(c + "\n"); f.flush()
    out = []
    while True:
        l = f.readline()
        if not l or l.startswith("OK") or l.startswith("ACK"):
            if l.startswith("ACK"):
                sys.exit("mpd: " + l)
            return out
        out.append(l.strip())
cmd("update")
for _ in range(200):
    if not any(l.startswith("updating_db") for l in cmd("status")):
        break
    time.sleep(0.05)
cmd("add bench-60s.mp3")
cmd("play")
time.sleep(0.2)
for _ in range(1200):
    st = cmd("status")
    if "state: stop" in st:
        break
    time.sleep(0.05)
else:
    sys.exit(1)
EOF2
	then
		mk=$(awk '/^VmHWM/ { print $2 }' "/proc/$mpid/status")
		printf '  %-34s %6.2f MiB (always resident)\n' "MPD (null output)" "$(awk -v k="$mk" 'BEGIN { print k / 1024 }')"
	else
		echo "  MPD: did not play here, not measured ($(tail -1 "$T/mpd.log"))"
	fi
	kill "$mpid" 2>/dev/null
	wait "$mpid" 2>/dev/null
else
	echo "  MPD: not installed (apt-get install mpd), not measured"
fi
echo "  liquidsoap: not measured here"
