#!/bin/bash
# Proof of air (issue 19) with a real loaxad: the monitor input is ALSA's
# `file` plugin whose `infile` is the "heard" signal, replaced before each
# broadcast: the very audio the daemon plays (aired), silence (partial,
# dead air), the audio cut half-way (partial, about half heard), the audio
# 30 dB down (still heard), and a monitor that will not open (counted,
# detail says unavailable; monitor-lost once, monitor-back after). Then
# the log CSV's heard_seconds, the report's counts, status and --check.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup monitor
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
cat >>"$T/asoundrc" <<EOF
pcm.mon { type file; slave.pcm null; file "/dev/null"; infile "$T/heard.raw"; format raw }
EOF
STATUS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$CONF" <<EOF
monitor = { device = "mon"; silence_dbfs = -60.0; min_heard = 0.8; };
amplifier = { status = { enabled = true; address = "127.0.0.1"; port = $STATUS_PORT; }; };
EOF
# The monitor's registers 44-47 (mbpoll counts from 1, shows them unsigned):
# state, heard, of, level in tenths of a dBFS.
mon_regs() {
	local out r
	out=$(mbpoll -m tcp -p "$STATUS_PORT" -t 3 -r 45 -c 6 -1 -o 2 127.0.0.1 2>&1)
	for r in 45 46 47 48; do
		sed -n "s/^\[$r\]: *\t*\(-\{0,1\}[0-9]*\).*/\1/p" <<<"$out" | tr -d '\t '
	done | tr '\n' ' '
}

# A 10 s bulletin: three times the 22 kHz mono phrase. The threshold above
# is -60 dBFS: this station's tap may be 30 dB down on what is sent.
cat "$AUD/v22k-mono.mp3" "$AUD/v22k-mono.mp3" "$AUD/v22k-mono.mp3" >"$AUD/tin.mp3"
ctl bulletin add "$AUD/tin.mp3" --id tin-dai --title "Bản tin dài" >/dev/null || bail "bulletin add"
# What the speakers get, as the monitor's USB line-in records it: the decode,
# resampled to 48 kHz stereo.
mpg123 -q -s -e s16 "$AUD/tin.mp3" >"$T/ref.raw"
secs=$(python3 -c "import os,sys; print(os.path.getsize(sys.argv[1]) / 2 / 22050)" "$T/ref.raw")
heard() { sox -D -t raw -r 22050 -e signed -b 16 -c 1 "$T/ref.raw" -t raw -r 48000 -e signed -b 16 -c 2 "$1" "${@:2}"; }
# Each padded with silence past the broadcast's end: past the end of its
# infile, the file plugin leaves the capture buffer as it was.
heard "$T/same.raw" pad 0 3
heard "$T/down30.raw" gain -30 pad 0 3
heard "$T/half.raw" trim 0 "$(python3 -c "print($secs / 2)")" pad 0 "$(python3 -c "print($secs / 2 + 3)")"
heard "$T/silence.raw" gain -200 pad 0 3

cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["tin-dai"]; target = 4; } );
slots = ( { id = "s"; dates = ["2030-01-15"]; times = ["06:30", "06:31", "06:32", "06:33", "06:34", "06:35", "06:36"];
            campaign = "sxh"; } );
EOF

