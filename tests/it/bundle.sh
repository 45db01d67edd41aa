#!/bin/bash
# The department's side of the push (issue 14, docs/PUSH.md): loaxactl
# bundle make from a schedule and a folder of real MP3s, refusing before
# signing what a station would refuse (bad audio, another district, a
# bulletin id the station holds with other content), schedule check of a
# hand-written files section, and loaxactl bundle publish to a real
# mosquitto (TLS, password file, the shipped ACL): the retained message is
# there byte for byte for a late subscriber, the audio is in the web
# folder, a station's account cannot publish a schedule, and a broker that
# is down or refuses the password is a clear exit 1.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
. tests/it/fleet_lib.bash

command -v minisign >/dev/null || { echo "not ok 1 - minisign is not installed (apt-get install minisign)"; exit 1; }

it_setup bundle
trap fleet_cleanup EXIT
export XDG_STATE_HOME=$T/state
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || bail "minisign -G"
minisign -G -W -p "$T/other.pub" -s "$T/other.key" >/dev/null || bail "minisign -G (other)"
echo "trust = { keys = [\"$(sed -n 2p "$T/dept.pub")\"]; };" >>"$CONF"
echo 'serial = 1; slots = ();' >"$T/st/schedule.conf"
ctl() { "$BUILD/loaxactl" -c "$CONF" "$@"; }
mk() { "$BUILD/loaxactl" bundle make "$@"; }

# The department's folder: the schedule and its recordings, named by id.
A=$T/audio-in
mkdir -p "$A"
cp "$AUD/v22k-mono.mp3" "$A/sxh-01.mp3"
cp "$AUD/v32k-stereo.mp2" "$A/sxh-02.mp2" 2>/dev/null || cp "$AUD/v44k-stereo.mp3" "$A/sxh-02.mp3"
B2=$(ls "$A" | grep sxh-02)
# An ID3 title (UTF-8, v2) on a third one.
lame --quiet --decode "$AUD/v44k-stereo.mp3" "$T/x.wav" 2>/dev/null
lame --quiet --id3v2-only --id3v2-utf16 --tt "Ngủ màn, phòng muỗi đốt" "$T/x.wav" "$A/sxh-03.mp3" 2>/dev/null ||
	bail "lame with an ID3 title"
cp "$AUD/v08k-mono.mp3" "$A/notes.mp3"
cat >"$T/sched.conf" <<'EOF'
# SXH 2027, đợt 1
serial = 7;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["sxh-01", "sxh-02"]; target = 8; } );
slots = ( { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; campaign = "sxh"; },
          { id = "chieu"; dates = ["2030-01-15"]; times = ["17:00"]; bulletins = ["sxh-03"]; } );
EOF

# ---- bundle make ----
# the date as loaxactl sees it: Vietnam's (Asia/Ho_Chi_Minh), not UTC
TODAY=$(TZ=Asia/Ho_Chi_Minh date +%Y%m%d)
out=$(mk "$T/sched.conf" --audio "$A" -o "$T/out" --district 999 --title "sxh-01=Diệt lăng quăng" 2>"$T/err")
rc=$?
P1=$T/out/push-${TODAY}01.conf
if [ $rc -eq 0 ] && [ -f "$P1" ] && grep -q 'left out' "$T/err" && grep -q "notes.mp3" "$T/err"; then
	ok "bundle make: push-${TODAY}01.conf made (date-based serial), an unused file is named as left out"
else
	nok "bundle make: rc=$rc, $(ls "$T/out" 2>&1 | tr '\n' ' ') $(cat "$T/err")"
fi
good=1
for f in sxh-01.mp3 "$B2" sxh-03.mp3; do
	sum=$(sha256sum "$A/$f" | cut -d' ' -f1)
	size=$(stat -c %s "$A/$f")
	cmp -s "$A/$f" "$T/out/$f" && grep -A3 "file = \"$f\"" "$P1" | grep -q "size = $size;" &&
		grep -A3 "file = \"$f\"" "$P1" | grep -q "sha256 = \"$sum\";" || good=0
done
grep -q '^serial = '"${TODAY}"'01;' "$P1" && grep -q '^district = "999";' "$P1" || good=0
[ $good = 1 ] && ok "bundle make: each file copied beside it, its files entry has the right SHA-256 and size" ||
	nok "bundle make: files section wrong: $(cat "$P1")"
