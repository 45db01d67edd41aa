# Helpers for the fleet tests (sourced after lib.bash): a throw-away CA and
# broker certificate, real mosquitto brokers on free loopback ports (TLS,
# password file, ACL), loaxa-collector and loaxad stations, each tracked
# by its PID and killed at exit.
MOSQUITTO=${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
FLEET_PIDS=()

fleet_cleanup() {
	local p
	[ ${#FLEET_PIDS[@]} -eq 0 ] || end_pids "${FLEET_PIDS[@]}"
	for p in "${FLEET_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	it_cleanup
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_ca DIR: ca.crt, broker.crt/key for localhost and 127.0.0.1.
make_ca() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=loaxa test CA" \
		-keyout "$d/ca.key" -out "$d/ca.crt" >/dev/null 2>&1 || bail "openssl: CA"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/broker.key" \
		-out "$d/broker.csr" >/dev/null 2>&1 || bail "openssl: broker key"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/ext"
	openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/broker.crt" >/dev/null 2>&1 || bail "openssl: broker certificate"
	chmod 0644 "$d/broker.key"
}

# passwd_add FILE USER PASSWORD
passwd_add() {
	[ -f "$1" ] || : >"$1"
	mosquitto_passwd -b "$1" "$2" "$3" >/dev/null 2>&1 || bail "mosquitto_passwd $2"
	chmod 0600 "$1"
}

# start_broker NAME CONF: runs it; its PID in BROKER_PID_NAME. Waits for the port.
start_broker() {
	local name=$1 conf=$2 port=$3 i
	"$MOSQUITTO" -c "$conf" >>"$T/$name.log" 2>&1 &
	eval "BROKER_PID_$name=$!"
	FLEET_PIDS+=($!)
	for i in $(seq 100); do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && return 0
		sleep 0.05
	done
	bail "mosquitto $name did not start"
}

# start_collector NAME CONF
start_collector() {
	"$BUILD/loaxa-collector" -c "$2" -v >>"$T/$1.log" 2>&1 &
	eval "COLL_PID_$1=$!"
	FLEET_PIDS+=($!)
}

# start_station NAME: the station in $T/NAME (its own clock offset file).
start_station() {
	LOAXA_TEST_CLOCK_OFFSET_FILE=$T/$1/clock-offset "$BUILD/loaxad" -c "$T/$1/loaxa.conf" -f -v >>"$T/$1.log" 2>&1 &
	eval "ST_PID_$1=$!"
	FLEET_PIDS+=($!)
	local i
	for i in $(seq 100); do
		[ -S "$T/$1/loaxad.sock" ] && "$BUILD/loaxactl" -c "$T/$1/loaxa.conf" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	bail "loaxad $1 did not start"
}

# station_clock NAME "YYYY-MM-DD HH:MM:SS": that station's wall clock.
station_clock() {
	local target pid
	target=$(TZ=Asia/Ho_Chi_Minh date -d "$2" +%s)
	echo $((target - $(date +%s))) >"$T/$1/clock-offset"
	eval "pid=\${ST_PID_$1:-}"
	[ -n "$pid" ] && kill -USR2 "$pid" 2>/dev/null
	return 0
}

# make_fleet_station NAME ID DISTRICT BROKER_URL [extra fleet keys]
make_fleet_station() {
	local d=$T/$1
	mkdir -p "$d/library"
	echo 0 >"$d/clock-offset"
	cat >"$d/loaxa.conf" <<EOF
station = { id = "$2"; commune_code = "c-$2"; district_code = "$3"; name = "Xã $2"; };
paths = { library = "library"; journal = "journal"; schedule = "schedule.conf"; spool = "spool";
          control = "loaxad.sock"; state = "."; };
audio = { device = "null"; };
broadcast = { catchup_minutes = 2; };
clock = { require_sync = false; };
fleet = { broker = "$4"; retry_max = 1; keepalive = 30; ${5:-} };
EOF
	# Every quarter of an hour, all day: a week of downtime is ~670 missed lines.
	cat >"$d/schedule.conf" <<'EOF'
serial = 7;
slots = ( { id = "q"; every_minutes = 15; bulletins = ["tin"]; } );
EOF
	"$BUILD/loaxactl" -c "$d/loaxa.conf" bulletin add "$AUD/v22k-mono.mp3" --id tin --title "Bản tin" >/dev/null 2>&1 ||
		bail "bulletin add for $1"
}

# same_journal STATION_DIR MIRROR_STATION_DIR: every month file identical.
same_journal() {
	local a=$1/journal b=$2/journal f
	[ -d "$b" ] || return 1
	[ "$(cd "$a" && ls -1 -- *.log 2>/dev/null)" = "$(cd "$b" && ls -1 -- *.log 2>/dev/null)" ] || return 1
	for f in "$a"/*.log; do
		cmp -s "$f" "$b/$(basename "$f")" || return 1
	done
	return 0
}

# wait_mirrored SECONDS MIRROR NAME:ID...: until every station's mirror is identical.
wait_mirrored() {
	local secs=$1 mirror=$2 i s all
	shift 2
	for i in $(seq $((secs * 10))); do
		all=1
		for s in "$@"; do
			same_journal "$T/${s%%:*}" "$mirror/${s#*:}" || { all=0; break; }
		done
		[ $all = 1 ] && return 0
		sleep 0.1
	done
	for s in "$@"; do
		same_journal "$T/${s%%:*}" "$mirror/${s#*:}" ||
			echo "# ${s%%:*}: $(cat "$T/${s%%:*}"/journal/*.log | wc -l) lines, mirror $(cat "$mirror/${s#*:}"/journal/*.log 2>/dev/null | wc -l)"
	done
	return 1
}

# lines NAME: the station's journal line count.
journal_lines() { cat "$T/$1"/journal/*.log | wc -l; }

# kill9 PID: kill -9 and reap it, quietly.
kill9() { { kill -9 "$1" && wait "$1"; } 2>/dev/null; }
