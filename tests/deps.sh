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
PKGS="$PKGS libmicrohttpd-dev chromium-driver python3-selenium openssl curl"
# the fleet link (MQTT) and its tests with a real broker
PKGS="$PKGS mosquitto mosquitto-clients libmosquitto-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "loaxa: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
