#!/bin/bash
# The Debian package under a real systemd: boots this machine's own Debian
# as a throw-away container (systemd-nspawn on an overlay of /, changes in
# tmpfs), installs the .deb in it, and checks what issue 8 asks of the
# service: READY (Type=notify) and a Status: line, the control socket for
# group loaxa only, the watchdog restarting a frozen daemon, no restart on
# a station-file error (exit 78), a clean stop, exposure <= 2.0.
# Usage (root): tests/systemd-boot.sh build/deb/loaxa_0.3.0_amd64.deb
# TAP lines; exit 1 on any failure. About a minute. Not part of make test.
set -u
deb=$(readlink -f "${1:?usage: $0 PACKAGE.deb}")
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

[ "$(id -u)" -eq 0 ] || { echo "not ok 1 - must run as root"; exit 1; }
command -v systemd-nspawn >/dev/null || { echo "ok 1 - # SKIP systemd-nspawn is not installed (apt-get install systemd-container)"; exit 0; }

top=$(mktemp -d)
nspawn_pid=
cleanup() {
	[ -n "$nspawn_pid" ] && kill "$nspawn_pid" 2>/dev/null && sleep 2
	umount "$top/merged" 2>/dev/null
	umount "$top" 2>/dev/null
	rmdir "$top" 2>/dev/null
}
trap cleanup EXIT
mount -t tmpfs tmpfs "$top" && mkdir "$top/upper" "$top/work" "$top/merged" "$top/debs" &&
	mount -t overlay overlay -o "lowerdir=/,upperdir=$top/upper,workdir=$top/work" "$top/merged" ||
	{ echo "not ok 1 - cannot make an overlay of /"; exit 1; }
root=$top/merged
systemd-id128 new > "$root/etc/machine-id"
rm -f "$root/usr/sbin/policy-rc.d" # container images forbid starting services
cp "$deb" "$root/var/tmp/loaxa.deb"

systemd-nspawn -q -D "$root" --keep-unit --register=no --link-journal=no -b >"$top/boot.log" 2>&1 &
nspawn_pid=$!
pid1=
for _ in $(seq 1 60); do
	pid1=$(pgrep -P "$nspawn_pid" 2>/dev/null | head -1)
	if [ -n "$pid1" ]; then
		st=$(nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null)
		case $st in running | degraded) break ;; esac
	fi
	sleep 1
done
check "the container boots systemd (${st:-nothing})" "[ '${st:-}' = running ] || [ '${st:-}' = degraded ]" "$(tail -5 "$top/boot.log")"
[ $failed -eq 0 ] || exit 1
cx() { nsenter -t "$pid1" -a "$@"; }
show() { cx systemctl show -p "$1" --value loaxad; }

out=$(cx dpkg -i /var/tmp/loaxa.deb 2>&1)
check "dpkg -i installs the package" "cx dpkg-query -W -f='\${Status}' loaxa | grep -q 'install ok installed'" "$out"
check "the package enabled and started the service" "[ \"\$(show UnitFileState)\" = enabled ] && [ \"\$(show ActiveState)\" = active ]" \
	"$(cx systemctl status loaxad --no-pager 2>&1 | tail -5)"
# A board without network time waits for it; the test trusts this clock.
cx sed -i 's/require_sync = true;/require_sync = false;/' /etc/loaxa/loaxa.conf
cx systemctl restart loaxad
check "Type=notify: the daemon reported READY (systemctl restart returned, service active)" \
	"[ \"\$(show ActiveState)\" = active ] && [ \"\$(show SubState)\" = running ]"
status=$(show StatusText)
check "STATUS=: systemctl status shows what is next (\"$status\")" "[ -n \"\$status\" ]"
check "runs as loaxa with groups audio and dialout" \
	"ps=\$(cx ps -o user=,group=,supgrp= -p \"\$(show MainPID)\"); [[ \$ps == loaxa*loaxa* && \$ps == *audio* && \$ps == *dialout* ]]" "$(cx ps -o user=,group=,supgrp= -p "$(show MainPID)")"
check "/run/loaxa/loaxad.sock: group loaxa, mode 0660" "[ \"\$(cx stat -c '%G %a' /run/loaxa/loaxad.sock)\" = 'loaxa 660' ]"
cx useradd -G loaxa canbo && cx useradd khach
check "a member of group loaxa can use loaxactl status" "cx su -s /bin/sh canbo -c 'loaxactl status' | grep -q '^state:'"
check "anyone else cannot" "! cx su -s /bin/sh khach -c 'loaxactl status' >/dev/null 2>&1"
warn=$(cx journalctl _PID="$(show MainPID)" -p warning -o cat --no-pager | grep -v 'schedule\|running with no schedule' || true)
check "no unexpected warnings at start-up (seccomp, devices, permissions)" "[ -z \"\$warn\" ]" "$warn"

cx kill -STOP "$(show MainPID)"
for _ in $(seq 1 45); do [ "$(show NRestarts)" = 1 ] && break; sleep 1; done
check "watchdog: a frozen daemon is killed and restarted within WatchdogSec" \
	"[ \"\$(show NRestarts)\" = 1 ] && cx journalctl -u loaxad -b -o cat --no-pager | grep -q 'Watchdog timeout'"

cx cp /etc/loaxa/loaxa.conf /var/tmp/good.conf
cx sed -i 's/id = "vn-xx-station"/id = "bad id"/' /etc/loaxa/loaxa.conf
cx systemctl reset-failed loaxad 2>/dev/null
cx systemctl restart loaxad 2>/dev/null
sleep 7
check "a station-file error exits 78 and is not restarted" \
	"[ \"\$(show ExecMainStatus)\" = 78 ] && [ \"\$(show ActiveState)\" = failed ] && [ \"\$(show NRestarts)\" = 0 ]"
cx cp /var/tmp/good.conf /etc/loaxa/loaxa.conf
cx systemctl start loaxad
cx systemctl stop loaxad
check "systemctl stop: the daemon stops cleanly" "[ \"\$(show Result)\" = success ] && [ \"\$(show ActiveState)\" = inactive ]"
score=$(cx systemd-analyze security loaxad --no-pager 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
check "systemd-analyze security loaxad (running system): exposure $score <= 2.0" \
	"awk -v s='${score:-99}' 'BEGIN { exit !(s <= 2.0) }'"

cx systemctl poweroff 2>/dev/null
for _ in $(seq 1 20); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 1; done
nspawn_pid=
exit $failed
