#!/bin/bash
# loaxad in two languages (issue 16): the same station run once under
# LANG=C and once under LANG=vi_VN.UTF-8 with station.language = "vi" writes
# the same as-run journal (records, fields, outcome words and details; only
# times, the pid and the hashes differ), answers the control socket with the
# same fields, and loaxactl's CSV of it is byte-identical. TAP output.
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
	LANG=$lang ctl play nothing-such >/dev/null 2>"$dir/play.err"
	stop_daemon
	LANG=$lang ctl log --format csv >"$dir/log.csv"
	# the journal without times, pids and hashes
	# (and without the run's folder, and the virtual clock's steps, whose
	# size depends on when the daemon read the clock)
	sed -E 's/^[^ ]+ //; s/ prev=[0-9a-f]{64}$//; s/pid=[0-9]+/pid=N/; s/(started|ended|at)=[^ ]+/\1=T/g' \
		"$dir"/journal/*.log | sed "s|$dir|DIR|g" | grep -v '^clock-stepped' >"$dir/journal.norm"
	sed "s|$dir|DIR|g" "$dir/log.csv" >"$dir/log.norm"
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
it_done
