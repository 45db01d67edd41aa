/* loaxactl bundle make | publish: the department's side of the signed
 * push (docs/PUSH.md): a bundle made from a schedule and a folder of
 * audio, checked as a station would check it before it is signed; then,
 * signed, put on the fleet link (audio into a web folder, the schedule
 * as a retained MQTT message through the loaxa-publish helper). */
#ifndef LOAXA_BUNDLE_CLI_H
#define LOAXA_BUNDLE_CLI_H

#include <stddef.h>

/* argv[0] = "bundle". station_file: loaxactl's -c FILE (or $LOAXA_CONF),
 * NULL when none was named. Exit status 0, 1 (refused), 2 (usage). */
int cmd_bundle(int argc, char **argv, const char *station_file);

/* The message of the fleet downlink (docs/FLEET.md): header line, then
 * the schedule's and the signature's bytes. *out is malloc'd; -1 when the
 * name is not NAME.conf or the whole is over BUNDLE_MSG_MAX. */
#define BUNDLE_MSG_MAX ((1 << 20) + (8 << 10))
int bundle_message(const char *name, long long serial, const char *conf, size_t clen,
		   const char *sig, size_t slen, char **out, size_t *outlen);

#endif
