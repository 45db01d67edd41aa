/* Nearest-word suggestions (suggest.h): optimal string alignment distance. */
#include "suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#define WORD_MAX 63

/* The distance if it is at most limit, else limit + 1: a row whose
 * smallest cell is past limit ends the search (no later row is smaller;
 * a swap only reaches back to a cell a replacement already bounds). */
static size_t distance_max(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > WORD_MAX || lb > WORD_MAX)
		return SIZE_MAX;
	unsigned char ca[WORD_MAX], cb[WORD_MAX];
	for (size_t i = 0; i < la; i++)
		ca[i] = (unsigned char)tolower((unsigned char)a[i]);
	for (size_t j = 0; j < lb; j++)
		cb[j] = (unsigned char)tolower((unsigned char)b[j]);
	unsigned char d[WORD_MAX + 1][WORD_MAX + 1]; /* distances fit: at most 2 * 63 */
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned row_min = d[i][0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned v = d[i - 1][j - 1] + (ca[i - 1] != cb[j - 1]);
			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && ca[i - 1] == cb[j - 2] && ca[i - 2] == cb[j - 1] &&
			    d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > limit)
			return limit + 1;
	}
	return d[la][lb] <= limit ? d[la][lb] : limit + 1;
}

size_t suggest_distance(const char *a, const char *b)
{
	return distance_max(a, b, 2 * WORD_MAX);
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
	/* Only a candidate nearer than the best so far, and near enough to be
	 * suggested, changes the answer: the search stops as soon as it cannot
	 * be (the distance is at least the difference in length). */
	if (s->dist == 0)
		return;
	size_t la = strlen(s->word), lb = strlen(candidate), diff = la > lb ? la - lb : lb - la;
	size_t limit = near_max(la);
	if (s->dist <= limit)
		limit = s->dist - 1; /* only a nearer one would change the answer */
	if (diff > limit)
		return;
	size_t d = distance_max(s->word, candidate, limit);
	if (d <= limit) {
		s->dist = d;
		s->best = candidate;
	}
}

const char *suggest_result(const struct suggest *s)
{
	return s->best && s->dist > 0 && s->dist <= near_max(strlen(s->word)) ? s->best : NULL;
}
