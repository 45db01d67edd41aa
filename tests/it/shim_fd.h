/* For the tests' LD_PRELOAD shims: whether descriptor fd is open on a path
 * containing match (through /proc/self/fd). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fd_path_has(int fd, const char *match)
{
	if (!match || !*match)
		return 0;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}
