/* loaxactl fleet status: the district's view of its stations, from the
 * collector's mirror (docs/FLEET.md). */
#ifndef LOAXA_FLEET_CLI_H
#define LOAXA_FLEET_CLI_H

/* argv[0] = "fleet". Exit status 0, 1 (mirror unreadable, or a station's
 * chain is flagged), 2 (usage). Needs no station file. */
int cmd_fleet(int argc, char **argv);

#endif
