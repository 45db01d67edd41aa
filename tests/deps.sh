#!/bin/sh
# Install the Debian packages the build, the tests and the demo need, if any
# is missing (apt-get; sudo when not root). Safe to run again.
set -e
PKGS="build-essential pkg-config libasound2-dev libmpg123-dev libconfig-dev libmodbus-dev
libcmocka-dev libsodium-dev libssl-dev alsa-utils mpg123 espeak-ng lame socat mbpoll valgrind
python3-pymodbus python3-serial python3-serial-asyncio minisign tzdata sox twolame time"
# the report's PDF (headless Chromium) and the tests that read it back
PKGS="$PKGS chromium poppler-utils"
# loaxa-web, and its tests in a real browser
PKGS="$PKGS libmicrohttpd-dev chromium-driver python3-selenium openssl curl procps"
# the fleet link (MQTT) and its tests with a real broker
PKGS="$PKGS mosquitto mosquitto-clients libmosquitto-dev"
# issue 14: loaxa-fetch downloads the audio of pushed bundles
PKGS="$PKGS libcurl4-openssl-dev tinyproxy"
# issue 16: message catalogues (xgettext, msgfmt), the vi_VN.UTF-8 locale
# the language tests run under, the man page checks
PKGS="$PKGS gettext locales man-db groff-base"
# the fuzz harnesses (libFuzzer)
PKGS="$PKGS clang libclang-rt-14-dev"
missing=""
arch=$(dpkg --print-architecture)
for p in $PKGS; do
	# the machine's own architecture (or "all"): a cross build's :arm64
	# twin of a -dev package does not count
	dpkg-query -W -f='${Architecture} ${Status}\n' "$p" 2>/dev/null |
		grep -Eq "^($arch|all) .*ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "loaxa: installing missing packages:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	# One stale index (a mirror mid-sync, a foreign architecture's list)
	# must not stop the install: the lists that did arrive usually suffice,
	# and apt-get install below says plainly if they do not.
	$SUDO apt-get update -qq || echo "loaxa: apt-get update reported errors (above); installing from the lists it has"
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# issue 16: the Vietnamese locale, generated once (idempotent)
if ! locale -a 2>/dev/null | grep -qix 'vi_VN.utf8'; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "loaxa: generating the vi_VN.UTF-8 locale"
	grep -qx 'vi_VN.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null ||
		echo 'vi_VN.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
	$SUDO locale-gen >/dev/null
fi
