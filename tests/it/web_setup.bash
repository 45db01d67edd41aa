# Shared by tests/it/web*.sh (sourced after lib.bash): a station with the
# web section, two accounts, loaxad on ALSA's file plugin and loaxa-web on a
# free loopback port (the kernel picks it: listen = "127.0.0.1:0").
WPID=

web_cleanup() {
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	it_cleanup
}

# web_setup NAME MAX_UPLOAD_MB
web_setup() {
	it_setup "$1"
	trap web_cleanup EXIT
	[ -x "$BUILD/loaxa-web" ] || bail "$BUILD/loaxa-web is not built"
	make_station "$T/st" loaxatest
	CONF=$T/st/loaxa.conf
	cat >>"$CONF" <<EOC
web = { listen = "127.0.0.1:0"; users = "web-users"; max_upload_mb = $2; };
EOC
	ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin xã <a>" >/dev/null || bail "bulletin add"
	STAFF_PW=mat-khau-can-bo
	VIEW_PW=mat-khau-xem
	echo "$STAFF_PW" | ctl web user add canbo --role staff >/dev/null || bail "web user add canbo"
	echo "$VIEW_PW" | ctl web user add xem --role viewer >/dev/null || bail "web user add xem"
	# Wrong usage is exit 2, bad input exit 1, and the file is left as it was.
	local before rc1 rc2 rc3 rc4
	before=$(cat "$T/st/web-users")
	echo "$STAFF_PW" | ctl web user add >/dev/null 2>&1; rc1=$?
	echo "$STAFF_PW" | ctl web user add ai --role admin >/dev/null 2>&1; rc2=$?
	echo "$STAFF_PW" | ctl web user add "cán bộ" >/dev/null 2>&1; rc3=$?
	echo "ngan" | ctl web user add ai >/dev/null 2>&1; rc4=$?
	[ "$rc1$rc2$rc3$rc4" = 2211 ] && [ "$(cat "$T/st/web-users")" = "$before" ] ||
		bail "web user add: usage/bad input exits $rc1 $rc2 $rc3 $rc4, or the file changed"
}

# wait_web_port: PORT and URL once loaxa-web ($WPID) logs where it serves
# ($T/web.log); 1 if it does not within 5 s or stops.
wait_web_port() {
	local i
	for i in $(seq 100); do
		PORT=$(sed -n 's/.*(\(port\|cổng\) \([0-9]*\)).*/\2/p' "$T/web.log")
		[ -n "$PORT" ] && { URL=http://127.0.0.1:$PORT; return 0; }
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

start_web() {
	: >>"$T/web.log"
	"$BUILD/loaxa-web" -c "$CONF" -v >>"$T/web.log" 2>&1 &
	WPID=$!
	wait_web_port && return 0
	cat "$T/web.log"
	bail "loaxa-web did not start"
}
