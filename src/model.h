/* In-memory form of the station file, the schedule file and the bulletin
 * catalog. Filled by config.c (the only libconfig user) and catalog.c;
 * read by the pure core. Every element keeps the line it came from so
 * validation can say "file:line: what is wrong". */
#ifndef LOAXA_MODEL_H
#define LOAXA_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ID_MAX 64
#define TITLE_MAX 256
#define PATHBUF 4096
#define MAX_ZONES 32
#define TRUST_KEYS_MAX 16
#define TRUST_KEY_LEN 64 /* a minisign public key: 56 base64 characters */
#define TRUST_REVOKED_MAX 64
#define TRUST_KEYID_LEN 17 /* a key id as minisign prints it: up to 16 hex digits */

enum level { LEVEL_NORMAL = 0, LEVEL_PRIORITY = 1, LEVEL_EMERGENCY = 2 };
const char *level_name(enum level l);      /* "normal" ... */
int level_parse(const char *s);            /* -> enum level, or -1 */

struct zone_coil {
	int zone; /* 1..MAX_ZONES */
	int coil;
	int line;
};

struct amp_config {
	int enabled;
	int tcp;                /* 1 = tcp, 0 = rtu */
	char host[256];
	int port;
	const char *device;     /* rtu serial device; paths are malloc'd at their length (station_free) */
	int baud;
	char parity;            /* 'N', 'E', 'O' */
	int data_bits, stop_bits;
	int slave;
	int timeout_ms;
	int power_coil;
	struct zone_coil zones[MAX_ZONES];
	size_t nzones;
	int warmup_ms;
	int hold_s;
	int fault_input;        /* -1 = none */
	int status_enabled;     /* read-only Modbus TCP status server */
	char status_address[64];
	int status_port;
	/* issue 12: who may connect to the status server ("ADDR" or "ADDR/BITS",
	 * IPv4 or IPv6); none = anyone who can reach the address */
	char status_allow[16][64];
	size_t nstatus_allow;
};

/* The station file's `fleet` section (issue 13, docs/FLEET.md). */
struct fleet_config {
	int enabled;            /* the section is there */
	char broker[512];       /* mqtt://HOST:PORT or mqtts://HOST:PORT */
	char username[128];
	const char *password_file;
	const char *ca_file;
	char audio_url[512];
	int keepalive;          /* seconds */
	int retry_max;          /* reconnect back-off ceiling, seconds */
	int line;
};

/* Its paths (const char *) are malloc'd at their real length, each at
 * most PATHBUF - 1 bytes, never NULL once config_load_station has run
 * ("" = not given); station_free releases them. */
struct station {
	const char *file;       /* the station file, as given */
	const char *dir;        /* its folder: base of relative paths */
	char id[ID_MAX];
	char commune_code[ID_MAX];
	char district_code[ID_MAX];
	char name[TITLE_MAX];
	char timezone[128];
	/* paths, already resolved against dir */
	const char *library;
	const char *journal;
	const char *schedule;
	const char *spool;
	const char *control;
	const char *state;
	char control_group[64]; /* "" = the daemon's own group */
	/* audio */
	char audio_device[256];
	const char *audio_fallback; /* WAV written through ALSA's file plugin when the device fails; "" = none */
	double audio_gain_db;
	int max_bulletin_minutes;
	/* broadcasting rules */
	int catchup_minutes;
	int quiet_from, quiet_to; /* minutes; quiet_from == quiet_to = no quiet hours */
	int quiet_line;
	uint8_t allowed_weekdays; /* bit 0 = Monday; 0x7f = all */
	int weekdays_line;
	int max_session_minutes; /* 0 = no limit */
	int session_line;
	int max_sessions_per_day; /* 0 = no limit */
	int sessions_line;
	int require_clock_sync;
	const char *sync_file; /* if set, the clock counts as synchronised when it exists */
	struct amp_config amp;
	/* signed schedule push: minisign public keys ("RW..."), already
	 * checked to parse; none = pushed bundles are refused */
	char trust_keys[TRUST_KEYS_MAX][TRUST_KEY_LEN];
	size_t ntrust_keys;
	/* key ids no longer trusted, even when still in trust_keys (issue 14) */
	char trust_revoked[TRUST_REVOKED_MAX][TRUST_KEYID_LEN];
	size_t ntrust_revoked;
	int trust_line;
	int bundle_wait_s; /* how long a bundle with files still missing may wait in the spool */
	/* issue 15: the report's administrative form (`report = { ... }`);
	 * "" = not given (loaxactl report options may say it) */
	char report_issuer[TITLE_MAX], report_office[TITLE_MAX], report_place[TITLE_MAX];
	char report_sign_for[TITLE_MAX], report_signer_title[TITLE_MAX], report_signer[TITLE_MAX];
	char report_recipients[TITLE_MAX];
	/* web page (loaxa-web, issue 17; docs/WEB.md) */
	char web_listen[128];       /* "ADDRESS:PORT" */
	const char *web_users;      /* accounts file, resolved against dir */
	const char *web_tls_cert;   /* "" = plain HTTP */
	const char *web_tls_key;
	int web_max_upload_mb;
	int web_line;
	/* issue 19: the monitor input (`monitor = { ... }`, proof of air) */
	int monitor_enabled;       /* the section is there */
	char monitor_device[256];  /* ALSA capture PCM */
	double monitor_silence_dbfs;
	double monitor_min_heard;  /* share of the bulletin's seconds, 0..1 */
	struct fleet_config fleet; /* issue 13: the MQTT link to the district */
	/* issue 16: station.language, the daemon's messages ("" = the locale) */
	char language[8];
};

