/* The broadcast's state table: see broadcast.h. */
#include "broadcast.h"

static const signed char next[BC__NSTATES][BCE__N] = {
	/*               BEGIN        PLAY        FAIL     PLAYED       END      STOP     PREEMPT */
	[BC_IDLE] =     {BC_STARTING, -1,         -1,      -1,          -1,      -1,      -1},
	[BC_STARTING] = {-1,          BC_PLAYING, BC_IDLE, -1,          -1,      BC_IDLE, BC_IDLE},
	[BC_PLAYING] =  {-1,          -1,         -1,      BC_DRAINING, BC_IDLE, BC_IDLE, BC_IDLE},
	[BC_DRAINING] = {-1,          -1,         -1,      -1,          BC_IDLE, BC_IDLE, BC_IDLE},
};

int bc_next(enum bc_state st, enum bc_event ev)
{
	if ((unsigned)st >= BC__NSTATES || (unsigned)ev >= BCE__N)
		return -1;
	return next[st][ev];
}

const char *bc_state_name(enum bc_state st)
{
	static const char *const names[] = {"idle", "starting", "playing", "draining"};
	return (unsigned)st < BC__NSTATES ? names[st] : "?";
}

const char *bc_cut_outcome(enum bc_state st, int fallback)
{
	switch (st) {
	case BC_STARTING: return "failed";
	case BC_DRAINING: return fallback ? "unheard" : "aired";
	default: return "partial";
	}
}
