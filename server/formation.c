#include "server/formation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

SCHEMA_DEFINE(server_member, SERVER_MEMBER_FIELDS, 0);
SCHEMA_DEFINE(server_members, SERVER_MEMBERS_FIELDS, 0);

static struct server_member *formation_find(struct server_members *m,
                                            const struct server_member *x)
{
	for (size_t i = 0; i < m->members.n; i++) {
		struct server_member *y = &m->members.v[i];
		if (x->raft_id != 0 && y->raft_id == x->raft_id)
			return y;
	}
	return NULL;
}

static int formation_add(struct server_members *m,
                         const struct server_member *x)
{
	struct server_member *v =
	    mem_realloc(m->members.v, (m->members.n + 1) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	m->members.v = v;
	memset(&v[m->members.n], 0, sizeof *v);
	if (schema_copy(&server_member_schema, &v[m->members.n], x) != ERR_OK)
		return ERR_NOMEM;
	m->members.n++;
	return ERR_OK;
}

int formation_merge(struct server_members *into,
                    const struct server_members *from, const char *region)
{
	for (size_t i = 0; i < from->members.n; i++) {
		const struct server_member *x = &from->members.v[i];
		struct server_member *y;
		if (x->raft_id == 0 || x->region == NULL ||
		    strcmp(x->region, region) != 0)
			continue;
		y = formation_find(into, x);
		if (y == NULL) {
			if (formation_add(into, x) != ERR_OK)
				return ERR_NOMEM;
			continue;
		}
		if (x->last_seen <= y->last_seen)
			continue;
		struct server_member copy = {0};
		if (schema_copy(&server_member_schema, &copy, x) != ERR_OK)
			return ERR_NOMEM;
		schema_release(&server_member_schema, y);
		*y = copy;
	}
	return ERR_OK;
}

void formation_refresh(struct server_members *m, uint64_t self_raft_id,
                       int64_t now_ns)
{
	for (size_t i = 0; i < m->members.n; i++) {
		struct server_member *x = &m->members.v[i];
		bool alive = x->raft_id == self_raft_id ||
		             now_ns - x->last_seen <= FORMATION_FAILED_AFTER_NS;
		const char *st = alive ? "alive" : "failed";
		if (x->status == NULL || strcmp(x->status, st) != 0) {
			char *dup = mem_strdup(st);
			if (dup == NULL)
				continue;
			mem_free(x->status);
			x->status = dup;
		}
	}
}

static int formation_cmp(const void *a, const void *b)
{
	const struct server_member *x = *(const struct server_member *const *)a;
	const struct server_member *y = *(const struct server_member *const *)b;
	return x->raft_id < y->raft_id ? -1 : x->raft_id > y->raft_id;
}

static void formation_wait(struct formation_decision *out, const char *fmt,
                           long long a, long long b)
{
	out->action = FORMATION_WAIT;
	snprintf(out->why, sizeof out->why, fmt, a, b);
}

/* x's Bootstrap list as a decision when it names self. */
static bool formation_bootstrapped_with(const struct server_member *x,
                                        uint64_t self_raft_id,
                                        struct formation_decision *out)
{
	bool named = false;
	size_t n = 0;
	for (size_t i = 0; i < x->bootstrap.n; i++) {
		const char *ent = x->bootstrap.v[i];
		char *end = NULL;
		unsigned long long id = strtoull(ent, &end, 10);
		if (end == ent || *end != '@' || id == 0 ||
		    n == sizeof out->ids / sizeof out->ids[0])
			return false;
		out->ids[n] = id;
		out->addrs[n] = end + 1;
		n++;
		named = named || id == self_raft_id;
	}
	if (!named)
		return false;
	out->action = FORMATION_BOOTSTRAP;
	out->n = n;
	return true;
}

/* A member already has Raft state: bootstrap with its configuration when
 * it names self, else join. False when no member has Raft state. */
static bool formation_existing(const struct server_members *m,
                               uint64_t self_raft_id,
                               struct formation_decision *out)
{
	const struct server_member *first = NULL;
	for (size_t i = 0; i < m->members.n; i++) {
		const struct server_member *x = &m->members.v[i];
		if (x->raft_id == self_raft_id || !x->has_raft)
			continue;
		if (formation_bootstrapped_with(x, self_raft_id, out))
			return true;
		if (first == NULL)
			first = x;
	}
	if (first == NULL)
		return false;
	memset(out, 0, sizeof *out);
	out->action = FORMATION_JOIN;
	snprintf(out->why, sizeof out->why,
	         "a cluster already exists (server \"%s\" has Raft state); "
	         "waiting for its leader to add this server",
	         first->name ? first->name : "?");
	return true;
}

void formation_decide(const struct server_members *m, uint64_t self_raft_id,
                      bool self_has_raft, int64_t expect,
                      struct formation_decision *out)
{
	const struct server_member *alive[16];
	size_t n = 0;
	memset(out, 0, sizeof *out);
	if (self_has_raft) {
		out->action = FORMATION_NONE;
		return;
	}
	if (formation_existing(m, self_raft_id, out))
		return;
	for (size_t i = 0; i < m->members.n; i++) {
		const struct server_member *x = &m->members.v[i];
		if (x->status != NULL && strcmp(x->status, "alive") != 0)
			continue;
		if (x->expect != expect) {
			formation_wait(out,
			               "a server expects %lld servers while "
			               "this one expects %lld; fix "
			               "bootstrap_expect",
			               (long long)x->expect, (long long)expect);
			return;
		}
		if (n < sizeof alive / sizeof alive[0])
			alive[n++] = x;
	}
	if (expect > (int64_t)(sizeof alive / sizeof alive[0])) {
		formation_wait(out,
		               "bootstrap_expect = %lld is above the %lld "
		               "servers steppe can bootstrap at once",
		               (long long)expect,
		               (long long)(sizeof alive / sizeof alive[0]));
		return;
	}
	if (expect <= 0 || (int64_t)n < expect) {
		formation_wait(out,
		               "waiting for more servers before bootstrapping: "
		               "%lld of %lld expected servers known",
		               (long long)n, (long long)expect);
		return;
	}
	qsort(alive, n, sizeof alive[0], formation_cmp);
	/* Exactly `expect` servers, the lowest Raft IDs, so that servers
	 * that happen to know an extra one still agree. */
	out->action = FORMATION_BOOTSTRAP;
	out->n = (size_t)expect;
	for (size_t i = 0; i < out->n; i++) {
		out->ids[i] = alive[i]->raft_id;
		out->addrs[i] = alive[i]->addr;
	}
}