struct campaign {
	char id[ID_MAX];
	char title[TITLE_MAX];
	int32_t from_day, to_day; /* inclusive; DAY_NONE_LO/HI when open */
	char (*bulletins)[ID_MAX];
	size_t nbulletins;
	int target;               /* aired broadcasts per calendar month; 0 = none */
	int line;
};

struct slot {
	char id[ID_MAX];
	int line;
	uint8_t weekdays;         /* bit 0 = Monday; 0 with no days/dates = every day */
	uint32_t monthdays;       /* bit d for day d (1..31) */
	int32_t *dates;
	size_t ndates;
	int32_t from_day, to_day; /* inclusive; DAY_NONE_LO/HI when open */
	int *times;               /* minutes after midnight, ascending, unique */
	size_t ntimes;
	char campaign[ID_MAX];    /* "" = none */
	size_t campaign_index;    /* valid when campaign[0] */
	char (*bulletins)[ID_MAX];/* explicit bulletins; none = campaign rotation */
	size_t nbulletins;
	uint32_t zones;           /* bit z-1 for zone z; 0 = all zones */
	int repeat;               /* >= 1 */
	double gain_db;
	enum level level;
};

struct blackout {
	int64_t from, to;         /* instants, [from, to) */
	char reason[TITLE_MAX];
	int line;
};

struct schedule {
	char file[PATHBUF];
	char sha256[65];          /* of the file's bytes */
	long long serial;
	/* Where it may play (issue 12): "" = not said; stations: NULL = all of the district. */
	char district[ID_MAX];
	char (*stations)[ID_MAX];
	size_t nstations;
	int district_line, stations_line;
	/* bulletin -> SHA-256 from its files section: what a (signed) push
	 * pinned; checked again at play time */
	struct schedule_pin { char id[ID_MAX]; char sha256[65]; } *pins;
	size_t npins;
	struct campaign *campaigns;
	size_t ncampaigns;
	struct slot *slots;
	size_t nslots;
	struct blackout *blackouts;
	size_t nblackouts;
};

struct bulletin {
	char id[ID_MAX];
	char title[TITLE_MAX];
	char campaign[ID_MAX];
	char file[PATHBUF];       /* name inside the library folder */
	double duration;          /* seconds, one play */
	int rate, channels;
	char sha256[65];
	char added[32];           /* ISO 8601 */
	char signer[24];          /* key id of the signed push that brought it; "" = local */
};

struct catalog {
	char file[PATHBUF];
	struct bulletin *items;
	size_t n;
};

void schedule_free(struct schedule *s);
void catalog_free(struct catalog *c);
ssize_t schedule_campaign_index(const struct schedule *s, const char *id); /* or -1 */
const struct bulletin *catalog_find(const struct catalog *c, const char *id);
/* The SHA-256 the schedule's files section gives bulletin id, or NULL. */
const char *schedule_pinned_sha(const struct schedule *s, const char *id);

#endif
