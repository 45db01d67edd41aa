#!/bin/bash
# A library loaxad (or loaxa-web) loads only when first needed, damaged on the SD card
# (an empty file where libmodbus.so.5 and libsodium.so.23 were: a power cut
# mid-upgrade): the daemon runs and says which file; the amplifier's fault
# names libmodbus, a pushed bundle is not installed and the log names
# libsodium; the bundle is not thrown away for the station's own fault. Once
# the files are repaired (here: unmounted) both are used at the next try,
# without a restart. The damage is a bind mount in the daemon's own mount
# namespace (unshare -m, so root), never the machine's files.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/web_setup.bash

PY=/usr/bin/python3
if ! unshare -m true 2>/dev/null; then
	echo "ok 1 - # SKIP a mount namespace needs root (unshare -m)"
	exit 0
fi
if ! $PY -c 'import pymodbus' 2>/dev/null || ! command -v minisign >/dev/null; then
	echo "ok 1 - # SKIP python3-pymodbus or minisign not installed"
	exit 0
fi
lib_path() { ldconfig -p | awk -v n="$1" '$1 == n && /x86-64|64bit|AArch64/ { print $NF; exit } $1 == n { p = $NF } END { if (p) print p }' | head -1; }
MODBUS=$(lib_path libmodbus.so.5)
SODIUM=$(lib_path libsodium.so.23)
[ -n "$MODBUS" ] && [ -n "$SODIUM" ] || { echo "not ok 1 - ldconfig knows no libmodbus.so.5 or libsodium.so.23"; exit 1; }

it_setup brokenlib

