/* state/watch.c: watches that wake blocking queries.
 *
 * A watch on one table waits in that table's list, so a write looks only
 * at the watches of the tables it moved; a watch on several tables waits
 * in the `multi` list, which every write looks at. Lists are circular
 * with sentinel heads, so a watch unlinks itself from whichever list it is
 * in. Firing moves the ready watches to the `firing` list first and then
 * pops them one at a time: a callback may unwatch itself or any other
 * watch (pending ones included), re-arm itself or register new watches
 * (which wait for a later write unless they are ready at once). */
#include "state/state_int.h"

#define WATCH_ALL ((1u << STORE_TABLES) - 1u)

static void watch_list_init(struct store_watch *head)
{
	head->next = head->prev = head;
}

static void watch_unlink(struct store_watch *w)
{
	w->prev->next = w->next;
	w->next->prev = w->prev;
	w->next = w->prev = NULL;
}

static void watch_link(struct store_watch *head, struct store_watch *w)
{
	w->prev = head->prev;
	w->next = head;
	head->prev->next = w;
	head->prev = w;
}

void store_watch_init(struct store *s)
{
	for (unsigned t = 0; t < STORE_TABLES; t++)
		watch_list_init(&s->watches[t]);
	watch_list_init(&s->multi);
	watch_list_init(&s->firing);
}

/* The list of a single-table mask, else multi. */
static struct store_watch *watch_list(struct store *s, unsigned mask)
{
	if (mask != 0 && (mask & (mask - 1)) == 0)
		return &s->watches[__builtin_ctz(mask)];
	return &s->multi;
}

static bool watch_ready(const struct store *s, const struct store_watch *w)
{
	return store_tables_index(s, w->mask) > w->min_index;
}

void store_watch(struct store *s, struct store_watch *w, unsigned mask,
                 uint64_t min_index)
{
	store_unwatch(s, w);
	w->mask = mask & WATCH_ALL;
	w->min_index = min_index;
	if (watch_ready(s, w)) {
		w->cb(w);
		return;
	}
	watch_link(watch_list(s, w->mask), w);
	w->armed = true;
}

void store_unwatch(struct store *s, struct store_watch *w)
{
	(void)s;
	if (!w->armed)
		return;
	watch_unlink(w);
	w->armed = false;
}

/* Moves the watches of list head that must fire to the firing list. */
static void watch_collect(struct store *s, struct store_watch *head,
                          unsigned mask, bool force)
{
	struct store_watch *w = head->next, *next;
	for (; w != head; w = next) {
		next = w->next;
		if (!(w->mask & mask) || !(force || watch_ready(s, w)))
			continue;
		watch_unlink(w);
		watch_link(&s->firing, w);
	}
}

void store_watch_fire(struct store *s, unsigned mask, bool force)
{
	struct store_watch *w;
	mask &= WATCH_ALL;
	for (unsigned t = 0; t < STORE_TABLES; t++)
		if (mask & STORE_BIT(t))
			watch_collect(s, &s->watches[t], mask, force);
	watch_collect(s, &s->multi, mask, force);
	while ((w = s->firing.next) != &s->firing) {
		watch_unlink(w);
		w->armed = false;
		w->cb(w);
	}
}

static void watch_drop_list(struct store_watch *head)
{
	while (head->next != head) {
		struct store_watch *w = head->next;
		watch_unlink(w);
		w->armed = false;
	}
}

void store_watch_drop(struct store *s)
{
	for (unsigned t = 0; t < STORE_TABLES; t++)
		watch_drop_list(&s->watches[t]);
	watch_drop_list(&s->multi);
	watch_drop_list(&s->firing);
}
