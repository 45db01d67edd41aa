/* Finding station journal folders under a path, for every command that
 * reads copied journals (log, log verify, report, rollup, fleet status):
 * a journal folder itself, a station folder holding journal/, or a folder
 * of such folders (a collector's mirror: MIRROR/STATION_ID/journal/). */
#ifndef LOAXA_JFOLDER_H
#define LOAXA_JFOLDER_H

#include <stddef.h>

/* 1 if dir holds at least one journal file (YYYY-MM.log), 0 if not, -1
 * with errno if dir cannot be read. */
int jfolder_has_logs(const char *dir);

/* 1 if name is a journal file name: YYYY-MM.log. */
int jfolder_is_log_name(const char *name);

struct jfolder_list {
	char **dir;              /* malloc'd paths, in the order found */
	size_t n, cap;
};

/* The journal folders path stands for, appended to l: path itself when it
 * holds journal files; else PATH/journal when that does; else, for each
 * subfolder S of path in name order, S or S/journal when it holds journal
 * files (a folder of station folders). Hidden names are skipped. Returns
 * how many were appended (0: none found), or -1 with errno when path
 * cannot be read. */
int jfolder_find(const char *path, struct jfolder_list *l);
void jfolder_list_free(struct jfolder_list *l);

#endif
