#!/bin/bash
# The control socket (issue 11): structured replies, CRLF, as=NAME, who
# asked journalled (SO_PEERCRED), idle clients timed out, the oldest idle
# one evicted when full, refusals told to the client. Real daemon, real
# socket, real clients.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup control
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 3;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOF
set_clock "2030-01-15 06:00:00"
start_daemon
SOCK=$T/st/loaxad.sock
# req LINE: send raw bytes (printf format), print the reply.
req() { printf "$1" | socat -t 2 - "UNIX-CONNECT:$SOCK" 2>/dev/null; }

r=$(req 'status\r\n')
[ "$(head -2 <<<"$r")" = "loaxa=1
ok=yes" ] && grep -qx 'station.id=it-station' <<<"$r" && ok "status\\r\\n: accepted, loaxa=1 ok=yes first" ||
	nok "CRLF status: $r"

missing=
for k in station.id station.name commune district time synced state playing.occurrence playing.bulletin \
	playing.title playing.campaign playing.level playing.seconds playing.expected next.0.due \
	next.0.occurrence next.0.bulletin next.0.title next.0.level schedule.serial schedule.sha256 \
	schedule.signed schedule.installed schedule.signer library.count audio.device audio.fallback amp \
	amp.fault journal journal.error last_error uptime_s; do
	grep -q "^$k=" <<<"$r" || missing="$missing $k"
done
[ -z "$missing" ] && ok "status carries every documented field" || nok "status lacks:$missing"
grep -qx 'station.name=Xã Kiểm Thử' <<<"$r" && grep -qx 'state=idle' <<<"$r" && grep -qx 'synced=yes' <<<"$r" &&
	grep -qx 'next.0.occurrence=sang@2030-01-15T06:30' <<<"$r" && grep -qx 'next.0.title=Bản tin A' <<<"$r" &&
	grep -qx 'schedule.serial=3' <<<"$r" && grep -qx 'schedule.signed=no' <<<"$r" && grep -qx 'amp=none' <<<"$r" &&
	grep -qx 'journal=ok' <<<"$r" && grep -qx 'library.count=1' <<<"$r" &&
	ok "status values: name in UTF-8, idle, synced, next occurrence and title, serial, unsigned, no amp, journal ok" ||
	nok "status values: $r"
out=$(ctl status --fields | sed 's/^time=.*//; s/^uptime_s=.*//')
[ "$out" = "$(req 'status\n' | sed 's/^time=.*//; s/^uptime_s=.*//')" ] && ok "loaxactl status --fields prints the reply as is" ||
	nok "--fields: $out"
out=$(ctl status)
grep -q '^next: *2030-01-15T06:30:00+07:00  sang@2030-01-15T06:30  bulletin tin-a  normal$' <<<"$out" &&
	grep -q '^journal: *ok$' <<<"$out" && ok "loaxactl status renders the fields for people" || nok "status text: $out"

r=$(req 'play tin-a as=ana.nguyen_2\r\n')
grep -qx 'ok=yes' <<<"$r" && grep -qx 'result=playing' <<<"$r" && grep -q '^occurrence=manual@' <<<"$r" &&
	ok "play ... as=NAME over CRLF: ok, result=playing, its occurrence" || nok "play as: $r"
occ=$(sed -n 's/^occurrence=//p' <<<"$r")
wait_journal "end occ=$occ outcome=aired" 10 || true
grep -q " request request=play bulletin=tin-a emergency=no uid=0 pid=[0-9]* as=ana.nguyen_2 " "$T"/st/journal/*.log &&
	ok "play journalled with the peer's uid and the as name" || nok "request record: $(grep request "$T"/st/journal/*.log)"
ctl stop >/dev/null
ctl reload >/dev/null
grep -q " request request=stop uid=0 pid=[0-9]* prev=" "$T"/st/journal/*.log &&
	grep -q " request request=reload uid=0 pid=[0-9]* prev=" "$T"/st/journal/*.log &&
	ok "stop and reload journalled with the peer's uid" || nok "stop/reload requests"
# Fast restarts: on-demand ids never repeat (K counts on from the journal).
stop_daemon
start_daemon
r2=$(req 'play tin-a\n')
occ2=$(sed -n 's/^occurrence=//p' <<<"$r2")
k1=${occ##*#} k2=${occ2##*#}
[ -n "$occ2" ] && [ "$occ2" != "$occ" ] && [ "$k2" -gt "$k1" ] 2>/dev/null &&
	ok "after a restart the next on-demand id counts on ($occ, then $occ2)" || nok "ids: $occ then $occ2"
wait_journal "end occ=$occ2 " 10 || true
r=$(req 'status as=bad!name\n')
grep -qx 'ok=no' <<<"$r" && grep -q '^error=malformed as=NAME' <<<"$r" && ok "a malformed as=NAME is refused, with why" ||
	nok "bad as: $r"
r=$(req 'status as=abcdefghijabcdefghijabcdefghijabc\n')
grep -qx 'ok=no' <<<"$r" && ok "an as NAME of 33 characters is refused" || nok "long as: $r"
out=$(ctl play nope 2>&1); rc=$?
[ $rc = 1 ] && grep -q "^loaxactl: no bulletin 'nope' in the library" <<<"$out" && ok "an ok=no reply: loaxactl prints the error, exit 1" ||
	nok "play nope: $rc $out"

# Nine idle clients (one more than the slots), then loaxactl: status still
# answers, and the two oldest idle clients were told they were evicted.
cat >"$T/idle.py" <<'EOF'
import os, socket, subprocess, sys, time
path, ctl, conf = sys.argv[1:4]
socks = []
for i in range(9):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
    time.sleep(0.02)
t = time.monotonic()
p = subprocess.run([ctl, "-c", conf, "status"], capture_output=True, text=True, timeout=20)
print("status rc=%d %.3f" % (p.returncode, time.monotonic() - t))
for i, s in enumerate(socks[:3]):
    s.settimeout(0.5)
    try:
        got = s.recv(4096).decode()
    except socket.timeout:
        got = ""
    print("client%d %s" % (i, got.replace("\n", "|")))
# The others time out: told so within the idle limit (5 s), not later.
t = time.monotonic()
s = socks[8]
s.settimeout(9)
got = s.recv(4096).decode()
print("timeout %.1f %s" % (time.monotonic() - t, got.replace("\n", "|")))
EOF
out=$(/usr/bin/python3 "$T/idle.py" "$SOCK" "$BUILD/loaxactl" "$CONF")
echo "$out" | sed 's/^/# /'
grep -q '^status rc=0 ' <<<"$out" && ok "9 idle clients: loaxactl status still answers" || nok "status with 9 idle: $out"
grep -q '^client0 loaxa=1|ok=no|error=evicted: ' <<<"$out" && grep -q '^client1 loaxa=1|ok=no|error=evicted: ' <<<"$out" &&
	grep -q '^client2 $' <<<"$out" && ok "the two clients idle the longest were evicted and told why; the third kept" ||
	nok "eviction: $out"
t=$(sed -n 's/^timeout \([0-9.]*\) .*/\1/p' <<<"$out")
grep -q '^timeout [0-9.]* loaxa=1|ok=no|error=timed out' <<<"$out" && awk -v t="$t" 'BEGIN{exit !(t < 6)}' &&
	ok "an idle client is told it timed out, within the idle limit ($t s)" || nok "idle timeout: $out"
alive && ctl status >/dev/null && ok "the daemon carries on" || nok "daemon after idle clients"

# A refusal reaches loaxactl even when the daemon closes before reading
# the request (the client's send fails): its reason is printed.
cat >"$T/refuser.py" <<'EOF'
import socket, sys, os
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path); srv.listen(1)
c, _ = srv.accept()
c.sendall(b"loaxa=1\nok=no\nerror=too many clients: every slot is busy answering; try again\n")
c.close()
EOF
mkdir -p "$T/fake"
sed "s|control = \"loaxad.sock\"|control = \"$T/fake/s.sock\"|" "$CONF" >"$T/fake.conf"
sed -i "s|library = \"library\"|library = \"$T/st/library\"|; s|journal = \"journal\"|journal = \"$T/st/journal\"|; s|schedule = \"schedule.conf\"|schedule = \"$T/st/schedule.conf\"|" "$T/fake.conf"
/usr/bin/python3 "$T/refuser.py" "$T/fake/s.sock" &
fp=$!
for _ in $(seq 50); do [ -S "$T/fake/s.sock" ] && break; sleep 0.05; done
sleep 0.2
out=$("$BUILD/loaxactl" -c "$T/fake.conf" status 2>&1); rc=$?
wait $fp
[ $rc = 1 ] && grep -q '^loaxactl: too many clients: every slot is busy answering; try again$' <<<"$out" &&
	ok "a refused loaxactl prints the daemon's reason" || nok "refused: $rc $out"
# The same refusal comes before the request's lang= is read: loaxactl
# words it in its own language from the catalogue.
rm -f "$T/fake/s.sock"
/usr/bin/python3 "$T/refuser.py" "$T/fake/s.sock" &
fp=$!
for _ in $(seq 50); do [ -S "$T/fake/s.sock" ] && break; sleep 0.05; done
sleep 0.2
out=$(LANG=vi_VN.UTF-8 LC_ALL= LANGUAGE= "$BUILD/loaxactl" -c "$T/fake.conf" status 2>&1); rc=$?
wait $fp
[ $rc = 1 ] && grep -q 'quá nhiều kết nối: mọi chỗ đều đang bận trả lời; hãy thử lại$' <<<"$out" &&
	ok "... and in Vietnamese under LANG=vi_VN.UTF-8" || nok "refused, vi: $rc $out"

stop_daemon
it_done
