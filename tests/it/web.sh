#!/bin/bash
# loaxa-web against a real loaxad (ALSA file plugin) with a plain HTTP
# client: sessions, CSRF, roles, path traversal, escaping, upload limits
# while a broadcast is due, the report's bytes, login backoff. TAP output.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/web_setup.bash

web_setup web 1
cat >"$T/st/schedule.conf" <<'EOC'
serial = 1;
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; bulletins = ["tin-a"]; } );
EOC
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
set_clock "2030-01-15 06:00:00"
start_daemon
start_web
CONF=$CONF URL=$URL T=$T AUD=$AUD BUILD=$BUILD STAFF_PW=$STAFF_PW VIEW_PW=$VIEW_PW DPID=$DPID UPLOAD_MB=1 \
	timeout 120 /usr/bin/python3 tests/it/web_security.py
rc=$?
[ $rc -eq 0 ] || { tail -20 "$T/web.log" | sed 's/^/# web: /'; tail -5 "$T/daemon.log" | sed 's/^/# daemon: /'; }
# Numbered after the Python's 38.
N=38
kill -TERM "$WPID"
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$T/web.log" &&
	ok "loaxa-web stops cleanly on SIGTERM (no sanitizer report)" ||
	{ nok "loaxa-web exit $wrc"; grep -A15 -E 'Sanitizer|runtime error' "$T/web.log" | head -30; }

# Accounts are read again on SIGHUP: a new one logs in, a removed one's
# session ends. Then HTTPS with the station file's certificate. This
# loaxa-web runs a loaxactl that takes 2 s to start, to show that a page
# being made does not hold up the others.
cat >"$T/slow-loaxactl" <<EOC
#!/bin/sh
sleep 2
exec "$BUILD/loaxactl" "\$@"
EOC
chmod +x "$T/slow-loaxactl"
: >"$T/web.log"
export LOAXA_LOAXACTL=$T/slow-loaxactl
start_web
unset LOAXA_LOAXACTL
curl -s -o /dev/null -c "$T/jar.cb" -d "user=canbo&password=$STAFF_PW" "$URL/login"
curl -s -o "$T/schedule.html" -b "$T/jar.cb" "$URL/schedule" &
slow=$!
sleep 0.3
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$T/jar.cb" "$URL/now")
ms=$((($(date +%s%N) - t0) / 1000000))
kill -0 "$slow" 2>/dev/null && [ "$code" = 200 ] && [ $ms -lt 1500 ] &&
	ok "while a slow page is being made another is served (${ms} ms)" ||
	nok "Now took ${ms} ms ($code) while the schedule page was being made"
wait "$slow"
grep -q 'id="schedule"' "$T/schedule.html" && ok "and the slow page arrives complete" || nok "slow page: $(head -c 300 "$T/schedule.html")"
echo "mat-khau-moi-1" | ctl web user add moi --role viewer >/dev/null
login() { curl -s -o /dev/null -w '%{http_code}' -c "$T/jar.$1" -d "user=$1&password=$2" "$URL/login"; }
[ "$(login moi mat-khau-moi-1)" = 403 ] && ok "an account added while running is not known before SIGHUP" ||
	nok "new account known before SIGHUP"
kill -HUP "$WPID"
for i in $(seq 40); do grep -q 'SIGHUP' "$T/web.log" && break; sleep 0.05; done
[ "$(login moi mat-khau-moi-1)" = 303 ] && ok "after SIGHUP it logs in" || nok "new account after SIGHUP"
sed -i '/^moi /d' "$T/st/web-users"
kill -HUP "$WPID"
sleep 0.2
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$T/jar.moi" "$URL/now")
[ "$code" = 303 ] && ok "an account taken out loses its session at SIGHUP" || nok "removed account still has a session ($code)"
kill -TERM "$WPID"; wait "$WPID"; WPID=

