/* scheduler/feasible.c: candidate nodes (ready, datacenter, pool) and node
 * capability checks (drivers, networks, host volumes). */
#include "scheduler/feasible.h"

#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/sched_int.h"

/* ---- datacenters and pools ---------------------------------------------- */

/* The first occurrence of part[0..len) in s, or NULL. */
static const char *find_part(const char *s, const char *part, size_t len)
{
	if (len == 0)
		return s;
	for (; *s != '\0'; s++)
		if (strncmp(s, part, len) == 0)
			return s;
	return NULL;
}

static bool has_suffix(const char *s, const char *suf, size_t len)
{
	size_t n = strlen(s);
	return n >= len && strncmp(s + n - len, suf, len) == 0;
}

/* Nomad's glob.Glob: literal parts between stars are matched leftmost
 * first, the first one anchored unless the pattern starts with a star,
 * the last one anchored at the end unless the pattern ends with one. */
bool sched_glob_match(const char *pattern, const char *s)
{
	const char *p = sched_str(pattern), *star;
	s = sched_str(s);
	if (strchr(p, '*') == NULL)
		return strcmp(p, s) == 0;
	for (bool first = true; (star = strchr(p, '*')) != NULL;
	     first = false) {
		size_t len = (size_t)(star - p);
		const char *at = find_part(s, p, len);
		if (at == NULL || (first && at != s))
			return false;
		s = at + len;
		p = star + 1;
	}
	return *p == '\0' || has_suffix(s, p, strlen(p));
}

bool sched_node_in_dcs(const struct node *n, const struct strlist *dcs)
{
	for (size_t i = 0; i < dcs->n; i++)
		if (sched_glob_match(dcs->v[i], n->datacenter))
			return true;
	return false;
}

bool sched_node_in_pool(const struct node *n, const char *pool)
{
	const char *np = n->node_pool;
	if (pool == NULL || *pool == '\0' ||
	    strcmp(pool, SCHED_NODE_POOL_ALL) == 0)
		return true;
	if (np == NULL || *np == '\0')
		np = SCHED_NODE_POOL_DEFAULT;
	return strcmp(np, pool) == 0;
}

/* ---- candidate nodes ---------------------------------------------------- */

struct ready_walk {
	const struct strlist *dcs;
	const char *pool;
	struct sched_nodes *out;
	size_t cap;
	int rc;
};

static bool ready_visit(void *data, const struct node *n)
{
	struct ready_walk *w = data;
	struct sched_nodes *out = w->out;
	if (!node_ready(n) || !sched_node_in_pool(n, w->pool) ||
	    !sched_node_in_dcs(n, w->dcs))
		return true;
	if (out->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		const struct node **v = mem_realloc(out->v, cap * sizeof *v);
		if (v == NULL)
			goto nomem;
		out->v = v;
		w->cap = cap;
	}
	out->v[out->n++] = n;
	if (alloc_metric_count_add(&out->by_dc, sched_str(n->datacenter), 1) !=
	    0)
		goto nomem;
	return true;
nomem:
	w->rc = ERR_NOMEM;
	return false;
}

int sched_nodes_ready(const struct store *s, const struct strlist *dcs,
                      const char *pool, struct sched_nodes *out)
{
	struct ready_walk w = {.dcs = dcs, .pool = pool, .out = out};
	memset(out, 0, sizeof *out);
	out->by_dc.kind = VALUE_MAP;
	store_each_node(s, NULL, ready_visit, &w);
	if (w.rc != 0)
		sched_nodes_release(out);
	return w.rc;
}

void sched_nodes_release(struct sched_nodes *ns)
{
	mem_free(ns->v);
	value_release(&ns->by_dc);
	memset(ns, 0, sizeof *ns);
}

/* ---- drivers ------------------------------------------------------------ */

/* Go's strconv.ParseBool; false for anything it rejects. */
static bool go_true(const char *s)
{
	static const char *const yes[] = {"1",    "t",    "T",
	                                  "TRUE", "true", "True"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strcmp(s, yes[i]) == 0)
			return true;
	return false;
}

bool feasible_has_driver(const struct node *n, const char *driver)
{
	char key[256];
	const char *v;
	driver = sched_str(driver);
	for (size_t i = 0; i < n->drivers.n; i++) {
		const struct driver_info_ment *e = &n->drivers.v[i];
		if (strcmp(sched_str(e->key), driver) == 0)
			return e->val.detected && e->val.healthy;
	}
	if ((size_t)snprintf(key, sizeof key, "driver.%s", driver) >=
	    sizeof key)
		return false;
	v = strmap_get(&n->attributes, key);
	return v != NULL && go_true(v);
}

