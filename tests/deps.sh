#!/bin/sh
# Install the Debian packages the build, the tests and the demo need, if any
# is missing (apt-get; sudo when not root). Safe to run again.
set -e
PKGS="build-essential pkg-config libasound2-dev libmpg123-dev libconfig-dev libmodbus-dev
libcmocka-dev libsodium-dev libssl-dev alsa-utils mpg123 espeak-ng lame socat mbpoll valgrind
python3-pymodbus python3-serial python3-serial-asyncio minisign tzdata sox twolame time"
# issue 12: the fuzz harnesses (libFuzzer)
PKGS="$PKGS clang libclang-rt-14-dev"
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