# The names dlopen is given are the installed libraries' sonames (the
# Makefile reads them from the libraries built against).
bad=
for x in loaxad:libmodbus.so.5 loaxad:libsodium.so.23 loaxa-web:libmicrohttpd.so.12 loaxa-fetch:libcurl.so.4; do
	prog=${x%%:*} lib=${x#*:}
	path=$(lib_path "$lib")
	want=$(readelf -d "$path" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	have=$(strings -a "$BUILD/$prog" | grep -xE "${lib%%.so.*}\.so\.[0-9]+" | sort -u | tr '\n' ' ')
	[ -n "$want" ] && [ "$have" = "$want " ] || bad="$bad $prog:$lib(wants '$want', has '$have')"
done
[ -z "$bad" ] && ok "each library loaded with dlopen is asked for by its installed soname" || nok "sonames:$bad"
SIM_PID= WPID=
cleanup_all() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	it_cleanup
}
trap cleanup_all EXIT
jgrep() { grep -h "$@" "$T"/st/journal/*.log; }

echo '{}' >"$T/sim.ctl"
$PY tests/it/relay_sim.py --tcp 0 --log "$T/sim.log" --control "$T/sim.ctl" --ready "$T/sim.ready" 2>>"$T/sim.err" &
SIM_PID=$!
for _ in $(seq 200); do [ -s "$T/sim.ready" ] && break; sleep 0.05; done
SIM_PORT=$(cat "$T/sim.ready") || bail "relay simulator did not start"

make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || bail "minisign -G"
cat >>"$CONF" <<EOF
amplifier = { enabled = true; transport = "tcp"; host = "127.0.0.1"; port = $SIM_PORT; slave = 1;
  timeout_ms = 300; power_coil = 0; zones = ( { zone = 1; coil = 1; } ); warmup_ms = 0; hold_s = 0; };
trust = { keys = ["$(sed -n 2p "$T/dept.pub")"]; bundle_wait_s = 1; };
EOF
sed -i 's/catchup_minutes = 2/catchup_minutes = 10/' "$CONF"
ctl bulletin add "$AUD/v08k-mono.mp3" --id tin-a --title "A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; zones = [1]; } );
EOF
mkdir -p "$T/b"
cp "$AUD/v22k-mono.mp3" "$T/b/tin-b.mp3"
cat >"$T/b/moi.conf" <<EOF
serial = 2;
district = "999";
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00"]; bulletins = ["tin-b"]; zones = [1]; } );
files = ( { bulletin = "tin-b"; file = "tin-b.mp3"; sha256 = "$(sha256sum "$T/b/tin-b.mp3" | cut -d' ' -f1)";
            size = $(stat -c %s "$T/b/tin-b.mp3"); title = "B"; } );
EOF
minisign -S -s "$T/dept.key" -m "$T/b/moi.conf" -t "moi" >/dev/null || bail "minisign -S"

# loaxad with both files damaged, in its own mount namespace.
: >"$T/empty.so"
set_clock "2030-01-15 06:29:58"
unshare -m sh -c 'e=$0 m=$1 s=$2; shift 2; mount --bind "$e" "$m" && mount --bind "$e" "$s" && exec "$@"' \
	"$T/empty.so" "$MODBUS" "$SODIUM" "$BUILD/loaxad" -c "$CONF" -f -v >>"$T/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.05; done
ctl status >/dev/null 2>&1 && ok "loaxad starts with libmodbus and libsodium damaged (it loads neither at start)" ||
	bail "loaxad did not start: $(tail -3 "$T/daemon.log")"

wait_journal "amp-fault .*cannot load .*libmodbus\.so\.5" 10 &&
	ok "the amplifier's fault names the damaged file: $(jgrep -o 'amp-fault .*libmodbus[^ ]*' | head -1 | cut -c1-120)" ||
	nok "amp-fault: $(jgrep 'amp-fault' | head -2)"
for _ in $(seq 60); do ctl status | grep -q 'state: *starting' && break; sleep 0.1; done
ctl status | grep -q 'state: *starting' && ok "the 06:30 broadcast waits for the amplifier, as with a board that does not answer" ||
	nok "status: $(ctl status | grep -E '^(time|state)')"

cp "$T/b/tin-b.mp3" "$T/b/moi.conf" "$T/b/moi.conf.minisig" "$T/st/spool/"
for _ in $(seq 100); do grep -q 'cannot load .*libsodium\.so\.23' "$T/daemon.log" && break; sleep 0.05; done
grep -q 'cannot load .*libsodium\.so\.23.*: signatures cannot be checked until it is repaired' "$T/daemon.log" &&
	ok "a pushed bundle: the log names the damaged libsodium" || nok "log: $(grep -i sodium "$T/daemon.log" | head -2)"
sleep 1.5
! jgrep -q 'schedule-installed serial=2' && [ "$(ctl status --fields | sed -n 's/^schedule.serial=//p')" = 1 ] &&
	ok "the bundle is not installed unchecked; serial 1 stays" || nok "installed without a signature check"
[ -f "$T/st/spool/moi.conf" ] && [ ! -e "$T/st/spool/rejected/moi.conf" ] &&
	grep -q 'bundle moi: signatures cannot be checked: libsodium will not load (the log says why); trying again in 60 s' "$T/daemon.log" &&
	ok "and it is not thrown away (the station's own fault, not the bundle's): tried again in 60 s" ||
	nok "bundle moved: $(ls "$T/st/spool" "$T/st/spool/rejected" 2>&1 | tr '\n' ' ')"

# The repair: the files are whole again (unmounted); loaxactl reload (or
# SIGHUP) tries the held bundle at once instead of in 60 s.
nsenter -t "$DPID" -m umount "$MODBUS" && nsenter -t "$DPID" -m umount "$SODIUM" || bail "umount in the daemon's namespace"
wait_journal 'end occ=sang@2030-01-15T06:30 outcome=(aired|late)' 20 &&
	ok "libmodbus repaired: the amplifier switches and the 06:30 broadcast airs, no restart ($(jgrep -o 'end occ=sang@[^ ]* outcome=[a-z]*'))" ||
	nok "06:30: $(jgrep 'occ=sang@' | cut -c1-160)"
grep -q ' coil 1 1$' "$T/sim.log" && ok "the board saw zone 1 switched on" || nok "no coil writes: $(tail -3 "$T/sim.log")"
ctl reload >/dev/null
wait_journal 'schedule-installed serial=2 ' 20 &&
	ok "libsodium repaired: after a reload the held bundle is checked and installed, no restart" ||
	nok "bundle: $(jgrep 'schedule-' | tail -2 | cut -c1-200)"
alive && ok "the daemon ran throughout" || nok "the daemon died"

# loaxa-web with libmicrohttpd damaged: the visitor is told, in their
# language, and the page comes back once the file is repaired.
MHD=$(lib_path libmicrohttpd.so.12)
[ -n "$MHD" ] || bail "ldconfig knows no libmicrohttpd.so.12"
echo "web = { listen = \"127.0.0.1:0\"; users = \"web-users\"; };" >>"$CONF"
echo mat-khau-xem | ctl web user add xem --role viewer >/dev/null || bail "web user add"
unshare -m sh -c 'e=$0 m=$1; shift; mount --bind "$e" "$m" && exec "$@"' \
	"$T/empty.so" "$MHD" "$BUILD/loaxa-web" -c "$CONF" -v >>"$T/web.log" 2>&1 &
WPID=$!
wait_web_port || bail "loaxa-web did not start: $(cat "$T/web.log")"
vi=$(curl -s -m 5 -w '\n%{http_code}' "$URL/login")
en=$(curl -s -m 5 -H 'Accept-Language: en' -w '\n%{http_code}' "$URL/now")
[ "${vi##*$'\n'}" = 503 ] && grep -q 'Trang web của đài chưa mở được' <<<"$vi" && grep -q 'libmicrohttpd\.so\.12: file too short' <<<"$vi" &&
	ok "a visit: 503 in Vietnamese, naming the damaged file" || nok "visit: $vi"
[ "${en##*$'\n'}" = 503 ] && grep -q "The station goes on broadcasting on its schedule" <<<"$en" &&
	ok "and in English for an English browser" || nok "visit (en): $en"
grep -q 'libmicrohttpd\.so\.12: file too short' "$T/web.log" && ok "loaxa-web's log names the file" || nok "web log: $(cat "$T/web.log")"
nsenter -t "$WPID" -m umount "$MHD" || bail "umount in loaxa-web's namespace"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/login")
[ "$code" = 200 ] && kill -0 "$WPID" && ok "repaired: the next visit gets the page, loaxa-web never stopped" || nok "after the repair: $code"
kill -TERM "$WPID"
wait "$WPID"
WPID=
stop_daemon
it_done
