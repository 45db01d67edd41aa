#!/bin/bash
# Integration test of the signed schedule push (issue 7, docs/PUSH.md):
# the real loaxad watching its spool folder, bundles signed with the real
# minisign (throw-away keys), dropped the ways the department drops them.
# Every bad bundle must end in SPOOL/rejected/ with a NAME.why saying why,
# a schedule-rejected journal record with the same reason, and the old
# schedule still in force (and still playing). Then the same by hand with
# loaxactl schedule install/verify, --unsigned, and a station with no key.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

command -v minisign >/dev/null || { echo "not ok 1 - minisign is not installed (apt-get install minisign)"; exit 1; }

it_setup push
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
SP=$T/st/spool
B=$T/bundles
mkdir -p "$B"

# The department's key pair, and a stranger's.
minisign -G -W -p "$T/dept.pub" -s "$T/dept.key" >/dev/null || bail "minisign -G"
minisign -G -W -p "$T/other.pub" -s "$T/other.key" >/dev/null || bail "minisign -G (other)"
KEY=$(sed -n 2p "$T/dept.pub")
KEYID=$(sed -n 's/.*public key //p' "$T/dept.pub")
OTHERID=$(sed -n 's/.*public key //p' "$T/other.pub")
cat >>"$CONF" <<EOF
trust = { keys = ["$KEY"]; bundle_wait_s = 3; };
EOF

# The schedule in force at the start: serial 1, local, one bulletin.
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add"
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
slots = ( { id = "cu"; dates = ["2030-01-15"]; times = ["06:30", "07:30"]; bulletins = ["tin-a"]; } );
EOF

# mkbundle NAME SERIAL AUDIO...: NAME.conf naming each AUDIO (fixture
# name:bulletin id), signed with the department's key, in $B/NAME/.
mkbundle() {
	local name=$1 serial=$2 a f id files="" ids="" sum
	shift 2
	mkdir -p "$B/$name"
	for a in "$@"; do
		f=${a%%:*} id=${a#*:}
		cp "$AUD/$f" "$B/$name/$id.mp3"
		sum=$(sha256sum "$B/$name/$id.mp3" | cut -d' ' -f1)
		files="$files${files:+, }{ bulletin = \"$id\"; file = \"$id.mp3\"; sha256 = \"$sum\"; size = $(stat -c %s "$B/$name/$id.mp3"); title = \"Bản tin $id\"; campaign = \"sxh\"; }"
		ids="$ids${ids:+, }\"$id\""
	done
	[ -n "$ids" ] || ids='"tin-a"'
	cat >"$B/$name/$name.conf" <<EOF
serial = $serial;
district = "999";
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = [$ids]; target = 4; } );
slots = ( { id = "moi"; dates = ["2030-01-15"]; times = ["08:00", "08:30"]; campaign = "sxh"; } );
files = ( $files );
EOF
	minisign -S -s "$T/dept.key" -m "$B/$name/$name.conf" -t "bundle $name serial $serial" >/dev/null
}