/* ---- networks ------------------------------------------------------------ */

bool feasible_has_network_mode(const struct node *n, const char *mode)
{
	const struct node_resources *r = n->node_resources;
	mode = mode != NULL && *mode != '\0' ? mode : NETWORK_MODE_HOST;
	if (r == NULL)
		return false;
	for (size_t i = 0; i < r->networks.n; i++) {
		const char *m = r->networks.v[i].mode;
		if (m == NULL || *m == '\0')
			m = NETWORK_MODE_HOST;
		if (strcmp(m, mode) == 0)
			return true;
	}
	return false;
}

bool feasible_has_host_network(const struct node *n, const char *alias)
{
	const struct node_resources *r = n->node_resources;
	if (r == NULL)
		return false;
	for (size_t i = 0; i < r->node_networks.n; i++) {
		const struct node_network_resource *nw = &r->node_networks.v[i];
		for (size_t j = 0; j < nw->addresses.n; j++)
			if (sched_str_eq(nw->addresses.v[j].alias, alias))
				return true;
	}
	return false;
}

/* ---- host volumes -------------------------------------------------------- */

static const struct client_host_volume *
host_volume(const struct node *n, const char *name, size_t len)
{
	for (size_t i = 0; i < n->host_volumes.n; i++) {
		const char *k = sched_str(n->host_volumes.v[i].key);
		if (strlen(k) == len && strncmp(k, name, len) == 0)
			return &n->host_volumes.v[i].val;
	}
	return NULL;
}

bool feasible_has_host_volume(const struct node *n,
                              const struct volume_request *req,
                              const char *alloc_name)
{
	const char *src = sched_str(req->source);
	const char *suffix = "";
	const struct client_host_volume *v;
	char name[512];
	int len;
	if (req->per_alloc && alloc_name != NULL &&
	    strrchr(alloc_name, '[') != NULL)
		suffix = strrchr(alloc_name, '[');
	len = snprintf(name, sizeof name, "%s%s", src, suffix);
	if (len < 0 || (size_t)len >= sizeof name)
		return false;
	v = host_volume(n, name, (size_t)len);
	if (v == NULL || (v->id != NULL && *v->id != '\0') || req->sticky)
		return false;
	return req->read_only || !v->read_only;
}

/* ---- computed class -------------------------------------------------------
 */

static void fnv(uint64_t *h, const char *s)
{
	s = sched_str(s);
	do {
		*h ^= (unsigned char)*s;
		*h *= 1099511628211ULL;
	} while (*s++ != '\0');
}

static void fnv_map(uint64_t *h, const char *tag, const struct strmap *m)
{
	fnv(h, tag);
	for (size_t i = 0; i < m->n; i++) {
		if (strncmp(sched_str(m->v[i].key), "unique.", 7) == 0)
			continue;
		fnv(h, m->v[i].key);
		fnv(h, m->v[i].val);
	}
}

static void fnv_devices(uint64_t *h, const struct node *n)
{
	static const char *const keys[] = {"Vendor", "Type", "Name"};
	const struct value *d =
	    n->node_resources != NULL ? &n->node_resources->devices : NULL;
	if (d == NULL || d->kind != VALUE_LIST)
		return;
	fnv(h, "devices");
	for (size_t i = 0; i < d->u.list.n; i++)
		for (size_t k = 0; k < 3; k++) {
			const struct value *v =
			    value_map_get(&d->u.list.v[i], keys[k]);
			fnv(h,
			    v != NULL && v->kind == VALUE_STRING ? v->u.s : "");
		}
}

char *sched_node_computed_class(const struct node *n)
{
	uint64_t h = 1469598103934665603ULL;
	fnv(&h, "dc");
	fnv(&h, n->datacenter);
	fnv(&h, "class");
	fnv(&h, n->node_class);
	fnv(&h, "pool");
	fnv(&h, n->node_pool);
	fnv_map(&h, "attributes", &n->attributes);
	fnv_map(&h, "meta", &n->meta);
	fnv_devices(&h, n);
	return mem_asprintf("v1:%llu", (unsigned long long)h);
}
