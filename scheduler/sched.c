/* scheduler/sched.c: the PRNG, the context and its caches, and the
 * placement metric helpers. */
#include "scheduler/sched.h"

#include <regex.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/sched_int.h"
#include "scheduler/version.h"

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sched_rng_seed(struct sched_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sched_rng_next(struct sched_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t sched_rng_below(struct sched_rng *r, uint64_t n)
{
	uint64_t threshold, x;
	if (n == 0)
		return 0;
	threshold = (0 - n) % n;
	do
		x = sched_rng_next(r);
	while (x < threshold);
	return x % n;
}

void sched_rng_shuffle(struct sched_rng *r, void **v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)sched_rng_below(r, i);
		void *t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

uint64_t sched_seed_from_eval(const char *eval_id, uint64_t index)
{
	size_t len = eval_id != NULL ? strlen(eval_id) : 0;
	uint64_t seed = 0;
	if (len >= 8) {
		for (size_t i = len - 8; i < len; i++)
			seed = (seed << 8) | (unsigned char)eval_id[i];
	} else {
		seed = 1469598103934665603ULL;
		for (size_t i = 0; i < len; i++)
			seed = (seed ^ (unsigned char)eval_id[i]) *
			       1099511628211ULL;
	}
	return (seed ^ index) >> 2;
}

bool sched_algorithm_parse(const char *s, enum sched_algorithm *out)
{
	if (s == NULL || *s == '\0' || strcmp(s, SCHED_ALGORITHM_BINPACK) == 0)
		*out = SCHED_BINPACK;
	else if (strcmp(s, SCHED_ALGORITHM_SPREAD) == 0)
		*out = SCHED_SPREAD;
	else
		return false;
	return true;
}

/* ---- context and caches ------------------------------------------------- */

struct regex_ent {
	char *pattern;
	regex_t re;
	bool ok;
	UT_hash_handle hh;
};

struct vc_ent {
	char *text;
	struct sched_vconstraint *c; /* NULL: malformed */
	UT_hash_handle hh;
};

/* Direct mapped: a miss only costs the computation. */
#define SCHED_FIT_SLOTS 256

struct fit_ent {
	struct sched_fit_key k;
	bool used;
	double fit;
};

struct sched_cache {
	struct regex_ent *re;
	struct vc_ent *version;
	struct vc_ent *semver;
	struct fit_ent fit[SCHED_FIT_SLOTS];
};

void sched_ctx_init(struct sched_ctx *ctx, const struct store *s,
                    struct plan *p, const char *region, int64_t now,
                    uint64_t seed)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->store = s;
	ctx->plan = p;
	ctx->region = region;
	ctx->now = now;
	sched_rng_seed(&ctx->rng, seed);
}

static void vc_clear(struct vc_ent **head)
{
	struct vc_ent *e, *tmp;
	HASH_ITER(hh, *head, e, tmp)
	{
		HASH_DELETE(hh, *head, e);
		sched_vconstraint_free(e->c);
		mem_free(e->text);
		mem_free(e);
	}
}

void sched_ctx_release(struct sched_ctx *ctx)
{
	struct sched_cache *c = ctx->cache;
	struct regex_ent *e, *tmp;
	if (c == NULL)
		return;
	HASH_ITER(hh, c->re, e, tmp)
	{
		HASH_DELETE(hh, c->re, e);
		if (e->ok)
			regfree(&e->re);
		mem_free(e->pattern);
		mem_free(e);
	}
	vc_clear(&c->version);
	vc_clear(&c->semver);
	mem_free(c);
	ctx->cache = NULL;
}

static struct sched_cache *cache_get(struct sched_ctx *ctx)
{
	if (ctx->cache == NULL)
		ctx->cache = mem_calloc(1, sizeof *ctx->cache);
	return ctx->cache;
}

static struct regex_ent *regex_new(const char *pattern)
{
	struct regex_ent *e = mem_calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	e->pattern = mem_strdup(pattern);
	if (e->pattern == NULL) {
		mem_free(e);
		return NULL;
	}
	e->ok = regcomp(&e->re, pattern, REG_EXTENDED | REG_NOSUB) == 0;
	return e;
}

static void regex_free(struct regex_ent *e)
{
	if (e->ok)
		regfree(&e->re);
	mem_free(e->pattern);
	mem_free(e);
}

const regex_t *sched_cache_regex(struct sched_ctx *ctx, const char *pattern)
{
	struct sched_cache *c = cache_get(ctx);
	struct regex_ent *e = NULL;
	if (c == NULL)
		return NULL;
	SCHED_HASH_FIND_STR(c->re, pattern, e);
	if (e != NULL)
		return e->ok ? &e->re : NULL;
	e = regex_new(pattern);
	if (e == NULL)
		return NULL;
	SCHED_HASH_ADD_STR(c->re, pattern, e);
	if (!SCHED_HASH_ADDED(e)) {
		regex_free(e);
		return NULL;
	}
	return e->ok ? &e->re : NULL;
}

const struct sched_vconstraint *
sched_cache_vconstraint(struct sched_ctx *ctx, const char *s, bool semver)
{
	struct sched_cache *c = cache_get(ctx);
	struct vc_ent *e = NULL, **head;
	if (c == NULL)
		return NULL;
	head = semver ? &c->semver : &c->version;
	SCHED_HASH_FIND_STR(*head, s, e);
	if (e != NULL)
		return e->c;
	e = mem_calloc(1, sizeof *e);
	if (e == NULL || (e->text = mem_strdup(s)) == NULL) {
		mem_free(e);
		return NULL;
	}
	e->c = sched_vconstraint_parse(s, semver);
	SCHED_HASH_ADD_STR(*head, text, e);
	if (!SCHED_HASH_ADDED(e)) {
		struct sched_vconstraint *parsed = e->c;
		mem_free(e->text);
		mem_free(e);
		/* Still answer this once, uncached. */
		sched_vconstraint_free(parsed);
		return NULL;
	}
	return e->c;
}

static struct fit_ent *fit_slot(struct sched_ctx *ctx,
                                const struct sched_fit_key *k)
{
	struct sched_cache *c = cache_get(ctx);
	uint64_t h = (uint64_t)k->used_cpu * 0x9E3779B97F4A7C15ULL;
	h ^= (uint64_t)k->used_mem * 0xC2B2AE3D27D4EB4FULL;
	h ^= (uint64_t)k->cap_cpu + (uint64_t)k->cap_mem + (uint64_t)k->algo;
	h *= 0x9E3779B97F4A7C15ULL;
	return c != NULL ? &c->fit[(h >> 32) % SCHED_FIT_SLOTS] : NULL;
}

static bool fit_key_eq(const struct sched_fit_key *a,
                       const struct sched_fit_key *b)
{
	return a->cap_cpu == b->cap_cpu && a->cap_mem == b->cap_mem &&
	       a->used_cpu == b->used_cpu && a->used_mem == b->used_mem &&
	       a->algo == b->algo;
}

bool sched_cache_fit_get(struct sched_ctx *ctx, const struct sched_fit_key *k,
                         double *fit)
{
	const struct fit_ent *e = fit_slot(ctx, k);
	if (e == NULL || !e->used || !fit_key_eq(&e->k, k))
		return false;
	*fit = e->fit;
	return true;
}

void sched_cache_fit_put(struct sched_ctx *ctx, const struct sched_fit_key *k,
                         double fit)
{
	struct fit_ent *e = fit_slot(ctx, k);
	if (e == NULL)
		return;
	e->k = *k;
	e->used = true;
	e->fit = fit;
}

/* ---- metrics ------------------------------------------------------------ */

int sched_metric_filter(struct alloc_metric *m, const struct node *n,
                        const char *reason)
{
	m->nodes_filtered++;
	if (n != NULL && n->node_class != NULL && *n->node_class != '\0' &&
	    alloc_metric_count_add(&m->class_filtered, n->node_class, 1) != 0)
		return ERR_NOMEM;
	if (reason != NULL && *reason != '\0' &&
	    alloc_metric_count_add(&m->constraint_filtered, reason, 1) != 0)
		return ERR_NOMEM;
	return 0;
}

int sched_metric_exhaust(struct alloc_metric *m, const struct node *n,
                         const char *dimension)
{
	m->nodes_exhausted++;
	if (n != NULL && n->node_class != NULL && *n->node_class != '\0' &&
	    alloc_metric_count_add(&m->class_exhausted, n->node_class, 1) != 0)
		return ERR_NOMEM;
	if (dimension != NULL && *dimension != '\0' &&
	    alloc_metric_count_add(&m->dimension_exhausted, dimension, 1) != 0)
		return ERR_NOMEM;
	return 0;
}

/* The entry for key in a sorted resources map, inserted zeroed when
 * missing; NULL on oom. */
static struct resources *resources_map_slot(struct resources_map *map,
                                            const char *key)
{
	size_t i = 0;
	struct resources_ment *v;
	char *k;
	while (i < map->n && strcmp(map->v[i].key, key) < 0)
		i++;
	if (i < map->n && strcmp(map->v[i].key, key) == 0)
		return &map->v[i].val;
	k = mem_strdup(key);
	v = k != NULL ? mem_realloc(map->v, (map->n + 1) * sizeof *v) : NULL;
	if (v == NULL) {
		mem_free(k);
		return NULL;
	}
	memmove(&v[i + 1], &v[i], (map->n - i) * sizeof *v);
	memset(&v[i], 0, sizeof *v);
	v[i].key = k;
	map->v = v;
	map->n++;
	return &v[i].val;
}

int sched_metric_exhaust_resources(struct alloc_metric *m,
                                   const struct task_group *tg)
{
	bool mem, cpu;
	if (m->dimension_exhausted.kind != VALUE_MAP)
		return 0;
	mem = alloc_metric_count_get(&m->dimension_exhausted, "memory") > 0;
	cpu = alloc_metric_count_get(&m->dimension_exhausted, "cpu") > 0;
	for (size_t i = 0; i < tg->tasks.n; i++) {
		const struct task *t = &tg->tasks.v[i];
		struct resources *r = resources_map_slot(
		    &m->resources_exhausted, sched_str(t->name));
		if (r == NULL)
			return ERR_NOMEM;
		if (mem && t->resources != NULL)
			r->memory_mb += t->resources->memory_mb;
		if (cpu && t->resources != NULL)
			r->cpu += t->resources->cpu;
	}
	return 0;
}
