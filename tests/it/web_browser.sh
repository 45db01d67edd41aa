#!/bin/bash
# loaxa-web in real headless Chromium through Selenium (Debian's chromium,
# chromium-driver, python3-selenium), against a real loaxad on ALSA's file
# plugin, on the real clock. LOAXA_WEB_SHOTS=DIR keeps a screenshot of each
# page there (make web-screenshots). TAP output.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/web_setup.bash

for x in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$x" ] || { echo "not ok 1 - $x is missing (sh tests/deps.sh)"; exit 1; }
done
web_setup web-browser 5
# A slot every day and a blackout over the coming week, on the real clock.
from=$(TZ=Asia/Ho_Chi_Minh date -d 'tomorrow' +%Y-%m-%d)
to=$(TZ=Asia/Ho_Chi_Minh date -d 'tomorrow + 2 days' +%Y-%m-%d)
cat >"$T/st/schedule.conf" <<EOC
serial = 1;
slots = ( { id = "sang"; times = ["05:30"]; bulletins = ["tin-a"]; } );
blackouts = ( { from = "$from 00:00"; to = "$to 00:00"; reason = "Quốc tang"; } );
EOC
# What bulletin add says of a WAV renamed .mp3 (its first line, the file
# name left out): the page must say the same.
refusal=$(ctl bulletin add "$AUD/wav-renamed.mp3" --id x --title x 2>&1 | head -1 |
	sed -e 's/^loaxactl: //' -e "s|$AUD/||")
refusal=${refusal%%:*}
[ -n "$refusal" ] || bail "bulletin add accepted a WAV"
start_daemon
start_web
[ -n "${LOAXA_WEB_SHOTS:-}" ] && mkdir -p "$LOAXA_WEB_SHOTS"
T=$T URL=$URL AUD=$AUD STAFF_PW=$STAFF_PW REFUSAL=$refusal SHOTS=${LOAXA_WEB_SHOTS:-} \
	timeout 150 /usr/bin/python3 tests/it/web_browser.py
rc=$?
[ $rc -eq 0 ] || { tail -20 "$T/web.log" | sed 's/^/# web: /'; tail -8 "$T/daemon.log" | sed 's/^/# daemon: /'; }
exit $rc