# play HH:MM INFILE: the broadcast due then, with the monitor hearing INFILE.
play() {
	if [ -n "$2" ]; then cp "$T/$2" "$T/heard.raw"; else rm -f "$T/heard.raw"; fi
	set_clock "2030-01-15 $1:00"
	wait_journal "end occ=s@2030-01-15T$1 " 10
}
endrec() { grep " end occ=s@2030-01-15T$1 " "$T"/st/journal/*.log; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

set_clock "2030-01-15 06:29:00"
start_daemon
out=$(ctl status)
grep -q '^monitor: *mon, no broadcast measured yet' <<<"$out" && ok "status: monitor configured, nothing measured yet" ||
	nok "status before: $out"

play 06:30 same.raw || bail "06:30 did not end"
e=$(endrec 06:30)
h=$(field "$e" heard) of=$(field "$e" heard_of)
grep -q 'outcome=aired' <<<"$e" && [ "$of" -ge 9 ] && [ "$of" -le 11 ] && [ "$h" -eq "$of" ] &&
	ok "the same audio at the speakers: aired, heard $h of $of s" || nok "same audio: $e"
lv=$(field "$e" monitor_dbfs)
python3 -c "import sys; v=float(sys.argv[1]); sys.exit(not -40 < v < -10)" "$lv" &&
	ok "end record carries the monitor's mean level ($lv dBFS)" || nok "level: $e"

play 06:31 silence.raw || bail "06:31 did not end"
e=$(endrec 06:31)
h=$(field "$e" heard) of=$(field "$e" heard_of)
grep -q "outcome=partial .*detail=\"dead air at the speakers: heard $h of $of s\"" <<<"$e" && [ "$h" -le 3 ] &&
	ok "silence at the speakers: partial, dead air, heard $h of $of s" || nok "silence: $e"
regs=$(mon_regs)
[ "$regs" = "2 $h $of $((65536 - 1200)) " ] && ok "Modbus status: dead air, heard $h of $of s, -120.0 dBFS (registers 44-47)" ||
	nok "Modbus registers after dead air: '$regs'"

play 06:32 half.raw || bail "06:32 did not end"
e=$(endrec 06:32)
h=$(field "$e" heard) of=$(field "$e" heard_of)
grep -q 'outcome=partial .*detail="dead air at the speakers' <<<"$e" && [ $((h * 10)) -ge $((of * 4)) ] &&
	[ $((h * 10)) -le $((of * 7)) ] &&
	ok "audio cut half-way: partial, heard $h of $of s (about half)" || nok "half: $e"

play 06:33 down30.raw || bail "06:33 did not end"
e=$(endrec 06:33)
h=$(field "$e" heard) of=$(field "$e" heard_of)
grep -q 'outcome=aired' <<<"$e" && [ $((h * 10)) -ge $((of * 8)) ] &&
	ok "the audio 30 dB down: still heard ($h of $of s, $(field "$e" monitor_dbfs) dBFS), aired" ||
	nok "30 dB down: $e"

play 06:34 "" || bail "06:34 did not end"
e=$(endrec 06:34)
grep -q 'outcome=aired .*detail="monitor unavailable: monitor device .mon. will not open' <<<"$e" &&
	! grep -q ' heard=' <<<"$e" &&
	ok "monitor will not open: aired (counted), detail says the monitor was unavailable" || nok "missing: $e"
[ "$(grep -c ' monitor-lost device=mon ' "$T"/st/journal/*.log)" = 1 ] &&
	ok "monitor-lost journalled as a station event" || nok "no monitor-lost record"
out=$(ctl status)
grep -q '^monitor: *mon, unavailable at the last broadcast' <<<"$out" && ok "status: the monitor was unavailable" ||
	nok "status unavailable: $out"
regs=$(mon_regs)
[ "${regs%% *}" = 3 ] && ok "Modbus status: monitor unavailable (register 44 = 3)" || nok "Modbus registers: '$regs'"

play 06:35 same.raw || bail "06:35 did not end"
grep -q ' monitor-back device=mon' "$T"/st/journal/*.log && grep -q 'outcome=aired' <<<"$(endrec 06:35)" &&
	ok "monitor back: monitor-back journalled, heard again" || nok "monitor-back"
out=$(ctl status)
grep -qE '^monitor: *mon, last broadcast .* heard: heard [0-9]+ of [0-9]+ s, level -[0-9.]+ dBFS' <<<"$out" &&
	ok "status shows the last monitor result" || nok "status after: $out"

# The log and the report count what was heard.
ctl log --format csv >"$T/log.csv" || nok "log --format csv"
python3 - "$T/log.csv" <<'EOF' && ok "log CSV: heard_seconds after detail, filled when measured" || nok "log CSV: $(cat "$T/log.csv")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
h = rows[0]
assert h[12] == "detail" and h[13] == "heard_seconds", h
r = {row[2][-5:]: row for row in rows[1:]}
assert r["06:30"][8] == "aired" and int(r["06:30"][13]) >= 9
assert r["06:31"][8] == "partial" and int(r["06:31"][13]) <= 3
assert r["06:34"][8] == "aired" and r["06:34"][13] == ""
EOF
ctl log --format json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert rows[4]["heard_seconds"] is None and rows[0]["heard_seconds"] >= 9, rows
' && ok "log JSON: heard_seconds a number, null when not measured" || nok "log JSON"
ctl report --month 2030-01 --format csv >"$T/report.csv" 2>"$T/report.err" || nok "report: $(cat "$T/report.err")"
python3 - "$T/report.csv" <<'EOF' && ok "report: 4 aired and 2 partial (dead air does not count)" || nok "report: $(cat "$T/report.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
r = [x for x in rows if x.get("campaign_id") == "sxh"][0]
assert r["aired"] == "4" and r["partial"] == "2", r
EOF

stop_daemon
[ "$DRC" = 0 ] && ok "daemon stops cleanly" || nok "exit $DRC"

# In real time: a device paced like a sound card (about 2 s for the
# bulletin); the capture follows what is sent, status shows it listening.
use_paced_device "$T/st" 200000
sed -i 's/^monitor = { device = "paced"/monitor = { device = "mon"/' "$CONF" # it set every device
cp "$T/same.raw" "$T/heard.raw"
set_clock "2030-01-15 06:35:59"
start_daemon
seen=
for i in $(seq 100); do
	out=$(ctl status 2>/dev/null)
	if grep -qE '^listening: heard [0-9]+ of [0-9]+ s so far' <<<"$out"; then seen=1; break; fi
	sleep 0.05
done
[ -n "$seen" ] && ok "status while playing: the monitor is listening" || nok "no 'listening' line: $out"
wait_journal "end occ=s@2030-01-15T06:36 " 15 || bail "06:36 did not end"
e=$(endrec 06:36)
h=$(field "$e" heard) of=$(field "$e" heard_of)
grep -q 'outcome=aired' <<<"$e" && [ "$h" = "$of" ] && ok "real-time playback: aired, heard $h of $of s" ||
	nok "paced: $e"
stop_daemon

# A bad monitor section is refused with the line.
sed -i "s/min_heard = 0.8/min_heard = 1.5/" "$CONF"
"$BUILD/loaxad" -c "$CONF" --check >"$T/out" 2>&1
grep -q "loaxa.conf:[0-9]*: .*monitor" "$T/out" && ok "loaxad --check: a bad monitor section is named with its line" ||
	nok "check: $(cat "$T/out")"

it_done
