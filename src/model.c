/* Helpers over the in-memory station, schedule and catalog (model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = {"normal", "priority", "emergency"};

const char *level_name(enum level l)
{
	return (unsigned)l < 3 ? level_names[l] : "?";
}

int level_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

void schedule_free(struct schedule *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncampaigns; i++)
		free(s->campaigns[i].bulletins);
	for (size_t i = 0; i < s->nslots; i++) {
		free(s->slots[i].dates);
		free(s->slots[i].times);
		free(s->slots[i].bulletins);
	}
	free(s->campaigns);
	free(s->slots);
	free(s->blackouts);
	free(s->stations);
	free(s->pins);
	memset(s, 0, sizeof(*s));
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	free(c->items);
	c->items = NULL;
	c->n = 0;
}

ssize_t schedule_campaign_index(const struct schedule *s, const char *id)
{
	for (size_t i = 0; i < s->ncampaigns; i++)
		if (!strcmp(s->campaigns[i].id, id))
			return (ssize_t)i;
	return -1;
}

const struct bulletin *catalog_find(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->items[i].id, id))
			return &c->items[i];
	return NULL;
}

const char *schedule_pinned_sha(const struct schedule *s, const char *id)
{
	for (size_t i = 0; s && i < s->npins; i++)
		if (!strcmp(s->pins[i].id, id))
			return s->pins[i].sha256;
	return NULL;
}
