#!/bin/bash
# The fleet downlink at district scale (issue 14, docs/FLEET.md): one
# signed bundle with a ~10 MB audio file, published once, retained, to one
# local mosquitto; the audio served by one local HTTP server
# (tests/it/range_server.py, threads + sendfile).
#  - 1 real station: a real loaxad that gets the message over MQTT, runs
#    loaxa-fetch, and installs the bundle through its spool;
#  - LOAXA_BENCH_FETCH_STATIONS - 1 (default 199) simulated stations: the
#    real loaxa-fetch program, each with its own station file and folders,
#    started at the publish with the message on stdin (what its loaxad
#    would do), each verifying the signature, downloading and hashing the
#    file and dropping the bundle into its own spool. Their spool install
#    (copy into the library, decode) is not run: on real boards it runs on
#    each board's own CPU, here it would be 200 decodes of 10 minutes of
#    MP3 on 2 cores.
# Prints the time from publish to every station done (goal <= 30 s), the
# real station's publish -> installed, and memory: loaxad idle, playing
# and while it fetches; the station while it downloads, which is loaxad's
# RSS plus the pages of its loaxa-fetch that loaxad does not share
# (bench/unshared.py: by physical page as root, else the fetcher's USS),
# sampled while the real station downloads, against the goal (loaxad's
# playing peak + 1 MiB); loaxa-fetch's own peak, and curl(1)'s peak RSS
# for the same download as the peer a user would run instead.
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
. tests/it/fleet_lib.bash
N=${LOAXA_BENCH_FETCH_STATIONS:-200}
T=$(mktemp -d /tmp/loaxa-fetch-bench.XXXXXX)
trap 'fleet_cleanup' EXIT
AUD=$T/audio
tests/data/make-audio.sh --bench "$AUD" >/dev/null || { echo "fetch-bench: make-audio.sh failed"; exit 1; }
unset LOAXA_TEST_CLOCK_OFFSET_FILE
ulimit -n $((4 * N + 1024)) 2>/dev/null || true

# ~10 MB of MP3: 11 copies of the 60 s benchmark file, frame after frame.
mkdir -p "$T/web/audio"
for i in $(seq 11); do cat "$AUD/bench-60s.mp3"; done >"$T/web/audio/big-01.mp3"
SIZE=$(stat -c %s "$T/web/audio/big-01.mp3")
SUM=$(sha256sum "$T/web/audio/big-01.mp3" | cut -d' ' -f1)

minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || { echo "fetch-bench: minisign -G"; exit 1; }
KEY=$(sed -n 2p "$T/dept.pub")
cat >"$T/b.conf" <<EOF
serial = 2030011501;
district = "999";
campaigns = ( { id = "big"; title = "Bản tin dài"; bulletins = ["big-01"]; target = 4; } );
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00"]; campaign = "big"; } );
files = ( { bulletin = "big-01"; file = "big-01.mp3"; sha256 = "$SUM"; size = $SIZE; } );
EOF
minisign -S -s "$T/dept.key" -m "$T/b.conf" -t "fetch bench" >/dev/null
/usr/bin/python3 - "$T/b.conf" >"$T/b.msg" <<'PY'
import sys
conf = open(sys.argv[1], "rb").read()
sig = open(sys.argv[1] + ".minisig", "rb").read()
sys.stdout.buffer.write(b"loaxa-bundle 1 name=b.conf serial=2030011501 conf=%d sig=%d\n" % (len(conf), len(sig)) + conf + sig)
PY

PORT=$(free_port)
HPORT=$(free_port)
printf 'user %s\nallow_anonymous true\npersistence false\nmax_connections -1\nlistener %s 127.0.0.1\n' \
	"$(id -un)" "$PORT" >"$T/broker.conf"
start_broker broker "$T/broker.conf" "$PORT"
/usr/bin/python3 tests/it/range_server.py "$T/web" "$HPORT" "$T/web.log" &
FLEET_PIDS+=($!)
for i in $(seq 100); do grep -q listening "$T/web.log" 2>/dev/null && break; sleep 0.05; done

# The real station (no schedule of its own to play: the bench measures the fetch).
make_fleet_station real real 999 "mqtt://127.0.0.1:$PORT" "audio_url = \"http://127.0.0.1:$HPORT/audio\";"
sed -i 's/audio = { device = "null"; };/audio = { device = "null"; max_bulletin_minutes = 20; };/' "$T/real/loaxa.conf"
echo "trust = { keys = [\"$KEY\"]; bundle_wait_s = 60; };" >>"$T/real/loaxa.conf"
station_clock real "2030-01-15 06:00:00"
"$BUILD/loaxactl" -c "$T/real/loaxa.conf" bulletin add "$AUD/bench-60s.mp3" --id long --title "Bản tin 60 s" >/dev/null ||
	{ echo "fetch-bench: bulletin add"; exit 1; }
start_station real
DPID=$ST_PID_real
sleep 2
rss() { awk "/^$2/ { print \$2 }" "/proc/$1/status" 2>/dev/null; }
idle_rss=$(rss "$DPID" VmRSS)
idle_hwm=$(rss "$DPID" VmHWM)
# Its playing peak (the goal's base): 3 s of the 60 s benchmark file.
"$BUILD/loaxactl" -c "$T/real/loaxa.conf" play long >/dev/null || { echo "fetch-bench: play"; exit 1; }
sleep 3
play_hwm=$(rss "$DPID" VmHWM)
"$BUILD/loaxactl" -c "$T/real/loaxa.conf" stop >/dev/null
sleep 1

