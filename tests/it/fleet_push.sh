#!/bin/bash
# The fleet downlink, station side (issue 14; docs/FLEET.md), with real
# parts: a real mosquitto (password file, the shipped ACL, persistence) on a
# free loopback port, a real HTTP server with Range support on loopback
# (tests/it/range_server.py), real loaxad stations, a real collector,
# schedules signed with the stock minisign. The first bundle goes the
# department's whole way (bundle make, minisign, bundle publish); the others
# are published with mosquitto_pub -r of a payload built by the contract, so
# that odd cases (a misrouted bundle, a malformed message) can be sent too.
# Checks: 3 stations of the district install, one of another district
# refuses and says why; a download cut mid-file resumes (a Range request)
# and installs while the station plays on time; a file changed on the
# server is refused with the reason published and shown by `loaxactl fleet
# status`; a station offline during two publishes installs only the newest;
# a station restarted after installing says `current` and fetches nothing;
# a broker restart keeps the retained bundle for a station started after;
# HTTPS with ca_file or the system's CAs; the audio through a real HTTP
# proxy (tinyproxy), http and https (CONNECT).
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/fleet_lib.bash

command -v minisign >/dev/null || { echo "not ok 1 - minisign is not installed (apt-get install minisign)"; exit 1; }
it_setup fleet_push
trap fleet_cleanup EXIT
unset LOAXA_TEST_CLOCK_OFFSET_FILE

PORT=$(free_port)
HPORT=$(free_port)
URL="mqtt://127.0.0.1:$PORT"
WEB=$T/web
MIRROR=$T/mirror
B=$T/bundles
# bundle make keeps its last serial here, not in the home folder.
export XDG_STATE_HOME=$T/state
mkdir -p "$WEB" "$B" "$T/mosq"
for u in a1 a2 a3 a4 b1 collector department; do passwd_add "$T/passwd" "$u" "pw-$u"; echo "pw-$u" >"$T/$u.pw"; done
{ sed 's#/271/#/999/#g' config/fleet/mosquitto-acl.conf; sed 's#/271/#/888/#g' config/fleet/mosquitto-acl.conf; } >"$T/acl"
cat >"$T/broker.conf" <<EOF
per_listener_settings false
user $(id -un)
allow_anonymous false
password_file $T/passwd
acl_file $T/acl
persistence true
persistence_location $T/mosq/
log_type error
log_type warning
listener $PORT 127.0.0.1
EOF
cat >"$T/collector.conf" <<EOF
collector = { broker = "$URL"; district = "+"; mirror = "$MIRROR"; username = "collector";
              password_file = "$T/collector.pw"; keepalive = 30; retry_max = 1; };
EOF

minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || bail "minisign -G"
KEY=$(sed -n 2p "$T/dept.pub")

# station NAME DISTRICT: a fleet station trusting the department's key.
station() {
	make_fleet_station "$1" "$1" "$2" "$URL" \
		"username = \"$1\"; password_file = \"$T/$1.pw\"; audio_url = \"http://127.0.0.1:$HPORT/audio\";"
	cat >>"$T/$1/loaxa.conf" <<EOF
trust = { keys = ["$KEY"]; bundle_wait_s = 5; };
EOF
	station_clock "$1" "2030-01-15 06:00:00"
}

# web [--stall-after N]: the HTTP server over $WEB (its log: $T/web.log).
WEB_PID=
web() {
	mkdir -p "$WEB/audio"
	/usr/bin/python3 tests/it/range_server.py "$WEB" "$HPORT" "$T/web.log" "$@" &
	WEB_PID=$!
	FLEET_PIDS+=($WEB_PID)
	local i
	for i in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $HPORT), 0.2)" 2>/dev/null && return 0
		sleep 0.05
	done
	bail "the HTTP server did not start"
}