if grep -q 'title = "Diệt lăng quăng";' "$P1" && grep -q 'title = "Ngủ màn, phòng muỗi đốt";' "$P1" &&
	grep -A4 "file = \"$B2\"" "$P1" | grep -q 'title = "sxh-02";'; then
	ok "bundle make: titles from --title, from the ID3 tag, else the id"
else
	nok "bundle make: titles: $(grep title "$P1")"
fi
"$BUILD/loaxactl" -c "$CONF" schedule check "$P1" >"$T/out.txt" 2>&1 &&
	ok "schedule check passes the bundle made (its files checked against the files beside it)" ||
	nok "schedule check of the bundle made: $(cat "$T/out.txt")"

mk "$T/sched.conf" --audio "$A" -o "$T/out" --district 999 >/dev/null 2>&1
[ -f "$T/out/push-${TODAY}02.conf" ] && ok "bundle make again: serial ${TODAY}02, above the last one made" ||
	nok "second bundle: $(ls "$T/out")"
rm -rf "$T/out2"
mk "$T/sched.conf" --audio "$A" -o "$T/out2" --district 999 >/dev/null 2>&1
[ -f "$T/out2/push-${TODAY}03.conf" ] && ok "bundle make into another folder: serial ${TODAY}03 (the state file remembers)" ||
	nok "third bundle: $(ls "$T/out2")"
mk "$T/sched.conf" --audio "$A" -o "$T/out3" --district 999 --serial 5 >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ ! -e "$T/out3" ] && grep -q 'not greater than the last bundle made' "$T/err" &&
	ok "bundle make --serial below the last one made: refused, nothing written" ||
	nok "--serial 5: $(cat "$T/err")"
mk "$T/sched.conf" --audio "$A" -o "$T/out3" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ ! -e "$T/out3" ] && grep -q 'which district' "$T/err" &&
	ok "bundle make without a district: refused, asks for --district" || nok "no district: $(cat "$T/err")"

# A bulletin without a file is left out of files, and said so.
mkdir -p "$T/part"
cp "$A/sxh-01.mp3" "$A/$B2" "$T/part/"
mk "$T/sched.conf" --audio "$T/part" -o "$T/o5" --district 999 >/dev/null 2>"$T/err"
[ $? -eq 0 ] && grep -q 'bulletin sxh-03 has no file in .*: the stations must already have it' "$T/err" &&
	! grep -q 'file = "sxh-03' "$T"/o5/push-*.conf && ok "bundle make: a bulletin without a file is left out of files, with a warning" ||
	nok "partial audio: $(cat "$T/err")"

# Bad audio: refused with the plain words of bulletin add, every one at once.
BAD=$T/audio-bad
mkdir -p "$BAD"
cp "$AUD/silent.mp3" "$BAD/sxh-01.mp3"
cp "$AUD/truncated.mp3" "$BAD/$B2"
cp "$AUD/wav-renamed.mp3" "$BAD/sxh-03.mp3"
before=$(ls "$T/out" | sort | tr '\n' ' ')
mk "$T/sched.conf" --audio "$BAD" -o "$T/out" --district 999 >/dev/null 2>"$T/err"
rc=$?
after=$(ls -a "$T/out" | grep -v '^\.\.\?$' | sort | tr '\n' ' ')
if [ $rc -eq 1 ] && grep -q 'sxh-01.mp3: the file is silent' "$T/err" && grep -q 'cut short' "$T/err" &&
	grep -q 'not an MP3/MP2 file' "$T/err" && grep -q 'sxh-01.mp3 is already in .* with other content' "$T/err" &&
	[ "$before" = "$after" ]; then
	ok "bundle make: silent, cut short and non-MP3 files, and an earlier bundle's file of that name, refused in one pass; OUTDIR unchanged"
else
	nok "bad audio: rc=$rc [$before] [$after] $(cat "$T/err")"
fi

# Against a station file: what that station would refuse is refused now.
ctl bundle make "$T/sched.conf" --audio "$A" -o "$T/o4" --district 998 >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ ! -e "$T/o4" ] && grep -q 'district 999: it would refuse it' "$T/err" &&
	ok "bundle make -c: another district than the station's is refused" || nok "district: $(cat "$T/err")"
