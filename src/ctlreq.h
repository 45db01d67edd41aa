/* The control socket's request line (docs/CONTROL.md), parsed: pure, no
 * I/O, so that loaxad's reading of it is unit-tested and fuzzed
 * (fuzz/fuzz_request.c) apart from the socket. */
#ifndef LOAXA_CTLREQ_H
#define LOAXA_CTLREQ_H

#include <stddef.h>

#define CONTROL_REQ_MAX 512
#define CONTROL_AS_MAX 32
#define CONTROL_LANG_MAX 16

enum ctlreq_verb {
	CTLREQ_EMPTY,   /* nothing but white space */
	CTLREQ_UNKNOWN, /* not one of the forms below */
	CTLREQ_STATUS,  /* "status" */
	CTLREQ_PLAY,    /* "play ID" or "play ID emergency" */
	CTLREQ_STOP,    /* "stop" */
	CTLREQ_RELOAD,  /* "reload" */
};

struct ctlreq {
	enum ctlreq_verb verb;
	int emergency;              /* play ... emergency */
	char id[CONTROL_REQ_MAX];   /* play: the bulletin id as given (unchecked) */
};

/* Split a request line: strips a trailing "as=NAME" token into as (""
 * when none). 0, or -1 when the token is there but NAME is malformed. */
int control_split_as(char *line, char *as, size_t asn);

/* The same for a trailing "lang=LANG" token (LANG: 2 to CONTROL_LANG_MAX
 * of A-Z a-z _ -, e.g. "vi" or "vi_VN"): the language the client wants
 * human text in. */
int control_split_lang(char *line, char *lang, size_t langn);

/* What loaxad does: strips the trailing as=NAME and lang=LANG tokens,
 * each at most once, in either order. 0; -1 when as= is malformed, -2
 * when lang= is (line then keeps what was not taken). */
int control_split_opts(char *line, char *as, size_t asn, char *lang, size_t langn);

/* What request (as control_split_as left it) asks: words separated by
 * white space, as many as the form has, no more. Always fills rq. */
enum ctlreq_verb ctlreq_parse(const char *request, struct ctlreq *rq);

#endif
