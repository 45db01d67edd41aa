/* loaxad's libmodbus: loaded (dlopen) when the station first talks to an
 * amplifier (amp.c), and kept; a station without one never maps it
 * (issue 18: 44 KiB resident; the status server, modbus_status.c, needs no
 * libmodbus). The calls those make, forwarded. Linked into loaxad in place
 * of -lmodbus; the other programs link libmodbus itself. */
#include <dlfcn.h>
#include <errno.h>
#include <modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef LIBMODBUS_SONAME /* the Makefile reads it from the library built against */
#define LIBMODBUS_SONAME "libmodbus.so.5"
#endif

#define FUNCS(X)                                                                             \
	X(modbus_close) X(modbus_connect) X(modbus_flush) X(modbus_free)                     \
	X(modbus_get_header_length) X(modbus_get_socket) X(modbus_new_rtu) X(modbus_new_tcp) \
	X(modbus_new_tcp_pi) X(modbus_receive_confirmation) X(modbus_send_raw_request)       \
	X(modbus_set_byte_timeout) X(modbus_set_error_recovery)                              \
	X(modbus_set_response_timeout) X(modbus_set_slave) X(modbus_strerror)

#define DECL(f) __typeof__(&f) f;
static struct {
	FUNCS(DECL)
} t;
#undef DECL
static int ok;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* Why it did not load (a missing or damaged file: an SD card's doing),
 * given as modbus_strerror(ELIBACC) so that the amplifier's fault names it. */
static char why[300];

static void load(void)
{
	void *h = dlopen(LIBMODBUS_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		if (!why[0]) /* written once: modbus_strerror hands it out without the lock */
			snprintf(why, sizeof(why), "cannot load %s", e);
		return;
	}
	int missing = 0;
#define LOAD(f) missing |= !(*(void **)&t.f = dlsym(h, #f));
	FUNCS(LOAD)
#undef LOAD
	if (missing) {
		if (!why[0])
			snprintf(why, sizeof(why), "cannot load %s: a function is missing", LIBMODBUS_SONAME);
		dlclose(h);
		return;
	}
	ok = 1;
}

static int loaded(void)
{
	/* tried again while it fails: a library repaired is used without a restart */
	pthread_mutex_lock(&mu);
	if (!ok)
		load();
	int r = ok; /* t is whole once ok is set (under mu), and never changes again */
	pthread_mutex_unlock(&mu);
	if (!r)
		errno = ELIBACC;
	return r;
}

/* A context comes only from these three: NULL and ELIBACC ("cannot access
 * a needed shared library") without libmodbus, which the caller reports
 * like any other failure to reach the amplifier. */
modbus_t *modbus_new_rtu(const char *device, int baud, char parity, int data_bit, int stop_bit)
{
	return loaded() ? t.modbus_new_rtu(device, baud, parity, data_bit, stop_bit) : NULL;
}

modbus_t *modbus_new_tcp(const char *ip_address, int port)
{
	return loaded() ? t.modbus_new_tcp(ip_address, port) : NULL;
}

modbus_t *modbus_new_tcp_pi(const char *node, const char *service)
{
	return loaded() ? t.modbus_new_tcp_pi(node, service) : NULL;
}

const char *modbus_strerror(int errnum)
{
	/* no new load for an error's text: the call that failed just tried */
	pthread_mutex_lock(&mu);
	int r = ok;
	pthread_mutex_unlock(&mu);
	return r ? t.modbus_strerror(errnum) : errnum == ELIBACC ? why : strerror(errnum);
}

/* The rest are called only with a context. */
void modbus_close(modbus_t *ctx)
{
	t.modbus_close(ctx);
}

int modbus_connect(modbus_t *ctx)
{
	return t.modbus_connect(ctx);
}

int modbus_flush(modbus_t *ctx)
{
	return t.modbus_flush(ctx);
}

void modbus_free(modbus_t *ctx)
{
	t.modbus_free(ctx);
}

int modbus_get_header_length(modbus_t *ctx)
{
	return t.modbus_get_header_length(ctx);
}

int modbus_get_socket(modbus_t *ctx)
{
	return t.modbus_get_socket(ctx);
}

int modbus_receive_confirmation(modbus_t *ctx, uint8_t *rsp)
{
	return t.modbus_receive_confirmation(ctx, rsp);
}

int modbus_send_raw_request(modbus_t *ctx, const uint8_t *raw_req, int raw_req_length)
{
	return t.modbus_send_raw_request(ctx, raw_req, raw_req_length);
}

int modbus_set_byte_timeout(modbus_t *ctx, uint32_t to_sec, uint32_t to_usec)
{
	return t.modbus_set_byte_timeout(ctx, to_sec, to_usec);
}

int modbus_set_error_recovery(modbus_t *ctx, modbus_error_recovery_mode error_recovery)
{
	return t.modbus_set_error_recovery(ctx, error_recovery);
}

int modbus_set_response_timeout(modbus_t *ctx, uint32_t to_sec, uint32_t to_usec)
{
	return t.modbus_set_response_timeout(ctx, to_sec, to_usec);
}

int modbus_set_slave(modbus_t *ctx, int slave)
{
	return t.modbus_set_slave(ctx, slave);
}
