/* loaxactl report and loaxactl rollup: options, and the text, CSV, JSON
 * and HTML renderings of report.c's counts and rollup.c's verdicts. */
#ifndef LOAXA_REPORT_CLI_H
#define LOAXA_REPORT_CLI_H

#include "model.h"

/* loaxactl report (argv[0] = "report"). After the arguments are checked,
 * load_station(required, &st) is called: with required 0 (--journal DIR,
 * a copied folder) it may leave *st NULL when no station file was named;
 * it returns -1 after printing why a station file could not be loaded
 * (and sets the process time zone from it). The report's identity comes
 * from the journal. Exit status 0, 1 (journal unreadable or failing
 * verification: the counts are still printed), 2. */
int cmd_report(int argc, char **argv, int (*load_station)(int required, const struct station **st));

/* loaxactl rollup DIR... (argv[0] = "rollup"); needs no station file.
 * Each DIR is a journal folder, a station folder or a folder of them. */
int cmd_rollup(int argc, char **argv);

#endif
