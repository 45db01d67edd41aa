#!/bin/bash
# loaxa-web's logins (issue 17): the password is checked (Argon2id) in a
# child process, never in loaxa-web or in the loop serving the pages. A
# right password logs in, a wrong one is refused, and a check that dies or
# says nothing is a refusal, never a login; the slowdown after failures
# holds. The check is watched and broken through an LD_PRELOAD shim around
# libsodium's crypto_pwhash_str_verify (tests/it/pwshim.c). TAP output.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/web_setup.bash

web_setup web-login 1
cc -shared -fPIC -O1 -o "$T/pwshim.so" tests/it/pwshim.c -ldl || bail "cannot build the shim"
export LOAXA_PWSHIM_LOG=$T/checks LOAXA_PWSHIM_MODE=$T/mode
: >"$T/checks"
: >"$T/mode"
# the sanitizer's runtime must come first when loaxa-web is built with it
san=$(ldd "$BUILD/loaxa-web" | awk '/libasan/ { print $3 }')
LD_PRELOAD="${san:+$san:}$T/pwshim.so" start_web
visitor() { pgrep -P "$WPID" -x loaxa-web | head -1; }
# login NAME PASSWORD JAR: the HTTP status; the jar holds any cookie
login() { curl -s -o /dev/null -w '%{http_code}' -c "$3" -d "user=$1&password=$2" "$URL/login"; }
has_session() { grep -q 'loaxa_session' "$1"; }
checks() { wc -l <"$T/checks"; }

code=$(login canbo "$STAFF_PW" "$T/jar.1")
v=$(visitor)
read -r cpid cppid <"$T/checks"
[ "$code" = 303 ] && has_session "$T/jar.1" && grep -q 'canbo logged in from 127.0.0.1 (staff)' "$T/web.log" &&
	ok "the right password logs in (303, a session cookie, the log names the account)" ||
	nok "right password: $code, $(tail -3 "$T/web.log")"
[ -n "$v" ] && [ "$cppid" = "$v" ] && [ "$cpid" != "$v" ] && [ "$cpid" != "$WPID" ] &&
	ok "the password was checked in a child of the visit's process, not in the loop" ||
	nok "checked by $cpid (parent $cppid); loaxa-web $WPID, visit's process ${v:-none}"
code=$(login canbo sai-mat-khau "$T/jar.2")
[ "$code" = 403 ] && ! has_session "$T/jar.2" && grep -q 'failed login for "canbo" from 127.0.0.1' "$T/web.log" &&
	ok "a wrong password is refused (403, no cookie, logged)" || nok "wrong password: $code"
code=$(login ai-do "$STAFF_PW" "$T/jar.3")
[ "$code" = 403 ] && ! has_session "$T/jar.3" && [ "$(checks)" = 3 ] &&
	ok "an unknown account is refused after a check like any other" || nok "unknown account: $code, $(checks) checks"
echo kill >"$T/mode"
code=$(login canbo "$STAFF_PW" "$T/jar.4")
[ "$code" = 503 ] && ! has_session "$T/jar.4" && grep -q 'password check for "canbo" from 127.0.0.1 ended with -1: refused' "$T/web.log" &&
	[ -n "$(visitor)" ] && ok "a check killed (SIGKILL) with the right password: refused (503), no session, logged" ||
	nok "killed check: $code, $(tail -2 "$T/web.log")"
echo exit0 >"$T/mode"
code=$(login canbo "$STAFF_PW" "$T/jar.5")
[ "$code" = 403 ] && ! has_session "$T/jar.5" && ok "a check that ends without saying yes: refused" ||
	nok "silent check: $code"
: >"$T/mode"
sleep 2.1 # 4 failures from this address (the unknown account's too): a 1 s wait, in whole seconds up to 2
code=$(login canbo "$STAFF_PW" "$T/jar.6")
[ "$code" = 303 ] && has_session "$T/jar.6" && ok "then the right password logs in again" || nok "right password again: $code"

# The slowdown: 3 failures are free, the 4th sets a wait, during which a
# login is refused without any check.
codes=
for i in 1 2 3 4; do codes="$codes$(login xem "sai-$i" "$T/jar.x") "; done
n=$(checks)
code=$(login xem "$VIEW_PW" "$T/jar.7")
[ "$codes" = "403 403 403 403 " ] && [ "$code" = 429 ] && [ "$(checks)" = "$n" ] && ! has_session "$T/jar.7" &&
	ok "after 3 failures the right password waits (429), and no check is started" ||
	nok "slowdown: $codes then $code, checks $n -> $(checks)"

# A slow check (2 s) holds up nobody; at most 2 run at once.
sleep 2.1 # the wait (1 s, up to 2) is over
echo slow >"$T/mode"
login canbo "$STAFF_PW" "$T/jar.s1" >"$T/s1" &
p1=$!
login xem "$VIEW_PW" "$T/jar.s2" >"$T/s2" &
p2=$!
sleep 0.5
t0=$(date +%s%N)
c3=$(login canbo "$STAFF_PW" "$T/jar.s3")
pg=$(curl -s -o /dev/null -w '%{http_code}' "$URL/login")
ms=$((($(date +%s%N) - t0) / 1000000))
wait $p1 $p2
[ "$c3" = 503 ] && [ "$pg" = 200 ] && [ $ms -lt 1000 ] && [ "$(cat "$T/s1")$(cat "$T/s2")" = 303303 ] &&
	has_session "$T/jar.s1" && has_session "$T/jar.s2" &&
	ok "while 2 slow checks run a third login is told to retry (503) and pages are served (${ms} ms); both log in" ||
	nok "slow checks: third $c3, page $pg in ${ms} ms, logins $(cat "$T/s1") $(cat "$T/s2")"
: >"$T/mode"

kill -TERM "$WPID"
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$T/web.log" &&
	ok "loaxa-web stops cleanly on SIGTERM (no sanitizer report)" ||
	{ nok "loaxa-web exit $wrc"; grep -A15 -E 'Sanitizer|runtime error' "$T/web.log" | head -30; }
[ $FAILED -eq 0 ]
