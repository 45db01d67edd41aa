#!/bin/bash
# The layering check (tests/check-layering.sh, issue 18) passes on the core
# as built and fails, naming the module and the call, when a core file is
# made to do I/O, read the clock or the environment, or reach a library.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
T=$(mktemp -d "/tmp/loaxa-it-layering.XXXXXX")
trap 'rm -rf "$T"' EXIT

core=$(sed -n 's/^CORE := //p' Makefile)
objs=()
for m in $core; do objs+=("$BUILD/obj/$m.o"); done
ar rcs "$T/core.a" "${objs[@]}" || bail "core objects in $BUILD/obj (make first)"

if out=$(tests/check-layering.sh "$T/core.a" 2>&1) && [[ $out == *"core is pure"* ]]; then
	ok "the core as built is pure"
else
	nok "the core as built is pure: $out"
fi

# a scratch copy of a core file that calls stat()
cp src/engine.c "$T/engine.c"
cat >>"$T/engine.c" <<'EOF2'
#include <sys/stat.h>
int engine_scratch_exists(const char *path);
int engine_scratch_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}
EOF2
cp "$T/core.a" "$T/bad.a"
if cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -c -o "$T/engine.o" "$T/engine.c" &&
	ar rcs "$T/bad.a" "$T/engine.o"; then
	out=$(tests/check-layering.sh "$T/bad.a" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"engine.o calls stat,"* ]]; then
		ok "engine.c calling stat() fails the check, named"
	else
		nok "engine.c calling stat() fails the check (rc $rc): $out"
	fi
else
	nok "scratch engine.c compiles"
fi

# one more core member per forbidden call: files, sockets, the clock, the
# environment, libc's time zone, crypto and sound libraries
for fn in open fopen read write unlink access opendir socket getenv setenv \
	time clock_gettime gettimeofday mktime localtime_r tzset \
	EVP_DigestInit_ex2 crypto_hash_sha256 snd_pcm_open mpg123_open modbus_connect; do
	printf 'extern int %s();\nint scratch_%s(void);\nint scratch_%s(void) { return %s(); }\n' \
		"$fn" "$fn" "$fn" "$fn" >"$T/scratch_$fn.c"
	cp "$T/core.a" "$T/bad.a"
	cc -std=c11 -O0 -c -o "$T/scratch_$fn.o" "$T/scratch_$fn.c" 2>/dev/null &&
		ar rcs "$T/bad.a" "$T/scratch_$fn.o" || { nok "scratch call to $fn compiles"; continue; }
	out=$(tests/check-layering.sh "$T/bad.a" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"scratch_$fn.o calls $fn,"* ]]; then
		ok "a core call to $fn fails the check"
	else
		nok "a core call to $fn fails the check (rc $rc): $out"
	fi
done
exit $((FAILED > 0))