ctl bulletin add "$AUD/v48k-stereo.mp3" --id sxh-03 --title "Khác" >/dev/null || bail "bulletin add"
ctl bundle make "$T/sched.conf" --audio "$A" -o "$T/o4" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ ! -e "$T/o4" ] && grep -q 'bulletin sxh-03 is already in the library with other content' "$T/err" &&
	ok "bundle make -c: a bulletin id the station holds with other content is refused (full station check)" ||
	nok "library conflict: $(cat "$T/err")"
ctl bulletin remove sxh-03 >/dev/null || bail "bulletin remove"
out=$(ctl bundle make "$T/sched.conf" --audio "$A" -o "$T/o4" --station it-station 2>"$T/err")
P4=$(ls "$T"/o4/push-*.conf 2>/dev/null)
if [ -n "$P4" ] && echo "$out" | grep -q 'it would install it' && grep -q '^stations = \[ "it-station" \];' "$P4"; then
	ok "bundle make -c: checked as the station would, for that station"
else
	nok "bundle make -c: $out $(cat "$T/err")"
fi
minisign -S -s "$T/dept.key" -m "$P4" -t "SXH 2027, đợt 1" >/dev/null || bail "minisign -S"
ctl schedule verify "$P4" >"$T/out.txt" 2>&1 && grep -q 'this station would install it' "$T/out.txt" &&
	ok "signed with stock minisign, schedule verify at the station: it would install it" ||
	nok "schedule verify: $(cat "$T/out.txt")"

# ---- schedule check of a hand-written files section ----
H=$T/hand
mkdir -p "$H"
cp "$AUD/v22k-mono.mp3" "$H/a.mp3"
cp "$AUD/v22k-mono.mp3" "$H/b.mp3"
cp "$AUD/v44k-stereo.mp3" "$H/c.mp3"
S=$(sha256sum "$H/a.mp3" | cut -d' ' -f1)
cat >"$H/push.conf" <<EOF
serial = 9;
district = "999";
campaigns = ( { id = "k"; title = "K"; bulletins = ["a", "b", "c", "d", "e", "f"]; target = 1; } );
slots = ( { id = "s"; dates = ["2030-01-15"]; times = ["06:30"]; campaign = "k"; } );
files = (
  { bulletin = "a"; file = "a.mp3"; sha256 = "deadbeef"; },
  { bulletin = "b"; file = "../etc/passwd"; sha256 = "$S"; },
  { bulletin = "c"; file = ".c.mp3"; sha256 = "$S"; },
  { bulletin = "d"; file = "d.mp3"; sha256 = "$S"; },
  { bulletin = "e"; file = "b.mp3"; sha256 = "$S"; size = 5; },
  { bulletin = "f"; file = "c.mp3"; sha256 = "$S"; }
);
EOF
ctl schedule check "$H/push.conf" >/dev/null 2>"$T/err"
rc=$?
n=0
grep -q "push.conf:6: files: 'sha256' of a.mp3 is not 64 hex digits" "$T/err" && n=$((n + 1))
grep -q 'push.conf:7: files: file "../etc/passwd" must be a plain file name' "$T/err" && n=$((n + 1))
grep -q "push.conf:8: files: file \".c.mp3\" must not start with '.'" "$T/err" && n=$((n + 1))
grep -q 'push.conf:9: the audio file d.mp3 (bulletin d) is not beside the schedule' "$T/err" && n=$((n + 1))
grep -q 'push.conf:10: b.mp3 is [0-9]* bytes; the files section says size = 5' "$T/err" && n=$((n + 1))
grep -q 'push.conf:11: c.mp3 does not match its sha256 in the files section' "$T/err" && n=$((n + 1))
if [ $rc -eq 1 ] && [ $n -eq 6 ] && grep -q '^6 problems in' "$T/err" && ! grep -q 'not in the library' "$T/err"; then
	ok "schedule check: bad sha256, '../etc/passwd', a hidden name, a missing file, a size and a hash mismatch: all 6 in one pass"
else
	nok "schedule check of files: rc=$rc, $n of 6: $(cat "$T/err")"
fi

