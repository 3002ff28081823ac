/* client/taskenv.c: Nomad's task environment and run-time interpolation
 * (see taskenv.h). The order of the steps follows Nomad's
 * taskenv.Builder.buildEnv, so that later steps override earlier ones in
 * the same way. */
#include "client/taskenv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"

/* ---- interpolation ------------------------------------------------------ */

struct tev_scope {
	const struct strmap *maps[2]; /* searched in order */
	const struct strmap *env;     /* for env["NAME"] */
};

static bool tev_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static const char *tev_find(const struct tev_scope *s, const char *name)
{
	char alias[512];
	/* HCL2's nested form of the node values: node.attr.X, node.meta.X */
	if (strncmp(name, "node.attr.", 10) == 0 ||
	    strncmp(name, "node.meta.", 10) == 0) {
		snprintf(alias, sizeof alias, "%s", name + 5);
		name = alias;
	}
	for (size_t i = 0; i < 2; i++) {
		const char *v =
		    s->maps[i] ? strmap_get(s->maps[i], name) : NULL;
		if (v != NULL)
			return v;
	}
	return NULL;
}

/* Length of a `${...}` reference at p that resolves, with its value in
 * *val; 0 when p does not start one. */
static size_t tev_ref(const struct tev_scope *s, const char *p,
                      const char **val)
{
	char name[512];
	size_t n = 0;
	if (p[0] != '$' || p[1] != '{')
		return 0;
	while (tev_name_char(p[2 + n]))
		n++;
	if (n > 0 && p[2 + n] == '}') {
		if (n >= sizeof name)
			return 0;
		memcpy(name, p + 2, n);
		name[n] = '\0';
		*val = tev_find(s, name);
		return *val ? n + 3 : 0;
	}
	/* ${env["NAME"]} */
	if (n == 3 && strncmp(p + 2, "env[\"", 5) == 0) {
		const char *start = p + 7, *q = strchr(start, '"');
		if (q == NULL || q[1] != ']' || q[2] != '}' ||
		    (size_t)(q - start) >= sizeof name || s->env == NULL)
			return 0;
		memcpy(name, start, (size_t)(q - start));
		name[q - start] = '\0';
		*val = strmap_get(s->env, name);
		return *val ? (size_t)(q + 3 - p) : 0;
	}
	return 0;
}

static int tev_interp(const struct tev_scope *s, const char *in,
                      struct buf *out)
{
	const char *p = in ? in : "";
	buf_reset(out);
	buf_append(out, "", 0);
	while (*p) {
		const char *dollar = strchr(p, '$'), *val = NULL;
		size_t len;
		if (dollar == NULL) {
			buf_append_str(out, p);
			break;
		}
		buf_append(out, p, (size_t)(dollar - p));
		len = tev_ref(s, dollar, &val);
		if (len == 0) {
			buf_append_char(out, '$');
			p = dollar + 1;
			continue;
		}
		buf_append_str(out, val);
		p = dollar + len;
	}
	return out->oom ? ERR_NOMEM : ERR_OK;
}

static int tev_interp_dup(const struct tev_scope *s, const char *in, char **out,
                          struct err *e)
{
	struct buf b;
	buf_init(&b);
	if (tev_interp(s, in, &b) != ERR_OK) {
		buf_release(&b);
		*out = NULL;
		return err_set(e, ERR_NOMEM, "interpolate: out of memory");
	}
	*out = buf_steal(&b, NULL);
	if (*out == NULL)
		return err_set(e, ERR_NOMEM, "interpolate: out of memory");
	return ERR_OK;
}

int taskenv_interpolate(const struct taskenv *env, const char *in, char **out,
                        struct err *e)
{
	struct tev_scope s = {{&env->env, &env->node_attrs}, &env->env};
	return tev_interp_dup(&s, in, out, e);
}

int taskenv_interpolate_host(const struct taskenv *env, const char *in,
                             char **out, struct err *e)
{
	struct tev_scope s = {{&env->host_env, &env->node_attrs},
	                      &env->host_env};
	return tev_interp_dup(&s, in, out, e);
}

