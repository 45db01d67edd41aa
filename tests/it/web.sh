#!/bin/bash
# loaxa-web against a real loaxad (ALSA file plugin) with a plain HTTP
# client: sessions, CSRF, roles, path traversal, escaping, upload limits
# while a broadcast is due, the report's bytes, login backoff. TAP output.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/web_setup.bash

web_setup web 1
cat >"$T/st/schedule.conf" <<'EOC'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOC
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
set_clock "2030-01-15 06:00:00"
start_daemon
start_web
CONF=$CONF URL=$URL T=$T AUD=$AUD BUILD=$BUILD STAFF_PW=$STAFF_PW VIEW_PW=$VIEW_PW DPID=$DPID UPLOAD_MB=1 \
	timeout 120 /usr/bin/python3 tests/it/web_security.py
rc=$?
[ $rc -eq 0 ] || { tail -20 "$T/web.log" | sed 's/^/# web: /'; tail -5 "$T/daemon.log" | sed 's/^/# daemon: /'; }
# Numbered after the Python's 35.
N=35
kill -TERM "$WPID"
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$T/web.log" &&
	ok "loaxa-web stops cleanly on SIGTERM (no sanitizer report)" ||
	{ nok "loaxa-web exit $wrc"; grep -A15 -E 'Sanitizer|runtime error' "$T/web.log" | head -30; }
[ $rc -eq 0 ] && [ $FAILED -eq 0 ]
