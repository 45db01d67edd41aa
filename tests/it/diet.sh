#!/bin/bash
# The daemon on a diet (issue 18), with a real loaxad and real files:
# libcrypto is not in its address space (SHA-256 in portable C), nor are
# libsodium and libmodbus until a signature is checked or an amplifier
# driven, while
# loaxactl verifies the chain it wrote with OpenSSL's; each bulletin is
# hashed once at load (by the helper, off the loop) and trusted while its inode and times stay, and a
# file changed behind the daemon's back (same size, mtime put back) still
# fails with "checksum" instead of airing. The hasher's thread starts only
# with a file to hash; a Vietnamese loaxad reads its catalogue under C.UTF-8.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash

it_setup diet
make_station "$T/st" loaxatest
CONF=$T/st/loaxa.conf
for b in tin-a:v22k-mono.mp3 tin-b:v08k-mono.mp3; do
	ctl bulletin add "$AUD/${b#*:}" --id "${b%%:*}" --title "Bản tin ${b%%:*}" >/dev/null ||
		bail "bulletin add ${b%%:*}"
done
cat >"$T/st/schedule.conf" <<'EOF2'
serial = 1;
slots = ( { id = "later"; dates = ["2031-01-15"]; times = ["06:30"]; bulletins = ["tin-b"]; } );
EOF2
set_clock "2030-01-15 06:00:00"
# English from the environment: nothing to load from the locale files
LANG=C.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE= start_daemon

maps=$(cat "/proc/$DPID/maps")
if ! grep -qE 'locale-archive|gconv-modules|LC_MESSAGES' <<<"$maps"; then
	ok "loaxad under LANG=C.UTF-8 maps no locale file (messages in English either way)"
else
	nok "loaxad under LANG=C.UTF-8 maps $(grep -oE '[^ /]*(locale-archive|gconv-modules[^ ]*|LC_MESSAGES[^ ]*)' <<<"$maps" | sort -u | tr '\n' ' ')"
fi
if ! grep -qE 'libcrypto|libsodium|libmodbus' <<<"$maps"; then
	ok "loaxad maps no libcrypto, nor libsodium or libmodbus (loaded only to check a signature, to drive an amplifier)"
else
	nok "loaxad's maps: $(grep -oE 'lib(crypto|sodium|modbus)[^ ]*' <<<"$maps" | sort -u | tr '\n' ' ')"
fi
grep -q libcrypto < <(ldd "$BUILD/loaxactl") && ok "loaxactl links libcrypto (its roll-up's hash)" ||
	nok "loaxactl without libcrypto"

lib=$T/st/library
for i in $(seq 100); do grep -q 'helper: 2 of 2 library files hashed off the loop' "$T/daemon.log" && break; sleep 0.05; done
n_load=$(grep -c "hashed $lib/tin-.* in full" "$T/daemon.log")
grep -q 'helper: 2 of 2 library files hashed off the loop' "$T/daemon.log" && [ "$n_load" = 0 ] &&
	ok "each bulletin hashed once at load, by the helper, not in the loop" || nok "hashed at load: $n_load in the loop"

