#!/bin/sh
# The demo run (make demo): loaxad in the foreground with the bundled sample
# station file (config/loaxa.conf) and demo schedule, which plays the sample
# Vietnamese bulletin (audio/ban-tin-mau.mp3) at once and every two minutes.
# Ctrl-C stops it cleanly; then try:
#   build/loaxactl -c config/loaxa.conf log
#   build/loaxactl -c config/loaxa.conf status      (while it runs)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mkdir -p var
if ! aplay -l 2>/dev/null | grep -q '^card '; then
	echo "loaxa demo: this machine has no sound card, so loaxad will write the audio"
	echo "            to var/no-sound-card.wav through ALSA's file plugin instead."
fi
"$BUILD/loaxad" -c config/loaxa.conf --check
echo "loaxa demo: starting loaxad (Ctrl-C to stop). In another terminal:"
echo "            $BUILD/loaxactl -c config/loaxa.conf status"
echo "            $BUILD/loaxactl -c config/loaxa.conf log"
exec "$BUILD/loaxad" -c config/loaxa.conf -f
