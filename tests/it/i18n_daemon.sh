#!/bin/bash
# loaxad in two languages (issue 16): the same station run once under
# LANG=C and once under LANG=vi_VN.UTF-8 with station.language = "vi" writes
# the same as-run journal (records, fields, outcome words and details; only
# times, the pid and the hashes differ), answers the control socket with the
# same fields, and loaxactl's CSV of it is byte-identical. Refusals (a
# pushed bundle, a bad schedule on reload) are journalled in English in both
# runs, while the log, the .why file and loaxactl status speak the
# language. The control socket's refusals reach each loaxactl in its own
# language (lang=, message=) whatever the daemon's, with error= unchanged;
# also while the clock is not synchronised. TAP output.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup i18n-daemon
locale -a 2>/dev/null | grep -qix 'vi_VN.utf8' || bail "the vi_VN.UTF-8 locale is not generated (sh tests/deps.sh)"
unset LANGUAGE LC_ALL LC_MESSAGES

# run LANG LANGUAGE_OF_STATION: one station, one morning; leaves $T/run-LANG
run() {
	local lang=$1 slang=$2 dir=$T/run-$1
	make_station "$dir" loaxatest
	[ -n "$slang" ] && sed -i "s/name = \"Xã Kiểm Thử\";/name = \"Xã Kiểm Thử\"; language = \"$slang\";/" "$dir/loaxa.conf"
	echo 'trust = { bundle_wait_s = 1; };' >>"$dir/loaxa.conf"
	CONF=$dir/loaxa.conf
	ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add tin-a"
	ctl bulletin add "$AUD/v08k-mono.mp3" --id tin-gone --title "Bản tin B" >/dev/null || bail "bulletin add tin-gone"
	rm "$dir/library/tin-gone.mp3"
	cat >"$dir/schedule.conf" <<'S'
serial = 1;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["tin-a"]; target = 2; } );
slots = (
  { id = "sang"; dates = ["2030-01-15"]; times = ["06:30"]; campaign = "sxh"; },
  { id = "loi"; dates = ["2030-01-15"]; times = ["06:31"]; bulletins = ["tin-gone"]; }
);
S
	set_clock "2030-01-15 06:29:58"
	LANG=$lang "$BUILD/loaxad" -c "$CONF" -f >"$dir/daemon.log" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 100); do
		[ -S "$dir/loaxad.sock" ] && ctl status >/dev/null 2>&1 && break
		sleep 0.05
	done
	for i in $(seq 200); do
		grep -q 'end occ=sang@2030-01-15T06:30 outcome=aired' "$dir"/journal/*.log 2>/dev/null && break
		sleep 0.05
	done
	set_clock "2030-01-15 06:30:58"
	for i in $(seq 200); do
		grep -q 'occ=loi@2030-01-15T06:31' "$dir"/journal/*.log 2>/dev/null && break
		sleep 0.05
	done
	LANG=$lang ctl status --fields | sed -n 's/=.*//p' >"$dir/fields"
	LANG=$lang ctl status >"$dir/status.txt" 2>&1
	LANG=$lang ctl play nothing-such >/dev/null 2>"$dir/play.err"
	# the other language against this daemon: loaxactl asks with lang=
	local other=vi_VN.UTF-8
	[ "$lang" = C ] || other=C
	LANG=$other ctl play nothing-such >/dev/null 2>"$dir/play-other.err"
	# the raw replies: without lang= (an old client), with lang=vi, lang=en
	printf 'play nothing-such\n' | socat -t 2 - "UNIX-CONNECT:$dir/loaxad.sock" >"$dir/raw-none" 2>/dev/null
	printf 'play nothing-such lang=vi\n' | socat -t 2 - "UNIX-CONNECT:$dir/loaxad.sock" >"$dir/raw-vi" 2>/dev/null
	printf 'play nothing-such lang=en as=ana\n' | socat -t 2 - "UNIX-CONNECT:$dir/loaxad.sock" >"$dir/raw-en" 2>/dev/null
	printf 'status lang=vi\n' | socat -t 2 - "UNIX-CONNECT:$dir/loaxad.sock" | sed -n 's/=.*//p' >"$dir/status-vi-keys"
	# a pushed bundle, refused: this station trusts no key
	cat >"$dir/push1.conf" <<'S'
