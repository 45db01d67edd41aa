#!/bin/bash
# The fleet link with real parts (docs/FLEET.md): a real mosquitto on a
# free loopback port with TLS (a throw-away CA), a password file and the
# shipped ACL; two real loaxad stations; a real loaxa-collector. Checks the
# mirrors are byte-identical through a simulated week offline, broker,
# station and collector killed with kill -9 mid-stream (0 lines lost, 0
# duplicated: identical files), that a station cannot publish under
# another's topic, that bad messages are dropped, and that a journal cut
# short or edited after its acknowledgement is flagged.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/fleet_lib.bash

it_setup fleet
trap fleet_cleanup EXIT
unset LOAXA_TEST_CLOCK_OFFSET_FILE

make_ca "$T/pki"
PORT=$(free_port)
URL="mqtts://localhost:$PORT"
MIRROR=$T/mirror
for u in st-a st-b collector; do passwd_add "$T/passwd" "$u" "pw-$u"; done
for u in st-a st-b collector; do echo "pw-$u" >"$T/$u.pw"; done
sed 's#/271/#/999/#g' config/fleet/mosquitto-acl.conf >"$T/acl"
cat >"$T/broker.conf" <<EOF
per_listener_settings false
user $(id -un)
allow_anonymous false
password_file $T/passwd
acl_file $T/acl
persistence false
log_type error
log_type warning
log_type notice
log_type subscribe
log_type debug
listener $PORT 127.0.0.1
cafile $T/pki/ca.crt
certfile $T/pki/broker.crt
keyfile $T/pki/broker.key
EOF
cat >"$T/collector.conf" <<EOF
collector = { broker = "$URL"; district = "999"; mirror = "$MIRROR"; username = "collector";
              password_file = "$T/collector.pw"; ca_file = "$T/pki/ca.crt"; keepalive = 30; retry_max = 1; };
EOF
make_fleet_station a st-a 999 "$URL" "username = \"st-a\"; password_file = \"$T/st-a.pw\"; ca_file = \"$T/pki/ca.crt\";"
make_fleet_station b st-b 999 "$URL" "username = \"st-b\"; password_file = \"$T/st-b.pw\"; ca_file = \"$T/pki/ca.crt\";"

start_broker broker "$T/broker.conf" "$PORT"
start_collector coll "$T/collector.conf"
station_clock a "2030-01-28 08:00:00"
station_clock b "2030-01-28 08:00:00"
start_station a
start_station b

# 1. Both journals reach the district, byte for byte, over TLS.
if wait_mirrored 20 "$MIRROR" a:st-a b:st-b; then
	ok "over TLS with passwords and the ACL: both mirrors byte-identical to the stations' journals"
else
	nok "mirrors not identical"
fi
"$BUILD/loaxactl" fleet status "$MIRROR" --format csv >"$T/status.csv"
grep -q '^st-a,999,yes,.*,7,.*,0,,ok,,,,,$' "$T/status.csv" && grep -q '^st-b,999,yes,' "$T/status.csv" &&
	ok "fleet status: both online, serial 7, 0 lines behind, chain ok" || { nok "fleet status"; cat "$T/status.csv"; }

"$BUILD/loaxactl" fleet status "$MIRROR" --format json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert [r["station_id"] for r in rows] == ["st-a", "st-b"], rows
assert all(r["online"] == "yes" and r["chain"] == "ok" and r["lines_behind"] == 0 for r in rows), rows
' && ok "fleet status --format json parses, one object per station" || nok "fleet status json"
"$BUILD/loaxactl" fleet status "$MIRROR" | grep -q '^st-a  *999  *yes .* ok ' &&
	ok "fleet status text: one line per station" || nok "fleet status text"

# A collector that trusts another CA does not talk to this broker.
make_ca "$T/pki2"
sed -e "s#$T/pki/ca.crt#$T/pki2/ca.crt#" -e "s#$MIRROR#$T/mirror-x#" "$T/collector.conf" >"$T/collector-x.conf"
start_collector collx "$T/collector-x.conf"
sleep 1.5
kill9 "$COLL_PID_collx"
! grep -q "connected;" "$T/collx.log" && [ -z "$(ls "$T/mirror-x" 2>/dev/null)" ] &&
	ok "TLS: a broker certificate from another CA is refused" || nok "wrong CA accepted"