static int tev_value(const struct tev_scope *s, const struct value *in,
                     struct value *out, struct buf *b)
{
	switch (in->kind) {
	case VALUE_STRING:
		if (tev_interp(s, in->u.s, b) != ERR_OK)
			return ERR_NOMEM;
		return value_set_string(out, buf_cstr(b));
	case VALUE_LIST:
		out->kind = VALUE_LIST;
		for (size_t i = 0; i < in->u.list.n; i++) {
			struct value *slot = value_list_append(out);
			if (slot == NULL ||
			    tev_value(s, &in->u.list.v[i], slot, b) != ERR_OK)
				return ERR_NOMEM;
		}
		return ERR_OK;
	case VALUE_MAP:
		out->kind = VALUE_MAP;
		for (size_t i = 0; i < in->u.map.n; i++) {
			struct value *slot =
			    value_map_append(out, in->u.map.v[i].key);
			if (slot == NULL || tev_value(s, &in->u.map.v[i].val,
			                              slot, b) != ERR_OK)
				return ERR_NOMEM;
		}
		return ERR_OK;
	default: *out = *in; return ERR_OK;
	}
}

int taskenv_interpolate_value(const struct taskenv *env, const struct value *in,
                              struct value *out, struct err *e)
{
	struct tev_scope s = {{&env->env, &env->node_attrs}, &env->env};
	struct buf b;
	int rc;
	memset(out, 0, sizeof *out);
	buf_init(&b);
	rc = tev_value(&s, in, out, &b);
	buf_release(&b);
	if (rc != ERR_OK) {
		value_release(out);
		return err_set(e, ERR_NOMEM,
		               "interpolate config: out of memory");
	}
	return ERR_OK;
}

/* ---- building ----------------------------------------------------------- */

struct tev_build {
	const struct taskenv_input *in;
	const struct job *job;
	const struct task_group *tg;
	const struct allocated_task_resources *res; /* may be NULL */
	const struct strmap *node_attrs;
	struct strmap *m; /* being built */
	struct buf b;
	int rc;
};

static void tev_set(struct tev_build *t, const char *key, const char *val)
{
	if (t->rc == ERR_OK && strmap_set(t->m, key, val ? val : "") != 0)
		t->rc = ERR_NOMEM;
}

static void tev_setf(struct tev_build *t, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tev_setf(struct tev_build *t, const char *key, const char *fmt, ...)
{
	char val[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof val, fmt, ap);
	va_end(ap);
	tev_set(t, key, val);
}

/* "NOMAD_PORT_" + label etc.; labels are short, keys are bounded. */
static void tev_key(char *out, size_t size, const char *prefix, const char *a,
                    const char *b)
{
	snprintf(out, size, "%s%s%s%s", prefix, a ? a : "", b ? "_" : "",
	         b ? b : "");
}

static void tev_hostport(char *out, size_t size, const char *ip, int64_t port)
{
	ip = ip ? ip : "";
	if (strchr(ip, ':') != NULL)
		snprintf(out, size, "[%s]:%lld", ip, (long long)port);
	else
		snprintf(out, size, "%s:%lld", ip, (long long)port);
}

static void tev_dirs(struct tev_build *t, bool host)
{
	const struct taskenv_input *in = t->in;
	if (host || !in->chroot) {
		tev_setf(t, "NOMAD_ALLOC_DIR", "%s/alloc", in->alloc_dir);
		tev_setf(t, "NOMAD_TASK_DIR", "%s/local", in->task_dir);
		tev_setf(t, "NOMAD_SECRETS_DIR", "%s/secrets", in->task_dir);
	} else {
		tev_set(t, "NOMAD_ALLOC_DIR", "/alloc");
		tev_set(t, "NOMAD_TASK_DIR", "/local");
		tev_set(t, "NOMAD_SECRETS_DIR", "/secrets");
	}
}

/* Reserved cores as Nomad's cpuset string: "0-3,6". */
static void tev_cores(const struct value *cores, char *out, size_t size)
{
	size_t len = 0, n = cores->kind == VALUE_LIST ? cores->u.list.n : 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct value *v = &cores->u.list.v[i];
		int64_t lo, hi;
		if (v->kind != VALUE_INT)
			continue;
		lo = hi = v->u.i;
		while (i + 1 < n && cores->u.list.v[i + 1].kind == VALUE_INT &&
		       cores->u.list.v[i + 1].u.i == hi + 1)
			hi = cores->u.list.v[++i].u.i;
		if (len < size)
			len += (size_t)snprintf(
			    out + len, size - len,
			    lo == hi ? "%s%lld" : "%s%lld-%lld", len ? "," : "",
			    (long long)lo, (long long)hi);
	}
}