# mkbundle NAME SERIAL FIXTURE:ID...: NAME.conf for district 999, signed;
# its audio copied to the web root under the names the schedule gives.
mkbundle() {
	local name=$1 serial=$2 a f id files="" ids="" sum
	shift 2
	mkdir -p "$B/$name" "$WEB/audio"
	for a in "$@"; do
		f=${a%%:*} id=${a#*:}
		cp "$AUD/$f" "$B/$name/$id.mp3"
		sum=$(sha256sum "$B/$name/$id.mp3" | cut -d' ' -f1)
		files="$files${files:+, }{ bulletin = \"$id\"; file = \"$id.mp3\"; sha256 = \"$sum\"; size = $(stat -c %s "$B/$name/$id.mp3"); title = \"Bản tin $id\"; campaign = \"sxh\"; }"
		ids="$ids${ids:+, }\"$id\""
		cp "$B/$name/$id.mp3" "$WEB/audio/.$id.tmp" && mv "$WEB/audio/.$id.tmp" "$WEB/audio/$id.mp3"
	done
	cat >"$B/$name/$name.conf" <<EOF
serial = $serial;
district = "999";
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = [$ids]; target = 4; } );
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00", "08:30"]; campaign = "sxh"; } );
files = ( $files );
EOF
	minisign -S -s "$T/dept.key" -m "$B/$name/$name.conf" -t "bundle $name serial $serial" >/dev/null ||
		bail "minisign -S $name"
}

# publish NAME TOPIC: the bundle message of the contract, retained, QoS 1.
publish() {
	local c=$B/$1/$1.conf
	/usr/bin/python3 - "$c" "$1.conf" "$(sed -n 's/^serial = \([0-9]*\);/\1/p' "$c")" >"$B/$1.msg" <<'PY'
import sys
conf = open(sys.argv[1], "rb").read()
sig = open(sys.argv[1] + ".minisig", "rb").read()
sys.stdout.buffer.write(b"loaxa-bundle 1 name=%s serial=%s conf=%d sig=%d\n" % (
    sys.argv[2].encode(), sys.argv[3].encode(), len(conf), len(sig)) + conf + sig)
PY
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -u department -P pw-department -q 1 -r -t "$2" -s <"$B/$1.msg" ||
		bail "mosquitto_pub $1"
}

# bstate STATION DISTRICT: its retained STATION/bundle payload.
bstate() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -u collector -P pw-collector -C 1 -W 2 \
		-t "loaxa/v1/$2/$1/bundle" 2>/dev/null
}

# wait_bstate STATION DISTRICT REGEX SECONDS
wait_bstate() {
	local i
	for i in $(seq $(($4 * 5))); do
		bstate "$1" "$2" | grep -Eq "$3" && return 0
		sleep 0.2
	done
	echo "# $1: $(bstate "$1" "$2")"
	return 1
}

serial_of() { "$BUILD/loaxactl" -c "$T/$1/loaxa.conf" status 2>/dev/null | sed -n "s/^schedule: *serial \([0-9]*\).*/\1/p"; }

# wait_serial STATION SERIAL SECONDS
wait_serial() {
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(serial_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# $1 runs serial $(serial_of "$1"), not $2"
	tail -5 "$T/$1.log" | sed 's/^/# /'
	return 1
}

for s in a1 a2 a3; do station $s 999; done
station b1 888
start_broker broker "$T/broker.conf" "$PORT"
web
start_collector coll "$T/collector.conf"
for s in a1 a2 a3 b1; do start_station $s; done

# 1. The department's own path: loaxactl bundle make, stock minisign,
# loaxactl bundle publish (audio into the web root, the schedule retained
# on the district's topic). Every station of the district installs it; the
# same bundle sent to a station of district 888 is refused.
mkdir -p "$B/src1/audio" "$B/s1"
cp "$AUD/v22k-mono.mp3" "$B/src1/audio/sxh-01.mp3"
cat >"$B/src1/schedule.conf" <<EOF
serial = 1;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["sxh-01"]; target = 4; } );
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00", "08:30"]; campaign = "sxh"; } );
EOF
"$BUILD/loaxactl" bundle make "$B/src1/schedule.conf" --audio "$B/src1/audio" -o "$B/out1" \
	--district 999 --serial 2030011501 --title "sxh-01=Bản tin sxh-01" >"$T/make.out" 2>&1 ||
	bail "bundle make: $(cat "$T/make.out")"
