/* Schedule validation against the station's rules and the bulletin
 * library. Pure: no I/O, no clock. */
#ifndef LOAXA_VALIDATE_H
#define LOAXA_VALIDATE_H

#include "model.h"
#include "util.h"

/* Resolve references (sets slot->campaign_index) and check: unknown
 * campaigns and bulletins (bulletins only when cat != NULL), zones the
 * amplifier does not map, slot times inside quiet hours, days and sessions
 * that break the station's local limits. Every problem is appended to errs
 * as "file:line: what is wrong". Returns the number of problems. */
size_t validate_schedule(struct schedule *s, const struct station *st, const struct catalog *cat,
			 struct errlist *errs);

/* Whether s may play at this station: its district (when it names one,
 * or always when required: signed pushes) must be the station's
 * district_code, and its stations list, when given, must name st->id.
 * Returns the number of problems (0 or 1), each in errs. Also done by
 * validate_schedule (not required there). */
size_t validate_binding(const struct schedule *s, const struct station *st, int required,
			struct errlist *errs);

/* 1 if minute-of-day m falls inside the station's quiet hours. */
int validate_in_quiet_hours(const struct station *st, int minute);

#endif