# The simulated stations: station files only (loaxa-fetch reads them).
for i in $(seq 2 "$N"); do
	d=$T/sim/$i
	mkdir -p "$d/library" "$d/spool"
	sed -e "s/id = \"real\"/id = \"sim-$i\"/" "$T/real/loaxa.conf" >"$d/loaxa.conf"
	cp "$T/real/schedule.conf" "$d/"
done

# The same download alone afterwards: a fresh station like the simulated.
d=$T/alone
mkdir -p "$d/library" "$d/spool"
sed -e 's/id = "real"/id = "alone"/' "$T/real/loaxa.conf" >"$d/loaxa.conf"
cp "$T/real/schedule.conf" "$d/"
# The station's memory while its loaxa-fetch runs, sampled from its start to its end.
/usr/bin/python3 bench/unshared.py --watch "$DPID" loaxa-fetch 600 >"$T/station.watch" &
WATCH=$!
FLEET_PIDS+=("$WATCH")
t0=$(date +%s.%N)
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -r -t loaxa/v1/999/schedule -s <"$T/b.msg"
for i in $(seq 2 "$N"); do
	/usr/bin/time -f %M -o "$T/sim/$i.time" "$BUILD/loaxa-fetch" -c "$T/sim/$i/loaxa.conf" --running 7 \
		<"$T/b.msg" >"$T/sim/$i.out" 2>"$T/sim/$i.err" &
done
# Sample the real station (loaxad, and its loaxa-fetch child) while it works.
peak_d=0 real_done=
while :; do
	h=$(rss "$DPID" VmHWM)
	[ -n "$h" ] && [ "$h" -gt "$peak_d" ] && peak_d=$h
	if [ -z "$real_done" ] && grep -q "serial 2030011501 verified" "$T/real.log"; then
		real_done=$(date +%s.%N)
	fi
	[ -n "$real_done" ] && ! jobs -r | grep -q loaxa-fetch && break
	awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { exit !(a - b > 600) }' && break
	sleep 0.05
done
t1=$(date +%s.%N)
dropped=$(grep -l '^dropped serial=2030011501' "$T"/sim/*.out | wc -l)
peak_f=$(sed -n 's/.*loaxa-fetch exited with status 0 (peak RSS \([0-9]*\) KiB).*/\1/p' "$T/real.log" | tail -1)
fmax=$(cat "$T"/sim/*.time | grep -E '^[0-9]+$' | sort -n | tail -1)
cmp -s "$T/real/library/big-01.mp3" "$T/web/audio/big-01.mp3" && real_ok=yes || real_ok=NO
printf 'stations                          %d (1 real loaxad + %d simulated: real loaxa-fetch processes)\n' "$N" $((N - 1))
printf 'bundle                            1 file, %.1f MB, one HTTP server on loopback\n' "$(awk -v s="$SIZE" 'BEGIN { print s / 1e6 }')"
printf 'publish -> every station done     %.1f s   (goal <= 30 s; %d of %d simulated dropped into their spool)\n' \
	"$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')" "$dropped" $((N - 1))
if [ -n "$real_done" ]; then
	printf 'publish -> real station installed %.1f s   (library copy identical: %s)\n' "$(awk -v a="$real_done" -v b="$t0" 'BEGIN { print a - b }')" "$real_ok"
else
	echo "publish -> real station installed: not installed"
fi
printf 'loaxad RSS                        idle %d KiB (peak %d before); playing peak %d KiB; peak while fetching+installing %d KiB; its own growth <= playing + 1024 KiB: %s\n' \
	"$idle_rss" "$idle_hwm" "$play_hwm" "$peak_d" "$([ "$peak_d" -le $((play_hwm + 1024)) ] && echo met || echo NOT met)"
wait "$WATCH"
read -r _ st_peak _ st_d _ st_f st_how _ samples <"$T/station.watch" || samples=0
goal=$((play_hwm + 1024))
if [ "${samples:-0}" -gt 0 ]; then
	[ "$st_how" = pagemap ] && how="its pages not shared with loaxad, by physical page" ||
		how="its USS (not root: no physical pages), Private_Clean + Private_Dirty"
	printf 'station while downloading         %d KiB = loaxad %d + loaxa-fetch %d (%s; largest of %d samples)\n' \
		"$st_peak" "$st_d" "$st_f" "$how" "$samples"
	printf 'station goal                      <= loaxad playing peak + 1024 = %d KiB: %s\n' "$goal" \
		"$([ "$st_peak" -le "$goal" ] && echo "met" || echo "NOT met ($((st_peak - goal)) KiB over, on the station figure above)")"
else
	echo "station while downloading: not sampled (the real station's loaxa-fetch was not seen running)"
fi
printf 'loaxa-fetch peak RSS              %d KiB (the real station'"'"'s, from wait4), %d KiB (largest of the simulated, time -f %%M)\n' \
	"${peak_f:-0}" "${fmax:-0}"
rm -rf "$T/sim"

# The same download alone: loaxa-fetch and curl(1).
/usr/bin/time -f %M -o "$T/alone.time" "$BUILD/loaxa-fetch" -c "$d/loaxa.conf" --running 7 <"$T/b.msg" >"$T/alone.out" 2>&1
/usr/bin/time -f %M -o "$T/curl.time" curl -s -o /dev/null "http://127.0.0.1:$HPORT/audio/big-01.mp3"
grep -q '^dropped serial=2030011501' "$T/alone.out" && alone=$(tail -1 "$T/alone.time") || alone="(failed)"
printf 'alone, same file: peak RSS        loaxa-fetch %s KiB; curl -o /dev/null (the peer) %s KiB\n' \
	"$alone" "$(tail -1 "$T/curl.time")"