minisign -S -s "$T/dept.key" -m "$B/out1/push-2030011501.conf" -t "bundle s1 serial 2030011501" >/dev/null ||
	bail "minisign -S s1"
"$BUILD/loaxactl" bundle publish "$B/out1/push-2030011501.conf" --broker "$URL" --user department \
	--password-file "$T/department.pw" --webroot "$WEB/audio" --key "$T/dept.pub" >"$T/pub.out" 2>&1 &&
	cmp -s "$WEB/audio/sxh-01.mp3" "$AUD/v22k-mono.mp3" &&
	ok "bundle make, minisign and bundle publish: the audio is in the web root, the schedule on the broker" ||
	nok "bundle publish: $(cat "$T/pub.out")"
# A misrouted copy (the district's bundle on a station of district 888).
cp "$B/out1/push-2030011501.conf" "$B/s1/s1.conf"
cp "$B/out1/push-2030011501.conf.minisig" "$B/s1/s1.conf.minisig"
publish s1 loaxa/v1/888/b1/schedule
all=1
for s in a1 a2 a3; do wait_serial $s 2030011501 30 || all=0; done
[ $all = 1 ] && ok "one publish: the 3 stations of district 999 fetched the audio and installed serial 2030011501" ||
	nok "not every station of the district installed the bundle"
all=1
for s in a1 a2 a3; do wait_bstate $s 999 '^loaxa-bundle-state 1 serial=2030011501 state=installed$' 10 || all=0; done
[ $all = 1 ] && ok "each of them publishes state=installed on STATION/bundle (retained)" || nok "installed state"
[ "$(grep -c 'GET /audio/sxh-01.mp3' "$T/web.log")" = 3 ] &&
	ok "the audio was fetched once per station from the web server, not through the broker" ||
	nok "sxh-01.mp3 fetched $(grep -c 'GET /audio/sxh-01.mp3' "$T/web.log") times"
wait_bstate b1 888 '^loaxa-bundle-state 1 serial=2030011501 state=refused detail=.*the schedule is for district 999, not for this station.s district 888' 10 &&
	[ "$(serial_of b1)" = 7 ] &&
	ok "the station of district 888 refuses it, keeps serial 7 and publishes why" || nok "district 888 station"
grep -c 'GET' "$T/web.log" | grep -qx 3 && ok "the refused bundle's audio was never downloaded (checked before fetching)" ||
	nok "requests: $(grep -c GET "$T/web.log")"

# 2. A download cut mid-file (the server stalls after 20000 bytes and is
# killed) resumes with a Range request and installs; meanwhile the 08:00
# broadcast starts on time.
kill9 "$WEB_PID"
: >"$T/web.log"
web --stall-after 20000
mkbundle s2 2030011502 v44k-stereo.mp3:sxh-02
station_clock a1 "2030-01-15 07:59:56"
publish s2 loaxa/v1/999/a1/schedule
for i in $(seq 100); do grep -q stalled "$T/web.log" && break; sleep 0.1; done
wait_bstate a1 999 'serial=2030011502 state=fetching got=20000 ' 10 &&
	ok "while it downloads, the station publishes state=fetching with got=20000 total=$(stat -c %s "$AUD/v44k-stereo.mp3")" ||
	nok "fetching state"
