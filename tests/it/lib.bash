# Shared helpers for the integration scripts (sourced, not run).
# TAP-style output: "ok N - what" / "not ok N - what"; tests/run.sh counts them.

BUILD=${LOAXA_BUILD:-$PWD/build}
N=0
FAILED=0
DPID=
READER_PID=

ok() { N=$((N + 1)); echo "ok $N - $*"; }
nok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
bail() {
	nok "$*"
	[ -n "${T:-}" ] && ls "$T"/st/journal/*.log >/dev/null 2>&1 && tail -n 30 "$T"/st/journal/*.log | cut -c1-300
	[ -f "${T:-/nonexistent}/daemon.log" ] && tail -n 30 "$T/daemon.log"
	exit 1
}

# LOAXA_COVERAGE=1 (tests/san-coverage.sh): SIGTERM first, so that the
# daemon exits and writes its coverage counts.
end_pids() {
	local p
	if [ "${LOAXA_COVERAGE:-0}" = 1 ]; then
		for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
		for _ in $(seq 40); do
			for p in "$@"; do kill -0 "$p" 2>/dev/null && break; done || break
			sleep 0.05
		done
	fi
	for p in "$@"; do kill -9 "$p" 2>/dev/null; done
	return 0
}

it_cleanup() {
	[ -n "$DPID" ] && end_pids "$DPID"
	[ -n "$READER_PID" ] && kill "$READER_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

# audio_fixtures DIR: the audio fixtures in DIR. tests/run.sh makes them
# once per run (LOAXA_AUDIO_FIXTURES, read-only) and each script copies
# them (some scripts change their copies); alone, a script makes its own.
audio_fixtures() {
	if [ -n "${LOAXA_AUDIO_FIXTURES:-}" ] && [ -s "$LOAXA_AUDIO_FIXTURES/manifest.txt" ]; then
		mkdir -p "$1" && cp -p "$LOAXA_AUDIO_FIXTURES"/* "$1"/ && chmod u+w "$1"/* || bail "copy of the audio fixtures"
	else
		tests/data/make-audio.sh "$1" || bail "make-audio.sh"
	fi
}

# it_setup NAME: temp folder $T, audio fixtures in $AUD, ALSA config with the
# test PCMs (ALSA_CONFIG_PATH replaces alsa.conf, so list both).
it_setup() {
	T=$(mktemp -d "/tmp/loaxa-it-$1.XXXXXX")
	trap it_cleanup EXIT
	AUD=$T/audio
	audio_fixtures "$AUD"
	mkfifo "$T/fifo"
	cat >"$T/asoundrc" <<EOF
pcm.loaxatest { type file; slave.pcm null; file "$T/out.raw"; format raw }
pcm.paced { type file; slave.pcm null; file "$T/fifo"; format raw }
EOF
	export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$T/asoundrc
	export LOAXA_TEST_CLOCK_OFFSET_FILE=$T/clock-offset
	echo 0 >"$LOAXA_TEST_CLOCK_OFFSET_FILE"
	export LOAXA_CONF=
}

# make_station DIR DEVICE: a station file whose paths all live in DIR.
make_station() {
	mkdir -p "$1/library"
	cat >"$1/loaxa.conf" <<EOF
station = { id = "it-station"; commune_code = "99001"; district_code = "999"; name = "Xã Kiểm Thử"; };
paths = { library = "library"; journal = "journal"; schedule = "schedule.conf"; spool = "spool";
          control = "loaxad.sock"; state = "."; };
audio = { device = "$2"; gain = 0.0; };
broadcast = { catchup_minutes = 2; };
clock = { require_sync = false; };
EOF
}

# use_paced_device DIR [BYTES_PER_SECOND]: audio goes to a FIFO that a
# reader drains at that rate (default 20 kB/s), so broadcasts last seconds,
# not milliseconds. The file plugin writes synchronously, so the daemon
# waits on the FIFO like it would wait on a sound card's buffer.
use_paced_device() {
	sed -i 's/device = "[^"]*"/device = "paced"/' "$1/loaxa.conf"
	python3 -c '
import sys, time
while True:
    with open(sys.argv[1], "rb") as f:
        while True:
            b = f.read(2048)
            if not b:
                break
            time.sleep(len(b) / float(sys.argv[2]))
' "$T/fifo" "${2:-20000}" &
	READER_PID=$!
}

use_file_device() {
	[ -n "$READER_PID" ] && kill "$READER_PID" 2>/dev/null
	READER_PID=
	sed -i 's/device = "[^"]*"/device = "loaxatest"/' "$1/loaxa.conf"
}

ctl() { "$BUILD/loaxactl" -c "$CONF" "$@"; }

# set_clock "YYYY-MM-DD HH:MM:SS": the daemon's wall clock reads that
# (Asia/Ho_Chi_Minh) from now on; a running daemon is told (SIGUSR2).
set_clock() {
	local target
	target=$(TZ=Asia/Ho_Chi_Minh date -d "$1" +%s)
	echo $((target - $(date +%s))) >"$LOAXA_TEST_CLOCK_OFFSET_FILE"
	[ -n "$DPID" ] && kill -USR2 "$DPID" 2>/dev/null
	return 0
}

# advance_clock "YYYY-MM-DD HH:MM:SS": set_clock, only if that is ahead of
# the daemon's clock now (skips idle waiting, never steps back).
advance_clock() {
	local target
	target=$(TZ=Asia/Ho_Chi_Minh date -d "$1" +%s)
	[ "$target" -gt $(($(date +%s) + $(cat "$LOAXA_TEST_CLOCK_OFFSET_FILE"))) ] || return 0
	set_clock "$1"
}

start_daemon() {
	"$BUILD/loaxad" -c "$CONF" -f -v >>"$T/daemon.log" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 100); do
		[ -S "$(dirname "$CONF")/loaxad.sock" ] && "$BUILD/loaxactl" -c "$CONF" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	bail "loaxad did not start"
}

stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID"
	DRC=$?
	DPID=
}

alive() { [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; }

# wait_journal REGEX SECONDS: until a journal line matches.
wait_journal() {
	local i
	for i in $(seq $(($2 * 20))); do
		grep -qE "$1" "$T"/st/journal/*.log 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# timed out waiting for: $1"
	return 1
}

it_done() {
	echo "# $N tests, $FAILED failed"
	[ "$FAILED" = 0 ]
}
