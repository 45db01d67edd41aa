/* Adapter for civil.c's time zone: reads the station's TZif file once
 * (civil.c does the arithmetic from it, with no mktime or localtime). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "util.h"

#define ZONE_DIR "/usr/share/zoneinfo/"
#define ZONE_FILE_MAX (256 * 1024)

int civil_tz_set(const char *name)
{
	/* Two zones: the one in use stays valid while the other is loaded. */
	static struct civil_zone zones[2];
	static int next;
	struct civil_zone *z = &zones[next];
	char path[512];

	if (!name || !name[0] || name[0] == '/' || strstr(name, ".."))
		return -1;
	if (strlen(name) + sizeof(ZONE_DIR) > sizeof(path))
		return -1;
	memcpy(path, ZONE_DIR, sizeof(ZONE_DIR) - 1);
	strcpy(path + sizeof(ZONE_DIR) - 1, name);
	char *buf = NULL;
	size_t len = 0;
	if (read_file_all(path, ZONE_FILE_MAX, 0, &buf, &len) < 0) {
		if (strcmp(name, "UTC"))
			return -1;
		memset(z, 0, sizeof(*z)); /* no tzdata: UTC is still UTC */
	} else {
		char err[128];
		int rc = civil_zone_parse((const unsigned char *)buf, len, z, err, sizeof(err));
		free(buf);
		if (rc < 0)
			return -1;
	}
	civil_tz_use(z);
	next = !next;
	/* the log's clock (util.c) still goes through libc */
	setenv("TZ", name, 1);
	tzset();
	return 0;
}

const char *civil_tz_default(void)
{
	const char *tz = getenv("TZ");
	if (tz && *tz == ':')
		tz++;
	if (tz && *tz && civil_tz_set(tz) == 0)
		return tz;
	if (civil_tz_set("Asia/Ho_Chi_Minh") == 0)
		return "Asia/Ho_Chi_Minh";
	civil_tz_set("UTC");
	return "UTC";
}
