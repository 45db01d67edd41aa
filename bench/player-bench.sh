#!/bin/sh
# Playback cost against the decoder alone: callgrind instructions of
# bench_player (player_* in a poll loop into an ALSA PCM, default null) over
# `mpg123 -q -s FILE > /dev/null`, and bench_player's peak RSS.
# Prints both figures with their targets; exits 1 when one is missed.
# Usage: bench/player-bench.sh [FILE.mp3 [DEVICE]]   (no FILE: a made-up
# 60 s 128 kbps stereo MP3).  Binary: $LOAXA_BUILD/bench/bench_player.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LOAXA_BUILD:-$root/build}/bench/bench_player
max_ratio=1.10
max_rss_kib=4096

[ -x "$bin" ] || { echo "player-bench: $bin not built (make bench)" >&2; exit 1; }
for t in valgrind mpg123 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "player-bench: $t is not installed" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ $# -ge 1 ]; then
	file=$1
else
	"$root/tests/data/make-audio.sh" --bench "$tmp/audio"
	file=$tmp/audio/bench-60s.mp3
fi
dev=${2:-null}
[ -r "$file" ] || { echo "player-bench: cannot read $file" >&2; exit 1; }

# instructions callgrind counted for a command (its stdout discarded)
instr() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" \
		>/dev/null 2>"$tmp/cg.err" || { cat "$tmp/cg.err" >&2; exit 1; }
	sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$tmp/cg.err" | tail -1
}

ours=$(instr "$bin" "$file" "$dev")
ref=$(instr mpg123 -q -s "$file")
/usr/bin/time -v "$bin" "$file" "$dev" 2>"$tmp/time.err" >/dev/null ||
	{ cat "$tmp/time.err" >&2; exit 1; }
rss=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$tmp/time.err")

awk -v o="$ours" -v r="$ref" -v mr="$max_ratio" -v rss="$rss" -v mrss="$max_rss_kib" \
	-v f="$(basename "$file")" -v d="$dev" 'BEGIN {
	ratio = o / r
	okr = ratio <= mr; okm = rss <= mrss
	printf "player instructions (%s -> %s): bench_player %d, mpg123 -s %d, ratio %.3f (target <= %.2f) %s\n",
		f, d, o, r, ratio, mr, okr ? "ok" : "MISSED"
	printf "player peak RSS: %d KiB = %.2f MiB (target <= %.0f MiB) %s\n",
		rss, rss / 1024, mrss / 1024, okm ? "ok" : "MISSED"
	exit !(okr && okm)
}'
