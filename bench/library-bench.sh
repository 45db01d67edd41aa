#!/bin/bash
# Validating bulletins as staff load them (loaxactl bulletin add: decode the
# whole file, hash, copy atomically): time and peak memory for a 1-minute
# and a 30-minute 128 kbps stereo MP3. Memory must not grow with length.
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
T=$(mktemp -d /tmp/loaxa-bench-lib.XXXXXX)
trap 'rm -rf "$T"' EXIT
tests/data/make-audio.sh --bench "$T/aud" || exit 1
make_station "$T/st" null
CONF=$T/st/loaxa.conf
sed -i 's/audio = {/audio = { max_bulletin_minutes = 60;/' "$CONF"
for i in $(seq 30); do echo "$T/aud/bench-60s.mp3"; done | xargs cat >"$T/bench-30min.mp3"
for f in bench-60s:"$T/aud/bench-60s.mp3" bench-30min:"$T/bench-30min.mp3"; do
	name=${f%%:*} path=${f#*:}
	/usr/bin/time -f "%e %M" -o "$T/time" "$BUILD/loaxactl" -c "$CONF" bulletin add "$path" \
		--id "$name" --title "$name" >/dev/null || { echo "$name: add failed"; continue; }
	read -r secs kib <"$T/time"
	mb=$(( $(stat -c %s "$path") / 1048576 ))
	echo "bulletin add $name ($mb MiB): $secs s, peak RSS $kib KiB"
done
