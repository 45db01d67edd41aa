/* libFuzzer: the station and schedule loaders and the validator. The first
 * byte chooses: a schedule (parsed from memory, as a pushed or installed
 * one is, then validated against a fixed station and library), or a
 * station file (read by libconfig from a memfd, as loaxad reads its own;
 * inputs with @include are skipped there, as only the technician writes
 * that file and its includes are meant to be followed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct station st;
static struct catalog cat;
static struct bulletin items[3];
static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	str_copy(st.id, "xa-phu-dong", sizeof(st.id));
	str_copy(st.district_code, "999", sizeof(st.district_code));
	str_copy(st.timezone, "Asia/Ho_Chi_Minh", sizeof(st.timezone));
	st.file = "loaxa.conf";
	st.allowed_weekdays = 0x7f;
	st.quiet_from = 22 * 60;
	st.quiet_to = 5 * 60;
	st.max_session_minutes = 30;
	st.max_sessions_per_day = 6;
	st.max_bulletin_minutes = 30;
	st.amp.nzones = 2;
	const char *ids[] = {"tin-a", "tin-b", "sxh-2027-01"};
	for (size_t i = 0; i < 3; i++) {
		str_copy(items[i].id, ids[i], sizeof(items[i].id));
		snprintf(items[i].file, sizeof(items[i].file), "%s.mp3", ids[i]);
		items[i].duration = 60.0 * (double)(i + 1);
	}
	cat.items = items;
	cat.n = 3;
	memfd = memfd_create("fuzz-station", MFD_CLOEXEC);
	return memfd < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct errlist e = {0};
	if (data[0] & 1) {
		if (config_include_at((const char *)data + 1, size - 1))
			return 0;
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
		if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
			abort();
		static struct station s2;
		config_load_station(path, &s2, &e);
		station_free(&s2);
	} else {
		char *text = malloc(size);
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		struct schedule s;
		if (config_parse_schedule("fuzz.conf", text, size - 1, &s, &e) == 0) {
			validate_schedule(&s, &st, &cat, &e);
			schedule_free(&s);
		}
		free(text);
	}
	errlist_free(&e);
	return 0;
}