# ---- bundle publish: a real broker with TLS, passwords and the shipped ACL ----
make_ca "$T/pki"
PORT=$(free_port)
URL="mqtts://localhost:$PORT"
for u in department it-station; do passwd_add "$T/passwd" "$u" "pw-$u"; echo "pw-$u" >"$T/$u.pw"; done
sed 's#/271/#/999/#g' config/fleet/mosquitto-acl.conf >"$T/acl"
cat >"$T/broker.conf" <<EOF
per_listener_settings false
user $(id -un)
allow_anonymous false
password_file $T/passwd
acl_file $T/acl
persistence false
listener $PORT 127.0.0.1
cafile $T/pki/ca.crt
certfile $T/pki/broker.crt
keyfile $T/pki/broker.key
EOF
start_broker broker "$T/broker.conf" "$PORT"
WEB=$T/www
mkdir -p "$WEB"
PUB=(--broker "$URL" --user department --password-file "$T/department.pw" --ca-file "$T/pki/ca.crt")
sub() { # sub TOPIC: the retained message a late subscriber gets (station's account)
	mosquitto_sub -h localhost -p "$PORT" --cafile "$T/pki/ca.crt" -u it-station -P pw-it-station \
		-t "$1" -C 1 -W 3 -N 2>/dev/null
}
N4=$(basename "$P4")
expected() { # the contract's message for bundle $1 (path), serial $2
	local c s
	c=$(stat -c %s "$1")
	s=$(stat -c %s "$1.minisig")
	printf 'loaxa-bundle 1 name=%s serial=%s conf=%s sig=%s\n' "$(basename "$1")" "$2" "$c" "$s"
	cat "$1" "$1.minisig"
}
SER4=$(sed -n 's/^serial = \([0-9]*\);/\1/p' "$P4")
"$BUILD/loaxactl" bundle publish "$P4" "${PUB[@]}" --webroot "$WEB" --key "$T/dept.pub" >"$T/out.txt" 2>&1
rc=$?
sub loaxa/v1/999/schedule >"$T/got"
expected "$P4" "$SER4" >"$T/want"
if [ $rc -eq 0 ] && cmp -s "$T/got" "$T/want" && grep -q "to loaxa/v1/999/schedule, retained" "$T/out.txt"; then
	ok "bundle publish: the retained message on loaxa/v1/999/schedule is byte for byte the contract's, for a late subscriber"
else
	nok "bundle publish: rc=$rc $(cat "$T/out.txt"); got $(wc -c <"$T/got") bytes, want $(wc -c <"$T/want")"
fi
good=1
for f in sxh-01.mp3 "$B2" sxh-03.mp3; do cmp -s "$A/$f" "$WEB/$f" || good=0; done
[ $good = 1 ] && [ -z "$(ls -A "$WEB" | grep '^\.')" ] && ok "bundle publish: every audio file of the bundle is in the web folder (no temporary left)" ||
	nok "webroot: $(ls -A "$WEB")"

# Per station, with a trusted-key check through the station file.
"$BUILD/loaxactl" -c "$CONF" bundle publish "$P4" "${PUB[@]}" --webroot "$WEB" --station it-station >"$T/out.txt" 2>&1
rc=$?
sub loaxa/v1/999/it-station/schedule >"$T/got"
[ $rc -eq 0 ] && cmp -s "$T/got" "$T/want" && grep -q '0 copied, 3 already there' "$T/out.txt" &&
	ok "bundle publish --station: on loaxa/v1/999/it-station/schedule; audio already there is not copied again" ||
	nok "--station: rc=$rc $(cat "$T/out.txt")"

# ... and a station file that revoked the key refuses it.
DEPTID=$(sed -n 's/.*public key //p' "$T/dept.pub")
sed "s/^trust = { keys = \[\(.*\)\]; };/trust = { keys = [\1]; revoked = [\"$DEPTID\"]; };/" "$CONF" >"$T/st/rev.conf"
"$BUILD/loaxactl" -c "$T/st/rev.conf" bundle publish "$P4" "${PUB[@]}" --webroot "$WEB" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "signed by key $DEPTID, which .*rev.conf has revoked" "$T/err" &&
	ok "bundle publish -c: a key that station file revoked is refused" || nok "revoked: $(cat "$T/err")"

