#!/bin/bash
# Scale beyond one broker is Mosquitto's job (docs/FLEET.md): two district
# brokers, each bridged to a provincial broker (three real mosquitto
# instances on loopback), a collector per district and a provincial
# collector (district "+") that must mirror every district's stations.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/fleet_lib.bash

it_setup fleet-bridge
trap fleet_cleanup EXIT
unset LOAXA_TEST_CLOCK_OFFSET_FILE

PP=$(free_port); P1=$(free_port); P2=$(free_port)
broker_conf() { # FILE PORT [bridge lines]
	printf 'user %s\nallow_anonymous true\npersistence false\nlog_type all\nlistener %s 127.0.0.1\n%s\n' \
		"$(id -un)" "$2" "${3:-}" >"$1"
}
bridge() { # DISTRICT: the shipped example, pointed at the test's provincial broker
	sed -e "s#/271/#/$1/#g" -e "s/^address .*/address 127.0.0.1:$PP/" -e "s/district-271/district-$1/" \
		-e '/^bridge_cafile/d; /^remote_password/d' config/fleet/mosquitto-bridge.conf
}
broker_conf "$T/prov.conf" "$PP"
broker_conf "$T/d1.conf" "$P1" "$(bridge 999)"
broker_conf "$T/d2.conf" "$P2" "$(bridge 998)"
start_broker prov "$T/prov.conf" "$PP"
start_broker d1 "$T/d1.conf" "$P1"
start_broker d2 "$T/d2.conf" "$P2"
for i in $(seq 100); do
	[ "$(grep -c 'Connecting bridge' "$T/d1.log" "$T/d2.log" | grep -c ':[1-9]')" = 2 ] &&
		[ "$(grep -c 'New client connected .* as .*province' "$T/prov.log")" -ge 2 ] && break
	sleep 0.05
done
grep -q 'as .*province' "$T/prov.log" && ok "both district brokers bridged to the provincial broker" || nok "no bridge"

coll_conf() { # FILE BROKER_PORT DISTRICT MIRROR
	echo "collector = { broker = \"mqtt://127.0.0.1:$2\"; district = \"$3\"; mirror = \"$4\"; retry_max = 1; };" >"$1"
}
coll_conf "$T/c1.conf" "$P1" 999 "$T/m1"
coll_conf "$T/c2.conf" "$P2" 998 "$T/m2"
coll_conf "$T/cp.conf" "$PP" + "$T/mp"
start_collector c1 "$T/c1.conf"
start_collector c2 "$T/c2.conf"
start_collector cp "$T/cp.conf"
make_fleet_station a st-a 999 "mqtt://127.0.0.1:$P1"
make_fleet_station b st-b 999 "mqtt://127.0.0.1:$P1"
make_fleet_station c st-c 998 "mqtt://127.0.0.1:$P2"
for s in a b c; do station_clock $s "2030-05-01 08:00:00"; start_station $s; done
sleep 0.5
for s in a b c; do station_clock $s "2030-05-05 08:00:00"; done

wait_mirrored 30 "$T/m1" a:st-a b:st-b && wait_mirrored 30 "$T/m2" c:st-c &&
	ok "each district's collector mirrors its own stations" || nok "district mirrors"
[ ! -e "$T/m1/st-c" ] && [ ! -e "$T/m2/st-a" ] && ok "a district collector sees no other district's station" ||
	nok "a district saw another's station"
wait_mirrored 30 "$T/mp" a:st-a b:st-b c:st-c &&
	ok "the provincial collector mirrors every district's stations, byte-identical" || nok "provincial mirror"
"$BUILD/loaxactl" fleet status "$T/mp" --format csv >"$T/prov.csv"
[ "$(grep -c ',ok,' "$T/prov.csv")" = 3 ] && grep -q '^st-c,998,' "$T/prov.csv" && grep -q '^st-a,999,' "$T/prov.csv" &&
	ok "provincial fleet status: three stations in two districts, chains ok" || { nok "provincial status"; cat "$T/prov.csv"; }
# The mirror's layout is a station's: roll-up over its station folders.
"$BUILD/loaxactl" rollup --month 2030-05 --schedule "$T/a/schedule.conf" --format csv "$T"/mp/* >/dev/null 2>"$T/rollup.err" &&
	! grep -q "no journal" "$T/rollup.err" && ok "loaxactl rollup MIRROR/* reads the provincial mirror" ||
	{ nok "rollup on the mirror"; cat "$T/rollup.err"; }
it_done