played() { grep -c " end occ=.*outcome=aired" "$T"/st/journal/*.log; } # only tin-a plays
ctl play tin-a >/dev/null || nok "play tin-a"
wait_journal " end occ=.*outcome=aired" 10 || bail "tin-a did not air"
ctl play tin-a >/dev/null || nok "play tin-a again"
for i in $(seq 100); do [ "$(played tin-a)" = 2 ] && break; sleep 0.05; done
[ "$(played tin-a)" = 2 ] && ok "played twice" || nok "tin-a aired $(played tin-a) times"
n=$(grep -c "hashed $lib/tin-a.mp3 in full" "$T/daemon.log")
[ "$n" = 0 ] && grep -q "tin-a.mp3: unchanged since it last hashed right" "$T/daemon.log" &&
	ok "not hashed again to play an unchanged file" || nok "tin-a hashed $n times in the loop"
# the hasher's thread starts with its first file to hash: none yet (the
# loop and the journal's flusher)
th=$(awk '/^Threads:/ { print $2 }' "/proc/$DPID/status")
[ "$th" = 2 ] && ok "no hasher thread while no file needed hashing" || nok "loaxad runs $th threads"

# change one byte, same size, and put mtime back: only ctime tells
cp -p "$lib/tin-a.mp3" "$T/orig.mp3"
touch -r "$lib/tin-a.mp3" "$T/stamp"
printf 'x' | dd of="$lib/tin-a.mp3" bs=1 seek=3000 conv=notrunc 2>/dev/null
touch -r "$T/stamp" "$lib/tin-a.mp3"
set_clock "2030-01-15 06:10:00" # the change is more than a second old
ctl play tin-a >/dev/null 2>&1
wait_journal 'failed occ=.* bulletin=tin-a .*detail="checksum' 10 &&
	ok "a changed file fails with checksum, never airs" || nok "changed file not caught"
[ "$(played tin-a)" = 2 ] && ok "it did not air" || nok "changed file aired"

# the original bytes back (a new inode): hashed again, and it airs
cp "$T/orig.mp3" "$lib/tin-a.mp3.new" && mv "$lib/tin-a.mp3.new" "$lib/tin-a.mp3"
set_clock "2030-01-15 06:20:00"
ctl play tin-a >/dev/null 2>&1
for i in $(seq 100); do [ "$(played tin-a)" = 3 ] && break; sleep 0.05; done
[ "$(played tin-a)" = 3 ] && ok "restored file hashed again and aired" || nok "restored file: $(played tin-a) airs"

th=$(awk '/^Threads:/ { print $2 }' "/proc/$DPID/status")
[ "$th" = 3 ] && ok "the hasher's thread started with a changed file" || nok "loaxad runs $th threads"

stop_daemon
# Vietnamese from the environment: loaxad reads its own catalogue with
# pread (src/mo.c), loading no locale and mapping no catalogue, no gconv
# cache, no locale-archive (issue 18)
: >"$T/daemon.log"
LANG=vi_VN.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE= start_daemon
for i in $(seq 100); do grep -q 'bản tin' "$T/daemon.log" && break; sleep 0.05; done
mapped() { grep -oE '[^ /]*(locale-archive|LC_MESSAGES[^ ]*|\.mo|gconv[^ ]*)$' "/proc/$DPID/maps" | sort -u | tr '\n' ' '; }
m=$(mapped)
[ -z "$m" ] && grep -q 'bản tin' "$T/daemon.log" &&
	ok "loaxad under LANG=vi_VN.UTF-8 speaks Vietnamese with no locale, catalogue or gconv file mapped" ||
	nok "vi: mapped: $m; $(head -2 "$T/daemon.log")"
ls -l "/proc/$DPID/fd" | grep -q '\.mo$' && nok "loaxad keeps its catalogue open" ||
	ok "loaxad keeps no descriptor of its catalogue"
stop_daemon
# A catalogue the reader refuses (two plural forms): said so, in
# Vietnamese once the C library has the catalogue, and
# read by the C library's gettext as before (its own catalogue, loaxad.mo,
# mapped; C.UTF-8's LC_MESSAGES from its directory, not locale-archive)
mkdir -p "$T/loc/vi/LC_MESSAGES"
msgunfmt "$BUILD/locale/vi/LC_MESSAGES/loaxad.mo" | sed 's/nplurals=1; plural=0;/nplurals=2; plural=(n != 1);/' |
	msgfmt -o "$T/loc/vi/LC_MESSAGES/loaxad.mo" -
: >"$T/daemon.log"
LOAXA_LOCALEDIR=$T/loc LANG=vi_VN.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE= start_daemon
for i in $(seq 100); do grep -q 'bản tin' "$T/daemon.log" && break; sleep 0.05; done
grep -q "^loaxad: $T/loc/vi/LC_MESSAGES/loaxad.mo: không phải tệp bản dịch có một dạng số nhiều (nplurals=1); đọc bản dịch bằng gettext của thư viện C$" "$T/daemon.log" &&
	grep -q 'bản tin' "$T/daemon.log" && grep -q 'C.utf8/LC_MESSAGES' "/proc/$DPID/maps" &&
	ok "a catalogue the reader refuses: said, and read by the C library's gettext in Vietnamese" ||
	nok "refused catalogue: mapped: $(mapped); $(head -3 "$T/daemon.log")"
grep -q 'locale-archive' "/proc/$DPID/maps" && nok "loaxad under LANG=vi_VN.UTF-8 maps locale-archive" ||
	ok "then too, loaxad does not map locale-archive"
grep -q '/loaxad\.mo$' "/proc/$DPID/maps" && ! grep -q '/loaxa\.mo$' "/proc/$DPID/maps" &&
	ok "then loaxad maps its own catalogue, loaxad.mo, not loaxa.mo" ||
	nok "catalogues mapped: $(mapped)"
stop_daemon
"$BUILD/loaxactl" -c "$CONF" log verify >"$T/verify.out" 2>&1 &&
	ok "loaxactl (OpenSSL) verifies the chain loaxad (portable SHA-256) wrote" ||
	nok "log verify: $(cat "$T/verify.out")"
it_done
