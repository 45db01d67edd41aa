#!/bin/bash
# The fallback WAV file (issue 11): with no sound card the audio goes to
# the file at the pace of a loudspeaker (so stop and emergencies behave as
# they would), and a broadcast that reached no loudspeaker is never aired:
# the journal says where the audio went (output=fallback, outcome unheard).
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup fallback
make_station "$T/st" loaxa-no-such-device
CONF=$T/st/loaxa.conf
sed -i "s|audio = { device = \"loaxa-no-such-device\";|audio = { device = \"loaxa-no-such-device\"; fallback_wav = \"$T/fb.wav\";|" "$CONF"
grep -q fallback_wav "$CONF" || bail "config"
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
for i in 1 2 3; do cat "$AUD/v22k-mono.mp3"; done >"$T/long.mp3"
ctl bulletin add "$T/long.mp3" --id tin-long --title "L" >/dev/null || bail "bulletin add long"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF
set_clock "2030-01-15 06:29:59"
start_daemon
wait_journal 'end occ=sang@2030-01-15T06:30 ' 15 || bail "06:30 did not end"
s=$(date -d "$(grep -h ' start occ=sang@' "$T"/st/journal/*.log | cut -d' ' -f1)" +%s)
e=$(date -d "$(grep -h ' end occ=sang@' "$T"/st/journal/*.log | cut -d' ' -f1)" +%s)
[ $((e - s)) -ge 3 ] && ok "3.2 s of audio took $((e - s)) s to the fallback file: real time" || nok "took $((e - s)) s"
grep -q ' start occ=sang@.* output=fallback ' "$T"/st/journal/*.log && ok "start says output=fallback" || nok "start output"
grep -q ' end occ=sang@2030-01-15T06:30 outcome=unheard .*output=fallback' "$T"/st/journal/*.log &&
	ok "played to the end, to no loudspeaker: outcome unheard, never aired" || nok "end: $(grep -h ' end occ=sang' "$T"/st/journal/*.log | cut -c1-200)"
[ -s "$T/fb.wav" ] && ok "the audio is in the fallback WAV file" || nok "no fb.wav"
ctl play tin-long >/dev/null || bail "play"
sleep 1.5
r=$(ctl status --fields)
grep -qx 'state=playing' <<<"$r" && grep -qx 'audio.fallback=yes' <<<"$r" && ok "1.5 s later it still plays (status: fallback yes)" ||
	nok "status: $(grep -E '^(state|audio)' <<<"$r")"
ctl stop >/dev/null
wait_journal ' end occ=manual@.* outcome=partial ' 5 && ok "stop works on the fallback file: partial" || nok "stop"
# The station's page says so too, beside the device's name.
. tests/it/web_setup.bash
trap web_cleanup EXIT
echo "web = { listen = \"127.0.0.1:0\"; users = \"web-users\"; };" >>"$CONF"
echo mat-khau-xem | ctl web user add xem --role viewer >/dev/null || bail "web user add"
start_web
curl -s -o /dev/null -c "$T/jar" -d "user=xem&password=mat-khau-xem" "$URL/login"
now=$(curl -s -b "$T/jar" -H "Accept-Language: en" "$URL/now")
grep -q "loaxa-no-such-device, no sound card: writing to $T/fb.wav</dd>" <<<"$now" &&
	ok "the web page's Now says: no sound card, writing to the fallback file" ||
	nok "Now: $(grep -o '<dd data-key="audio.device">[^<]*' <<<"$now")"
kill -TERM "$WPID"; wait "$WPID"; WPID=
stop_daemon
it_done