static void tev_limits(struct tev_build *t)
{
	const struct resources *r = t->in->task->resources;
	int64_t cpu = r ? r->cpu : 0, mem = r ? r->memory_mb : 0;
	int64_t memmax = r ? r->memory_max_mb : 0;
	char cores[512] = "";
	if (t->res != NULL) {
		cpu = t->res->cpu.cpu_shares;
		mem = t->res->memory.memory_mb;
		memmax = t->res->memory.memory_max_mb;
		tev_cores(&t->res->cpu.reserved_cores, cores, sizeof cores);
	}
	if (mem != 0)
		tev_setf(t, "NOMAD_MEMORY_LIMIT", "%lld", (long long)mem);
	if (memmax != 0)
		tev_setf(t, "NOMAD_MEMORY_MAX_LIMIT", "%lld",
		         (long long)memmax);
	if (cpu != 0)
		tev_setf(t, "NOMAD_CPU_LIMIT", "%lld", (long long)cpu);
	if (cores[0])
		tev_set(t, "NOMAD_CPU_CORES", cores);
}

static bool tev_nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

static void tev_alloc(struct tev_build *t)
{
	const struct allocation *a = t->in->alloc;
	const struct node *n = t->in->node;
	const char *region = t->in->region;
	long long idx = alloc_name_index(a->name);
	if (tev_nonempty(a->id)) {
		tev_set(t, "NOMAD_ALLOC_ID", a->id);
		tev_setf(t, "NOMAD_SHORT_ALLOC_ID", "%.8s", a->id);
	}
	if (tev_nonempty(a->name))
		tev_set(t, "NOMAD_ALLOC_NAME", a->name);
	if (tev_nonempty(a->task_group))
		tev_set(t, "NOMAD_GROUP_NAME", a->task_group);
	tev_setf(t, "NOMAD_ALLOC_INDEX", "%lld", idx < 0 ? 0 : idx);
	if (tev_nonempty(t->in->task->name))
		tev_set(t, "NOMAD_TASK_NAME", t->in->task->name);
	if (tev_nonempty(t->job->id))
		tev_set(t, "NOMAD_JOB_ID", t->job->id);
	if (tev_nonempty(t->job->name))
		tev_set(t, "NOMAD_JOB_NAME", t->job->name);
	if (tev_nonempty(t->job->parent_id))
		tev_set(t, "NOMAD_JOB_PARENT_ID", t->job->parent_id);
	if (n != NULL && tev_nonempty(n->datacenter))
		tev_set(t, "NOMAD_DC", n->datacenter);
	if (n != NULL && tev_nonempty(n->cgroup_parent))
		tev_set(t, "NOMAD_PARENT_CGROUP", n->cgroup_parent);
	if (tev_nonempty(a->namespace))
		tev_set(t, "NOMAD_NAMESPACE", a->namespace);
	if (!tev_nonempty(region))
		region = t->job->region;
	if (tev_nonempty(region))
		tev_set(t, "NOMAD_REGION", region);
}

