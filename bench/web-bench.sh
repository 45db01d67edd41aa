#!/bin/bash
# loaxa-web's costs (issue 17): resident memory when idle, wake-ups per
# minute with nobody connected (context switches of the process over
# LOAXA_WEB_IDLE_S seconds, default 60), the size of each page after a
# login, one login's Argon2id time, and memory after serving the pages
# (loaxa-web and the process serving the visit); where the idle resident
# pages are (bench/smaps.awk); memory and wake-ups once at rest again (the
# visit's process gone, 30 s after a visit).
# Printed figures; goals: <= 4 MiB idle, 0 wake-ups, pages <= 100 KB.
set -u
cd "$(dirname "$0")/.."
. tests/it/lib.bash
. tests/it/web_setup.bash
idle=${LOAXA_WEB_IDLE_S:-60}

web_setup web-bench 50 >/dev/null
for i in $(seq 30); do
	ctl bulletin add "$AUD/v22k-mono.mp3" --id "tin-$i" --title "Bản tin số $i: phòng, chống dịch bệnh" --replace >/dev/null
done
cat >"$T/st/schedule.conf" <<'EOC'
serial = 1;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["tin-1", "tin-2", "tin-3"]; target = 8; } );
slots = ( { id = "sang"; times = ["06:30", "11:00", "17:00"]; campaign = "sxh"; },
          { id = "toi"; times = ["19:00"]; bulletins = ["tin-4", "tin-5"]; } );
EOC
start_daemon
start_web
sleep 1
pid=$WPID
ctx() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }' /proc/$pid/status; }
rss() { awk '/^VmRSS/ { print $2 }' /proc/$pid/status; }
echo "loaxa-web idle RSS after start:        $(rss) KiB"
awk -f bench/smaps.awk "/proc/$pid/smaps"
c0=$(ctx)
sleep "$idle"
c1=$(ctx)
echo "loaxa-web wake-ups with nobody connected: $((c1 - c0)) in ${idle} s ($(( (c1 - c0) * 60 / idle )) per minute)"

jar=$T/cookies
t0=$(date +%s.%N)
curl -s -o /dev/null -c "$jar" -d "user=canbo&password=$STAFF_PW" "$URL/login"
t1=$(date +%s.%N)
echo "one login (Argon2id, 2 passes over 19 MiB): $(echo "($t1 - $t0) * 1000" | bc -l | cut -d. -f1) ms (curl round trip)"
largest=0 lname=
for p in /now /bulletins /schedule /log /report "/log.csv" "/report.csv" /login /static/style.css /static/app.js; do
	n=$(curl -s -b "$jar" "$URL$p" | wc -c)
	printf '  %-18s %7d bytes\n' "$p" "$n"
	[ "$n" -gt "$largest" ] && { largest=$n; lname=$p; }
done
echo "largest page: $lname, $largest bytes ($((largest / 1024)) KiB)"
sleep 1
vpid=$(pgrep -P "$pid" -x loaxa-web | head -1)
if [ -n "$vpid" ]; then
	vrss=$(awk '/^VmRSS/ { print $2 }' "/proc/$vpid/status")
	vanon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$vpid/smaps_rollup")
	echo "loaxa-web RSS after a login and every page: $(rss) KiB, and the process serving the visit $vrss KiB (anonymous: $vanon KiB; the rest pages of files)"
else
	echo "loaxa-web RSS after a login and every page: $(rss) KiB (no process serving the visit found)"
fi
# 30 s after the last connection the visit's process ends
sleep 32
left=$(pgrep -P "$pid" | wc -l)
echo "loaxa-web RSS at rest again, 32 s later: $(rss) KiB ($left processes serving a visit left)"
awk -f bench/smaps.awk "/proc/$pid/smaps"
c0=$(ctx)
sleep 10
c1=$(ctx)
echo "loaxa-web wake-ups at rest again: $((c1 - c0)) in 10 s"
