#!/bin/bash
# Proof of air (issue 19), what the monitor input costs:
#  - CPU per broadcast: callgrind instructions of bench_monitor playing a
#    60 s 128 kbps stereo MP3 (44.1 kHz) to ALSA's null device, with and
#    without the monitor capturing (48 kHz stereo, null capture device) and
#    metering both streams; the difference as a share of playback
#    (target <= 10 %);
#  - wake-ups of an idle loaxad with a monitor configured, after one
#    broadcast opened and closed it, over LOAXA_BENCH_IDLE_SECONDS
#    (default 30), from /proc/PID/status context switches (target 0).
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
bin=$BUILD/bench/bench_monitor
[ -x "$bin" ] || { echo "monitor-bench: $bin not built (make bench)" >&2; exit 1; }
it_setup monitor-bench
tests/data/make-audio.sh --bench "$T/bench" >/dev/null || bail "make-audio.sh --bench"
file=$T/bench/bench-60s.mp3

instr() {
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" >"$T/cg.stdout" 2>"$T/cg.err" ||
		{ cat "$T/cg.err" >&2; exit 1; }
	sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$T/cg.err" | tail -1
}
play=$(instr "$bin" "$file" null)
both=$(instr "$bin" "$file" null null)
awk -v p="$play" -v b="$both" -v f="$(basename "$file")" 'BEGIN {
	share = (b - p) / p * 100
	printf "monitor CPU per broadcast (%s, 60 s): playback %d instructions, with the monitor %d: +%d = %.1f %% of playback (target <= 10 %%) %s\n",
		f, p, b, b - p, share, share <= 10 ? "ok" : "MISSED"
}'

# An idle station with a monitor: the capture is closed between broadcasts.
make_station "$T/st" null
CONF=$T/st/loaxa.conf
echo "pcm.mon { type file; slave.pcm null; file \"/dev/null\"; format raw }" >>"$T/asoundrc"
echo 'monitor = { device = "mon"; };' >>"$CONF"
"$BUILD/loaxactl" -c "$CONF" bulletin add "$T/audio/v08k-mono.mp3" --id tin --title "Bản tin" >/dev/null ||
	bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "s"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin"]; } );
EOF
set_clock "2030-01-15 06:29:59"
start_daemon
wait_journal 'end occ=s@2030-01-15T06:30 .*heard=' 10 || bail "the broadcast was not measured"
idle=${LOAXA_BENCH_IDLE_SECONDS:-30}
sleep 1
ctx() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$DPID/status"; }
c0=$(ctx)
sleep "$idle"
c1=$(ctx)
stop_daemon
echo "idle wake-ups over ${idle} s with a monitor configured (after a broadcast): $((c1 - c0)) (target 0)"