serial = 7;
slots = ( { id = "trua"; times = ["11:00"]; bulletins = ["tin-a"]; } );
S
	mv "$dir/push1.conf" "$dir/spool/push1.conf"
	for i in $(seq 200); do
		[ -f "$dir/spool/rejected/push1.why" ] && grep -q 'schedule-rejected.*push1' "$dir"/journal/*.log && break
		sleep 0.05
	done
	# a schedule with a misspelt key and an unknown campaign: refused on reload
	cat >"$dir/schedule.conf" <<'S'
serial = 2;
campaigns = ( { id = "sxh"; title = "Phòng, chống sốt xuất huyết"; bulletins = ["tin-a"]; taget = 2; } );
slots = ( { id = "sang"; dates = ["2030-01-16"]; times = ["06:30"]; campaign = "sxh"; } );
S
	LANG=$lang ctl reload >/dev/null 2>&1
	stop_daemon
	LANG=$lang ctl log --format csv >"$dir/log.csv"
	# the journal without times, pids and hashes
	# (and without the run's folder, and the virtual clock's steps, whose
	# size depends on when the daemon read the clock)
	sed -E 's/^[^ ]+ //; s/ prev=[0-9a-f]{64}$//; s/pid=[0-9]+/pid=N/; s/(started|ended|at)=[^ ]+/\1=T/g' \
		"$dir"/journal/*.log | sed "s|$dir|DIR|g" | grep -v '^clock-stepped' >"$dir/journal.norm"
	sed "s|$dir|DIR|g" "$dir/log.csv" >"$dir/log.norm"
	sed "s|$dir|DIR|g; s/ [0-9][0-9:T+-]*$//" "$dir/spool/rejected/push1.why" 2>/dev/null >"$dir/why"
}

run C ""
run vi_VN.UTF-8 vi
C=$T/run-C V=$T/run-vi_VN.UTF-8

grep -q 'outcome=aired' "$C/journal.norm" && grep -q 'occ=loi@' "$C/journal.norm" &&
	ok "the morning ran under LANG=C: one aired, one that could not play" || { nok "LANG=C run"; tail -5 "$C/daemon.log"; }
if cmp -s "$C/journal.norm" "$V/journal.norm"; then
	ok "the journal is the same in both languages ($(wc -l <"$C/journal.norm") records: events, fields, outcome words, details)"
else
	nok "the journal differs with the language"
	diff "$C/journal.norm" "$V/journal.norm" | head -10 | sed 's/^/#   /'
fi
# the CSV's time columns (started, ended) and seconds depend on the run
if diff <(cut -d, -f1-4,7-10,12- "$C/log.norm") <(cut -d, -f1-4,7-10,12- "$V/log.norm") >"$T/csvdiff" && [ -s "$C/log.norm" ]; then
	ok "log --format csv of both: the same rows, outcome words and details (apart from the run's times)"
else
	nok "log --format csv differs"; head "$T/csvdiff" | sed 's/^/#   /'
fi
cmp -s "$C/fields" "$V/fields" && [ -s "$C/fields" ] && ok "status --fields: the same keys in both languages ($(wc -l <"$C/fields"))" ||
	{ nok "status fields differ"; diff "$C/fields" "$V/fields" | head | sed 's/^/#   /'; }
grep -q 'nothing-such' "$C/play.err" && grep -q 'nothing-such' "$V/play.err" && ok "play of an unknown bulletin refused in both" ||
	nok "play refusal: $(cat "$C/play.err" "$V/play.err")"

# issue 16: the daemon's refusal in the language loaxactl asks for (lang=),
# whatever the daemon's own language; error= stays English, byte for byte
en_play="loaxactl: no bulletin 'nothing-such' in the library (see: loaxactl bulletin list)"
vi_play="loaxactl: thư viện không có bản tin 'nothing-such' (xem: loaxactl bulletin list)"
[ "$(cat "$C/play.err")" = "$en_play" ] && [ "$(cat "$V/play-other.err")" = "$en_play" ] &&
	ok "LANG=C: loaxactl play of an unknown bulletin refused in English (daemon in English, and in Vietnamese)" ||
	nok "English play refusal: $(cat "$C/play.err" "$V/play-other.err")"
[ "$(cat "$V/play.err")" = "$vi_play" ] && [ "$(cat "$C/play-other.err")" = "$vi_play" ] &&
	ok "LANG=vi_VN.UTF-8: the same refusal in Vietnamese (daemon in Vietnamese, and in English)" ||
	nok "Vietnamese play refusal: $(cat "$V/play.err" "$C/play-other.err")"
want=$(printf 'loaxa=1\nok=no\nerror=no bulletin '"'"'nothing-such'"'"' in the library (see: loaxactl bulletin list)\n')
[ "$(cat "$C/raw-none")" = "$want" ] && [ "$(cat "$V/raw-none")" = "$want" ] &&
	ok "a request without lang= gets exactly the old reply, from either daemon" ||
	nok "reply without lang=: $(cat -A "$C/raw-none" "$V/raw-none")"
cmp -s "$C/raw-en" "$C/raw-none" && cmp -s "$V/raw-en" "$V/raw-none" &&
	ok "lang=en: no message=, the same bytes as without lang=" || nok "lang=en: $(cat -A "$V/raw-en")"
[ "$(head -3 "$C/raw-vi")" = "$want" ] && [ "$(head -3 "$V/raw-vi")" = "$want" ] &&
	[ "$(sed -n 4p "$C/raw-vi")" = "message=thư viện không có bản tin 'nothing-such' (xem: loaxactl bulletin list)" ] &&
	cmp -s "$C/raw-vi" "$V/raw-vi" && [ "$(wc -l <"$C/raw-vi")" = 4 ] &&
	ok "lang=vi: error= byte-identical, message= in Vietnamese after it, from either daemon" ||
	nok "lang=vi reply: $(cat "$C/raw-vi" "$V/raw-vi")"
cmp -s "$C/status-vi-keys" "$C/fields" && cmp -s "$V/status-vi-keys" "$C/fields" &&
	ok "status with lang=vi: the same keys (no message= on success)" || nok "status lang=vi keys differ"

# refusals: journalled in English whatever the language
grep -q '^schedule-rejected .*reason="this station has no trusted key' "$V/journal.norm" &&
	grep -q "^schedule-rejected .*reason=\"DIR/schedule.conf:2: unknown key 'taget' in campaign sxh: did you mean 'target'?" "$V/journal.norm" &&
	ok "a refused bundle and a refused reload: the journal's reasons stay English under vi" ||
	{ nok "rejections in the vi journal"; grep rejected "$V/journal.norm" | sed 's/^/#   /'; }

# what people read: loaxactl status, the daemon's log, the .why file
grep -q '^state:     idle' "$C/status.txt" && grep -q '^library:   2 bulletins$' "$C/status.txt" &&
	grep -q '^last error: ' "$C/status.txt" && ok "loaxactl status under LANG=C: English" ||
	{ nok "status in English"; sed 's/^/#   /' "$C/status.txt"; }
grep -q '^trạng thái: đang chờ (không phát)$' "$V/status.txt" && grep -q '^thư viện:   2 bản tin$' "$V/status.txt" &&
	grep -q '^đài:        Xã Kiểm Thử (it-station), xã 99001, huyện 999$' "$V/status.txt" &&
	grep -q '^nhật ký:    ghi bình thường$' "$V/status.txt" && ! grep -q '^state:\|^library:' "$V/status.txt" &&
	ok "loaxactl status under LANG=vi_VN.UTF-8: Vietnamese" || { nok "status in Vietnamese"; sed 's/^/#   /' "$V/status.txt"; }
grep -q 'station it-station ready: schedule serial 1' "$C/daemon.log" && grep -q 'library .*: 2 bulletins' "$C/daemon.log" &&
	grep -q 'broadcast sang@2030-01-15T06:30 (tin-a) aired: ' "$C/daemon.log" &&
	ok "the daemon's log under LANG=C: English" || { nok "log in English"; tail -8 "$C/daemon.log" | sed 's/^/#   /'; }
grep -q 'đài it-station sẵn sàng: lịch phát số hiệu 1' "$V/daemon.log" && grep -q 'thư viện .*: 2 bản tin' "$V/daemon.log" &&
	grep -q 'lượt phát sang@2030-01-15T06:30 (tin-a) đã phát: ' "$V/daemon.log" &&
	grep -q "khóa 'taget' không hợp lệ trong campaign sxh: có phải ý bạn là 'target'?" "$V/daemon.log" &&
	! grep -q 'station it-station ready\|bulletins$' "$V/daemon.log" &&
	ok "the daemon's log with station.language = \"vi\": Vietnamese, with singular/plural words" ||
	{ nok "log in Vietnamese"; tail -12 "$V/daemon.log" | sed 's/^/#   /'; }
grep -q '^loaxa: station it-station (Xã Kiểm Thử) refused the bundle push1 at' "$C/why" &&
	grep -q '^reason: this station has no trusted key' "$C/why" && grep -q '^Nothing of this bundle was installed' "$C/why" &&
	ok "the .why of a refused bundle under LANG=C: English" || { nok ".why in English"; sed 's/^/#   /' "$C/why"; }
grep -q '^loaxa: đài it-station (Xã Kiểm Thử) đã từ chối gói push1 lúc' "$V/why" &&
	grep -q '^lý do: đài này không có khóa tin cậy (trust.keys trong DIR/loaxa.conf)' "$V/why" &&
	grep -q '^Không cài phần nào của gói này' "$V/why" &&
	ok "the .why of a refused bundle in the station's language: Vietnamese" || { nok ".why in Vietnamese"; sed 's/^/#   /' "$V/why"; }
# loaxad takes only LC_MESSAGES from the locale (issue 18: no character
# tables mapped); its words still come out in UTF-8 with every diacritic.
out=$(LANG=vi_VN.UTF-8 "$BUILD/loaxad" --no-such-option 2>&1 | head -1)
[ "$out" = "loaxad: không có tùy chọn --no-such-option" ] && ok "LANG=vi_VN.UTF-8: loaxad's messages in Vietnamese, UTF-8" ||
	nok "LANG=vi_VN.UTF-8 loaxad: $out"
make_station "$T/chk" null
sed -i 's/^station = { /station = { language = "vi"; /' "$T/chk/loaxa.conf"
CONF=$T/chk/loaxa.conf ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null
echo 'serial = 1; slots = ( { id = "sang"; times = ["06:30"]; bulletins = ["tin-a"]; } );' >"$T/chk/schedule.conf"
out=$(env -u LANG -u LC_ALL -u LC_MESSAGES -u LANGUAGE "$BUILD/loaxad" -c "$T/chk/loaxa.conf" --check 2>&1)
grep -q "đài it-station hợp lệ; thư viện 1 bản tin hợp lệ" <<<"$out" &&
	ok "no locale at all, language = \"vi\": loaxad --check answers in Vietnamese, UTF-8" ||
	nok "language = vi without a locale: $out"

# A board whose clock is not synchronised yet, the daemon in English (no
# station language, LANG=C): each client's refusal in its own language.
make_station "$T/sync" loaxatest
sed -i 's/require_sync = false;/require_sync = true; sync_file = "synced";/' "$T/sync/loaxa.conf"
grep -q 'sync_file = "synced"' "$T/sync/loaxa.conf" || bail "no require_sync in make_station's file"
CONF=$T/sync/loaxa.conf
ctl bulletin add "$AUD/v22k-mono.mp3" --id tin-a --title "Bản tin A" >/dev/null || bail "bulletin add (sync)"
echo 'serial = 1; slots = ( { id = "sang"; times = ["06:30"]; bulletins = ["tin-a"]; } );' >"$T/sync/schedule.conf"
LANG=C "$BUILD/loaxad" -c "$CONF" -f >"$T/sync/daemon.log" 2>&1 &
DPID=$!
for i in $(seq 100); do
	[ -S "$T/sync/loaxad.sock" ] && ctl status >/dev/null 2>&1 && break
	sleep 0.05
done
en=$(LANG=C ctl play tin-a 2>&1); rc_en=$?
vi=$(LANG=vi_VN.UTF-8 ctl play tin-a 2>&1); rc_vi=$?
[ $rc_en = 1 ] && [ "$en" = "loaxactl: the clock is not synchronised yet; nothing can play or be logged until it is" ] &&
	ok "unsynchronised clock, LANG=C: play refused in English" || nok "unsynchronised, LANG=C ($rc_en): $en"
[ $rc_vi = 1 ] && [ "$vi" = "loaxactl: đồng hồ chưa đồng bộ; chưa thể phát hay ghi nhật ký gì cho đến khi đồng bộ" ] &&
	ok "unsynchronised clock, LANG=vi_VN.UTF-8: play refused in Vietnamese (exit 1 in both)" ||
	nok "unsynchronised, vi ($rc_vi): $vi"
vi2=$(LANG=C.UTF-8 LANGUAGE=vi ctl play tin-a 2>&1)
en2=$(LANG=vi_VN.UTF-8 LANGUAGE=en ctl play tin-a 2>&1)
[ "$vi2" = "$vi" ] && [ "$en2" = "$en" ] && ok "loaxactl asks for the language of LANGUAGE too (vi, and en over a vi locale)" ||
	nok "LANGUAGE: '$vi2' / '$en2'"
r0=$(printf 'play tin-a\n' | socat -t 2 - "UNIX-CONNECT:$T/sync/loaxad.sock" 2>/dev/null)
r1=$(printf 'play tin-a lang=vi_VN\n' | socat -t 2 - "UNIX-CONNECT:$T/sync/loaxad.sock" 2>/dev/null)
[ "$r0" = "$(printf 'loaxa=1\nok=no\nerror=the clock is not synchronised yet; nothing can play or be logged until it is')" ] &&
	[ "$r1" = "$(printf '%s\nmessage=đồng hồ chưa đồng bộ; chưa thể phát hay ghi nhật ký gì cho đến khi đồng bộ' "$r0")" ] &&
	ok "raw replies: the same error= with and without lang=vi_VN, message= only with it" ||
	nok "raw unsynchronised replies: '$r0' / '$r1'"
r2=$(printf 'status lang=v!\n' | socat -t 2 - "UNIX-CONNECT:$T/sync/loaxad.sock" 2>/dev/null)
r3=$(printf 'frobnicate lang=vi\n' | socat -t 2 - "UNIX-CONNECT:$T/sync/loaxad.sock" 2>/dev/null)
grep -qx 'error=malformed lang=LANG: LANG is 2 to 16 of A-Z a-z _ -' <<<"$r2" && ! grep -q '^message=' <<<"$r2" &&
	grep -q '^error=unknown request (status, play ID' <<<"$r3" && grep -q '^message=yêu cầu không rõ (status, play ID' <<<"$r3" &&
	ok "a malformed lang= is refused (in English: its language is unknown); an unknown request in the language asked" ||
	nok "lang= refusals: '$r2' / '$r3'"
grep -q 'đồng bộ' "$T/sync/daemon.log" && nok "the English daemon logged Vietnamese" ||
	ok "the daemon's own log stays in its language (English) while it answers in Vietnamese"
kill -TERM "$DPID"; wait "$DPID"; DPID=
it_done
