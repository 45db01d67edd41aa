/* LD_PRELOAD shim for tests/it/web_login.sh: wraps libsodium's
 * crypto_pwhash_str_verify, the password check of a login. Each call
 * appends "PID PPID" to $LOAXA_PWSHIM_LOG; the first word of the file
 * $LOAXA_PWSHIM_MODE (read at each call) makes the checking process
 * "kill": die by SIGKILL (as the OOM killer would), "exit0": exit 0 without
 * a word, "slow": wait 2 s first; anything else: check as usual. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int crypto_pwhash_str_verify(const char *str, const char *passwd, unsigned long long passwdlen)
{
	const char *log = getenv("LOAXA_PWSHIM_LOG"), *mf = getenv("LOAXA_PWSHIM_MODE");
	FILE *f;
	if (log && (f = fopen(log, "a"))) {
		fprintf(f, "%ld %ld\n", (long)getpid(), (long)getppid());
		fclose(f);
	}
	char mode[16] = "";
	if (mf && (f = fopen(mf, "r"))) {
		if (fscanf(f, "%15s", mode) != 1)
			mode[0] = '\0';
		fclose(f);
	}
	if (!strcmp(mode, "kill"))
		raise(SIGKILL);
	if (!strcmp(mode, "exit0"))
		_exit(0);
	if (!strcmp(mode, "slow"))
		sleep(2);
	int (*real)(const char *, const char *, unsigned long long) =
		(int (*)(const char *, const char *, unsigned long long))dlsym(RTLD_NEXT, "crypto_pwhash_str_verify");
	return real(str, passwd, passwdlen);
}
