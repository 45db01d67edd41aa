#!/bin/sh
# Make the audio fixtures the player tests use, into folder $1 (created).
# Deterministic (same tools, same bytes) and fast; --bench adds a 60 s
# 128 kbps stereo MP3 (bench-60s.mp3) for the player benchmark.
# Needs espeak-ng, lame, sox; twolame for the MP2 fixture (skipped without).
# Writes manifest.txt: "NAME RATE CHANNELS FRAMES" per playable fixture,
# FRAMES being the PCM length fed to the encoder.
# Usage: tests/data/make-audio.sh [--bench] DIR
set -eu
bench=0
if [ "${1:-}" = "--bench" ]; then bench=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--bench] DIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
export LC_ALL=C

for t in espeak-ng lame sox; do
	command -v "$t" >/dev/null || { echo "$0: $t is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loaxa-audio.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Two short Vietnamese phrases; 22050 Hz mono from espeak-ng.
espeak-ng -v vi -s 170 -w "$tmp/a.wav" "Loa truyền thanh xã xin thông báo."
espeak-ng -v vi -s 170 -w "$tmp/b.wav" "Bà con nhớ diệt lăng quăng, phòng bệnh sốt xuất huyết."

: >"$out/manifest.txt"
# sox without dither (deterministic) and 1 dB of headroom (no clipping)
conv() { src=$1 dst=$2 rate=$3 ch=$4
	if [ "$ch" = 2 ]; then set -- remix 1 1v0.5; else set --; fi
	sox -V1 -D "$src" -r "$rate" -e signed -b 16 -c "$ch" "$dst" gain -1 "$@"
}

# enc NAME RATE CHANNELS KBPS SOURCE.wav
enc() {
	name=$1 rate=$2 ch=$3 kbps=$4 src=$5
	# stereo: left full, right at half level, so a swap or a mix shows
	conv "$src" "$tmp/$name.wav" "$rate" "$ch"
	mode=m
	[ "$ch" = 2 ] && mode=s
	lame --quiet -m "$mode" -b "$kbps" "$tmp/$name.wav" "$out/$name.mp3"
	echo "$name.mp3 $rate $ch $(soxi -s "$tmp/$name.wav")" >>"$out/manifest.txt"
}

enc v08k-mono 8000 1 16 "$tmp/a.wav"
enc v22k-mono 22050 1 48 "$tmp/b.wav"
enc v44k-stereo 44100 2 128 "$tmp/a.wav"
enc v48k-stereo 48000 2 128 "$tmp/b.wav"

# MP2 (layer II), 32 kHz stereo.
if command -v twolame >/dev/null; then
	conv "$tmp/a.wav" "$tmp/mp2.wav" 32000 2
	twolame --quiet -m s -b 128 "$tmp/mp2.wav" "$out/v32k-stereo.mp2"
	echo "v32k-stereo.mp2 32000 2 $(soxi -s "$tmp/mp2.wav")" >>"$out/manifest.txt"
fi

# One second of digital silence, 22050 Hz mono.
sox -V1 -D -n -r 22050 -e signed -b 16 -c 1 "$tmp/silent.wav" trim 0 1
lame --quiet -m m -b 32 "$tmp/silent.wav" "$out/silent.mp3"
echo "silent.mp3 22050 1 22050" >>"$out/manifest.txt"

# Broken inputs.
size=$(wc -c <"$out/v22k-mono.mp3")
head -c $((size * 40 / 100)) "$out/v22k-mono.mp3" >"$out/truncated.mp3"
awk 'BEGIN { srand(42); for (i = 0; i < 16384; i++) printf "%c", int(rand() * 256) }' \
	>"$out/random.mp3"
: >"$out/empty.mp3"
cp "$tmp/a.wav" "$out/wav-renamed.mp3"

if [ $bench = 1 ]; then
	sox -V1 -D -n -r 44100 -e signed -b 16 -c 2 "$tmp/bench.wav" \
		synth 60 sine 220-880 sine 330 gain -6
	lame --quiet -m j -b 128 "$tmp/bench.wav" "$out/bench-60s.mp3"
fi
