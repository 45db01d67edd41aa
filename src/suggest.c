/* Nearest-word suggestions (suggest.h): optimal string alignment distance. */
#include "suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#define WORD_MAX 63

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > WORD_MAX || lb > WORD_MAX)
		return SIZE_MAX;
	size_t d[WORD_MAX + 1][WORD_MAX + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t v = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* How far a word of length l may be from a likely misspelling of it. */
static size_t near_max(size_t l)
{
	return l <= 4 ? 1 : l <= 8 ? 2 : 3;
}

void suggest_init(struct suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->dist = SIZE_MAX;
}

void suggest_offer(struct suggest *s, const char *candidate)
{
	if (!candidate || !*candidate || !strcmp(candidate, s->word))
		return;
	/* The distance is at least the difference in length: a candidate that
	 * cannot beat the best so far, or be close enough at all, needs no
	 * table (most of the cost of an unknown key in a long file). */
	size_t la = strlen(s->word), lb = strlen(candidate), diff = la > lb ? la - lb : lb - la;
	if (diff >= s->dist || diff > near_max(la))
		return;
	size_t d = suggest_distance(s->word, candidate);
	if (d < s->dist) {
		s->dist = d;
		s->best = candidate;
	}
}

const char *suggest_result(const struct suggest *s)
{
	return s->best && s->dist > 0 && s->dist <= near_max(strlen(s->word)) ? s->best : NULL;
}
