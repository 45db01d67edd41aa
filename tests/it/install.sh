#!/bin/bash
# `make install` into a DESTDIR, checked file by file: what is installed,
# where, with which mode and contents; that nothing else is; that a second
# install keeps an edited station file; that the man pages render without
# warnings; that `make uninstall` removes all but the station file and the
# data. TAP lines; exit 1 on any failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=${LOAXA_BUILD:-build}
# The sanitizer build must stay one: install from it with SAN=1, so make
# never relinks its objects without the sanitizers.
SANFLAG=
case $BUILD in */san | */san/) SANFLAG=SAN=1 ;; esac

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# make install as a packager runs it: PREFIX=/usr, so /etc and /var.
root=$tmp/usr-root
out=$(make --no-print-directory install $SANFLAG BUILD="$BUILD" DESTDIR="$root" PREFIX=/usr 2>&1)
rc=$?
check "make install DESTDIR=... PREFIX=/usr succeeds" "[ $rc -eq 0 ]" "$out"

expected="/etc/loaxa/loaxa.conf 644
/usr/bin/loaxactl 755
/usr/lib/systemd/system/loaxa-web.service 644
/usr/lib/systemd/system/loaxad.service 644
/usr/lib/sysusers.d/loaxa-web.conf 644
/usr/lib/sysusers.d/loaxa.conf 644
/usr/lib/tmpfiles.d/loaxa.conf 644
/usr/sbin/loaxa-web 755
/usr/sbin/loaxad 755
/usr/share/bash-completion/completions/loaxactl 644
/usr/share/doc/loaxa/examples/loaxa.conf 644
/usr/share/doc/loaxa/examples/schedule.conf 644
/usr/share/locale/vi/LC_MESSAGES/loaxa.mo 644
/usr/share/locale/vi/LC_MESSAGES/loaxad.mo 644
/usr/share/man/man1/loaxactl.1 644
/usr/share/man/man5/loaxa-schedule.5 644
/usr/share/man/man5/loaxa.conf.5 644
/usr/share/man/man8/loaxa-web.8 644
/usr/share/man/man8/loaxad.8 644
/usr/share/man/vi/man1/loaxactl.1 644
/usr/share/man/vi/man5/loaxa-schedule.5 644
/usr/share/man/vi/man5/loaxa.conf.5 644"
# issue 13: the district collector, its unit, man page and examples, and
# the station's fleet link plugin
expected=$(printf '%s\n%s\n' "$expected" "/usr/lib/loaxa/loaxa-fleet.so 644
/usr/lib/loaxa/loaxa-fetch 755
/usr/lib/systemd/system/loaxa-collector.service 644
/usr/sbin/loaxa-collector 755
/usr/share/doc/loaxa/examples/fleet/collector.conf 644
/usr/share/doc/loaxa/examples/fleet/mosquitto-acl.conf 644
/usr/share/doc/loaxa/examples/fleet/mosquitto-bridge.conf 644
/usr/share/doc/loaxa/examples/fleet/mosquitto-district.conf 644
/usr/share/doc/loaxa/examples/fleet/station-fleet.conf 644
/usr/share/man/man8/loaxa-collector.8 644" | LC_ALL=C sort)
# issue 14: the department's MQTT helper, and the documentation that
# messages and .why files refer to
expected=$( { printf '%s\n/usr/lib/loaxa/loaxa-publish 755\n' "$expected"
	for d in docs/*.md; do echo "/usr/share/doc/loaxa/${d#docs/} 644"; done; } | LC_ALL=C sort)
got=$(cd "$root" && find . -type f -printf '/%P %m\n' | LC_ALL=C sort)
check "exactly the expected files, with their modes" "[ \"\$got\" = \"\$expected\" ]" \
	"$(diff <(echo "$expected") <(echo "$got"))"
check "an empty library folder /var/lib/loaxa/library" \
	"[ -d '$root/var/lib/loaxa/library' ] && [ -z \"\$(ls -A '$root/var/lib/loaxa/library')\" ]"

check "loaxad and loaxactl are the built binaries" \
	"cmp -s '$BUILD/loaxad' '$root/usr/sbin/loaxad' && cmp -s '$BUILD/loaxactl' '$root/usr/bin/loaxactl'"
unit=$root/usr/lib/systemd/system/loaxad.service
check "unit: ExecStart=/usr/sbin/loaxad -c /etc/loaxa/loaxa.conf, nothing left to substitute" \
	"grep -qx 'ExecStart=/usr/sbin/loaxad -c /etc/loaxa/loaxa.conf' '$unit' && ! grep -q '@[A-Z]*@' '$unit'"
check "unit: the rest is the template" \
	"diff <(grep -v '^ExecStart=' systemd/loaxad.service.in) <(grep -v '^ExecStart=' '$unit') >/dev/null"
check "sysusers.d and tmpfiles.d files are ours" \
	"cmp -s systemd/loaxa.sysusers.conf '$root/usr/lib/sysusers.d/loaxa.conf' && cmp -s systemd/loaxa.tmpfiles.conf '$root/usr/lib/tmpfiles.d/loaxa.conf'"

conf=$root/etc/loaxa/loaxa.conf
check "station file: the template with /var/lib/loaxa paths and /run/loaxa/loaxad.sock" \
	"diff <(sed 's|@LOCALSTATEDIR@|/var|g' config/loaxa.conf.in) '$conf' >/dev/null && grep -q '\"/var/lib/loaxa/journal\"' '$conf' && grep -q '\"/run/loaxa/loaxad.sock\"' '$conf'"
check "station file: control group loaxa" "grep -Eq 'group = \"loaxa\"' '$conf'"
# --check also wants a schedule and a library, absent here: only the
# station file must be free of problems.
out=$("$BUILD/loaxad" -c "$conf" --check 2>&1)
check "station file: loaxad --check finds no problem in it" \
	"! printf '%s\n' \"\$out\" | grep -q 'in the station file\|loaxa.conf:'" "$out"
check "examples: schedule.conf is the sample, loaxa.conf the station file" \
	"cmp -s config/schedule.conf '$root/usr/share/doc/loaxa/examples/schedule.conf' && cmp -s '$conf' '$root/usr/share/doc/loaxa/examples/loaxa.conf'"
# Every document a message, a .why file or a man page names is installed.
named=$(grep -ho '[A-Z][A-Z]*\.md' src/*.c docs/man/*.[158] docs/man/vi/*.[158] | sort -u)
missing=
for d in $named; do [ -f "$root/usr/share/doc/loaxa/$d" ] || missing="$missing $d"; done
check "every document named by the programs' messages and the man pages is installed (${named//$'\n'/ })" \
	"[ -n \"\$named\" ] && [ -z '$missing' ] && cmp -s docs/PUSH.md '$root/usr/share/doc/loaxa/PUSH.md'" "missing:$missing"
out=$(strings "$BUILD/loaxad" | grep -o '/[a-z/]*/share/doc/loaxa/PUSH.md' | sort -u)
check "loaxad's .why files point to PUSH.md in the documentation folder" "[ -n \"\$out\" ]" "$out"
for m in docs/man/*.[158]; do
	s=${m##*.}
	check "man page $(basename "$m") installed in man$s" "cmp -s '$m' '$root/usr/share/man/man$s/$(basename "$m")'"
done

# Man pages: groff -ww and man --warnings print nothing, man finds them.
if command -v groff >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	for p in "$root"/usr/share/man/man*/*; do
		out=$( { groff -ww -z -man "$p"; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$p" >/dev/null; } 2>&1)
		check "$(basename "$p"): groff -ww -z -man and man --warnings -l print nothing" "[ -z \"\$out\" ]" "$out"
	done
	out=$(MANPATH=$root/usr/share/man man -w loaxad loaxactl loaxa.conf loaxa-schedule 2>&1)
	check "man finds loaxad, loaxactl, loaxa.conf and loaxa-schedule in the installed tree" \
		"[ \$(printf '%s\n' \"\$out\" | grep -c '^$root') -eq 4 ]" "$out"
	# issue 16: the Vietnamese pages, with preconv for their UTF-8 text
	for p in "$root"/usr/share/man/vi/man*/*; do
		out=$( { groff -k -Tutf8 -ww -z -man "$p"; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$p" >/dev/null; } 2>&1)
		check "vi/$(basename "$p"): groff -k -ww and man --warnings -l print nothing" "[ -z \"\$out\" ]" "$out"
	done
	out=$(MANPATH=$root/usr/share/man LC_ALL=C.UTF-8 MANWIDTH=80 man -L vi loaxactl 2>&1 | head -5)
	check "man -L vi loaxactl: the Vietnamese page" "printf '%s\n' \"\$out\" | grep -q 'điều khiển đài truyền thanh xã'" "$out"
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$root/usr/share/man/man8/loaxad.8" 2>&1 | head -5)
	check "man -l renders loaxad(8)" "printf '%s\n' \"\$out\" | grep -q 'loaxad - commune loudspeaker broadcast daemon'" "$out"
else
	skip "man pages render without warnings (groff or man is not installed)"
fi

# A second install keeps the technician's station file.
echo '# edited by the technician' >> "$conf"
cp "$conf" "$tmp/edited"
echo 'garbage' > "$root/usr/share/man/man8/loaxad.8"
out=$(make --no-print-directory install $SANFLAG BUILD="$BUILD" DESTDIR="$root" PREFIX=/usr 2>&1)
rc=$?
check "second make install succeeds" "[ $rc -eq 0 ]" "$out"
check "second make install keeps the edited station file" "cmp -s '$tmp/edited' '$conf'"
check "second make install refreshes everything else" "cmp -s docs/man/loaxad.8 '$root/usr/share/man/man8/loaxad.8'"

# make uninstall: everything but the station file and the data goes.
echo 'bulletin' > "$root/var/lib/loaxa/library/b.mp3"
out=$(make --no-print-directory uninstall DESTDIR="$root" PREFIX=/usr 2>&1)
rc=$?
left=$(cd "$root" && find . -type f -printf '/%P\n' | LC_ALL=C sort | tr '\n' ' ')
check "make uninstall leaves only the station file and the library's data" \
	"[ $rc -eq 0 ] && [ \"\$left\" = '/etc/loaxa/loaxa.conf /var/lib/loaxa/library/b.mp3 ' ]" "$out
left: $left"

# The default prefix: /usr/local, with /usr/local/etc for the station file.
root=$tmp/local-root
out=$(make --no-print-directory install BUILD="$BUILD" DESTDIR="$root" 2>&1)
rc=$?
check "make install with the default PREFIX succeeds" "[ $rc -eq 0 ]" "$out"
check "default PREFIX: /usr/local/sbin/loaxad, /usr/local/bin/loaxactl, /usr/local/etc/loaxa/loaxa.conf" \
	"[ -x '$root/usr/local/sbin/loaxad' ] && [ -x '$root/usr/local/bin/loaxactl' ] && [ -f '$root/usr/local/etc/loaxa/loaxa.conf' ]"
check "default PREFIX: the unit (in /usr/local/lib/systemd/system) runs them" \
	"grep -qx 'ExecStart=/usr/local/sbin/loaxad -c /usr/local/etc/loaxa/loaxa.conf' '$root/usr/local/lib/systemd/system/loaxad.service'"
# Under systemd the daemon may write only /var/lib/loaxa (StateDirectory=).
if grep -q '"/var/lib/loaxa/journal"' "$root/usr/local/etc/loaxa/loaxa.conf"; then
	ok "default PREFIX: the station file keeps the state in /var/lib/loaxa, where the unit lets it write"
else
	skip "default PREFIX: state paths follow LOCALSTATEDIR=$(sed -n 's|.*journal = \"\(.*\)/lib/loaxa/journal\".*|\1|p' "$root/usr/local/etc/loaxa/loaxa.conf"), which the unit cannot write: needs LOCALSTATEDIR ?= /var in the Makefile"
fi
out=$(make --no-print-directory install BUILD="$BUILD" DESTDIR="$root" SYSCONFDIR=/etc 2>&1)
check "SYSCONFDIR=/etc is honoured (station file and ExecStart)" \
	"[ -f '$root/etc/loaxa/loaxa.conf' ] && grep -qx 'ExecStart=/usr/local/sbin/loaxad -c /etc/loaxa/loaxa.conf' '$root/usr/local/lib/systemd/system/loaxad.service'" "$out"

exit $failed
