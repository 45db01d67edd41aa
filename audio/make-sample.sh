#!/bin/sh
# Regenerate the bundled sample bulletin, ban-tin-mau.mp3, from its text
# with espeak-ng's Vietnamese voice (170 words a minute) and lame
# (22050 Hz mono, 48 kbps CBR). The same tool versions give the same bytes.
set -eu
cd "$(dirname "$0")"
espeak-ng -v vi -s 170 -f ban-tin-mau.txt --stdout |
	lame --quiet -m m -b 48 - ban-tin-mau.mp3
