/* "Did you mean ...?" for misspelt keys and ids (issue 16). Pure. */
#ifndef LOAXA_SUGGEST_H
#define LOAXA_SUGGEST_H

#include <stddef.h>

/* The nearest candidate offered so far to word. */
struct suggest {
	const char *word;
	const char *best;
	size_t dist;
};

/* Start looking for candidates near word (which must outlive s). */
void suggest_init(struct suggest *s, const char *word);
/* Consider candidate (which must outlive s); an exact match is not a
 * suggestion. */
void suggest_offer(struct suggest *s, const char *candidate);
/* The nearest candidate if it is close enough to be a likely misspelling
 * (edit distance, a swap of two neighbours counting one, case ignored: at
 * most 1 for words of up to 4 letters, 2 up to 8, else 3), else NULL. */
const char *suggest_result(const struct suggest *s);

/* Edit distance between a and b (insert, delete, replace, swap of two
 * neighbours: each 1; case ignored). Words longer than 63 bytes are far
 * from everything (SIZE_MAX). */
size_t suggest_distance(const char *a, const char *b);

#endif