# drop NAME: the protocol of docs/PUSH.md: audio first, the schedule, the
# signature last.
drop() {
	local f
	for f in "$B/$1"/*.mp3; do [ -e "$f" ] && cp "$f" "$SP/"; done
	cp "$B/$1/$1.conf" "$SP/"
	[ -e "$B/$1/$1.conf.minisig" ] && cp "$B/$1/$1.conf.minisig" "$SP/"
	return 0
}

serial_now() { ctl status | sed -n 's/^schedule: *serial \([0-9]*\).*/\1/p'; }

# rejected NAME REASON-REGEX WHAT: the bundle was refused for that reason,
# everywhere it should say so, and the schedule in force did not change.
rejected() {
	local name=$1 re=$2 what=$3 before=$RUNNING i
	for i in $(seq 200); do [ -e "$SP/rejected/$name.why" ] && break; sleep 0.05; done
	if [ ! -e "$SP/rejected/$name.why" ]; then
		nok "$what: no $name.why in rejected/ (spool: $(ls "$SP" | tr '\n' ' '))"
		return
	fi
	sleep 0.2
	local why s
	why=$(cat "$SP/rejected/$name.why")
	s=$(serial_now)
	if ! grep -qE "reason: .*$re" <<<"$why"; then
		nok "$what: $name.why says: $(head -2 <<<"$why" | tail -1)"
	elif ! grep -qE "schedule-rejected .*reason=\"[^\"]*$re.*bundle=$name " "$T"/st/journal/*.log; then
		nok "$what: no schedule-rejected record with the reason"
	elif [ -e "$SP/$name.conf" ] || [ -e "$SP/$name.conf.minisig" ]; then
		nok "$what: the bundle is still in the spool"
	elif [ ! -e "$SP/rejected/$name.conf" ] && [ ! -e "$SP/rejected/$name.conf.minisig" ]; then
		nok "$what: the bundle files were not moved to rejected/"
	elif [ "$s" != "$before" ]; then
		nok "$what: the running serial changed from $before to $s"
	else
		ok "$what: rejected, serial $s still in force ($(sed -n 's/^reason: //p' <<<"$why" | cut -c1-90))"
	fi
}

# installed NAME SERIAL WHAT
installed() {
	local name=$1 serial=$2 what=$3
	if wait_journal "schedule-installed serial=$serial .*signer=$KEYID .*bundle=$name " 10; then
		local s i
		for i in $(seq 50); do s=$(serial_now); [ "$s" = "$serial" ] && break; sleep 0.05; done
		if [ "$s" != "$serial" ]; then
			nok "$what: journalled, but status says serial $s"
		elif [ -e "$SP/$name.conf" ] || [ -e "$SP/$name.conf.minisig" ]; then
			nok "$what: installed, but still in the spool"
		else
			RUNNING=$serial
			ok "$what: installed, serial $serial, signed by $KEYID"
		fi
	else
		nok "$what: serial $serial not installed ($(grep -h 'schedule-rejected' "$T"/st/journal/*.log | tail -1 | grep -o 'reason="[^"]*"'))"
	fi
}

set_clock "2030-01-15 06:00:00"
start_daemon
RUNNING=1
out=$(ctl status)
grep -q 'schedule: *serial 1, .* by unsigned' <<<"$out" && ok "a schedule put in place by hand runs as unsigned" ||
	nok "status: $(grep schedule: <<<"$out")"
grep -q "push: *watching $SP" <<<"$out" && ok "status: the spool is watched" || nok "status: $(grep push: <<<"$out")"
grep -q 'schedule-installed serial=1 .*signer=unsigned signature="no signature file"' "$T"/st/journal/*.log &&
	ok "journal: serial 1 installed, signer=unsigned" || nok "journal: no unsigned schedule-installed"

# ---- good ----
mkbundle good 10 v44k-stereo.mp3:sxh-01 v08k-mono.mp3:sxh-02
drop good
installed good 10 "good bundle"
out=$(ctl status)
grep -q "schedule: *serial 10, .* by $KEYID" <<<"$out" && ok "status shows serial 10, the signer's key id and when" ||
	nok "status: $(grep schedule: <<<"$out")"
grep -q "schedule-installed serial=10 .*comment=\"bundle good serial 10\"" "$T"/st/journal/*.log &&
	ok "journal carries the trusted comment" || nok "no trusted comment in the journal"
ctl bulletin list | grep -q 'sxh-02 .*Bản tin sxh-02' && ok "its audio is in the library with its title" ||
	nok "library: $(ctl bulletin list)"
ctl bulletin verify >/dev/null && ok "library verifies after the push" || nok "bulletin verify: $(ctl bulletin verify 2>&1)"
cmp -s "$B/good/good.conf" "$T/st/schedule.conf" && cmp -s "$B/good/good.conf.minisig" "$T/st/schedule.conf.minisig" &&
	ok "schedule and its signature installed side by side" || nok "installed schedule differs"
[ -z "$(ls "$SP")" ] || [ "$(ls "$SP")" = rejected ] && ok "spool emptied" || nok "spool: $(ls "$SP")"
set_clock "2030-01-15 07:59:59"
wait_journal 'end occ=moi@2030-01-15T08:00 outcome=aired' 10 && ok "the daemon plays the pushed schedule" ||
	nok "08:00 of the pushed schedule did not air"

# ---- unsigned: a schedule with no .minisig waits for it, then is refused ----
mkbundle unsigned 11
rm "$B/unsigned/unsigned.conf.minisig"
drop unsigned
sleep 1.5
[ -e "$SP/unsigned.conf" ] && ok "unsigned: waits for its signature first" || nok "unsigned: not waited for"
rejected unsigned "unsigned: the signature .* is missing" "unsigned schedule"

# ---- wrong key ----
mkbundle wrongkey 12
minisign -S -s "$T/other.key" -m "$B/wrongkey/wrongkey.conf" >/dev/null
drop wrongkey
rejected wrongkey "signed by an unknown key $OTHERID" "signed with another key"

# ---- one byte of the schedule changed after signing ----
mkbundle edited 13
sed -i 's/"08:00"/"08:01"/' "$B/edited/edited.conf"
drop edited
rejected edited "signature does not match the file \(changed after signing\?\)" "one byte of the schedule changed"

# ---- one byte of an audio file changed ----
mkbundle audio 14 v22k-mono.mp3:sxh-03
printf 'x' | dd of="$B/audio/sxh-03.mp3" bs=1 seek=3000 conv=notrunc 2>/dev/null
drop audio
rejected audio "sxh-03.mp3 does not match the SHA-256 in the signed schedule" "one byte of an audio file changed"
ctl bulletin list | grep -q sxh-03 && nok "the changed audio reached the library" || ok "the changed audio is not in the library"
[ -e "$SP/rejected/sxh-03.mp3" ] && ok "its audio moved to rejected/ too" || nok "audio not in rejected/"

# ---- the signature of another file ----
mkbundle swapped 15
mkbundle other 16
cp "$B/other/other.conf.minisig" "$B/swapped/swapped.conf.minisig"
drop swapped
rejected swapped "signature does not match the file" "signature of another file"

# ---- trusted comment altered ----
mkbundle comment 17
sed -i '3s/.*/trusted comment: bundle comment serial 99/' "$B/comment/comment.conf.minisig"
drop comment
rejected comment "trusted comment was altered" "trusted comment altered"

# ---- serial equal to, then lower than, the running one ----
mkbundle equal 10
drop equal
rejected equal "serial 10 is not greater than the running serial 10" "serial equal to the running one"
mkbundle lower 9
drop lower
rejected lower "serial 9 is not greater than the running serial 10" "serial lower than the running one"
# The very schedule in force, pushed again: nothing to do, quietly removed.
cp "$B/good/good.conf" "$SP/again.conf"
cp "$B/good/good.conf.minisig" "$SP/again.conf.minisig"
for i in $(seq 60); do [ -e "$SP/again.conf" ] || break; sleep 0.05; done
[ ! -e "$SP/again.conf" ] && [ ! -e "$SP/rejected/again.why" ] && ok "the schedule in force pushed again: removed, not an error" ||
	nok "re-push of the schedule in force"

# ---- truncated files ----
mkbundle cut 18
head -c 100 "$B/cut/cut.conf" >"$B/cut/cut.conf.tmp" && mv "$B/cut/cut.conf.tmp" "$B/cut/cut.conf"
drop cut
rejected cut "signature does not match the file" "truncated schedule"
mkbundle cutaudio 19 v48k-stereo.mp3:sxh-04
head -c 5000 "$B/cutaudio/sxh-04.mp3" >"$B/cutaudio/x" && mv "$B/cutaudio/x" "$B/cutaudio/sxh-04.mp3"
drop cutaudio
sleep 1.5
[ -e "$SP/cutaudio.conf" ] && ok "truncated audio: waits for the rest first" || nok "truncated audio: not waited for"
rejected cutaudio "sxh-04.mp3 is not completely copied: 5000 of" "truncated audio file"
ls "$T"/st/library | grep -q '^\.push-' && nok "a staged copy was left in the library" || ok "no staged copy left in the library"

# ---- bundle missing an audio file ----
mkbundle missing 20 v44k-stereo.mp3:sxh-05
rm "$B/missing/sxh-05.mp3"
drop missing
rejected missing "the bundle is missing the audio file sxh-05.mp3 \(bulletin sxh-05\)" "bundle missing an audio file"

# The schedule in force all along still plays.
set_clock "2030-01-15 08:29:59"
wait_journal 'start occ=moi@2030-01-15T08:30 .*serial=10' 10 && wait_journal 'end occ=moi@2030-01-15T08:30 outcome=aired' 10 &&
	ok "after all these refusals, serial 10 still plays (08:30 aired)" || nok "08:30 of serial 10 did not air"
grep -q 'occ=moi@2030-01-15T08:01' "$T"/st/journal/*.log && nok "something of a refused bundle played" ||
	ok "nothing of a refused bundle ever played"

# ... and audio that arrives late, within the wait, is taken.
mkbundle late 21 v44k-stereo.mp3:sxh-06
cp "$B/late/late.conf" "$B/late/late.conf.minisig" "$SP/"
sleep 1.5
cp "$B/late/sxh-06.mp3" "$SP/"
installed late 21 "audio arriving after the signature, within the wait"

# ---- two bundles dropped at once ----
mkbundle two-a 30 v22k-mono.mp3:sxh-07
mkbundle two-b 31 v08k-mono.mp3:sxh-08
mkbundle two-c 32
sed -i 's/"08:00"/"08:02"/' "$B/two-c/two-c.conf"
cp "$B"/two-a/* "$B"/two-b/* "$B"/two-c/* "$SP/"
installed two-b 31 "two bundles at once: the later serial is in force"
grep -q 'schedule-installed serial=30 .*bundle=two-a ' "$T"/st/journal/*.log && ok "two bundles at once: the first was installed before it" ||
	nok "two-a not installed"
rejected two-c "signature does not match" "two bundles at once: a bad third one is refused alone"
ctl bulletin list | grep -q sxh-07 && ctl bulletin list | grep -q sxh-08 && ok "both bundles' audio in the library" ||
	nok "library after two bundles"

# ---- a file still being written is never taken ----
mkbundle slow 40 v48k-stereo.mp3:sxh-09
cp "$B/slow/slow.conf" "$SP/"
half=$(($(stat -c %s "$B/slow/sxh-09.mp3") / 2))
exec 3>"$SP/sxh-09.mp3"
head -c "$half" "$B/slow/sxh-09.mp3" >&3
cp "$B/slow/slow.conf.minisig" "$SP/"
sleep 4 # past the settle time and the bundle wait
[ -e "$SP/slow.conf" ] && [ ! -e "$SP/rejected/slow.why" ] && [ "$(serial_now)" = "$RUNNING" ] &&
	ok "audio still being written: the bundle is not taken" || nok "the half-written bundle was taken"
tail -c +"$((half + 1))" "$B/slow/sxh-09.mp3" >&3
exec 3>&-
installed slow 40 "... and is taken once the file is closed"
# The signature itself still being written (it is the trigger).
mkbundle sigslow 41
cp "$B/sigslow/sigslow.conf" "$SP/"
exec 3>"$SP/sigslow.conf.minisig"
head -c 60 "$B/sigslow/sigslow.conf.minisig" >&3
sleep 2.5
[ -e "$SP/sigslow.conf" ] && [ ! -e "$SP/rejected/sigslow.why" ] && ok "signature still being written: not taken" ||
	nok "a half-written signature was taken"
tail -c +61 "$B/sigslow/sigslow.conf.minisig" >&3
exec 3>&-
installed sigslow 41 "... and taken once complete"
# rsync style: temporary names, renamed into place.
mkbundle rs 42 v44k-stereo.mp3:sxh-10
for f in sxh-10.mp3 rs.conf rs.conf.minisig; do
	head -c 100 "$B/rs/$f" >"$SP/.$f.Xy12Ab"
done
sleep 1.5
[ "$(serial_now)" = "$RUNNING" ] && [ -z "$(ls "$SP/rejected" | grep '^rs')" ] && ok "temporary names (.NAME.XXXXXX) are ignored" || nok "a temporary file was taken"
for f in sxh-10.mp3 rs.conf rs.conf.minisig; do
	cp "$B/rs/$f" "$SP/.$f.Xy12Ab" && mv "$SP/.$f.Xy12Ab" "$SP/$f"
done
installed rs 42 "copied under temporary names and renamed (rsync)"
for p in x.part x.tmp x.conf.part; do echo partial >"$SP/$p"; done
sleep 1.5
[ -e "$SP/x.conf.part" ] && [ ! -e "$SP/rejected/x.why" ] && ok "*.part / *.tmp files are left alone" || nok "a .part file was taken"
rm -f "$SP"/x.part "$SP"/x.tmp "$SP"/x.conf.part

alive && ok "daemon still running" || nok "daemon died"

# ---- by hand: loaxactl schedule verify / install ----
mkbundle hand 50 v22k-mono.mp3:sxh-11
out=$(ctl schedule verify "$B/hand/hand.conf" --sig "$B/hand/hand.conf.minisig") &&
	grep -q "serial 50.*OK, this station would install it" <<<"$out" && grep -q "signed by key $KEYID" <<<"$out" &&
	ok "schedule verify: a good bundle" || nok "verify good: $out"
[ "$(serial_now)" = "$RUNNING" ] && ! ctl bulletin list | grep -q sxh-11 && ok "verify changed nothing" || nok "verify installed something"
sed -i 's/"08:00"/"09:00"/' "$B/hand/hand.conf"
out=$(ctl schedule verify "$B/hand/hand.conf" --sig "$B/hand/hand.conf.minisig" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "signature does not match the file" <<<"$out" && ok "schedule verify: a changed schedule, exit 1 and why" ||
	nok "verify bad: $rc $out"
mkbundle hand 50 v22k-mono.mp3:sxh-11
out=$(ctl schedule install "$B/hand/hand.conf" --sig "$B/hand/hand.conf.minisig") &&
	grep -q "loaxad has switched to serial 50" <<<"$out" && ok "schedule install --sig: installed and the daemon switched" ||
	nok "install: $out"
wait_journal "schedule-installed serial=50 .*signer=$KEYID " 5 && ok "journalled with the signer's key id" || nok "no signer for 50"
RUNNING=50
out=$(ctl schedule install "$B/hand/hand.conf" --sig "$B/hand/hand.conf.minisig") && grep -q "already the schedule in force" <<<"$out" &&
	ok "installing the same schedule again: nothing to do" || nok "re-install: $out"
out=$(ctl schedule install "$B/lower/lower.conf" --sig "$B/lower/lower.conf.minisig" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "serial 9 is not greater than the running serial 50" <<<"$out" && ok "schedule install: an old serial refused" ||
	nok "install old: $rc $out"
out=$(ctl schedule install "$B/wrongkey/wrongkey.conf" --sig "$B/wrongkey/wrongkey.conf.minisig" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "signed by an unknown key" <<<"$out" && [ "$(serial_now)" = 50 ] && ok "schedule install: another key refused" ||
	nok "install wrong key: $rc $out"
out=$(ctl schedule install "$B/unsigned/unsigned.conf" 2>&1); rc=$?
[ $rc = 2 ] && grep -q -- "--unsigned" <<<"$out" && ok "schedule install with no signature: asks for --sig or --unsigned" ||
	nok "install unsigned without flag: $rc $out"
cat >"$T/local.conf" <<'EOF'
serial = 60;
slots = ( { id = "local"; dates = ["2030-01-16"]; times = ["08:00"]; bulletins = ["tin-a"]; } );
EOF
out=$(ctl schedule install "$T/local.conf" --unsigned 2>&1) && grep -q "UNSIGNED" <<<"$out" &&
	grep -q "loaxad has switched to serial 60" <<<"$out" && ok "schedule install --unsigned: installed, with a warning" ||
	nok "install --unsigned: $out"
wait_journal 'schedule-installed serial=60 .*signer=unsigned ' 5 && ok "journalled as signer=unsigned" || nok "unsigned not journalled"
[ ! -e "$T/st/schedule.conf.minisig" ] && ok "the old signature is not left beside an unsigned schedule" || nok "stale .minisig"
grep -q 'schedule: *serial 60, .* by unsigned' <<<"$(ctl status)" && ok "status: serial 60 by unsigned" || nok "status after --unsigned"
RUNNING=60
stop_daemon

# ---- a station with no trusted key refuses pushed bundles, and says so ----
sed -i '/^trust = /d' "$CONF"
echo 'trust = { bundle_wait_s = 3; };' >>"$CONF"
start_daemon
grep -q 'push: *refused: no trusted key' <<<"$(ctl status)" && ok "status says pushed schedules are refused" || nok "status push line"
mkbundle nokey 70
drop nokey
rejected nokey "this station has no trusted key" "no trusted key: a signed bundle is refused"
out=$(ctl schedule install "$B/nokey/nokey.conf" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "no trusted key" <<<"$out" && ok "no trusted key: schedule install --sig refused too" || nok "install nokey: $rc $out"
stop_daemon

out=$("$BUILD/loaxactl" -c "$CONF" log verify 2>&1) && ok "journal verifies after all this" || nok "log verify: $out"
it_done