/* A port of the task's own legacy network (Nomad's buildPortEnv). */
static void tev_task_port(struct tev_build *t, const struct port *p,
                          const char *ip)
{
	char key[300], val[300];
	bool v6 = ip != NULL && strchr(ip, ':') != NULL;
	tev_key(key, sizeof key, "NOMAD_IP_", p->label, NULL);
	tev_set(t, key, ip);
	tev_key(key, sizeof key, v6 ? "NOMAD_IPv6_" : "NOMAD_IPv4_", p->label,
	        NULL);
	tev_set(t, key, ip);
	tev_key(key, sizeof key, "NOMAD_HOST_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)p->value);
	tev_key(key, sizeof key, "NOMAD_ADDR_", p->label, NULL);
	tev_hostport(val, sizeof val, ip, p->value);
	tev_set(t, key, val);
	tev_key(key, sizeof key, "NOMAD_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)p->value);
}

static void tev_task_networks(struct tev_build *t)
{
	const struct network_resource_list *l =
	    t->res ? &t->res->networks : NULL;
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		const struct network_resource *nw = &l->v[i];
		for (size_t j = 0; j < nw->reserved_ports.n; j++)
			tev_task_port(t, &nw->reserved_ports.v[j], nw->ip);
		for (size_t j = 0; j < nw->dynamic_ports.n; j++)
			tev_task_port(t, &nw->dynamic_ports.v[j], nw->ip);
	}
}

/* Another task's legacy port: NOMAD_{ADDR,IP,PORT}_<task>_<label>. */
static void tev_other_port(struct tev_build *t, const char *task,
                           const char *ip, const struct port *p)
{
	char key[300], val[300];
	tev_key(key, sizeof key, "NOMAD_ADDR_", task, p->label);
	tev_hostport(val, sizeof val, ip, p->value);
	tev_set(t, key, val);
	tev_key(key, sizeof key, "NOMAD_IP_", task, p->label);
	tev_set(t, key, ip);
	tev_key(key, sizeof key, "NOMAD_PORT_", task, p->label);
	tev_setf(t, key, "%lld", (long long)p->value);
}

static void tev_other_tasks(struct tev_build *t,
                            const struct allocated_resources *ar)
{
	for (size_t i = 0; i < ar->tasks.n; i++) {
		const char *name = ar->tasks.v[i].key;
		const struct network_resource_list *l =
		    &ar->tasks.v[i].val.networks;
		if (name == NULL || strcmp(name, t->in->task->name) == 0)
			continue;
		for (size_t k = 0; k < l->n; k++) {
			const struct network_resource *nw = &l->v[k];
			for (size_t j = 0; j < nw->reserved_ports.n; j++)
				tev_other_port(t, name, nw->ip,
				               &nw->reserved_ports.v[j]);
			for (size_t j = 0; j < nw->dynamic_ports.n; j++)
				tev_other_port(t, name, nw->ip,
				               &nw->dynamic_ports.v[j]);
		}
	}
}

/* A group network port as the scheduler recorded it in Shared.Networks
 * (Nomad's addGroupPort). */
static void tev_group_port(struct tev_build *t, const struct port *p)
{
	char key[300];
	tev_key(key, sizeof key, "NOMAD_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)(p->to > 0 ? p->to : p->value));
	tev_key(key, sizeof key, "NOMAD_HOST_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)p->value);
}

/* An allocated group port (Nomad's addPorts and addNomadAllocNetwork). */
static void tev_alloc_port(struct tev_build *t,
                           const struct allocated_port_mapping *p,
                           const struct alloc_network_status *ns)
{
	char key[300], val[300];
	int64_t to = p->to > 0 ? p->to : p->value;
	tev_hostport(val, sizeof val, p->host_ip, p->value);
	tev_key(key, sizeof key, "NOMAD_ADDR_", p->label, NULL);
	tev_set(t, key, val);
	tev_key(key, sizeof key, "NOMAD_HOST_ADDR_", p->label, NULL);
	tev_set(t, key, val);
	tev_key(key, sizeof key, "NOMAD_IP_", p->label, NULL);
	tev_set(t, key, p->host_ip);
	tev_key(key, sizeof key, "NOMAD_HOST_IP_", p->label, NULL);
	tev_set(t, key, p->host_ip);
	tev_key(key, sizeof key, "NOMAD_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)to);
	tev_key(key, sizeof key, "NOMAD_ALLOC_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)to);
	tev_key(key, sizeof key, "NOMAD_HOST_PORT_", p->label, NULL);
	tev_setf(t, key, "%lld", (long long)p->value);
	if (ns == NULL || !tev_nonempty(ns->address))
		return;
	tev_key(key, sizeof key, "NOMAD_ALLOC_INTERFACE_", p->label, NULL);
	tev_set(t, key, ns->interface_name);
	tev_key(key, sizeof key, "NOMAD_ALLOC_IP_", p->label, NULL);
	tev_set(t, key, ns->address);
	tev_key(key, sizeof key, "NOMAD_ALLOC_ADDR_", p->label, NULL);
	tev_hostport(val, sizeof val, ns->address, to);
	tev_set(t, key, val);
}

static void tev_ports(struct tev_build *t)
{
	const struct allocated_resources *ar =
	    t->in->alloc->allocated_resources;
	const struct allocated_shared_resources *sh;
	tev_task_networks(t);
	if (ar == NULL)
		return;
	sh = &ar->shared;
	tev_other_tasks(t, ar);
	for (size_t i = 0; i < sh->networks.n; i++) {
		const struct network_resource *nw = &sh->networks.v[i];
		for (size_t j = 0; j < nw->reserved_ports.n; j++)
			tev_group_port(t, &nw->reserved_ports.v[j]);
		for (size_t j = 0; j < nw->dynamic_ports.n; j++)
			tev_group_port(t, &nw->dynamic_ports.v[j]);
	}
	for (size_t i = 0; i < sh->ports.n; i++)
		tev_alloc_port(t, &sh->ports.v[i],
		               t->in->alloc->network_status);
}

/* Interpolation while building: node values first, then what is built so
 * far (Nomad's ReplaceEnv(v, nodeAttrs, envMap)). */
static char *tev_build_interp(struct tev_build *t, const char *s)
{
	struct tev_scope sc = {{t->node_attrs, t->m}, t->m};
	if (t->rc != ERR_OK || tev_interp(&sc, s, &t->b) != ERR_OK) {
		t->rc = ERR_NOMEM;
		return NULL;
	}
	char *d = mem_strdup(buf_cstr(&t->b));
	if (d == NULL)
		t->rc = ERR_NOMEM;
	return d;
}

static void tev_meta_one(struct tev_build *t, const char *k, const char *v)
{
	char key[600];
	char *ik, *iv;
	size_t n;
	snprintf(key, sizeof key, "NOMAD_META_%s", k);
	ik = tev_build_interp(t, key);
	iv = tev_build_interp(t, v);
	tev_set(t, ik, iv);
	mem_free(ik);
	n = snprintf(key, sizeof key, "NOMAD_META_%s", k);
	for (size_t i = 11; i < n && i < sizeof key; i++)
		key[i] = (char)toupper((unsigned char)key[i]);
	ik = tev_build_interp(t, key);
	tev_set(t, ik, iv);
	mem_free(ik);
	mem_free(iv);
}

static void tev_meta(struct tev_build *t)
{
	struct strmap meta = {0};
	const struct strmap *levels[3] = {&t->job->meta, &t->tg->meta,
	                                  &t->in->task->meta};
	const struct parameterized_job_config *pj = t->job->parameterized_job;
	if (t->job->dispatched && pj != NULL)
		for (size_t i = 0; i < pj->meta_optional.n; i++)
			if (strmap_set(&meta, pj->meta_optional.v[i], "") != 0)
				t->rc = ERR_NOMEM;
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < levels[l]->n; i++)
			if (strmap_set(&meta, levels[l]->v[i].key,
			               levels[l]->v[i].val) != 0)
				t->rc = ERR_NOMEM;
	for (size_t i = 0; i < meta.n; i++)
		tev_meta_one(t, meta.v[i].key, meta.v[i].val);
	strmap_release(&meta);
}

/* The task's env block: every value is interpolated against what was
 * built before it, so task variables never see each other (in Nomad
 * they would, in random map order). */
static void tev_user_env(struct tev_build *t)
{
	const struct strmap *env = &t->in->task->env;
	char **vals;
	if (strmap_get(env, "PATH") == NULL &&
	    (t->in->extra_env == NULL ||
	     strmap_get(t->in->extra_env, "PATH") == NULL))
		tev_set(t, "PATH", TASKENV_DEFAULT_PATH);
	if (env->n == 0 || t->rc != ERR_OK)
		return;
	vals = mem_calloc(env->n, sizeof *vals);
	if (vals == NULL) {
		t->rc = ERR_NOMEM;
		return;
	}
	for (size_t i = 0; i < env->n; i++)
		vals[i] = tev_build_interp(t, env->v[i].val);
	for (size_t i = 0; i < env->n; i++) {
		tev_set(t, env->v[i].key, vals[i]);
		mem_free(vals[i]);
	}
	mem_free(vals);
}

/* Nomad's helper.CleanEnvVar for keys with the port and meta prefixes. */
static bool tev_clean_key(char *k)
{
	static const char *const prefixes[] = {
	    "NOMAD_ADDR_", "NOMAD_IP_", "NOMAD_PORT_", "NOMAD_HOST_PORT_",
	    "NOMAD_META_"};
	bool want = false, changed = false;
	for (size_t i = 0; i < 5; i++)
		want |= strncmp(k, prefixes[i], strlen(prefixes[i])) == 0;
	for (size_t i = 0; want && k[i]; i++) {
		char c = k[i];
		if (c == '_' || c == '.' || isalpha((unsigned char)c) ||
		    (i > 0 && isdigit((unsigned char)c)))
			continue;
		k[i] = '_';
		changed = true;
	}
	return changed;
}

static int tev_clean(struct strmap *m)
{
	struct strmap out = {0};
	bool any = false;
	for (size_t i = 0; i < m->n; i++) {
		char *k = mem_strdup(m->v[i].key);
		if (k == NULL)
			goto oom;
		any |= tev_clean_key(k);
		if (strmap_set(&out, k, m->v[i].val) != 0) {
			mem_free(k);
			goto oom;
		}
		mem_free(k);
	}
	if (!any) {
		strmap_release(&out);
		return ERR_OK;
	}
	strmap_release(m);
	*m = out;
	return ERR_OK;
oom:
	strmap_release(&out);
	return ERR_NOMEM;
}

static int tev_build_one(struct tev_build *t, struct strmap *m, bool host)
{
	t->m = m;
	t->rc = ERR_OK;
	tev_dirs(t, host);
	tev_limits(t);
	tev_alloc(t);
	tev_ports(t);
	tev_meta(t);
	tev_user_env(t);
	if (t->rc == ERR_OK && t->in->extra_env != NULL)
		for (size_t i = 0; i < t->in->extra_env->n; i++)
			tev_set(t, t->in->extra_env->v[i].key,
			        t->in->extra_env->v[i].val);
	if (t->rc == ERR_OK)
		t->rc = tev_clean(m);
	return t->rc;
}

static int tev_node_attrs(const struct taskenv_input *in, const char *region,
                          struct strmap *m)
{
	const struct node *n = in->node;
	char key[600];
	int rc = 0;
	if (tev_nonempty(region))
		rc |= strmap_set(m, "node.region", region);
	if (n == NULL)
		return rc ? ERR_NOMEM : ERR_OK;
	rc |= strmap_set(m, "node.unique.id", n->id);
	rc |= strmap_set(m, "node.unique.name", n->name);
	rc |= strmap_set(m, "node.class", n->node_class);
	rc |= strmap_set(m, "node.datacenter", n->datacenter);
	rc |= strmap_set(m, "node.pool", n->node_pool);
	for (size_t i = 0; i < n->attributes.n && rc == 0; i++) {
		snprintf(key, sizeof key, "attr.%s", n->attributes.v[i].key);
		rc |= strmap_set(m, key, n->attributes.v[i].val);
	}
	for (size_t i = 0; i < n->meta.n && rc == 0; i++) {
		snprintf(key, sizeof key, "meta.%s", n->meta.v[i].key);
		rc |= strmap_set(m, key, n->meta.v[i].val);
	}
	return rc ? ERR_NOMEM : ERR_OK;
}

static const struct allocated_task_resources *
tev_task_res(const struct allocation *a, const char *task)
{
	const struct allocated_resources *ar = a->allocated_resources;
	for (size_t i = 0; ar != NULL && i < ar->tasks.n; i++)
		if (ar->tasks.v[i].key != NULL &&
		    strcmp(ar->tasks.v[i].key, task) == 0)
			return &ar->tasks.v[i].val;
	return NULL;
}

static int tev_check_input(const struct taskenv_input *in, struct err *e)
{
	if (in->alloc == NULL || in->alloc->job == NULL)
		return err_set(e, ERR_INVAL,
		               "task environment: allocation "
		               "without a job");
	if (in->task == NULL || !tev_nonempty(in->task->name))
		return err_set(e, ERR_INVAL, "task environment: missing task");
	if (!tev_nonempty(in->alloc_dir) || !tev_nonempty(in->task_dir))
		return err_set(e, ERR_INVAL,
		               "task \"%s\": environment: missing alloc or "
		               "task directory",
		               in->task->name);
	if (job_lookup_group(in->alloc->job, in->alloc->task_group) == NULL)
		return err_set(e, ERR_INVAL,
		               "task \"%s\": environment: group \"%s\" is not "
		               "in the job",
		               in->task->name,
		               in->alloc->task_group ? in->alloc->task_group
		                                     : "");
	return ERR_OK;
}

int taskenv_build(const struct taskenv_input *in, struct taskenv *out,
                  struct err *e)
{
	struct tev_build t = {0};
	const char *region;
	int rc = tev_check_input(in, e);
	taskenv_release(out);
	if (rc != ERR_OK)
		return rc;
	region = tev_nonempty(in->region) ? in->region : in->alloc->job->region;
	t.in = in;
	t.job = in->alloc->job;
	t.tg = job_lookup_group(t.job, in->alloc->task_group);
	t.res = tev_task_res(in->alloc, in->task->name);
	t.node_attrs = &out->node_attrs;
	buf_init(&t.b);
	out->alloc_dir = mem_asprintf("%s/alloc", in->alloc_dir);
	out->task_dir = mem_strdup(in->task_dir);
	rc = out->alloc_dir && out->task_dir ? ERR_OK : ERR_NOMEM;
	if (rc == ERR_OK)
		rc = tev_node_attrs(in, region, &out->node_attrs);
	if (rc == ERR_OK)
		rc = tev_build_one(&t, &out->env, false);
	if (rc == ERR_OK)
		rc = tev_build_one(&t, &out->host_env, true);
	buf_release(&t.b);
	if (rc != ERR_OK) {
		taskenv_release(out);
		return err_set(e, ERR_NOMEM,
		               "task \"%s\": environment: out of "
		               "memory",
		               in->task->name);
	}
	return ERR_OK;
}

void taskenv_release(struct taskenv *env)
{
	strmap_release(&env->env);
	strmap_release(&env->host_env);
	strmap_release(&env->node_attrs);
	mem_free(env->alloc_dir);
	mem_free(env->task_dir);
	memset(env, 0, sizeof *env);
}

const char *taskenv_get(const struct taskenv *env, const char *name)
{
	return strmap_get(&env->env, name);
}

char **taskenv_envp(const struct taskenv *env)
{
	const struct strmap *m = &env->env;
	size_t size = (m->n + 1) * sizeof(char *);
	char **out, *p;
	for (size_t i = 0; i < m->n; i++)
		size += strlen(m->v[i].key) +
		        strlen(m->v[i].val ? m->v[i].val : "") + 2;
	out = mem_malloc(size);
	if (out == NULL)
		return NULL;
	p = (char *)(out + m->n + 1);
	for (size_t i = 0; i < m->n; i++) {
		const char *v = m->v[i].val ? m->v[i].val : "";
		out[i] = p;
		p += sprintf(p, "%s=%s", m->v[i].key, v) + 1;
	}
	out[m->n] = NULL;
	return out;
}

void taskenv_envp_free(char **envp)
{
	mem_free(envp);
}
