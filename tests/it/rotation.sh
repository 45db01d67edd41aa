#!/bin/bash
# Campaign rotation, one rule (issue 11): only a campaign slot without its
# own bulletins moves the rotation on; an explicit bulletin of the campaign
# and an on-demand play of one do not, while running and across restarts
# between the plays; schedule show predicts the same.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup rotation
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
for b in b1 b2 b3; do
	ctl bulletin add "$AUD/v08k-mono.mp3" --id "$b" --title "$b" --campaign c >/dev/null 2>&1 ||
		ctl bulletin add "$AUD/v08k-mono.mp3" --id "$b" --title "$b" >/dev/null || bail "bulletin add $b"
done
cat >"$T/st/schedule.conf" <<'EOF'
serial = 1;
campaigns = ( { id = "c"; title = "C"; bulletins = ["b1", "b2", "b3"]; } );
slots = (
  { id = "r"; dates = ["2030-01-15"]; times = ["06:30", "06:40", "06:50"]; campaign = "c"; },
  { id = "e"; dates = ["2030-01-15"]; times = ["06:35"]; bulletins = ["b3"]; campaign = "c"; }
);
EOF
bul() { grep -h " start occ=$1 " "$T"/st/journal/*.log | sed -n 's/.* bulletin=\([^ ]*\) .*/\1/p'; }
set_clock "2030-01-15 06:29:59"
start_daemon
wait_journal 'end occ=r@2030-01-15T06:30 ' 10 || bail "06:30"
set_clock "2030-01-15 06:34:59"
wait_journal 'end occ=e@2030-01-15T06:35 ' 10 || bail "06:35"
[ "$(bul r@2030-01-15T06:30)" = b1 ] && [ "$(bul e@2030-01-15T06:35)" = b3 ] &&
	ok "06:30 rotation gives b1; 06:35 plays its explicit b3" || nok "06:30/06:35: $(bul r@2030-01-15T06:30) $(bul e@2030-01-15T06:35)"
out=$(ctl schedule show --from 2030-01-15 --days 1)
# schedule show lists the day from its start, the rotation going on from
# the journal's last rotating pick: the first campaign slot is the next one.
grep -qE '06:30  b2 .*slot r@' <<<"$out" && ok "schedule show: the next rotating slot gets b2 (the explicit b3 did not count)" ||
	nok "show: $(grep 06:30 <<<"$out")"
stop_daemon
start_daemon # a restart between the plays
set_clock "2030-01-15 06:39:59"
wait_journal 'end occ=r@2030-01-15T06:40 ' 10 || bail "06:40"
[ "$(bul r@2030-01-15T06:40)" = b2 ] && ok "after a restart 06:40 plays b2: the explicit b3 did not move the rotation" ||
	nok "06:40 played $(bul r@2030-01-15T06:40)"
ctl play b1 >/dev/null || bail "play b1"
wait_journal 'end occ=manual@.* outcome=aired' 10 || bail "manual"
out=$(ctl schedule show --from 2030-01-15 --days 1)
grep -qE '06:30  b3 .*slot r@' <<<"$out" && ok "schedule show: the next rotating slot gets b3 (the on-demand b1 did not count)" ||
	nok "show: $(grep 06:30 <<<"$out")"
stop_daemon
start_daemon
set_clock "2030-01-15 06:49:59"
wait_journal 'end occ=r@2030-01-15T06:50 ' 10 || bail "06:50"
[ "$(bul r@2030-01-15T06:50)" = b3 ] && ok "after a restart 06:50 plays b3: the on-demand b1 did not move it" ||
	nok "06:50 played $(bul r@2030-01-15T06:50)"
grep -q ' start occ=r@2030-01-15T06:50 .* rotation=yes ' "$T"/st/journal/*.log &&
	grep -q ' start occ=e@2030-01-15T06:35 .* rotation=no ' "$T"/st/journal/*.log &&
	ok "start records say whether rotation chose the bulletin" || nok "rotation= fields"
stop_daemon
it_done