for i in $(seq 100); do grep -h ' start occ=' "$T/a1"/journal/*.log | grep -q 'due=2030-01-15T08:00:00' && break; sleep 0.1; done
start=$(grep -h ' start occ=' "$T/a1"/journal/*.log | grep 'due=2030-01-15T08:00:00' | head -1)
late=$(( $(date -d "${start%% *}" +%s) - $(date -d 2030-01-15T08:00:00+07:00 +%s) ))
[ -n "$start" ] && [ "$late" -le 1 ] && ok "the 08:00 broadcast started on time (${late} s) while the fetch hung" ||
	nok "08:00 broadcast: '$start'"
kill9 "$WEB_PID"
wait_bstate a1 999 'serial=2030011502 state=waiting got=20000 .* detail=' 15 &&
	ok "the server stopped mid-file: state=waiting with the reason" || nok "waiting state"
[ -f "$T/a1/fetch/2030011502/sxh-02.mp3.part" ] && [ "$(stat -c %s "$T/a1/fetch/2030011502/sxh-02.mp3.part")" = 20000 ] &&
	ok "the part already fetched is kept (20000 bytes)" || nok "part file"
web
wait_serial a1 2030011502 30 && ok "the server back: the download resumed and serial 2030011502 is installed" ||
	nok "not installed after the server came back"
grep -q 'GET /audio/sxh-02.mp3 range=bytes=20000-' "$T/web.log" &&
	ok "it resumed with Range: bytes=20000- (not from the start)" || { nok "no Range request"; cat "$T/web.log"; }
[ ! -e "$T/a1/fetch/2030011502" ] && ok "the fetch folder is removed after the install" || nok "fetch folder left"
cmp -s "$T/a1/library/sxh-02.mp3" "$AUD/v44k-stereo.mp3" && ok "the library copy is byte-identical to the published file" ||
	nok "library copy differs"
! grep -q libcurl "/proc/$ST_PID_a1/maps" && ok "loaxad itself never mapped libcurl (the download runs in loaxa-fetch)" ||
	nok "loaxad maps libcurl"

# 3. A file changed on the server after signing: refused, the reason
# published, seen in loaxactl fleet status; the schedule is unchanged.
mkbundle s3 2030011503 v48k-stereo.mp3:sxh-03
/usr/bin/python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read()); b[-100] ^= 0xff
open(p, "wb").write(b)' "$WEB/audio/sxh-03.mp3"
publish s3 loaxa/v1/999/a2/schedule
wait_bstate a2 999 '^loaxa-bundle-state 1 serial=2030011503 state=refused detail=sxh-03.mp3 does not match the SHA-256 in the signed schedule' 20 &&
	[ "$(serial_of a2)" = 2030011501 ] &&
	ok "a file changed on the server: refused with the reason published; the station keeps serial 2030011501" ||
	nok "hash mismatch"
[ ! -e "$T/a2/fetch/2030011503" ] && [ ! -e "$T/a2/spool/sxh-03.mp3" ] &&
	ok "nothing of the refused download is left or put into the spool" || nok "leftovers"
for i in $(seq 50); do
	"$BUILD/loaxactl" fleet status "$MIRROR" --format csv >"$T/status.csv" 2>/dev/null
	grep -q '^a2,.*,2030011503,refused,"sxh-03.mp3 does not match' "$T/status.csv" && break
	sleep 0.2
done
grep -q '^a2,.*,2030011503,refused,"sxh-03.mp3 does not match' "$T/status.csv" &&
	grep -q '^a1,.*,2030011502,installed,$' "$T/status.csv" &&
	head -1 "$T/status.csv" | grep -q ',last_monitor,bundle_serial,bundle_state,bundle_detail$' &&
	ok "loaxactl fleet status (csv): bundle_serial, bundle_state, bundle_detail per station" ||
	{ nok "fleet status csv"; cat "$T/status.csv"; }
"$BUILD/loaxactl" fleet status "$MIRROR" | grep -A3 '^a2 ' | grep -q 'bundle 2030011503: refused: sxh-03.mp3 does not match' &&
	ok "loaxactl fleet status (text): the refusal under the station" || nok "fleet status text"
"$BUILD/loaxactl" fleet status "$MIRROR" --format json | /usr/bin/python3 -c '
import json, sys
rows = {r["station_id"]: r for r in json.load(sys.stdin)}
assert rows["a2"]["bundle_state"] == "refused" and rows["a2"]["bundle_serial"] == 2030011503, rows["a2"]
assert rows["b1"]["bundle_state"] == "refused", rows["b1"]
' && ok "loaxactl fleet status (json)" || nok "fleet status json"

# 3b. A newer bundle while one is being fetched replaces it: the hung
# download is stopped, the newer one installed, the older never.
kill9 "$WEB_PID"
web --stall-after 20000
mkbundle s6 2030011506 v44k-stereo.mp3:sxh-06
publish s6 loaxa/v1/999/a2/schedule
wait_bstate a2 999 'serial=2030011506 state=fetching got=20000 ' 15 || echo "# s6 not fetching"
mkbundle s7 2030011507 v08k-mono.mp3:sxh-07
publish s7 loaxa/v1/999/a2/schedule
wait_serial a2 2030011507 30 && wait_bstate a2 999 'serial=2030011507 state=installed' 10 &&
	! grep -q 'serial=2030011506' "$T/a2"/journal/*.log && [ ! -e "$T/a2/fetch/2030011506" ] &&
	[ -z "$(pgrep -P "$ST_PID_a2" -x loaxa-fetch)" ] &&
	ok "a newer bundle during a hung download: that download stopped, the newer one installed, the older never" ||
	nok "newer bundle while fetching"
kill9 "$WEB_PID"
web

# 4. A station offline during two publishes installs only the newest.
kill9 "$ST_PID_a3"
: >"$T/web.log"
mkbundle s4 2030011504 v08k-mono.mp3:sxh-04
publish s4 loaxa/v1/999/a3/schedule
mkbundle s5 2030011505 v48k-stereo.mp3:sxh-05
publish s5 loaxa/v1/999/a3/schedule
start_station a3
wait_serial a3 2030011505 30 && wait_bstate a3 999 'serial=2030011505 state=installed' 10 &&
	ok "offline during two publishes: the station installs the newest (2030011505)" || nok "a3 newest"
! grep -q 'sxh-04' "$T/web.log" && ! grep -q 'serial=2030011504' "$T/a3"/journal/*.log &&
	ok "the older one (2030011504) was never fetched nor installed" || nok "a3 fetched the older bundle"

# 5. A station restarted after installing: the retained message again gives
# state=current, nothing fetched.
: >"$T/web.log"
kill9 "$ST_PID_a1"
start_station a1
sleep 3
wait_bstate a1 999 '^loaxa-bundle-state 1 serial=2030011502 state=current$' 10 && ! grep -q GET "$T/web.log" &&
	ok "restarted: the retained bundle it runs gives state=current and no download" || nok "current after restart"

# 6. The broker restarted (persistence on): a station started afterwards
# still gets the district's retained bundle and installs it.
kill "$BROKER_PID_broker"; wait "$BROKER_PID_broker" 2>/dev/null
start_broker broker "$T/broker.conf" "$PORT"
station a4 999
start_station a4
wait_serial a4 2030011501 30 && wait_bstate a4 999 'serial=2030011501 state=installed' 10 &&
	ok "after a broker restart the retained bundle reaches a station started afterwards, which installs it" ||
	nok "a4 after the broker restart"
[ "$(serial_of a1)" = 2030011502 ] && [ "$(serial_of a3)" = 2030011505 ] &&
	ok "the older district bundle seen again after the reconnect changes nothing at the others" || nok "others changed"
[ "$(grep -c 'bundle s1.conf (serial 2030011501) received' "$T/b1.log")" = 1 ] &&
	ok "a refused bundle delivered again after the reconnect (retained) is not checked or fetched again" ||
	nok "b1 took s1 $(grep -c 'bundle s1.conf (serial 2030011501) received' "$T/b1.log") times"

# 7. HTTPS: the audio from a server whose certificate chains to the
# station's ca_file; a station trusting another CA refuses to fetch, and
# so does one without ca_file (the system's CAs, read from their hashed
# folder when needed, not the whole bundle).
make_ca "$T/pki"
make_ca "$T/pki2"
SPORT=$(free_port)
/usr/bin/python3 tests/it/range_server.py "$WEB" "$SPORT" "$T/tls.log" --tls "$T/pki/broker.crt" "$T/pki/broker.key" &
FLEET_PIDS+=($!)
for i in $(seq 100); do grep -q listening "$T/tls.log" 2>/dev/null && break; sleep 0.05; done
for s in t1 t2 t3 t4; do
	passwd_add "$T/passwd" $s pw-$s
	echo pw-$s >"$T/$s.pw"
done
kill -HUP "$BROKER_PID_broker" # mosquitto reads its password file again
sleep 0.5
make_fleet_station t1 t1 999 "$URL" "username = \"t1\"; password_file = \"$T/t1.pw\"; audio_url = \"https://localhost:$SPORT/audio\"; ca_file = \"$T/pki/ca.crt\";"
make_fleet_station t2 t2 999 "$URL" "username = \"t2\"; password_file = \"$T/t2.pw\"; audio_url = \"https://localhost:$SPORT/audio\"; ca_file = \"$T/pki2/ca.crt\";"
make_fleet_station t3 t3 999 "$URL" "username = \"t3\"; password_file = \"$T/t3.pw\"; audio_url = \"https://localhost:$SPORT/audio\";"
for s in t1 t2 t3; do
	echo "trust = { keys = [\"$KEY\"]; bundle_wait_s = 5; };" >>"$T/$s/loaxa.conf"
	station_clock $s "2030-01-15 06:00:00"
	start_station $s
done
wait_serial t1 2030011501 30 && grep -q 'GET /audio/sxh-01.mp3' "$T/tls.log" &&
	ok "over HTTPS with the station's ca_file: fetched and installed" || nok "https fetch"
wait_bstate t2 999 'serial=2030011501 state=waiting .*detail=.*(SSL|certificate)' 20 && [ "$(serial_of t2)" = 7 ] &&
	ok "a server whose certificate does not chain to ca_file: nothing fetched, state=waiting with the TLS reason" ||
	nok "https with another CA"
wait_bstate t3 999 'serial=2030011501 state=waiting .*detail=.*(SSL|certificate)' 20 && [ "$(serial_of t3)" = 7 ] &&
	ok "without ca_file, a server whose CA is not one of the system's: nothing fetched, state=waiting with the TLS reason" ||
	nok "https without ca_file"
# Without ca_file, a server whose CA is in the system's store: fetched.
# The store is /etc/ssl/certs with the test CA added, in t4's own mount
# namespace (root), never the machine's.
if unshare -m true 2>/dev/null; then
	mkdir -p "$T/syscerts"
	cp -L /etc/ssl/certs/* "$T/syscerts/" 2>/dev/null
	cp "$T/pki/ca.crt" "$T/syscerts/loaxa-test-ca.pem"
	openssl rehash "$T/syscerts" 2>/dev/null
	make_fleet_station t4 t4 999 "$URL" "username = \"t4\"; password_file = \"$T/t4.pw\"; audio_url = \"https://localhost:$SPORT/audio\";"
	echo "trust = { keys = [\"$KEY\"]; bundle_wait_s = 5; };" >>"$T/t4/loaxa.conf"
	station_clock t4 "2030-01-15 06:00:00"
	LOAXA_TEST_CLOCK_OFFSET_FILE=$T/t4/clock-offset unshare -m sh -c 'c=$0; mount --bind "$c" /etc/ssl/certs && exec "$@"' \
		"$T/syscerts" "$BUILD/loaxad" -c "$T/t4/loaxa.conf" -f -v >>"$T/t4.log" 2>&1 &
	FLEET_PIDS+=($!)
	wait_serial t4 2030011501 30 &&
		ok "without ca_file, a server whose CA is in the system's store (/etc/ssl/certs): fetched over HTTPS and installed" ||
		nok "https with the system's CAs: $(tail -3 "$T/t4.log")"
else
	echo "ok $((N += 1)) - # SKIP the system's store with a test CA needs root (unshare -m)"
fi

# 8. Behind a proxy, as a station on a network that reaches the web only
# through one: http_proxy / https_proxy in loaxad's environment (a systemd
# drop-in, docs/FLEET.md), a real tinyproxy on loopback. Plain http goes
# through the proxy; https through its CONNECT tunnel, still verified.
if command -v tinyproxy >/dev/null; then
	PPORT=$(free_port)
	cat >"$T/tinyproxy.conf" <<EOF
Port $PPORT
Listen 127.0.0.1
Timeout 60
LogFile "$T/proxy.log"
LogLevel Info
MaxClients 20
Allow 127.0.0.1
EOF
	tinyproxy -d -c "$T/tinyproxy.conf" >>"$T/proxy.out" 2>&1 &
	FLEET_PIDS+=($!)
	for i in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $PPORT), 0.2)" 2>/dev/null && break
		sleep 0.05
	done
	for s in p1 p2; do
		passwd_add "$T/passwd" $s pw-$s
		echo pw-$s >"$T/$s.pw"
	done
	kill -HUP "$BROKER_PID_broker"
	sleep 0.5
	make_fleet_station p1 p1 999 "$URL" "username = \"p1\"; password_file = \"$T/p1.pw\"; audio_url = \"http://127.0.0.1:$HPORT/audio\";"
	make_fleet_station p2 p2 999 "$URL" "username = \"p2\"; password_file = \"$T/p2.pw\"; audio_url = \"https://localhost:$SPORT/audio\"; ca_file = \"$T/pki/ca.crt\";"
	for s in p1 p2; do
		echo "trust = { keys = [\"$KEY\"]; bundle_wait_s = 5; };" >>"$T/$s/loaxa.conf"
		station_clock $s "2030-01-15 06:00:00"
	done
	: >"$T/web.log"
	http_proxy=http://127.0.0.1:$PPORT start_station p1
	https_proxy=http://127.0.0.1:$PPORT start_station p2
	wait_serial p1 2030011501 30 && grep -q "GET http://127.0.0.1:$HPORT/audio/sxh-01.mp3 " "$T/proxy.log" &&
		grep -q 'GET /audio/sxh-01.mp3' "$T/web.log" &&
		ok "behind an HTTP proxy (http_proxy): the audio came through it and serial 2030011501 is installed" ||
		nok "http through the proxy: $(grep -c . "$T/proxy.log") proxy log lines"
	wait_serial p2 2030011501 30 && grep -q "CONNECT localhost:$SPORT " "$T/proxy.log" &&
		ok "https through the proxy's CONNECT tunnel (https_proxy), verified against ca_file: installed" ||
		nok "https through the proxy: $(grep -i connect "$T/proxy.log" | head -3)"
else
	nok "tinyproxy is not installed (apt-get install tinyproxy): the proxy path is not tested"
fi

# A bad message on the topic is logged and ignored; the station goes on.
printf 'loaxa-bundle 1 name=../x.conf serial=9 conf=1 sig=1\nab' |
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -u department -P pw-department -q 1 -t loaxa/v1/999/a2/schedule -s
sleep 1
grep -q 'a bundle message was ignored' "$T/a2.log" && [ "$(serial_of a2)" = 2030011507 ] &&
	ok "a malformed bundle message is logged and ignored" || nok "malformed message"

# A bundle whose audio the library holds already (same SHA-256): installed
# without a download (loaxa-fetch does not load libcurl for it).
: >"$T/web.log"
mkbundle s8 2030011508 v08k-mono.mp3:sxh-07
publish s8 loaxa/v1/999/a2/schedule
wait_serial a2 2030011508 30 && wait_bstate a2 999 'serial=2030011508 state=installed' 10 && ! grep -q GET "$T/web.log" &&
	ok "a bundle whose audio the library already holds is installed without a download" || nok "no-download bundle"

echo "1..$N"
[ "$FAILED" = 0 ]