# issue 16: each request's Accept-Language picks the words (gettext per
# request), whatever locale and LANGUAGE loaxa-web was started under.
for envs in "LANG=C" "LANG=vi_VN.UTF-8 LANGUAGE=en" "LANG=vi_VN.UTF-8"; do
	: >"$T/web.log"
	# shellcheck disable=SC2086
	env $envs "$BUILD/loaxa-web" -c "$CONF" -v >>"$T/web.log" 2>&1 &
	WPID=$!
	wait_web_port
	curl -s -H "Accept-Language: en-GB,en;q=0.8,vi;q=0.5" "http://127.0.0.1:$PORT/login" >"$T/login.en"
	curl -s -H "Accept-Language: vi,en;q=0.8" "http://127.0.0.1:$PORT/login" >"$T/login.vi"
	grep -q '<html lang="en">' "$T/login.en" && grep -q '<h2>Log in</h2>' "$T/login.en" && grep -q '>Password <input' "$T/login.en" &&
		! grep -q 'Đăng nhập' "$T/login.en" &&
		grep -q '<html lang="vi">' "$T/login.vi" && grep -q '<h2>Đăng nhập</h2>' "$T/login.vi" && grep -q '>Mật khẩu <input' "$T/login.vi" &&
		! grep -q 'Log in' "$T/login.vi" &&
		ok "loaxa-web started with $envs: English and Vietnamese login pages by Accept-Language" ||
		{ nok "login page languages with $envs"; head -c 600 "$T/login.en" "$T/login.vi" | sed 's/^/#   /'; }
	# a play the daemon refuses: its reason in the page's language (the
	# daemon's message= for lang=vi), the English error= otherwise
	for al in en vi; do
		u="http://127.0.0.1:$PORT"
		rm -f "$T/jar.al"
		curl -s -o /dev/null -c "$T/jar.al" -H "Accept-Language: $al" -d "user=canbo&password=$STAFF_PW" "$u/login"
		tok=$(curl -s -b "$T/jar.al" -H "Accept-Language: $al" "$u/now" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
		curl -s -o /dev/null -b "$T/jar.al" -H "Accept-Language: $al" -d "id=tin-khong-co&csrf=$tok" "$u/play"
		curl -s -b "$T/jar.al" -H "Accept-Language: $al" "$u/bulletins" | grep -o '<div class="msg bad" id="msg">[^<]*' >"$T/refused.$al"
	done
	grep -q "no bulletin &#39;tin-khong-co&#39; in the library\|no bulletin 'tin-khong-co' in the library" "$T/refused.en" &&
		grep -q "thư viện không có bản tin &#39;tin-khong-co&#39;\|thư viện không có bản tin 'tin-khong-co'" "$T/refused.vi" &&
		! grep -q 'no bulletin' "$T/refused.vi" &&
		ok "loaxa-web started with $envs: a refused play is told in the page's language (en, vi)" ||
		{ nok "refused play by language with $envs"; sed 's/^/#   /' "$T/refused.en" "$T/refused.vi"; }
	kill -TERM "$WPID"; wait "$WPID"; WPID=
	# its own log: in the language it was started in, whatever the pages'
	if [ "$envs" = LANG=vi_VN.UTF-8 ]; then
		grep -q "phục vụ Xã Kiểm Thử tại http://127.0.0.1:0 (cổng $PORT), tài khoản lấy từ" "$T/web.log" &&
			grep -q 'canbo đã đăng nhập từ 127.0.0.1 (staff)' "$T/web.log" && grep -q 'đang dừng$' "$T/web.log" &&
			! grep -q 'logged in\|serving\|stopping' "$T/web.log" &&
			ok "loaxa-web started with $envs: its log in Vietnamese" ||
			{ nok "log in Vietnamese"; sed 's/^/#   /' "$T/web.log"; }
	else
		grep -q "serving Xã Kiểm Thử on http://127.0.0.1:0 (port $PORT), accounts from" "$T/web.log" &&
			grep -q 'canbo logged in from 127.0.0.1 (staff)' "$T/web.log" && grep -q 'stopping$' "$T/web.log" &&
			! grep -q 'đăng nhập' "$T/web.log" &&
			ok "loaxa-web started with $envs: its log in English" || { nok "log in English"; sed 's/^/#   /' "$T/web.log"; }
	fi
done

# At rest (issue 17): a visit is served by a process of its own, which
# loads libmicrohttpd (and the GnuTLS with p11-kit it brings) and ends once
# nobody is connected; loaxa-web itself never maps them. The sessions and
# the failed logins are loaxa-web's and outlive each visit's process. The
# rest comes after 1 s here (30 s in service).
mapped() { grep -qE 'libmicrohttpd|libgnutls|libp11-kit' "/proc/$1/maps"; }
visitor() { pgrep -P "$WPID" -x loaxa-web | head -1; }
ctxsw() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$WPID/status"; }
rested() {
	local i
	for i in $(seq 100); do [ -z "$(visitor)" ] && return 0; sleep 0.05; done
	return 1
}
export LOAXA_TEST_WEB_REST_S=1
: >"$T/web.log"
start_web
! mapped "$WPID" && [ -z "$(visitor)" ] && ok "at rest after start: no visit's process; neither libmicrohttpd nor GnuTLS is mapped" ||
	nok "libmicrohttpd mapped, or a visit's process, before anyone connected"
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$T/jar.rest" -d "user=canbo&password=$STAFF_PW" "$URL/login")
v=$(visitor)
[ "$code" = 303 ] && [ -n "$v" ] && mapped "$v" && ! mapped "$WPID" &&
	ok "the first visitor starts a process that loads libmicrohttpd and logs in; loaxa-web maps none of it" ||
	nok "login from rest ($code), visit's process ${v:-none}"
rested && ok "1 s after the last connection closed the visit's process has ended" || nok "visit's process still there"
c0=$(ctxsw)
sleep 2
c1=$(ctxsw)
[ "$c1" = "$c0" ] && ok "at rest again: no wake-ups in 2 s" || nok "woke $((c1 - c0)) times at rest"
! mapped "$WPID" && ! grep -q 'loaxa\.mo' "/proc/$WPID/maps" &&
	ok "after a visit loaxa-web maps neither GnuTLS, p11-kit nor the catalogue" || nok "after a visit: $(grep -oE 'lib(gnutls|p11-kit)[^ ]*|loaxa\.mo' "/proc/$WPID/maps" | sort -u | tr '\n' ' ')"
curl -s -b "$T/jar.rest" "$URL/now" >"$T/now.rest.html"
grep -q 'canbo' "$T/now.rest.html" && ok "the session made before the rest still works after it" ||
	nok "session lost at rest: $(head -c 300 "$T/now.rest.html")"
# A visit's process killed outright: loaxa-web says so and the next
# connection is served by a new one, with the sessions as they were.
v=$(visitor)
[ -n "$v" ] && kill -9 "$v"
for i in $(seq 40); do grep -q 'killed by signal 9' "$T/web.log" && break; sleep 0.05; done
code=$(curl -s -o "$T/now.kill.html" -w '%{http_code}' -b "$T/jar.rest" "$URL/now")
v2=$(visitor)
[ -n "$v" ] && [ -n "$v2" ] && [ "$v2" != "$v" ] && [ "$code" = 200 ] && grep -q 'canbo' "$T/now.kill.html" &&
	grep -q 'killed by signal 9' "$T/web.log" && kill -0 "$WPID" &&
	ok "a visit's process killed (-9): logged, the next page comes from a new one, still logged in" ||
	nok "after kill -9 of the visit's process ($v -> ${v2:-none}): $code"
# Failed logins outlive the visit's process: the wait holds across a rest.
bad() { curl -s -o /dev/null -w '%{http_code}' -d "user=xem&password=sai-$1" "$URL/login"; }
codes="$(bad 1) $(bad 2) $(bad 3) $(bad 4)"
sleep 2.1 # 1 s, in whole seconds up to 2
codes="$codes $(bad 5)"
sleep 3.1 # 2 s, up to 3
codes="$codes $(bad 6)"
rested
v=$(visitor)
hdr=$(curl -s -D - -o /dev/null -d "user=xem&password=$VIEW_PW" "$URL/login")
[ "$codes" = "403 403 403 403 403 403" ] && [ -z "$v" ] && grep -q '^HTTP/1.1 429' <<<"$hdr" &&
	ok "failed logins outlive the visit's process: after a rest the right password still waits (429)" ||
	nok "backoff across a rest: $codes, visit's process ${v:-none}, $(head -1 <<<"$hdr")"
kill -TERM "$WPID"; wait "$WPID"; WPID=

if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
		-keyout "$T/st/web.key" -out "$T/st/web.crt" >/dev/null 2>&1
	sed -i 's|^web = { |web = { tls_cert = "web.crt"; tls_key = "web.key"; |' "$CONF"
	: >"$T/web.log"
	start_web
	hdr=$(curl -s -k -D - -o /dev/null -d "user=canbo&password=$STAFF_PW" "https://127.0.0.1:$PORT/login")
	grep -qi '^set-cookie: loaxa_session=.*; Secure' <<<"$hdr" && grep -q '^HTTP/1.1 303' <<<"$hdr" &&
		ok "HTTPS with the station file's certificate; the cookie is Secure" || nok "HTTPS login: $hdr"
	out=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/login" 2>&1)
	! grep -q 'password' <<<"$out" && ok "no plain HTTP on the HTTPS port" || nok "plain HTTP answered on the TLS port"
	rested && ! mapped "$WPID" && code=$(curl -s -k -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/login") &&
		[ "$code" = 200 ] && ok "HTTPS again after a rest (a new visit's process); loaxa-web never maps GnuTLS" ||
		nok "HTTPS after a rest: ${code:-not at rest}"
	kill -TERM "$WPID"; wait "$WPID"; WPID=
	# A certificate GnuTLS refuses is said at start, not at the first visit.
	cp "$T/st/web.crt" "$T/st/web.crt.good"
	echo "-----BEGIN CERTIFICATE-----" >"$T/st/web.crt"
	timeout 10 "$BUILD/loaxa-web" -c "$CONF" >"$T/web.bad.log" 2>&1
	brc=$?
	[ $brc -ne 0 ] && [ $brc -ne 124 ] && grep -q 'cannot serve https with .*web.crt' "$T/web.bad.log" &&
		ok "a bad certificate stops loaxa-web at start, saying which file" ||
		nok "bad certificate: exit $brc, $(cat "$T/web.bad.log")"
	mv "$T/st/web.crt.good" "$T/st/web.crt"
else
	nok "openssl is missing (HTTPS not tested)"
fi
[ $rc -eq 0 ] && [ $FAILED -eq 0 ]