# 2. The broker dies (kill -9, no persistence: its retained acks are gone)
# and the stations live a week without it, into a new month.
mirrored=$(cat "$MIRROR"/st-a/journal/*.log | wc -l)
kill9 "$BROKER_PID_broker"
station_clock a "2030-02-04 08:00:00"
station_clock b "2030-02-04 08:00:00"
for i in $(seq 200); do [ "$(journal_lines a)" -gt 600 ] && break; sleep 0.05; done
na=$(journal_lines a)
[ "$na" -gt 600 ] && [ "$(cat "$MIRROR"/st-a/journal/*.log | wc -l)" = "$mirrored" ] &&
	ok "a week offline: the station kept journalling ($na lines), nothing reached the district" || nok "only $na lines"
[ -f "$T/a/journal/2030-02.log" ] || nok "no February file"
start_broker broker "$T/broker.conf" "$PORT"
if wait_mirrored 30 "$MIRROR" a:st-a b:st-b; then
	ok "link back after a simulated week: every line delivered once (mirrors identical, across the month)"
else
	nok "after a week offline"
fi

# 3. The broker killed mid-stream: another week of lines, kill -9 at once.
station_clock a "2030-02-11 08:00:00"
station_clock b "2030-02-11 08:00:00"
sleep 0.15
kill9 "$BROKER_PID_broker"
sleep 0.5
start_broker broker "$T/broker.conf" "$PORT"
if wait_mirrored 30 "$MIRROR" a:st-a b:st-b; then
	ok "broker kill -9 mid-stream and restart: 0 lost, 0 duplicated"
else
	nok "after broker kill -9"
fi

# 4. A station killed mid-publish, then started again.
station_clock a "2030-02-18 08:00:00"
sleep 0.1
kill9 "$ST_PID_a"
start_station a
if wait_mirrored 30 "$MIRROR" a:st-a b:st-b; then
	ok "station kill -9 mid-publish and restart: 0 lost, 0 duplicated"
else
	nok "after station kill -9"
fi

# 5. The collector killed mid-write; its last line torn as a crash would
# leave it. The torn bytes were never acknowledged: cut, then re-received.
station_clock b "2030-02-25 08:00:00"
sleep 0.1
kill9 "$COLL_PID_coll"
lastb=$(ls "$MIRROR/st-b/journal/"*.log | tail -1)
printf '2030-02-25T08:00:00+07:00 missed occ=torn' >>"$lastb"
station_clock b "2030-03-04 08:00:00"
start_collector coll "$T/collector.conf"
if wait_mirrored 30 "$MIRROR" a:st-a b:st-b; then
	ok "collector kill -9 mid-write (torn last line) and restart: 0 lost, 0 duplicated"
else
	nok "after collector kill -9"
fi
grep -q "torn last line" "$T/coll.log" && ok "the collector cut its torn last line and said so" || nok "torn line not reported"

# 6. A station may publish only under its own topic: the broker refuses.
before=$(cat "$MIRROR/st-b/journal/"*.log | md5sum)
forged=$(printf 'loaxa-journal 1 month=2030-03 first=1 count=1 after=-:0 end=2030-03:1\n2030-03-01T00:00:00+07:00 open station=st-b prev=%064d\n' 0)
mosquitto_pub -h localhost -p "$PORT" --cafile "$T/pki/ca.crt" -u st-a -P pw-st-a -q 1 \
	-t loaxa/v1/999/st-b/journal -m "$forged" 2>/dev/null
mosquitto_pub -h localhost -p "$PORT" --cafile "$T/pki/ca.crt" -u st-a -P pw-st-a -q 1 \
	-t loaxa/v1/999/st-b/ack -r -m "loaxa-ack 1 pos=-:0 hash=$(printf '%064d' 0)" 2>/dev/null
sleep 0.5
grep -q "Denied PUBLISH from loaxa-999-st-a\|Denied PUBLISH from .*st-b/journal" "$T/broker.log" ||
	grep -q "Denied PUBLISH" "$T/broker.log"
denied=$?
[ $denied = 0 ] && [ "$(cat "$MIRROR/st-b/journal/"*.log | md5sum)" = "$before" ] &&
	ok "st-a publishing as st-b (journal and ack) is refused by the broker; st-b's mirror unchanged" ||
	nok "forged publish not refused"
mosquitto_pub -h localhost -p "$PORT" --cafile "$T/pki/ca.crt" -u st-a -P wrong -q 1 \
	-t loaxa/v1/999/st-a/journal -m x 2>/dev/null && nok "a wrong password was accepted" ||
	ok "a wrong password is refused"

# 7. Bad messages on the station's own topic: dropped and logged, the
# collector carries on.
pub_a() { mosquitto_pub -h localhost -p "$PORT" --cafile "$T/pki/ca.crt" -u st-a -P pw-st-a -q 1 -t loaxa/v1/999/st-a/journal "$@"; }
pub_a -m "garbage"
printf 'loaxa-journal 1 month=2030-13 first=1 count=1 after=-:0 end=-:0\nx\n' >"$T/bad1"
pub_a -f "$T/bad1"
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/big"
pub_a -f "$T/big"
printf 'loaxa-journal 1 month=2031-01 first=5 count=1 after=2031-01:4 end=2031-01:5\n2031-01-01T00:00:00+07:00 open prev=%064d\n' 0 >"$T/gap"
pub_a -f "$T/gap"
station_clock a "2030-03-11 08:00:00"
if wait_mirrored 30 "$MIRROR" a:st-a b:st-b && kill -0 "$COLL_PID_coll"; then
	ok "malformed, oversized and out-of-order messages dropped; the collector carries on"
else
	nok "after bad messages"
fi
[ "$(grep -c 'malformed batch dropped' "$T/coll.log")" -ge 3 ] && grep -q 'out of order' "$T/coll.log" &&
	ok "each bad message is logged with its reason" || nok "bad messages not logged"
"$BUILD/loaxactl" fleet status "$MIRROR" >/dev/null && ok "fleet status: exit 0 while every chain holds" || nok "fleet status exit"

# 8. A journal cut short after the district acknowledged it is flagged.
kill -TERM "$ST_PID_b"; wait "$ST_PID_b" 2>/dev/null
for i in $(seq 50); do grep -q '^online=no' "$MIRROR/st-b/fleet.state" && break; sleep 0.1; done
same_journal "$T/b" "$MIRROR/st-b" && tail -1 "$MIRROR"/st-b/journal/2030-03.log | grep -q ' station-stop ' &&
	grep -q '^online=no' "$MIRROR/st-b/fleet.state" &&
	ok "a clean stop sends the last lines (station-stop) and says offline" || nok "clean stop"
lastb=$(ls "$T/b/journal/"*.log | tail -1)
n=$(wc -l <"$lastb")
head -n $((n - 3)) "$lastb" >"$T/cut" && cat "$T/cut" >"$lastb"
start_station b
for i in $(seq 100); do grep -q "verdict=broken" "$MIRROR/st-b/fleet.state" && break; sleep 0.1; done
"$BUILD/loaxactl" fleet status "$MIRROR" --format csv >"$T/status.csv"
st=$?
grep -q '^st-b,.*,broken,' "$T/status.csv" && grep -q '^st-a,.*,ok,' "$T/status.csv" && [ $st = 1 ] &&
	ok "tail truncated after the ack: st-b flagged (fleet status exit 1), st-a still ok" ||
	{ nok "truncation not flagged"; cat "$T/status.csv"; }
grep -q "cut short\|no longer has\|differs from the one the district holds" "$T/status.csv" &&
	ok "the verdict says where the journal stops continuing the district's copy" || nok "verdict text"

# 9. A line the district acknowledged is edited, and every hash after it
# rebuilt so that the station's own `log verify` passes: flagged.
kill -TERM "$ST_PID_a"; wait "$ST_PID_a" 2>/dev/null
held=$(sed -n 's/^held=//p' "$MIRROR/st-a/fleet.state")
python3 - "$T/a/journal" "$held" <<'PY'
import glob, hashlib, os, sys
d, held = sys.argv[1], sys.argv[2]
month, line = held.split(":")
prev = None
for f in sorted(glob.glob(os.path.join(d, "[0-9][0-9][0-9][0-9]-[0-9][0-9].log"))):
    out = []
    for i, l in enumerate(open(f, "rb").read().split(b"\n")[:-1], 1):
        if os.path.basename(f) == month + ".log" and i == int(line) - 1:
            l = l.replace(b" ", b" edited=1 ", 2).replace(b" edited=1 ", b" ", 1)
        if prev is not None:
            l = l[:l.rindex(b"prev=") + 5] + prev.encode()
        prev = hashlib.sha256(l).hexdigest()
        out.append(l)
    open(f, "wb").write(b"\n".join(out) + b"\n")
PY
"$BUILD/loaxactl" -c "$T/a/loaxa.conf" log verify >/dev/null 2>&1 &&
	ok "the edited journal passes the station's own log verify (chain rebuilt)" || nok "rebuilt chain does not verify"
start_station a
for i in $(seq 100); do grep -q "verdict=broken" "$MIRROR/st-a/fleet.state" && break; sleep 0.1; done
grep -q "verdict=broken" "$MIRROR/st-a/fleet.state" &&
	ok "a line edited after the ack: the station is flagged" || nok "edit not flagged"
grep -q "differs from the one the district holds" "$MIRROR/st-a/fleet.state" &&
	ok "the verdict names the line that differs" || nok "edit verdict text"
grep -q "edited=1" "$MIRROR"/st-a/journal/*.log && nok "the mirror took the edited line" ||
	ok "the mirror still holds the original lines (never overwritten)"

# 10. A station with no broker at all keeps working as before.
kill9 "$BROKER_PID_broker"
"$BUILD/loaxactl" -c "$T/b/loaxa.conf" status >/dev/null && kill -0 "$ST_PID_b" &&
	ok "broker gone: the station still answers and runs" || nok "station unhappy without broker"

it_done
