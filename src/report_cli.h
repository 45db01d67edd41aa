/* loaxactl report and loaxactl rollup: options, and the text, CSV, JSON
 * and HTML renderings of report.c's counts and rollup.c's verdicts. */
#ifndef LOAXA_REPORT_CLI_H
#define LOAXA_REPORT_CLI_H

#include "model.h"

/* loaxactl report (argv[0] = "report"). st: the loaded station (its time
 * zone set). With st NULL only the arguments are checked: returns -1 when
 * they are fine (load the station and call again), else the exit status
 * (0 after --help, 2 after a usage error). Exit status 0, 1 (journal
 * unreadable or failing verification: the counts are still printed), 2. */
int cmd_report(int argc, char **argv, const struct station *st);

/* loaxactl rollup DIR... (argv[0] = "rollup"); needs no station file. */
int cmd_rollup(int argc, char **argv);

#endif