# A signature by another key, a changed byte: refused before anything moves.
"$BUILD/loaxactl" bundle publish "$P4" "${PUB[@]}" --webroot "$WEB" --key "$T/other.pub" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q 'unknown key' "$T/err" && ok "bundle publish --key: a bundle signed by another key is refused" ||
	nok "other key: $(cat "$T/err")"
mkdir -p "$T/tampered"
cp "$T"/o4/* "$T/tampered/"
sed -i 's/target = 8;/target = 9;/' "$T/tampered/$N4"
"$BUILD/loaxactl" bundle publish "$T/tampered/$N4" "${PUB[@]}" --webroot "$WEB" --key "$T/dept.pub" >/dev/null 2>"$T/err"
rc=$?
sub loaxa/v1/999/schedule >"$T/got"
[ $rc -eq 1 ] && grep -q 'signature does not match' "$T/err" && cmp -s "$T/got" "$T/want" &&
	ok "bundle publish: a schedule changed after signing is refused; the retained bundle is unchanged" ||
	nok "tampered: rc=$rc $(cat "$T/err")"

# The web folder holds another recording under that name: not replaced
# (stations may still be fetching it) unless --force.
cp "$AUD/v48k-stereo.mp3" "$WEB/sxh-01.mp3"
"$BUILD/loaxactl" bundle publish "$P4" "${PUB[@]}" --webroot "$WEB" >/dev/null 2>"$T/err"
rc=$?
cmp -s "$AUD/v48k-stereo.mp3" "$WEB/sxh-01.mp3" && [ $rc -eq 1 ] && grep -q 'already in .* with other content' "$T/err" &&
	ok "bundle publish: another recording of the same name in the web folder is refused, left as it was" ||
	nok "webroot clash: rc=$rc $(cat "$T/err")"
"$BUILD/loaxactl" bundle publish "$P4" "${PUB[@]}" --webroot "$WEB" --force >/dev/null 2>"$T/err"
[ $? -eq 0 ] && cmp -s "$A/sxh-01.mp3" "$WEB/sxh-01.mp3" && ok "bundle publish --force replaces it" ||
	nok "--force: $(cat "$T/err")"

# The ACL: a station's account cannot put a schedule on the downlink.
mosquitto_pub -h localhost -p "$PORT" --cafile "$T/pki/ca.crt" -u it-station -P pw-it-station \
	-t loaxa/v1/999/schedule -r -q 1 -m "loaxa-bundle 1 name=evil.conf serial=99999999999 conf=0 sig=0" 2>/dev/null
sub loaxa/v1/999/schedule >"$T/got"
cmp -s "$T/got" "$T/want" && ok "ACL: a station's account publishing a schedule is refused (the retained bundle is unchanged)" ||
	nok "ACL let a station write the schedule: $(head -c 200 "$T/got")"

# Broker refuses the password; broker down: exit 1, said plainly.
echo wrong >"$T/wrong.pw"
"$BUILD/loaxactl" bundle publish "$P4" --broker "$URL" --user department --password-file "$T/wrong.pw" \
	--ca-file "$T/pki/ca.crt" --webroot "$WEB" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -qi 'not published: broker refused' "$T/err" && ok "bundle publish: a wrong password is exit 1, the broker's refusal said" ||
	nok "wrong password: $(cat "$T/err")"
DOWN=$(free_port)
"$BUILD/loaxactl" bundle publish "$P4" --broker "mqtt://127.0.0.1:$DOWN" --user department \
	--password-file "$T/department.pw" --webroot "$WEB" --timeout 5 >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "mqtt://127.0.0.1:$DOWN: not published" "$T/err" && ok "bundle publish: a broker that is down is exit 1, said plainly" ||
	nok "broker down: $(cat "$T/err")"

# --clear removes the retained bundle.
"$BUILD/loaxactl" bundle publish --clear --district 999 "${PUB[@]}" >"$T/out.txt" 2>&1
rc=$?
sub loaxa/v1/999/schedule >"$T/got"
[ $rc -eq 0 ] && [ ! -s "$T/got" ] && ok "bundle publish --clear: a late subscriber gets no retained bundle" ||
	nok "--clear: rc=$rc $(cat "$T/out.txt") got $(wc -c <"$T/got") bytes"

it_done
