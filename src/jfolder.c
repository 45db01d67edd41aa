/* Journal folders under a path: see jfolder.h. Only names are looked at;
 * reading and verifying the files is journal.c's. */
#include "jfolder.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int jfolder_is_log_name(const char *s)
{
	return strlen(s) == 11 && !strcmp(s + 7, ".log") && s[4] == '-' &&
	       strspn(s, "0123456789") == 4 && strspn(s + 5, "0123456789") == 2;
}

int jfolder_has_logs(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d)))
		found = jfolder_is_log_name(de->d_name);
	closedir(d);
	return found;
}

static void add(struct jfolder_list *l, const char *dir)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->dir = xrealloc(l->dir, l->cap * sizeof(*l->dir));
	}
	l->dir[l->n++] = xstrdup(dir);
}

/* dir, or dir/journal, when it holds journal files: 1 (added), 0. */
static int add_station(struct jfolder_list *l, const char *dir)
{
	if (jfolder_has_logs(dir) == 1) {
		add(l, dir);
		return 1;
	}
	size_t n = strlen(dir) + sizeof("/journal");
	char *j = xcalloc(1, n);
	snprintf(j, n, "%s%sjournal", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/");
	int r = jfolder_has_logs(j) == 1;
	if (r)
		add(l, j);
	free(j);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int jfolder_find(const char *path, struct jfolder_list *l)
{
	if (jfolder_has_logs(path) < 0)
		return -1;
	if (add_station(l, path))
		return 1;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	char **names = NULL;
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (nn + 1) * sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(*names), cmp_name);
	int found = 0;
	int slash = path[0] && path[strlen(path) - 1] == '/';
	for (size_t i = 0; i < nn; i++) {
		size_t n = strlen(path) + strlen(names[i]) + 2;
		char *sub = xcalloc(1, n);
		snprintf(sub, n, "%s%s%s", path, slash ? "" : "/", names[i]);
		found += add_station(l, sub); /* not a folder: opendir fails, skipped */
		free(sub);
		free(names[i]);
	}
	free(names);
	return found;
}

void jfolder_list_free(struct jfolder_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->dir[i]);
	free(l->dir);
	memset(l, 0, sizeof(*l));
}
